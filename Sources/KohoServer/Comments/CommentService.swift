import Fluent
import Foundation
import KohoCore
import NIOConcurrencyHelpers
import Vapor

/// The outboxes and the comment poller, built once from the context where platforms are configured; the jobs run
/// them, and the pages that act at once (「コメントを今すぐ受信する」) call them.
package struct Workers: Sendable {
    package let publisher: Publisher
    package let poller: CommentPoller
    package let actions: CommentActions
}

/// The chief's decisions and the staff's proposals on comments: checked against the policy, recorded, audited; a
/// hide or delete is queued for `CommentActions`, which carries it out exactly once.
enum CommentService {
    static func find(_ db: Database, _ id: UUID) async throws -> Comment {
        guard let c = try await Comment.find(id, on: db) else { throw AppError.notFound("コメントが見つかりません") }
        return c
    }

    static func commentID(_ req: Request) throws -> UUID {
        guard let raw = req.parameters.get("id"), let id = UUID(uuidString: raw) else { throw AppError.notFound("コメントが見つかりません") }
        return id
    }

    /// The ground as the policy codes it, from its mark (`③`) or its code (`privacy`); nil if the policy has none such.
    static func groundCode(_ raw: String, policy: Policy) -> DeletionGround? { policy.commentDeletion?.ground(raw) }

    /// Why `action` may not be decided on `comment` under the policy (empty when it may): the rules are KohoCore's.
    static func violations(_ action: CommentDecisionAction, ground: String, reason: String, comment: Comment, ctx: KohoContext) -> [Violation] {
        ctx.checker.checkCommentDecision(action, account: comment.account, ground: ground, reason: reason)
    }

    /// Whether hiding or deleting `comment` goes against what Koho suggested (KohoCore's rule).
    static func againstSuggestion(_ action: CommentDecisionAction, _ comment: Comment) -> Bool {
        PolicyChecker.againstSuggestion(action, comment.assessment)
    }

    static func suggestionWords(_ comment: Comment) -> String { PolicyChecker.suggestionWords(comment.assessment) }

    /// The refusal of a hide/delete against the suggestion without the chief's explicit confirmation.
    static func confirmationRequired(_ action: CommentDecisionAction, ground: String, reason: String, comment: Comment, ctx: KohoContext) -> Violation {
        ctx.checker.confirmationRequired(action, account: comment.account, ground: ground, reason: reason, assessment: comment.assessment)
    }

    /// A comment deleted on its platform cannot be decided again: what was carried out stays the record.
    static func deletedRefusal(_ c: Comment) -> AppError {
        let done = c.decision == .delete && c.actionStatus == .done
        return AppError.conflict(done
            ? "このコメントは課長の決定（削除）によりプラットフォーム上で削除済みです。削除したコメントは決め直せません"
            : "このコメントはプラットフォーム上で既に削除されています。削除されたコメントは決め直せません")
    }

    /// The chief's decision. Staff and viewers are refused before anything is read or written.
    static func decide(_ ctx: KohoContext, user: User, id: UUID, action: CommentDecisionAction, ground: String, reason: String,
                       confirmAgainstSuggestion: Bool = false) async throws -> Comment {
        guard Permissions.mayDecide(user.person) else {
            throw AppError.forbidden("コメントの扱いを決めるのは\(ctx.policy.ownerRole.title)だけです（担当者は提案できます）")
        }
        let db = ctx.db
        let comment = try await find(db, id)
        if comment.isDeleted { throw deletedRefusal(comment) }
        if comment.actionStatus == .queued, comment.decision == .delete {
            throw AppError.conflict("削除をプラットフォームで実行中です。削除したコメントは決め直せません")
        }
        let problems = violations(action, ground: ground, reason: reason, comment: comment, ctx: ctx)
        guard problems.isEmpty else { throw AppError.policy(problems) }
        let against = againstSuggestion(action, comment)
        if against, !confirmAgainstSuggestion {
            throw AppError.policy([confirmationRequired(action, ground: ground, reason: reason, comment: comment, ctx: ctx)])
        }
        if comment.actionStatus == .queued, comment.decision != action {
            throw AppError.conflict("前の決定（\(comment.decision?.displayName ?? "")）をプラットフォームで実行中です。終わってから決め直してください")
        }
        let groundMark = action.actsOnPlatform ? (groundCode(ground, policy: ctx.policy)?.number ?? ground) : nil
        let now = ctx.now
        let reasonText = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        let w = ctx.workflow
        // The reply draft of a correction commits with the decision, or neither does: a decision that fails leaves no
        // orphan draft, and deciding again makes one draft, not a second.
        let updated = try await ctx.write(on: db) { db -> Comment in
            let c = try await find(db, id)
            // Deleted meanwhile (a webhook, the actions job): the deletion stays the record.
            if c.isDeleted { throw deletedRefusal(c) }
            if action == .correct, c.replyPostID == nil {
                let draft = PlannedAction(account: c.account, kind: .reply, text: CityStatements.correctionDraft(for: c),
                                          replyPurpose: PlannedAction.correctionPurpose, inReplyTo: c.platformCommentID)
                c.replyPostID = try await PostService.create(w, user, draft, asDraftDespiteViolations: true).id
            }
            c.decision = action
            c.decisionAgainstSuggestion = against
            c.decisionGround = groundMark
            c.decisionReason = reasonText
            c.decidedBy = user.name
            c.decidedAt = now
            let alreadyDone = (action == .hide && c.state == .hidden) || (action == .delete && c.state == .deleted)
            if action.actsOnPlatform, !alreadyDone {
                c.actionStatus = .queued
                c.actionRetryAt = nil
                c.actionMessage = nil
            }
            c.updatedAt = now
            try await c.update(on: db)
            var detail = [action.displayName, groundMark].compactMap { $0 }.joined(separator: " ")
            if let label = c.againstSuggestionLabel { detail = "【\(label)】" + detail }
            try await CommentEvent(comment: id, at: now, kind: "decided", actor: user.name,
                                   detail: reasonText.isEmpty ? detail : "\(detail)：\(reasonText)").create(on: db)
            if against {
                // Its own kind in the audit trail, with what Koho suggested and that the chief confirmed it.
                try await AuditLog.appendLocked(on: db, at: now, actor: user.name, action: "comment.decide.againstSuggestion", subject: c.subject,
                                                detail: "\(action.rawValue) \(groundMark ?? "") \(c.account) \(c.platformCommentID) 提案=\(c.assessment.suggestion.rawValue)"
                                                    + (c.assessment.criticism ? " 市への批判" : "") + " 確認済み",
                                                reason: reasonText)
            } else {
                try await AuditLog.appendLocked(on: db, at: now, actor: user.name, action: "comment.decide", subject: c.subject,
                                                detail: "\(action.rawValue) \(groundMark ?? "") \(c.account) \(c.platformCommentID)",
                                                reason: reasonText)
            }
            return c
        }
        if updated.actionStatus == .queued { ctx.wakers.commentActions() }
        return updated
    }

    /// A staff member designated for the account proposes; the chief sees it in the inbox and decides.
    static func propose(_ ctx: KohoContext, user: User, id: UUID, action: CommentDecisionAction, ground: String, reason: String) async throws -> Comment {
        let comment = try await find(ctx.db, id)
        if let denied = Permissions.mayChange(user.person, account: comment.account, policy: ctx.policy) { throw AppError.forbidden(denied.message) }
        if comment.isDeleted { throw deletedRefusal(comment) }
        let problems = violations(action, ground: ground, reason: reason, comment: comment, ctx: ctx)
        guard problems.isEmpty else { throw AppError.policy(problems) }
        let now = ctx.now
        let mark = action.actsOnPlatform ? (groundCode(ground, policy: ctx.policy)?.number ?? ground) : nil
        let detail = [action.displayName, mark].compactMap { $0 }.joined(separator: " ")
        let r = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        try await ctx.write(on: ctx.db) { db in
            try await CommentEvent(comment: id, at: now, kind: "proposed", actor: user.name, detail: r.isEmpty ? detail : "\(detail)：\(r)").create(on: db)
            try await AuditLog.appendLocked(on: db, at: now, actor: user.name, action: "comment.propose", subject: comment.subject,
                                            detail: "\(action.rawValue) \(mark ?? "")", reason: r)
        }
        return comment
    }

    static func events(_ db: Database, _ id: UUID) async throws -> [CommentEvent] {
        try await CommentEvent.query(on: db).filter(\.$commentID == id).sort(\.$at).all()
    }
}

/// A comment as `GET /api/v1/comments` lists it.
struct CommentDTO: Content {
    let id: String
    let account: String
    let platform: String
    let platformCommentId: String
    let postId: String?
    let author: String
    let text: String
    let receivedAt: String
    let grounds: [GroundFlag]
    let misleading: Bool
    let suggestion: String
    /// The comment criticises the city, its mayor, staff or policies: hiding or deleting it needs the confirmation.
    let criticism: Bool
    /// The factual claim that may mislead (4(7)/5(7)), checked against what the city published; null when none.
    let rumour: Rumour?
    let state: String
    let decision: Decision?
    let image: Image?

    /// As the inbox shows it: `unverified` (nothing the city published says either way) or `contradicted` (the
    /// city's `source` says otherwise; a correction reply cites it).
    struct Rumour: Content {
        let status: String
        let topic: String
        let claim: EvidenceSpan
        let source: Source?

        struct Source: Content {
            let id: String
            let kind: String
            let title: String
            let url: String?
            let publishedAt: String

            enum CodingKeys: String, CodingKey { case id, kind, title, url, publishedAt }

            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(id, forKey: .id)
                try c.encode(kind, forKey: .kind)
                try c.encode(title, forKey: .title)
                try c.encode(url, forKey: .url)
                try c.encode(publishedAt, forKey: .publishedAt)
            }
        }

        enum CodingKeys: String, CodingKey { case status, topic, claim, source }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(status, forKey: .status)
            try c.encode(topic, forKey: .topic)
            try c.encode(claim, forKey: .claim)
            try c.encode(source, forKey: .source)
        }

        init(_ r: RumourFinding) {
            status = r.status.rawValue
            topic = r.topic
            claim = r.claim
            source = r.source.map {
                Source(id: $0.id, kind: $0.kind.rawValue, title: $0.title, url: $0.url, publishedAt: JapaneseTime.iso8601($0.publishedAt))
            }
        }
    }

    /// The image a comment carries: `url` is Koho's own route (the platform's address is never sent to a browser).
    struct Image: Content {
        let kind: String
        let url: String?
        let alt: String
        let readable: Bool
        let problem: String?

        enum CodingKeys: String, CodingKey { case kind, url, alt, readable, problem }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(kind, forKey: .kind)
            try c.encode(url, forKey: .url)
            try c.encode(alt, forKey: .alt)
            try c.encode(readable, forKey: .readable)
            try c.encode(problem, forKey: .problem)
        }
    }

    struct Decision: Content {
        let action: String
        let ground: String?
        let reason: String
        let decidedBy: String
        let decidedAt: String
        /// Where carrying out a hide or delete stands: queued, done or failed (null for keep and correct).
        let status: String?
        let message: String?
        let replyPostId: String?
        /// A hide or delete the chief confirmed against Koho's suggestion (「提案に反する削除」).
        let againstSuggestion: Bool

        enum CodingKeys: String, CodingKey { case action, ground, reason, decidedBy, decidedAt, status, message, replyPostId, againstSuggestion }

        /// Every field written, null where there is none.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(action, forKey: .action)
            try c.encode(ground, forKey: .ground)
            try c.encode(reason, forKey: .reason)
            try c.encode(decidedBy, forKey: .decidedBy)
            try c.encode(decidedAt, forKey: .decidedAt)
            try c.encode(status, forKey: .status)
            try c.encode(message, forKey: .message)
            try c.encode(replyPostId, forKey: .replyPostId)
            try c.encode(againstSuggestion, forKey: .againstSuggestion)
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, account, platform, platformCommentId, postId, author, text, receivedAt, grounds, misleading, suggestion, criticism, rumour,
             state, decision, image
    }

    /// `postId` and `decision` are written as null when there is none, not left out.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(account, forKey: .account)
        try c.encode(platform, forKey: .platform)
        try c.encode(platformCommentId, forKey: .platformCommentId)
        try c.encode(postId, forKey: .postId)
        try c.encode(author, forKey: .author)
        try c.encode(text, forKey: .text)
        try c.encode(receivedAt, forKey: .receivedAt)
        try c.encode(grounds, forKey: .grounds)
        try c.encode(misleading, forKey: .misleading)
        try c.encode(suggestion, forKey: .suggestion)
        try c.encode(criticism, forKey: .criticism)
        try c.encode(rumour, forKey: .rumour)
        try c.encode(state, forKey: .state)
        try c.encode(decision, forKey: .decision)
        try c.encode(image, forKey: .image)
    }

    init(_ c: Comment) {
        id = c.id!.uuidString.lowercased()
        account = c.account
        platform = c.platform
        platformCommentId = c.platformCommentID
        postId = c.postID?.uuidString.lowercased()
        author = c.authorName
        text = c.text
        receivedAt = JapaneseTime.iso8601(c.receivedAt)
        let a = c.assessment
        grounds = a.grounds
        misleading = a.misleading
        suggestion = a.suggestion.rawValue
        criticism = a.criticism
        rumour = a.misleading ? a.rumour.map(Rumour.init) : nil
        state = c.state.rawValue
        decision = c.decision.map { d in
            Decision(action: d.rawValue, ground: c.decisionGround, reason: c.decisionReason ?? "", decidedBy: c.decidedBy ?? "",
                     decidedAt: c.decidedAt.map { JapaneseTime.iso8601($0) } ?? "", status: c.actionStatus?.rawValue,
                     message: c.actionMessage, replyPostId: c.replyPostID?.uuidString.lowercased(),
                     againstSuggestion: c.againstSuggestionLabel != nil)
        }
        let path = "/api/v1/comments/\(c.id!.uuidString.lowercased())/image"
        image = c.imageKind.map { kind in
            Image(kind: kind, url: c.imageURL == nil || c.imageProblem != nil ? nil : path, alt: CommentImages.altText(c),
                  readable: c.imageProblem == nil, problem: c.imageProblem)
        }
    }
}
