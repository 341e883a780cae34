import Fluent
import Foundation
import KohoCore
import KohoPlatforms
import SQLKit

/// One platform call kept with the attempt it belongs to (a publish attempt or a comment action): the request as
/// sent and the answer, secrets removed (`PlatformCallRedaction`), each body at most `PlatformCall.maxBodyBytes`.
final class PlatformCallRecord: Model, @unchecked Sendable {
    static let schema = "platform_calls"
    @ID(key: .id) var id: UUID?
    /// `publish` (`publish_attempts`) or `comment` (`comment_actions`).
    @Field(key: "attempt_kind") var attemptKind: String
    @Field(key: "attempt_id") var attemptID: UUID
    /// `post:<id>` or `comment:<id>`, as the audit trail names it.
    @Field(key: "subject") var subject: String
    @Field(key: "sequence") var sequence: Int
    @Field(key: "method") var method: String
    @Field(key: "url") var url: String
    @Field(key: "request_headers") var requestHeaders: String
    @Field(key: "request_body") var requestBody: Data
    @Field(key: "request_body_bytes") var requestBodyBytes: Int
    @OptionalField(key: "request_body_sha256") var requestBodySHA256: String?
    @Field(key: "request_body_cut") var requestBodyCut: Bool
    @OptionalField(key: "status") var status: Int?
    @Field(key: "response_headers") var responseHeaders: String
    @Field(key: "response_body") var responseBody: Data
    @Field(key: "response_body_bytes") var responseBodyBytes: Int
    @Field(key: "response_body_cut") var responseBodyCut: Bool
    @Field(key: "started_at") var startedAt: Date
    @Field(key: "finished_at") var finishedAt: Date
    @OptionalField(key: "error") var error: String?
    @Field(key: "redacted") var redacted: Bool

    init() {}

    var call: PlatformCall {
        PlatformCall(method: method, url: url, requestHeaders: Self.headers(requestHeaders), requestBody: requestBody,
                     requestBodyBytes: requestBodyBytes, requestBodySHA256: requestBodySHA256, requestBodyCut: requestBodyCut,
                     status: status, responseHeaders: Self.headers(responseHeaders), responseBody: responseBody,
                     responseBodyBytes: responseBodyBytes, responseBodyCut: responseBodyCut, startedAt: startedAt,
                     finishedAt: finishedAt, error: error, redacted: redacted)
    }

    static func headers(_ json: String) -> [PlatformCall.Header] {
        (try? JSONDecoder().decode([PlatformCall.Header].self, from: Data(json.utf8))) ?? []
    }
}

/// The table of kept calls, and the legal holds (retention never removes what a hold protects).
struct CreatePlatformCallsAndLegalHolds: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(PlatformCallRecord.schema)
            .id()
            .field("attempt_kind", .string, .required)
            .field("attempt_id", .uuid, .required)
            .field("subject", .string, .required)
            .field("sequence", .int, .required)
            .field("method", .string, .required)
            .field("url", .string, .required)
            .field("request_headers", .string, .required)
            .field("request_body", .data, .required)
            .field("request_body_bytes", .int, .required)
            .field("request_body_sha256", .string)
            .field("request_body_cut", .bool, .required)
            .field("status", .int)
            .field("response_headers", .string, .required)
            .field("response_body", .data, .required)
            .field("response_body_bytes", .int, .required)
            .field("response_body_cut", .bool, .required)
            .field("started_at", .datetime, .required)
            .field("finished_at", .datetime, .required)
            .field("error", .string)
            .field("redacted", .bool, .required)
            .unique(on: "attempt_id", "sequence")
            .create()
        try await db.schema(LegalHold.schema)
            .field("subject", .string, .identifier(auto: false))
            .field("reason", .string, .required)
            .field("set_by", .string, .required)
            .field("set_at", .datetime, .required)
            .create()
        if let sql = db as? SQLDatabase {
            try await sql.create(index: "platform_calls_subject").on(PlatformCallRecord.schema).column("subject").run()
        }
    }

    func revert(on db: Database) async throws {
        try await db.schema(LegalHold.schema).delete()
        try await db.schema(PlatformCallRecord.schema).delete()
    }
}

enum PlatformCalls {
    static let publish = "publish"
    static let comment = "comment"

    /// Keeps `calls` for one attempt, after those it already has (an attempt's calls may come in two writes).
    static func store(_ calls: [PlatformCall], kind: String, attempt: UUID, subject: String, on db: Database) async throws {
        guard !calls.isEmpty else { return }
        let existing = try await PlatformCallRecord.query(on: db).filter(\.$attemptID == attempt).count()
        let encoder = JSONEncoder()
        for (i, c) in calls.enumerated() {
            let r = PlatformCallRecord()
            r.id = UUID()
            r.attemptKind = kind
            r.attemptID = attempt
            r.subject = subject
            r.sequence = existing + i + 1
            r.method = c.method
            r.url = c.url
            r.requestHeaders = String(decoding: try encoder.encode(c.requestHeaders), as: UTF8.self)
            r.requestBody = c.requestBody
            r.requestBodyBytes = c.requestBodyBytes
            r.requestBodySHA256 = c.requestBodySHA256
            r.requestBodyCut = c.requestBodyCut
            r.status = c.status
            r.responseHeaders = String(decoding: try encoder.encode(c.responseHeaders), as: UTF8.self)
            r.responseBody = c.responseBody
            r.responseBodyBytes = c.responseBodyBytes
            r.responseBodyCut = c.responseBodyCut
            r.startedAt = c.startedAt
            r.finishedAt = c.finishedAt
            r.error = c.error
            r.redacted = c.redacted
            try await r.create(on: db)
        }
    }

    /// Every call kept about `subject`, by attempt and then in order.
    static func all(subject: String, on db: Database) async throws -> [PlatformCallRecord] {
        try await PlatformCallRecord.query(on: db).filter(\.$subject == subject).sort(\.$startedAt).sort(\.$sequence).all()
    }

    static func count(subject: String, on db: Database) async throws -> Int {
        try await PlatformCallRecord.query(on: db).filter(\.$subject == subject).count()
    }

    /// A body as text when it is readable UTF-8 without control characters (line breaks and tabs aside); nil otherwise.
    static func text(_ data: Data) -> String? {
        guard let s = String(data: data, encoding: .utf8) else { return nil }
        let bad = s.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\r" && $0 != "\t") || $0.value == 0x7F }
        return bad ? nil : s
    }

    /// The call for `record.json` and the API: bodies as text when they are text, else base64.
    static func json(_ r: PlatformCallRecord) -> [String: Any] {
        func body(_ data: Data) -> [String: Any] {
            if let t = text(data) { return ["text": t] }
            return ["base64": data.base64EncodedString()]
        }
        func headers(_ h: [PlatformCall.Header]) -> [[String: String]] { h.map { ["name": $0.name, "value": $0.value] } }
        let c = r.call
        return [
            "attemptKind": r.attemptKind, "attemptId": r.attemptID.uuidString.lowercased(), "sequence": r.sequence,
            "method": c.method, "url": c.url, "startedAt": JapaneseTime.iso8601(c.startedAt), "finishedAt": JapaneseTime.iso8601(c.finishedAt),
            "request": ["headers": headers(c.requestHeaders), "body": body(c.requestBody), "bodyBytes": c.requestBodyBytes,
                        "bodySHA256": c.requestBodySHA256 ?? NSNull(), "bodyCut": c.requestBodyCut] as [String: Any],
            "response": ["status": c.status ?? NSNull(), "headers": headers(c.responseHeaders), "body": body(c.responseBody),
                         "bodyBytes": c.responseBodyBytes, "bodyCut": c.responseBodyCut] as [String: Any],
            "error": c.error ?? NSNull(), "secretsRemoved": c.redacted,
        ]
    }
}
