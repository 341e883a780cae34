import Fluent
import Vapor
import KohoCore

/// Suspending, deleting and resuming an official account (3(7), 4(9), 5(9)): the chief's decision, taken only
/// once a notice with the reason is live on the public pages (where the policy asks for it). While an account is
/// suspended the publisher holds its posts; they go out after it resumes.
enum SuspensionService {
    enum Action: String, CaseIterable, Sendable {
        case suspend, delete, resume
    }

    static func subject(_ account: String) -> String { "account:\(account)" }

    /// The address of a notice on the city website, where the exported public pages are shown.
    static func publicURL(of notice: Notice, _ ctx: KohoContext) -> String {
        PublicSite.siteURL(ctx) + PublicPage.notice(notice.publicName).file
    }

    /// The accounts suspended or deleted now, by account id.
    static func current(_ db: Database) async throws -> [String: AccountSuspension] {
        Dictionary(try await AccountSuspension.query(on: db).all().map { ($0.account, $0) }, uniquingKeysWith: { a, _ in a })
    }

    static let heldText = "アカウントの停止中"

    /// The scheduled posts whose time passed while the account was suspended go out at the next operating time
    /// (the approval stands; the time is moved, as disaster mode's release does). Later ones keep their time.
    private static func releaseHeld(_ account: Account, ctx: KohoContext, actor: String, on db: Database) async throws {
        let now = ctx.now
        guard let cal = ctx.calendar(for: account.id) else { return }
        let posts = try await Post.query(on: db).filter(\.$account == account.id).filter(\.$state == .scheduled).sort(\.$scheduledAt).all()
        for p in posts {
            guard let s = p.scheduledAt, s <= now, let next = p.emergency ? now : cal.earliestPublishingTime(atOrAfter: now) else { continue }
            p.scheduledAt = next
            p.retryAt = nil
            p.updatedAt = now
            try await PostStore.save(p, on: db)
            try await AuditLog.appendLocked(on: db, at: now, actor: actor, action: "post.release", subject: PostService.subject(p.id!),
                                            detail: "アカウントの再開により保留を解除（予約 \(JapaneseTime.iso8601(s)) → \(JapaneseTime.iso8601(next))）", reason: "")
        }
    }

    @discardableResult
    static func apply(_ w: Workflow, _ user: User, account id: String, action: Action, noticeID: UUID?) async throws -> AccountSuspension? {
        let ctx = w.ctx
        guard Permissions.mayDecide(user.person) else {
            throw AppError.forbidden("アカウントの停止・削除・再開は\(ctx.policy.ownerRole.title)だけが行えます")
        }
        guard let account = ctx.policy.account(id) else { throw AppError.policy([ctx.checker.unknownAccount(id)]) }
        let now = ctx.now
        defer { if action == .resume { w.scheduled() } }
        return try await ctx.write(on: w.db) { db -> AccountSuspension? in
            let existing = try await AccountSuspension.query(on: db).filter(\.$account == account.id).first()
            if action == .resume {
                guard let existing else { throw AppError.conflict("\(account.displayName)は停止されていません") }
                try await existing.delete(on: db)
                var detail = "\(existing.action.rawValue) → resume"
                if let nid = existing.noticeID, let n = try await Notice.find(nid, on: db) {
                    n.resumedAt = now
                    n.updatedAt = now
                    try await n.update(on: db)
                    detail += "（お知らせ \(nid.uuidString.lowercased()) に再開を追記）"
                    try await AuditLog.appendLocked(on: db, at: now, actor: user.name, action: "notice.resumed", subject: NoticeService.subject(nid),
                                                    detail: account.id, reason: "")
                }
                try await AuditLog.appendLocked(on: db, at: now, actor: user.name, action: "account.resume", subject: subject(account.id),
                                                detail: detail, reason: "")
                try await releaseHeld(account, ctx: ctx, actor: user.name, on: db)
                return nil
            }
            var notice: Notice?
            if let noticeID { notice = try await Notice.find(noticeID, on: db) }
            // The reason counts as published only as a live suspension notice about this account.
            let live = notice.flatMap { n in
                n.status == .published && n.kind == .suspension && n.account == account.id ? n : nil
            }
            let violations = ctx.checker.checkSuspension(account: account.id,
                                                         publishedReasonURL: live.map { publicURL(of: $0, ctx) })
            if !violations.isEmpty {
                var v = violations
                if let notice, live == nil {
                    let why = notice.status != .published ? "まだ掲載されていません" : notice.kind != .suspension ? "停止・削除のお知らせではありません" : "別のアカウントについてのお知らせです"
                    v = v.map { Violation(rule: $0.rule, code: $0.code, message: $0.message + "（指定したお知らせは\(why)）") }
                }
                throw AppError.policy(v)
            }
            let to = action == .delete ? AccountSuspension.Action.delete : .suspend
            if let existing, existing.action == to { throw AppError.conflict("\(account.displayName)はすでに\(to.displayName)です") }
            let s = existing ?? AccountSuspension()
            if existing == nil { s.id = UUID() }
            let from = existing?.action.rawValue ?? "active"
            s.account = account.id
            s.action = to
            s.noticeID = live?.id ?? existing?.noticeID
            s.since = existing?.since ?? now
            s.by = user.name
            if existing == nil { try await s.create(on: db) } else { try await s.update(on: db) }
            try await AuditLog.appendLocked(on: db, at: now, actor: user.name, action: "account.\(to.rawValue)", subject: subject(account.id),
                                            detail: "\(from) → \(to.rawValue)" + (live.map { "（お知らせ \($0.idString)）" } ?? ""), reason: live?.title ?? "")
            return s
        }
    }
}
