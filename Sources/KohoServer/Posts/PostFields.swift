import Foundation
import KohoCore

/// A post's columns as a list shows them (`Post.listedColumns`), as plain values: what the post list of the API reads
/// straight from the driver (`RawStatement`), and what a `Post` model gives for the same answers, so that both
/// come from one place.
struct PostFields: Sendable {
    var id: UUID
    var account: String
    var category: String?
    var kind: PlannedAction.Kind
    var text: String
    var title: String?
    var linksJSON: String
    var sourceURL: String?
    var emergencyReason: String?
    var replyPurpose: String?
    var quotedAccount: String?
    var inReplyTo: String?
    var chosenAt: Date?
    var scheduledAt: Date?
    var emergency: Bool
    var state: PostState
    var lockVersion: Int
    var policyVersionID: UUID
    var authorName: String
    var requiresChiefApproval: Bool
    var approvalReasons: String
    var usesHoursException: Bool
    var articleOrigin: String?
    var createdAt: Date
    var updatedAt: Date
    var platformPostID: String?
    var platformURL: String?
    var publishMessage: String?
    var mediaFile: String?
    var mediaBytes: Int?
    var mediaName: String?
    var approvedRenderingSHA256: String?
    var heldReason: String?
    var heldAt: Date?

    /// The columns `init(row:)` reads, in its order. `PostFieldsTests` checks they are exactly `Post.listedColumns`.
    static let columns = ["id", "account", "category", "kind", "text", "title", "links", "source_url", "emergency_reason",
                          "reply_purpose", "quoted_account", "in_reply_to", "chosen_at", "scheduled_at", "emergency", "state",
                          "lock_version", "policy_version_id", "author_name", "requires_chief_approval", "approval_reasons",
                          "uses_hours_exception", "article_origin", "created_at", "updated_at", "platform_post_id", "platform_url",
                          "publish_message", "media_file", "media_bytes", "media_name", "approved_rendering_sha256", "held_reason",
                          "held_at"]
    static let selectList = columns.joined(separator: ", ")

    struct UnknownValue: Error, CustomStringConvertible {
        let column: String
        let value: String
        var description: String { "投稿の \(column) が読めない値です（\(value)）" }
    }

    /// The row of a statement that selects `columns` from `first` on.
    init(row r: RawRow, first c: Int = 0) throws {
        id = try r.required(r.uuid(c), c)
        account = try r.required(r.string(c + 1), c + 1)
        category = try r.string(c + 2)
        let kindText = try r.required(r.string(c + 3), c + 3)
        guard let kind = PlannedAction.Kind(rawValue: kindText) else { throw UnknownValue(column: "kind", value: kindText) }
        self.kind = kind
        text = try r.required(r.string(c + 4), c + 4)
        title = try r.string(c + 5)
        linksJSON = try r.required(r.string(c + 6), c + 6)
        sourceURL = try r.string(c + 7)
        emergencyReason = try r.string(c + 8)
        replyPurpose = try r.string(c + 9)
        quotedAccount = try r.string(c + 10)
        inReplyTo = try r.string(c + 11)
        chosenAt = try r.date(c + 12)
        scheduledAt = try r.date(c + 13)
        emergency = try r.required(r.bool(c + 14), c + 14)
        let stateText = try r.required(r.string(c + 15), c + 15)
        guard let state = PostState(rawValue: stateText) else { throw UnknownValue(column: "state", value: stateText) }
        self.state = state
        lockVersion = try r.required(r.int(c + 16), c + 16)
        policyVersionID = try r.required(r.uuid(c + 17), c + 17)
        authorName = try r.required(r.string(c + 18), c + 18)
        requiresChiefApproval = try r.required(r.bool(c + 19), c + 19)
        approvalReasons = try r.required(r.string(c + 20), c + 20)
        usesHoursException = try r.required(r.bool(c + 21), c + 21)
        articleOrigin = try r.string(c + 22)
        createdAt = try r.required(r.date(c + 23), c + 23)
        updatedAt = try r.required(r.date(c + 24), c + 24)
        platformPostID = try r.string(c + 25)
        platformURL = try r.string(c + 26)
        publishMessage = try r.string(c + 27)
        mediaFile = try r.string(c + 28)
        mediaBytes = try r.int(c + 29)
        mediaName = try r.string(c + 30)
        approvedRenderingSHA256 = try r.string(c + 31)
        heldReason = try r.string(c + 32)
        heldAt = try r.date(c + 33)
    }

    /// From a model, also one not saved yet (as the workflow checks it before saving): a column never set reads as
    /// empty here rather than stopping the process, as Fluent's getters would.
    init(_ p: Post) {
        id = p.id ?? UUID()
        account = p.$account.value ?? ""; category = p.category; kind = p.$kind.value ?? .post; text = p.$text.value ?? ""
        title = p.title; linksJSON = p.$linksJSON.value ?? "[]"; sourceURL = p.sourceURL; emergencyReason = p.emergencyReason
        replyPurpose = p.replyPurpose; quotedAccount = p.quotedAccount; inReplyTo = p.inReplyTo; chosenAt = p.chosenAt
        scheduledAt = p.scheduledAt; emergency = p.$emergency.value ?? false; state = p.$state.value ?? .draft
        lockVersion = p.$lockVersion.value ?? 0; policyVersionID = p.$policyVersion.$id.value ?? UUID()
        authorName = p.$authorName.value ?? ""; requiresChiefApproval = p.$requiresChiefApproval.value ?? false
        approvalReasons = p.$approvalReasons.value ?? ""; usesHoursException = p.$usesHoursException.value ?? false
        articleOrigin = p.articleOrigin; createdAt = p.$createdAt.value ?? .distantPast; updatedAt = p.$updatedAt.value ?? .distantPast
        platformPostID = p.platformPostID; platformURL = p.platformURL; publishMessage = p.publishMessage; mediaFile = p.mediaFile
        mediaBytes = p.mediaBytes; mediaName = p.mediaName; approvedRenderingSHA256 = p.approvedRenderingSHA256
        heldReason = p.heldReason; heldAt = p.heldAt
    }

    var action: PlannedAction {
        get throws {
            let d = StoredText.decode
            return PlannedAction(account: account, kind: kind, category: category, text: d(text), title: title.map(d), links: try links,
                                 sourceURL: sourceURL.map(d), scheduledAt: chosenAt, emergency: emergency,
                                 emergencyReason: emergencyReason.map(d), replyPurpose: replyPurpose.map(d),
                                 quotedAccount: quotedAccount.map(d), articleOrigin: articleOrigin, inReplyTo: inReplyTo.map(d))
        }
    }

    var links: [String] {
        get throws { linksJSON == "[]" ? [] : try JSONDecoder().decode([String].self, from: Data(linksJSON.utf8)) }
    }

    /// The attached file's SHA-256 (its name without the extension).
    var mediaSHA256: String? { mediaFile.map { String($0.prefix { $0 != "." }) } }

    /// What the platform would receive for the post now, under `policy`.
    func rendering(_ policy: Policy) throws -> Result<Rendering, RenderingProblem>? {
        guard let account = policy.account(account) else { return nil }
        return Rendering.render(try action, account: account, mediaSHA256: mediaSHA256)
    }

    /// One reason a line; split on the bytes, which is the same for a newline and cheaper than by characters.
    var reasons: [String] {
        var text = approvalReasons, out: [String] = []
        text.withUTF8 { utf8 in
            var start = 0
            for i in 0...utf8.count where i == utf8.count || utf8[i] == UInt8(ascii: "\n") {
                if i > start { out.append(String(decoding: UnsafeBufferPointer(rebasing: utf8[start..<i]), as: UTF8.self)) }
                start = i + 1
            }
        }
        return out
    }
}
