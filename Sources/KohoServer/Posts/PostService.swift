import Fluent
import SQLKit
import Vapor
import KohoCore

/// What the post workflow runs on: a database, the policy in force with its clock, and who to wake when a post is
/// scheduled. Web pages, the API, commands and jobs all make one; nothing in the workflow needs a request.
package struct Workflow: Sendable {
    private let base: any Database
    let ctx: KohoContext
    let scheduled: @Sendable () -> Void
    /// Wakes the mail job after a notice was queued.
    var mailQueued: @Sendable () -> Void = {}

    init(db: any Database, ctx: KohoContext, scheduled: @escaping @Sendable () -> Void, mailQueued: @escaping @Sendable () -> Void = {}) {
        self.base = db
        self.ctx = ctx
        self.scheduled = scheduled
        self.mailQueued = mailQueued
    }

    /// Inside a write (`KohoContext.write`), its transaction: a use case run within another reads what that one wrote.
    var db: any Database { WriteScope.transaction ?? base }
}

/// The post workflow's persistence: every step checks the role, the lock version and the policy, then
/// saves the post and appends to the audit trail in one transaction.
package enum PostService {
    static func subject(_ id: UUID) -> String { "post:\(id.uuidString.lowercased())" }

    static func find(_ w: Workflow, _ id: UUID) async throws -> Post {
        guard let p = try await Post.find(id, on: w.db) else { throw AppError.notFound("投稿が見つかりません") }
        return p
    }

    static func requireMayAct(_ user: User, on account: String, _ ctx: KohoContext) throws {
        if let denied = Permissions.mayChange(user.person, account: account, policy: ctx.policy) { throw AppError.forbidden(denied.message) }
    }

    /// `asDraftDespiteViolations`: the staff form keeps a draft that still breaks the policy (it cannot be submitted);
    /// the API refuses it, as documented.
    package static func create(_ w: Workflow, _ user: User, _ input: PlannedAction, asDraftDespiteViolations: Bool = false) async throws -> Post {
        let ctx = w.ctx
        try requireMayAct(user, on: input.account, ctx)
        var action = input
        if let account = ctx.policy.account(action.account) { action.account = account.id }
        let now = ctx.now
        let (result, at) = ctx.checker.checkForWorkflow(action, chosen: action.scheduledAt, now: now)
        // An unknown account is never kept: nobody could act on it.
        guard result.ok || (asDraftDespiteViolations && ctx.policy.account(action.account) != nil) else { throw AppError.policy(result.violations) }
        let post = Post()
        post.id = UUID()
        post.state = .draft
        post.lockVersion = 1
        post.authorName = user.name
        post.createdAt = now
        try apply(action, result: result, at: at, to: post, now: now, policyVersion: ctx.policyVersionID)
        let stored = action
        try await ctx.write(on: w.db) { db in
            try await PostStore.insert(post, on: db)
            try await AuditLog.appendLocked(on: db, at: now, actor: user.name, action: "post.create", subject: subject(post.id!),
                                            detail: "\(PostState.draft.rawValue) \(stored.account) \(stored.category ?? "")", reason: "")
            try await PostVersions.record(post, event: "create", actor: user.name, at: now, reason: "", on: db)
        }
        return post
    }

    /// Writes a checked action into the post, with the policy version it was checked under.
    private static func apply(_ action: PlannedAction, result: CheckResult, at: Date, to post: Post, now: Date, policyVersion: UUID) throws {
        post.$policyVersion.id = policyVersion
        post.store(action)
        post.scheduledAt = at
        post.requiresChiefApproval = result.requiresChiefApproval
        post.approvalReasons = result.approvalReasons.joined(separator: "\n")
        post.usesHoursException = result.usesHoursException
        post.updatedAt = now
    }

    /// Moves a post by `event`. `expectedVersion` is the lock version the actor saw; a newer one means
    /// someone else changed the post meanwhile, and the step is refused.
    /// `chiefMustApprove`: a submission waits for the chief even where the category needs nobody's judgement (a
    /// draft the emergency intake made, which no person has read yet).
    package static func transition(_ w: Workflow, _ user: User, _ id: UUID, _ event: PostEvent, expectedVersion: Int?,
                           reason: String, edited: PlannedAction? = nil, media: PostMedia.Stored? = nil,
                           asDraftDespiteViolations: Bool = false, chiefMustApprove: Bool = false) async throws -> Post {
        try await expireIfOverdue(id, w)
        let ctx = w.ctx
        let now = ctx.now
        let post = try await ctx.write(on: w.db) { db in
            guard let post = try await Post.find(id, on: db) else { throw AppError.notFound("投稿が見つかりません") }
            if let expectedVersion, expectedVersion != post.lockVersion { throw AppError.staleEdit }
            if let denied = Permissions.check(event, by: user.person, on: post.account, policy: ctx.policy) {
                throw AppError.forbidden(denied.message)
            }
            let trimmedReason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            if event == .reject, trimmedReason.isEmpty { throw AppError.badRequest("差戻しの理由を入力してください") }
            let from = post.state
            // A step the state does not allow is refused as such, before any policy check.
            _ = try PostWorkflow.next(from, event, needsChief: true)
            var needsChief = post.requiresChiefApproval
            var rendering: Rendering?
            if [.submit, .approve, .edit].contains(event) {
                var action = try edited ?? post.action
                if let e = edited {
                    try requireMayAct(user, on: e.account, ctx)
                    if let account = ctx.policy.account(e.account) { action.account = account.id }
                }
                let submitting = event != .edit || from == .submitted || from == .scheduled
                if let media {
                    post.mediaFile = media.file
                    post.mediaBytes = media.bytes
                    post.mediaName = media.name
                }
                let (result, at) = ctx.checker.checkForWorkflow(action, chosen: action.scheduledAt, now: now, submitting: submitting,
                                                                mediaSHA256: post.mediaSHA256, storedPost: true)
                rendering = result.rendering
                let violations = result.violations
                let keptAsDraft = asDraftDespiteViolations && event == .edit && from == .draft && ctx.policy.account(action.account) != nil
                guard violations.isEmpty || keptAsDraft else { throw AppError.policy(violations) }
                needsChief = result.requiresChiefApproval || chiefMustApprove
                    || (event == .edit && (action.emergency || result.usesHoursException))
                try apply(action, result: result, at: at, to: post, now: now, policyVersion: ctx.policyVersionID)
            }
            post.state = try PostWorkflow.next(from, event, needsChief: needsChief)
            if event == .edit, post.state == .submitted { markAwaitingChiefAfterEdit(post, from: from, ctx.policy) }
            try await DisasterModeService.applyHold(post, now: now, on: db)
            // The approval is recorded as what the platform will receive; the publisher sends only that.
            if post.state == .scheduled, let rendering {
                post.approvedRendering = String(decoding: rendering.canonicalJSON, as: UTF8.self)
                post.approvedRenderingSHA256 = rendering.hash
            } else if post.state != .scheduled {
                post.approvedRendering = nil
                post.approvedRenderingSHA256 = nil
            }
            post.updatedAt = now
            try await PostStore.save(post, on: db)
            try await PostVersions.record(post, event: event.rawValue, actor: user.name, at: now, reason: trimmedReason, on: db)
            var detail = "\(from.rawValue) → \(post.state.rawValue)"
            if let media { detail += "（添付 \(media.file)）" }
            if let at = post.scheduledAt, post.state == .scheduled { detail += "（予約 \(JapaneseTime.iso8601(at))）" }
            if post.state == .scheduled, let sha = post.approvedRenderingSHA256 { detail += "（発信内容 SHA-256 \(sha)）" }
            if post.usesHoursException, [.submit, .approve].contains(event) { detail += "（運用時間外・緊急）" }
            if post.state == .scheduled, post.heldReason != nil { detail += "（災害モードのため保留）" }
            try await AuditLog.appendLocked(on: db, at: now, actor: user.name, action: "post.\(event.rawValue)",
                                            subject: subject(id), detail: detail, reason: trimmedReason)
            if post.state == .submitted, post.emergency, event == .submit {
                try await queueEmergencyNotice(post, submittedBy: user.name, on: db, ctx)
            }
            return post
        }
        if post.state == .scheduled { w.scheduled() }
        if post.state == .submitted, post.emergency, event == .submit { w.mailQueued() }
        return post
    }

    /// A post saved while it waited for approval, or while it was scheduled, waits for the chief even where its
    /// category alone would not need the chief: the save itself must not publish (an emergency draft from the intake
    /// waits for the chief whatever its category).
    private static func markAwaitingChiefAfterEdit(_ post: Post, from: PostState, _ policy: Policy) {
        guard !post.requiresChiefApproval, let account = policy.account(post.account) else { return }
        let clause = post.emergency ? (policy.rules(for: account.platform)?.hoursClause ?? account.categoriesClause) : account.categoriesClause
        post.requiresChiefApproval = true
        let reason = "【\(clause)】\(from.displayName)の投稿が変更されたため、\(policy.ownerRole.title)の承認があるまで発信しません"
        post.approvalReasons = post.approvalReasons.isEmpty ? reason : post.approvalReasons + "\n" + reason
    }

    /// Tells the chief by e-mail that an emergency post waits for approval, where a mail server is configured.
    private static func queueEmergencyNotice(_ post: Post, submittedBy: String, on db: Database, _ ctx: KohoContext) async throws {
        let account = ctx.policy.account(post.account)
        let action = try post.action
        let where_ = account.map { "\($0.platform.displayName) \($0.displayName)" } ?? post.account
        // The clause of this account's platform (3(5) for X, 4(6) for Facebook), from the policy, not written here.
        let clause = account.flatMap { ctx.policy.rules(for: $0.platform)?.hoursClause } ?? ""
        let body = """
        緊急の投稿が\(ctx.policy.ownerRole.title)の承認を待っています。承認すると直ちに発信されます（\(clause)）。

        アカウント: \(where_)
        提出: \(submittedBy)（\(JapaneseTime.display(ctx.now))）
        理由: \(action.emergencyReason ?? "")

        本文:
        \(action.text)

        承認はこちらから: \(ctx.config.baseURL)\(SiteURL.post(post.id!).path)
        """
        try await MailOutbox.enqueue(on: db, settings: ctx.config.mail, kind: "緊急の投稿の承認依頼", subjectRef: subject(post.id!),
                                     subject: "【緊急・承認依頼】\(where_): \(action.text.prefix(30))", body: body, now: ctx.now)
    }

    /// An approval lapses when its time passes and the post has not gone out; how many lapsed. The approval-expiry
    /// job sweeps every post with it; a step checks only the post at hand (`expireIfOverdue`); pages that only show
    /// never write.
    @discardableResult
    static func expireOverdue(_ db: Database, _ ctx: KohoContext) async throws -> Int {
        let limit = ctx.now.addingTimeInterval(-PostWorkflow.expiryGrace)
        // A post disaster mode holds does not lapse: the chief releases it into a new window.
        // Nor does one of a suspended account: it goes out after the account resumes.
        let suspended = try await SuspensionService.current(db).keys.sorted()
        let overdue = try await Post.query(on: db).filter(\.$state == .scheduled).filter(\.$scheduledAt < limit).filter(\.$heldReason == nil)
            .filter(\.$account !~ suspended).field(\.$id).all()
        var expired = 0
        for p in overdue {
            if try await ctx.write(on: db, { db in try await expire(p.id!, ctx, on: db) }) { expired += 1 }
        }
        return expired
    }

    /// The post at hand lapses first if its approval is overdue: in a write of its own, so that the step refused
    /// after it (now stale) does not undo the lapse.
    static func expireIfOverdue(_ id: UUID, _ w: Workflow) async throws {
        let limit = w.ctx.now.addingTimeInterval(-PostWorkflow.expiryGrace)
        guard try await Post.query(on: w.db).filter(\.$id == id).filter(\.$state == .scheduled).filter(\.$scheduledAt < limit)
            .filter(\.$heldReason == nil).count() > 0 else { return }
        try await w.ctx.write(on: w.db) { db in _ = try await expire(id, w.ctx, on: db) }
    }

    /// Expires the post if it is still scheduled, past its time, not held and its account not suspended.
    private static func expire(_ id: UUID, _ ctx: KohoContext, on db: Database) async throws -> Bool {
        let limit = ctx.now.addingTimeInterval(-PostWorkflow.expiryGrace)
        guard let post = try await Post.find(id, on: db), post.state == .scheduled, post.heldReason == nil,
              let at = post.scheduledAt, at < limit,
              try await AccountSuspension.query(on: db).filter(\.$account == post.account).count() == 0 else { return false }
        post.state = try PostWorkflow.next(.scheduled, .expire, needsChief: post.requiresChiefApproval)
        post.approvedRendering = nil
        post.approvedRenderingSHA256 = nil
        post.updatedAt = ctx.now
        try await PostStore.save(post, on: db)
        try await AuditLog.appendLocked(on: db, at: ctx.now, actor: "system", action: "post.expire", subject: subject(id),
                                        detail: "scheduled → expired",
                                        reason: "予約日時（\(JapaneseTime.display(at))）を過ぎても発信されなかったため承認が失効しました")
        return true
    }

    static func attempts(_ db: any Database, _ id: UUID) async throws -> [PublishAttempt] {
        try await PublishAttempt.query(on: db).filter(\.$postID == id).sort(\.$number).all()
    }

    /// Why the chief sent each of these posts back (the latest return of each post that is rejected now).
    static func returnReasons(_ db: any Database, _ posts: [PostFields]) async throws -> [UUID: AuditEntry] {
        let rejected = posts.filter { $0.state == .rejected }.map(\.id)
        guard !rejected.isEmpty else { return [:] }
        let entries = try await AuditEntry.query(on: db).filter(\.$action == "post.reject")
            .filter(\.$subject ~~ rejected.map(subject)).sort(\.$id, .ascending).all()
        var out: [UUID: AuditEntry] = [:]
        for id in rejected { if let e = entries.last(where: { $0.subject == subject(id) }) { out[id] = e } }
        return out
    }

    static func history(_ db: any Database, _ id: UUID) async throws -> [AuditEntry] {
        try await AuditEntry.query(on: db).filter(\.$subject == subject(id)).sort(\.$id, .ascending).all()
    }
}

/// A post as the API shows it.
struct PostDTO: Content {
    struct HistoryItem: Content {
        let at: String
        let actor: String
        let action: String
        let detail: String
        let reason: String
    }
    let id: String
    let state: String
    let account: String
    let category: String?
    let kind: String
    let text: String
    let title: String?
    let links: [String]
    let sourceURL: String?
    let scheduledAt: String?
    let chosenAt: String?
    let emergency: Bool
    let emergencyReason: String?
    let articleOrigin: String?
    let requiresChiefApproval: Bool
    let approvalReasons: [String]
    let usesHoursException: Bool
    let version: Int
    let policyVersionID: String
    let author: String
    let createdAt: String
    let updatedAt: String
    var history: [HistoryItem]?
    /// Once published: the platform's id for the post and its public address.
    let platformPostId: String?
    let platformURL: String?
    /// Why the publisher holds or failed the post.
    let publishMessage: String?
    /// The attached file (a YouTube video, an X image): its SHA-256, size in bytes and MIME type.
    let mediaSHA256: String?
    let mediaBytes: Int?
    let mediaType: String?
    var attempts: [AttemptItem]?
    /// What the platform would receive now (the policy check counts this), its SHA-256, and for X its weighted length.
    let rendering: Rendering?
    let renderingSHA256: String?
    let weightedLength: Int?
    /// The SHA-256 of what the chief approved, while the post is scheduled; the publisher sends nothing else.
    let approvedRenderingSHA256: String?
    /// While disaster mode holds the scheduled post: why, and since when.
    let heldReason: String?
    let heldAt: String?

    struct AttemptItem: Content {
        let number: Int
        let startedAt: String
        let finishedAt: String?
        let outcome: String
        let platformPostId: String?
        let platformURL: String?
        let message: String
    }

    init(_ p: Post, policy: Policy, history: [AuditEntry]? = nil, attempts: [PublishAttempt]? = nil) throws {
        try self.init(p.fields, policy: policy, history: history, attempts: attempts)
    }

    init(_ p: PostFields, policy: Policy, history: [AuditEntry]? = nil, attempts: [PublishAttempt]? = nil) throws {
        let a = try p.action
        let r = try? p.rendering(policy)?.get()
        rendering = r
        renderingSHA256 = r?.hash
        weightedLength = r?.platform == .x ? r.map { XTextCounter.parse($0.text).weightedLength } : nil
        approvedRenderingSHA256 = p.approvedRenderingSHA256
        heldReason = p.state == .scheduled ? p.heldReason : nil
        heldAt = p.state == .scheduled ? p.heldAt.map { JapaneseTime.iso8601($0) } : nil
        id = UUIDText.string(p.id)
        state = p.state.rawValue
        account = p.account
        category = p.category
        kind = a.kind.rawValue
        text = a.text
        title = a.title
        links = a.links
        sourceURL = a.sourceURL
        scheduledAt = p.scheduledAt.map { JapaneseTime.iso8601($0) }
        chosenAt = p.chosenAt.map { JapaneseTime.iso8601($0) }
        emergency = p.emergency
        emergencyReason = a.emergencyReason
        articleOrigin = p.articleOrigin
        requiresChiefApproval = p.requiresChiefApproval
        approvalReasons = p.reasons
        usesHoursException = p.usesHoursException
        version = p.lockVersion
        policyVersionID = UUIDText.string(p.policyVersionID)
        author = p.authorName
        createdAt = JapaneseTime.iso8601(p.createdAt)
        updatedAt = JapaneseTime.iso8601(p.updatedAt)
        platformPostId = p.platformPostID
        platformURL = p.platformURL
        publishMessage = p.publishMessage
        mediaSHA256 = p.mediaSHA256
        mediaBytes = p.mediaBytes
        mediaType = p.mediaFile.flatMap(PostMedia.format(ofFile:))?.mimeType
        self.attempts = attempts.map { $0.map {
            AttemptItem(number: $0.number, startedAt: JapaneseTime.iso8601($0.startedAt), finishedAt: $0.finishedAt.map { JapaneseTime.iso8601($0) },
                        outcome: $0.outcome.rawValue, platformPostId: $0.platformPostID, platformURL: $0.platformURL, message: $0.message)
        } }
        self.history = history.map { $0.map { HistoryItem(at: JapaneseTime.iso8601($0.at), actor: $0.actor, action: $0.action, detail: $0.detail, reason: $0.reason) } }
    }

    /// The same JSON as `JSONEncoder` makes of this value (members in declared order, absent ones left out, slashes
    /// escaped), written by hand for the post list, whose 50 posts were most of its time through Codable.
    /// `PostRowsTests.testTheListsRowsAndJSONAreTheCodableAnswer` compares the two.
    func writeJSON(into j: inout JSONText) {
        j.beginObject()
        j.field("id", id); j.field("state", state); j.field("account", account); j.field("category", category)
        j.field("kind", kind); j.field("text", text); j.field("title", title); j.field("links", links)
        j.field("sourceURL", sourceURL); j.field("scheduledAt", scheduledAt); j.field("chosenAt", chosenAt)
        j.field("emergency", emergency); j.field("emergencyReason", emergencyReason); j.field("articleOrigin", articleOrigin)
        j.field("requiresChiefApproval", requiresChiefApproval); j.field("approvalReasons", approvalReasons)
        j.field("usesHoursException", usesHoursException); j.field("version", version); j.field("policyVersionID", policyVersionID)
        j.field("author", author); j.field("createdAt", createdAt); j.field("updatedAt", updatedAt)
        j.field("history", objects: history) { j, h in
            j.field("at", h.at); j.field("actor", h.actor); j.field("action", h.action); j.field("detail", h.detail); j.field("reason", h.reason)
        }
        j.field("platformPostId", platformPostId); j.field("platformURL", platformURL); j.field("publishMessage", publishMessage)
        j.field("mediaSHA256", mediaSHA256); j.field("mediaBytes", mediaBytes); j.field("mediaType", mediaType)
        j.field("attempts", objects: attempts) { j, a in
            j.field("number", a.number); j.field("startedAt", a.startedAt); j.field("finishedAt", a.finishedAt)
            j.field("outcome", a.outcome); j.field("platformPostId", a.platformPostId); j.field("platformURL", a.platformURL)
            j.field("message", a.message)
        }
        if let rendering {
            j.key("rendering")
            rendering.writeJSON(into: &j)
        }
        j.field("renderingSHA256", renderingSHA256); j.field("weightedLength", weightedLength)
        j.field("approvedRenderingSHA256", approvedRenderingSHA256); j.field("heldReason", heldReason); j.field("heldAt", heldAt)
        j.endObject()
    }
}
