import Fluent
import Foundation
import KohoCore

package final class Post: Model, @unchecked Sendable {
    package static let schema = "posts"
    @ID(key: .id) package var id: UUID?
    @Field(key: "account") var account: String
    @OptionalField(key: "category") var category: String?
    // The planned action, one column per field (with account, category, emergency, article_origin and chosen_at).
    @Field(key: "kind") var kind: PlannedAction.Kind
    @Field(key: "text") var text: String
    @OptionalField(key: "title") var title: String?
    /// The links as a JSON array of strings.
    @Field(key: "links") var linksJSON: String
    @OptionalField(key: "source_url") package var sourceURL: String?
    @OptionalField(key: "emergency_reason") var emergencyReason: String?
    @OptionalField(key: "reply_purpose") var replyPurpose: String?
    @OptionalField(key: "quoted_account") var quotedAccount: String?
    @OptionalField(key: "in_reply_to") var inReplyTo: String?
    /// The time the author chose; nil means the next operating window (or now, for an emergency).
    @OptionalField(key: "chosen_at") var chosenAt: Date?
    @OptionalField(key: "scheduled_at") var scheduledAt: Date?
    @Field(key: "emergency") var emergency: Bool
    @Field(key: "state") package var state: PostState
    /// Optimistic lock: every change bumps it, and a change made against an older number is refused.
    @Field(key: "lock_version") var lockVersion: Int
    @Parent(key: "policy_version_id") var policyVersion: PolicyVersion
    @Field(key: "author_name") var authorName: String
    @Field(key: "requires_chief_approval") var requiresChiefApproval: Bool
    @Field(key: "approval_reasons") var approvalReasons: String
    @Field(key: "uses_hours_exception") var usesHoursException: Bool
    @OptionalField(key: "article_origin") var articleOrigin: String?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    // The publisher's: which worker holds the post until when, when to try again (wall clock), and the result.
    @OptionalField(key: "lease_owner") var leaseOwner: String?
    @OptionalField(key: "lease_until") var leaseUntil: Date?
    @OptionalField(key: "retry_at") var retryAt: Date?
    @OptionalField(key: "platform_post_id") var platformPostID: String?
    @OptionalField(key: "platform_url") var platformURL: String?
    /// Why the post is held or failed, for the staff.
    @OptionalField(key: "publish_message") var publishMessage: String?
    /// The attached file (a YouTube video, an X image): its name under `<data-dir>/media/` (SHA-256 and extension), and its size.
    @OptionalField(key: "media_file") var mediaFile: String?
    @OptionalField(key: "media_bytes") var mediaBytes: Int?
    /// The file's name as it was uploaded (for people; the stored name is the content's hash).
    @OptionalField(key: "media_name") var mediaName: String?
    /// What the chief approved (or, for a category that needs nobody's judgement, what was scheduled) as the
    /// platform receives it: `Rendering.canonicalJSON`, and its SHA-256. Set while the post is scheduled.
    @OptionalField(key: "approved_rendering") var approvedRendering: String?
    @OptionalField(key: "approved_rendering_sha256") var approvedRenderingSHA256: String?
    /// Set while disaster mode holds the scheduled post: why, and since when. The publisher leaves it alone until the
    /// chief releases it into the next operating window.
    @OptionalField(key: "held_reason") var heldReason: String?
    @OptionalField(key: "held_at") var heldAt: Date?

    package init() {}

    /// The listed columns as plain values, where a post's derived answers (action, rendering, reasons) are made.
    var fields: PostFields { PostFields(self) }

    var action: PlannedAction { get throws { try fields.action } }

    var links: [String] { get throws { try fields.links } }

    /// Stores `a` in the post's columns; its `scheduledAt` is the time the author chose.
    func store(_ a: PlannedAction) {
        let e = StoredText.encode
        account = a.account; kind = a.kind; category = a.category; text = e(a.text); title = a.title.map(e)
        linksJSON = Post.linksJSON(a.links); sourceURL = a.sourceURL.map(e); chosenAt = a.scheduledAt; emergency = a.emergency
        emergencyReason = a.emergencyReason.map(e); replyPurpose = a.replyPurpose.map(e); quotedAccount = a.quotedAccount.map(e)
        articleOrigin = a.articleOrigin; inReplyTo = a.inReplyTo.map(e)
    }

    static func linksJSON(_ links: [String]) -> String {
        guard !links.isEmpty else { return "[]" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        // Encoding an array of strings cannot fail.
        return String(decoding: (try? encoder.encode(links)) ?? Data("[]".utf8), as: UTF8.self)
    }

    var mediaSHA256: String? { fields.mediaSHA256 }

    /// What the platform would receive for the post now, under `policy`.
    func rendering(_ policy: Policy) throws -> Result<Rendering, RenderingProblem>? { try fields.rendering(policy) }

    var reasons: [String] { fields.reasons }
}

/// Free text in a post's columns keeps a NUL as `\0` (and a backslash as `\\`): SQLite returns text only up to a NUL
/// and PostgreSQL refuses it, while the JSON blob these columns replace kept every character.
enum StoredText {
    static func encode(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0 || $0 == 0x5C }) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\0": out += "\\0"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    static func decode(_ s: String) -> String {
        guard s.utf8.contains(0x5C) else { return s }
        var out = ""
        var escaped = false
        for u in s.unicodeScalars {
            if escaped {
                out.unicodeScalars.append(u == "0" ? "\0" : u)
                escaped = false
            } else if u == "\\" {
                escaped = true
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
