import Fluent
import Foundation

/// A flood alarm on an account (4(9)/5(9)): comments far above its usual rate, or many flagged misleading, in the
/// window. Raised and cleared by the `comment-alarm` job; at most one open (`clearedAt` nil) per account.
final class CommentAlarm: Model, @unchecked Sendable {
    static let schema = "comment_alarms"

    enum Reason: String, Codable, Sendable {
        /// Far above the usual rate.
        case surge
        /// Many comments flagged as possibly misleading (false information).
        case misleading
        case both

        var displayName: String {
            switch self {
            case .surge: return "コメントの急増"
            case .misleading: return "誤解を与えるおそれのあるコメントの多発"
            case .both: return "コメントの急増と、誤解を与えるおそれのあるコメントの多発"
            }
        }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "account") var account: String
    @Field(key: "reason") var reason: Reason
    @Field(key: "raised_at") var raisedAt: Date
    @OptionalField(key: "cleared_at") var clearedAt: Date?
    /// The figures at the last check: comments in the window, the usual number per window, those flagged misleading.
    @Field(key: "in_window") var inWindow: Int
    @Field(key: "usual_per_window") var usualPerWindow: Double
    @Field(key: "misleading_in_window") var misleadingInWindow: Int
    /// The most comments seen in one window while the alarm was open.
    @Field(key: "peak") var peak: Int
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    var subject: String { "account:\(account)" }
}
