import Foundation
import XCTVapor
import XCTest
import Yams
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// The OpenAPI file against the JSON the API really answers: every property the document gives a schema appears in
/// some answer built here, and no answer carries a property the document does not give.
final class OpenAPIContractTests: PublisherTestCase {
    func schemaProperties() async throws -> [String: Set<String>] {
        var yaml = ""
        try await app.testable().test(.GET, "/api/v1/openapi.yaml") { res async in
            XCTAssertEqual(res.status, .ok)
            yaml = res.body.string
        }
        XCTAssertEqual(yaml, OpenAPIDocument.yaml)
        let doc = try XCTUnwrap(try Yams.load(yaml: yaml) as? [String: Any])
        let schemas = try XCTUnwrap((doc["components"] as? [String: Any])?["schemas"] as? [String: Any])
        var out: [String: Set<String>] = [:]
        for name in ["Post", "PublishAttempt", "HistoryItem", "Rendering", "AuditEntry", "Notice", "PublicNotice", "Suspension"] {
            let props = try XCTUnwrap((schemas[name] as? [String: Any])?["properties"] as? [String: Any], name)
            out[name] = Set(props.keys)
        }
        return out
    }

    /// The keys seen per schema, walking a post's rendering, history and attempts.
    var seen: [String: Set<String>] = [:]

    func record(_ schema: String, _ object: [String: Any], file: StaticString = #filePath, line: UInt = #line) {
        seen[schema, default: []].formUnion(object.keys)
        guard schema == "Post" else { return }
        if let r = object["rendering"] as? [String: Any] { record("Rendering", r, file: file, line: line) }
        for h in object["history"] as? [[String: Any]] ?? [] { record("HistoryItem", h, file: file, line: line) }
        for a in object["attempts"] as? [[String: Any]] ?? [] { record("PublishAttempt", a, file: file, line: line) }
    }

    func show(_ id: String) async throws {
        let r = try await api(.GET, "/posts/\(id)", token: chiefToken)
        XCTAssertEqual(r.status, .ok, r.body)
        record("Post", r.json)
    }

    func created(_ fields: String) async throws -> APIResult {
        let r = try await createPost(chiefToken, fields)
        XCTAssertEqual(r.status, .created, r.body)
        return r
    }

    func testTheDocumentedSchemasAreWhatTheAPIAnswers() async throws {
        let documented = try await schemaProperties()

        // An X post with an image, published: the platform's id, the attempts and the media.
        let x = postID(try await created(#"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりの会場の様子です"}"#))
        let attached = try await attachMedia(chiefToken, x, version: 1, data: Self.sampleImage)
        XCTAssertEqual(attached.status, .ok, attached.body)
        record("Post", attached.json)
        var step = try await api(.POST, "/posts/\(x)/submit", token: chiefToken)
        if step.json["state"] as? String == "submitted" { step = try await api(.POST, "/posts/\(x)/approve", token: chiefToken) }
        XCTAssertEqual(step.json["state"] as? String, "scheduled", step.body)
        record("Post", step.json)
        try await waitFor { try await Post.find(UUID(uuidString: x)!, on: self.app.db)?.state == .published }
        try await show(x)

        // A quote of a post the platform does not know: refused, with the reason for the staff.
        let quote = postID(try await created(#"{"account":"kodaira_tokyo","kind":"quote","category":"ア","text":"都の防災情報です","links":["https://x.com/tokyo_bousai/status/1234567890"],"sourceURL":"https://www.city.kodaira.tokyo.jp/bousai/hinan.html","quotedAccount":"tokyo_bousai","emergency":true,"emergencyReason":"大雨"}"#))
        step = try await api(.POST, "/posts/\(quote)/submit", token: chiefToken)
        if step.json["state"] as? String == "submitted" { step = try await api(.POST, "/posts/\(quote)/approve", token: chiefToken) }
        try await waitFor { try await Post.find(UUID(uuidString: quote)!, on: self.app.db)?.state == .failed }
        try await show(quote)

        // Drafts for the other renderings: a YouTube video, a Facebook post with links at a chosen time, and a reply.
        try await show(postID(try await created(#"{"account":"UCp9YZtjCNcG0q3fQ1ln31Xg","category":"①","title":"小平の紅葉","text":"市内の紅葉を紹介します"}"#)))
        // A Facebook post with links at a chosen time, scheduled and then held by disaster mode.
        let held = postID(try await created(#"{"account":"koho.kodairacity","category":"③","text":"催しのお知らせ","articleOrigin":"shiho","links":["https://www.city.kodaira.tokyo.jp/event/1.html"],"scheduledAt":"2026-11-26T10:00:00+09:00"}"#))
        step = try await api(.POST, "/posts/\(held)/submit", token: chiefToken)
        if step.json["state"] as? String == "submitted" { step = try await api(.POST, "/posts/\(held)/approve", token: chiefToken) }
        XCTAssertEqual(step.json["state"] as? String, "scheduled", step.body)
        let switched = try await api(.POST, "/disaster-mode", token: chiefToken, json: #"{"accounts":["koho.kodairacity"],"on":true,"reason":"台風"}"#)
        XCTAssertEqual(switched.status, .ok, switched.body)
        try await show(held)
        try await show(postID(try await created(#"{"account":"koho.kodairacity","kind":"reply","category":"③","text":"日付を訂正します","replyPurpose":"correction","inReplyTo":"123_456","articleOrigin":"shiho"}"#)))

        let list = try await app.testable().sendRequest(.GET, "/api/v1/posts", beforeRequest: { [token = chiefToken] (req: inout XCTHTTPRequest) async throws in
            req.headers.bearerAuthorization = BearerAuthorization(token: token)
        })
        let posts = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(list.body.string.utf8)) as? [[String: Any]])
        XCTAssertEqual(posts.count, 5)
        for p in posts { record("Post", p) }

        let audit = try await app.testable().sendRequest(.GET, "/api/v1/audit", beforeRequest: { [token = chiefToken] (req: inout XCTHTTPRequest) async throws in
            req.headers.bearerAuthorization = BearerAuthorization(token: token)
        })
        let entries = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(audit.body.string.utf8)) as? [[String: Any]], audit.body.string)
        XCTAssertFalse(entries.isEmpty)
        for e in entries { record("AuditEntry", e) }

        // A notice as drafted, as published, and as the public list shows it.
        let draft = try await api(.POST, "/notices", token: chiefToken, json: #"{"kind":"suspension","account":"koho.kodairacity","title":"停止のお知らせ","body":"理由","about":"suspension:koho.kodairacity"}"#)
        XCTAssertEqual(draft.status, .created, draft.body)
        record("Notice", draft.json)
        let live = try await publishNotice(draft.json["id"] as? String ?? "", token: chiefToken)
        record("Notice", live.json)
        let resumed = try await api(.POST, "/accounts/koho.kodairacity/suspension", token: chiefToken,
                                    json: #"{"action":"suspend","noticeId":"\#(draft.json["id"] as? String ?? "")"}"#)
        XCTAssertEqual(resumed.status, .ok, resumed.body)
        record("Suspension", resumed.json)
        record("Suspension", try await api(.POST, "/accounts/koho.kodairacity/suspension", token: chiefToken, json: #"{"action":"resume"}"#).json)
        for n in try await api(.GET, "/notices", token: chiefToken).body.jsonArray { record("Notice", n) }
        let pub = try await app.testable().sendRequest(.GET, "/public/notices.json")
        for n in pub.body.string.jsonArray { record("PublicNotice", n) }

        for (schema, properties) in documented {
            let answered = seen[schema] ?? []
            XCTAssertEqual(properties.subtracting(answered).sorted(), [], "\(schema): documented but in no answer")
            XCTAssertEqual(answered.subtracting(properties).sorted(), [], "\(schema): answered but not documented")
        }
    }
}
