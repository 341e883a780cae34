import Crypto
import Fluent
import Foundation
import KohoCore
import Vapor

/// A signed delivery stays signed for ever: whoever captured one can send it again. Each delivery taken is kept by
/// its digest (a second copy changes nothing), and each comment by the time of the latest change taken for it (a
/// change older than that, even in another delivery, is ignored), so that a replay cannot re-hide a comment that was
/// shown again since.
final class WebhookDelivery: Model, @unchecked Sendable {
    static let schema = "webhook_deliveries"
    @ID(key: .id) var id: UUID?
    /// The SHA-256 of the raw body, hex.
    @Field(key: "digest") var digest: String
    @Field(key: "received_at") var receivedAt: Date

    init() {}
}

final class WebhookCommentMark: Model, @unchecked Sendable {
    static let schema = "webhook_comment_marks"
    @ID(key: .id) var id: UUID?
    @Field(key: "platform") var platform: String
    @Field(key: "platform_comment_id") var platformCommentID: String
    /// The entry `time` (Unix seconds) of the latest change taken.
    @Field(key: "change_time") var changeTime: Double

    init() {}
}

struct CreateWebhookReplayGuard: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(WebhookDelivery.schema)
            .id()
            .field("digest", .string, .required)
            .field("received_at", .datetime, .required)
            .unique(on: "digest")
            .create()
        try await db.schema(WebhookCommentMark.schema)
            .id()
            .field("platform", .string, .required)
            .field("platform_comment_id", .string, .required)
            .field("change_time", .double, .required)
            .unique(on: "platform", "platform_comment_id")
            .create()
    }

    func revert(on db: Database) async throws {
        try await db.schema(WebhookCommentMark.schema).delete()
        try await db.schema(WebhookDelivery.schema).delete()
    }
}

enum WebhookReplayGuard {
    /// Digests are kept this long; an older replay is still stopped by the comments' change times.
    static let keepDigests: TimeInterval = 30 * 86_400

    static func digest(_ body: Data) -> String { SHA256.hash(data: body).lowercaseHex }

    static func seen(_ digest: String, on db: Database) async throws -> Bool {
        try await WebhookDelivery.query(on: db).filter(\.$digest == digest).first() != nil
    }

    /// An entry's `time` as a change time: nil when absent or not a plausible moment (negative, not finite, more
    /// than a day ahead of `now`), so that one absurd value cannot freeze a comment.
    static func changeTime(_ t: Double?, now: Date) -> Double? {
        guard let t, t.isFinite, t >= 0, t <= now.timeIntervalSince1970 + 86_400 else { return nil }
        return t
    }

    /// The stored change times of `ids` on `platform`.
    static func marks(_ ids: [String], platform: String, on db: Database) async throws -> [String: Double] {
        guard !ids.isEmpty else { return [:] }
        var out: [String: Double] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            for m in try await WebhookCommentMark.query(on: db).filter(\.$platform == platform).filter(\.$platformCommentID ~~ chunk).all() {
                out[m.platformCommentID] = m.changeTime
            }
        }
        return out
    }

    /// Keeps the delivery's digest and each comment's latest change time, under the write lock.
    static func remember(_ digest: String, times: [String: Double], platform: String, ctx: KohoContext, now: Date) async throws {
        let db = ctx.db
        try await ctx.write(on: db) { db in
            let seen = try await WebhookDelivery.query(on: db).filter(\.$digest == digest).first() != nil
            if !seen {
                let d = WebhookDelivery()
                d.digest = digest
                d.receivedAt = now
                try await d.create(on: db)
            }
            try await WebhookDelivery.query(on: db).filter(\.$receivedAt < now.addingTimeInterval(-keepDigests)).delete()
            for (id, t) in times {
                if let m = try await WebhookCommentMark.query(on: db).filter(\.$platform == platform).filter(\.$platformCommentID == id).first() {
                    guard t > m.changeTime else { continue }
                    m.changeTime = t
                    try await m.update(on: db)
                } else {
                    let m = WebhookCommentMark()
                    m.platform = platform
                    m.platformCommentID = id
                    m.changeTime = t
                    try await m.create(on: db)
                }
            }
        }
    }
}
