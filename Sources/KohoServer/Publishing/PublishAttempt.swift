import Fluent
import FluentSQL
import SQLKit
import Foundation

/// What became of one call to publish a post.
enum AttemptOutcome: String, Codable, Sendable {
    /// Written before the call; still so after it only if the process died in between.
    case pending
    /// The platform answered with the post's id.
    case published
    /// No answer (an error, a lost answer): the next pass reads the account's recent posts before trying again.
    case unknown
    /// An unknown outcome settled: the platform had the post.
    case found
    /// An unknown outcome settled: the platform had no trace of the post, so it is tried again.
    case absent
    /// Refused before anything was done (rate limit, token): tried again later.
    case notDone
    /// Refused as invalid; the post is held for the staff.
    case refused
    /// Dry run: everything but the call.
    case dryRun

    var displayName: String {
        switch self {
        case .pending: return "実行中（結果未確認）"
        case .published: return "発信済み"
        case .unknown: return "結果不明（確認待ち）"
        case .found: return "確認の結果、発信済み"
        case .absent: return "確認の結果、未発信（再試行）"
        case .notDone: return "未実行（再試行）"
        case .refused: return "拒否（保留）"
        case .dryRun: return "試験運転（発信せず）"
        }
    }
}

/// The durable outbox: one row per call, committed before the call is made.
final class PublishAttempt: Model, @unchecked Sendable {
    static let schema = "publish_attempts"
    @ID(key: .id) var id: UUID?
    @Field(key: "post_id") var postID: UUID
    @Field(key: "number") var number: Int
    /// Wall-clock time, comparable with the platform's own timestamps.
    @Field(key: "started_at") var startedAt: Date
    @OptionalField(key: "finished_at") var finishedAt: Date?
    @Field(key: "outcome") var outcome: AttemptOutcome
    @OptionalField(key: "platform_post_id") var platformPostID: String?
    @OptionalField(key: "platform_url") var platformURL: String?
    @Field(key: "message") var message: String
    @Field(key: "worker") var worker: String
    /// The YouTube upload session, sealed: re-sending to it cannot make a second video.
    @OptionalField(key: "upload_session") var uploadSession: String?

    init() {}
}

extension PublishAttempt {
    /// A post's latest attempt, read once per post published: plain SQL, without Fluent building the query.
    static func last(of post: UUID, on db: Database) async throws -> PublishAttempt? {
        guard let sql = db as? SQLDatabase else {
            return try await query(on: db).filter(\.$postID == post).sort(\.$number, .descending).first()
        }
        return try await sql.select().column("*").from(schema).where("post_id", .equal, post).orderBy("number", .descending).limit(1)
            .first()?.decode(fluentModel: PublishAttempt.self)
    }
}
