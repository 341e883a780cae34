import Fluent
import Foundation
import KohoCore

/// Where a comment stands on its platform, as far as Koho knows.
enum CommentState: String, Codable, Sendable, CaseIterable {
    case visible, hidden, deleted

    var displayName: String {
        switch self {
        case .visible: return "表示中"
        case .hidden: return "非表示"
        case .deleted: return "削除済み"
        }
    }
}

/// What the chief decided for a comment: KohoCore's, with its rules.
typealias CommentDecisionAction = KohoCore.CommentDecisionAction

/// Where carrying out a hide or delete stands (the comment's side of the outbox in `comment_actions`).
enum CommentActionStatus: String, Codable, Sendable {
    /// Waiting for the next round (first try, or a retry after `retryAt`).
    case queued
    /// The platform did it (or, settling an unknown outcome, was found to have done it).
    case done
    /// The platform refused it as invalid: shown to the chief, not retried.
    case failed

    var displayName: String {
        switch self {
        case .queued: return "実行待ち（再試行中を含む）"
        case .done: return "実行済み"
        case .failed: return "失敗（プラットフォームが拒否）"
        }
    }
}

/// A resident's comment as Koho received it. `text` is the text as first received and is never overwritten: a
/// records request finds it after the comment is edited, hidden or deleted anywhere; later versions are events.
package final class Comment: Model, @unchecked Sendable {
    package static let schema = "comments"
    @ID(key: .id) package var id: UUID?
    @Field(key: "account") var account: String
    @Field(key: "platform") var platform: String
    @Field(key: "platform_comment_id") var platformCommentID: String
    @Field(key: "platform_post_id") var platformPostID: String
    /// Koho's post, where Koho published the post the comment is on.
    @OptionalField(key: "post_id") var postID: UUID?
    @OptionalField(key: "parent_id") var parentID: String?
    @Field(key: "author_name") var authorName: String
    @OptionalField(key: "author_id") var authorID: String?
    /// The platform's time for the comment (Koho's receipt time where the platform gives none).
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "received_at") var receivedAt: Date
    @Field(key: "text") var text: String
    /// The latest text (after an edit); equal to `text` until one.
    @Field(key: "current_text") var currentText: String
    @Field(key: "state") var state: CommentState
    /// YouTube's moderation status as last seen (published, heldForReview, likelySpam, rejected).
    @OptionalField(key: "moderation_status") var moderationStatus: String?
    /// The classifier's `CommentAssessment`, as JSON; the three columns after it are for filtering.
    @Field(key: "assessment") var assessmentJSON: String
    @Field(key: "suggestion") var suggestion: String
    /// The marks of the grounds flagged, e.g. `③①` (empty when none).
    @Field(key: "grounds") var grounds: String
    @Field(key: "misleading") var misleading: Bool
    @OptionalField(key: "decision") var decision: CommentDecisionAction?
    @OptionalField(key: "decision_ground") var decisionGround: String?
    @OptionalField(key: "decision_reason") var decisionReason: String?
    @OptionalField(key: "decided_by") var decidedBy: String?
    @OptionalField(key: "decided_at") var decidedAt: Date?
    /// A reply draft opened by a `correct` decision.
    @OptionalField(key: "reply_post_id") var replyPostID: UUID?
    @OptionalField(key: "action_status") var actionStatus: CommentActionStatus?
    @OptionalField(key: "action_retry_at") var actionRetryAt: Date?
    @OptionalField(key: "action_message") var actionMessage: String?
    @OptionalField(key: "lease_until") var leaseUntil: Date?
    @Field(key: "updated_at") var updatedAt: Date
    /// The chief hid or deleted it although Koho suggested keeping it, or marked it as criticism of the city: done
    /// only with an explicit confirmation, and shown as 「提案に反する削除」 wherever the decision is.
    @OptionalField(key: "decision_against_suggestion") var decisionAgainstSuggestion: Bool?
    /// The image the comment carries, as the platform answered (`CommentImage`); nil when it has none.
    @OptionalField(key: "image_kind") var imageKind: String?
    @OptionalField(key: "image_url") var imageURL: String?
    @OptionalField(key: "image_alt") var imageAlt: String?
    /// Why Koho could not read the image (the comment then waits for review); nil when it could.
    @OptionalField(key: "image_problem") var imageProblem: String?

    package init() {}

    var assessment: CommentAssessment {
        (try? JSONDecoder().decode(CommentAssessment.self, from: Data(assessmentJSON.utf8)))
            ?? CommentAssessment(grounds: [], misleading: false, suggestion: .keep)
    }

    var platformValue: Platform? { Platform(rawValue: platform) }
    var hasImage: Bool { imageKind != nil }
    /// Deleted on its platform, or deleted by the chief's decision carried out (on YouTube a deletion is a rejection,
    /// which leaves the comment `hidden`): it is never decided again.
    var isDeleted: Bool { state == .deleted || (decision == .delete && actionStatus == .done) }
    /// A decided hide/delete against Koho's suggestion, in the words every view uses.
    var againstSuggestionLabel: String? {
        guard decisionAgainstSuggestion == true, let d = decision, d.actsOnPlatform else { return nil }
        return d == .delete ? "提案に反する削除" : "提案に反する削除（非表示）"
    }
    var subject: String { "comment:\(id?.uuidString.lowercased() ?? "")" }
}

/// One thing that happened to a comment: received, edited, hidden, removed by the platform, a proposal, a decision,
/// an attempt to carry it out. Append-only.
final class CommentEvent: Model, @unchecked Sendable {
    static let schema = "comment_events"
    @ID(key: .id) var id: UUID?
    @Field(key: "comment_id") var commentID: UUID
    @Field(key: "at") var at: Date
    /// received, edited, hidden, unhidden, removed, restored, proposed, decided, actionDone, actionFailed, actionRetry
    @Field(key: "kind") var kind: String
    @Field(key: "actor") var actor: String
    /// The new text for `edited`; the decision's reason for `proposed`/`decided`; otherwise what happened.
    @Field(key: "detail") var detail: String

    init() {}

    init(comment: UUID, at: Date, kind: String, actor: String, detail: String) {
        self.id = UUID()
        self.commentID = comment
        self.at = at
        self.kind = kind
        self.actor = actor
        self.detail = detail
    }

    var displayKind: String {
        switch kind {
        case "received": return "受信"
        case "edited": return "投稿者が編集"
        case "hidden": return "非表示になった"
        case "unhidden": return "再表示された"
        case "removed": return "プラットフォーム上で削除された"
        case "proposed": return "担当者の提案"
        case "decided": return "課長の決定"
        case "actionDone": return "プラットフォームで実行"
        case "actionFailed": return "実行できず"
        case "actionRetry": return "結果不明・再試行"
        case "guidance": return "問合せへの案内（返信の下書き）"
        default: return kind
        }
    }
}

/// The outbox of hide/delete calls: one row per call, committed before the call (as `publish_attempts` for posts).
final class CommentAction: Model, @unchecked Sendable {
    static let schema = "comment_actions"
    @ID(key: .id) var id: UUID?
    @Field(key: "comment_id") var commentID: UUID
    @Field(key: "number") var number: Int
    @Field(key: "action") var action: CommentDecisionAction
    @Field(key: "started_at") var startedAt: Date
    @OptionalField(key: "finished_at") var finishedAt: Date?
    /// Reuses the publisher's outcomes: pending, published (done), unknown, found, absent, notDone, refused.
    @Field(key: "outcome") var outcome: AttemptOutcome
    @Field(key: "message") var message: String
    @Field(key: "worker") var worker: String

    init() {}
}
