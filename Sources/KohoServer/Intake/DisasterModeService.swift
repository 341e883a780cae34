import Fluent
import Foundation
import KohoCore

/// Disaster mode (issue 13, point 4): while an account is in it, every scheduled post of the account that is not an
/// emergency is held, not lost; the chief releases held posts afterwards into the next operating window.
enum DisasterModeService {
    enum Accounts: Equatable, Sendable {
        case all
        case some([String])
    }

    static func active(on db: Database) async throws -> [DisasterMode] {
        try await DisasterMode.query(on: db).sort(\.$account).all()
    }

    static func heldPosts(on db: Database) async throws -> [Post] {
        try await Post.query(on: db).filter(\.$heldReason != nil).filter(\.$state == .scheduled).sort(\.$scheduledAt).all()
    }

    /// The policy's ids of `accounts`; an unknown one is refused by name.
    static func resolve(_ accounts: Accounts, _ policy: Policy) throws -> [String] {
        switch accounts {
        case .all: return policy.accounts.map(\.id)
        case .some(let names):
            guard !names.isEmpty else { throw AppError.badRequest("アカウントを一つ以上選ぶか、\"all\" を指定してください") }
            return try names.map { name in
                guard let a = policy.account(name) else {
                    throw AppError.badRequest("ポリシーにないアカウントです: \(name.containsControlCharacter ? "（制御文字を含む名前）" : name)")
                }
                return a.id
            }
        }
    }

    static func checkedReason(_ reason: String) throws -> String {
        let r = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !r.isEmpty else { throw AppError.badRequest("理由を入力してください") }
        guard !r.containsControlCharacter else { throw AppError.badRequest("理由に制御文字は使えません") }
        guard r.count <= 500 else { throw AppError.badRequest("理由は500文字までです") }
        return r
    }

    /// Switches the accounts on or off and audits each change; holds what is scheduled on the accounts switched on.
    /// `actor` is the chief, or `system` for an alert. The caller has checked the role.
    @discardableResult
    static func switchMode(_ w: Workflow, actor: String, accounts: Accounts, on: Bool, reason: String) async throws -> [DisasterMode] {
        let ids = try resolve(accounts, w.ctx.policy)
        let reason = try checkedReason(reason)
        let now = w.ctx.now
        // A post another server changed between this reading and its hold makes the hold stale: read again and hold
        // it as it now is (inside another write, that write's caller decides).
        var tries = 0
        while true {
            do {
                try await switchOnce(w, ids: ids, actor: actor, on: on, reason: reason, now: now)
                break
            } catch let e as AppError where e.message == AppError.staleEdit.message && WriteScope.transaction == nil && tries < 3 {
                tries += 1
            }
        }
        return try await active(on: w.db)
    }

    private static func switchOnce(_ w: Workflow, ids: [String], actor: String, on: Bool, reason: String, now: Date) async throws {
        try await w.ctx.write(on: w.db) { db in
            let current = Set(try await DisasterMode.query(on: db).all().map(\.account))
            for id in ids {
                if on, !current.contains(id) {
                    try await DisasterMode(account: id, reason: reason, startedAt: now, startedBy: actor).create(on: db)
                    try await AuditLog.appendLocked(on: db, at: now, actor: actor, action: "disaster.on", subject: "account:\(id)",
                                                    detail: "災害モードを開始", reason: reason)
                    try await hold(account: id, reason: reason, now: now, actor: actor, on: db)
                } else if !on, current.contains(id) {
                    try await DisasterMode.query(on: db).filter(\.$account == id).delete()
                    try await AuditLog.appendLocked(on: db, at: now, actor: actor, action: "disaster.off", subject: "account:\(id)",
                                                    detail: "災害モードを終了（保留中の投稿は課長が解除するまで保留）", reason: reason)
                }
            }
        }
    }

    static func holdReason(_ reason: String) -> String { "災害モードのため保留: \(reason)" }

    /// Holds the account's scheduled posts that are not emergencies. Inside the write lock and a transaction.
    private static func hold(account: String, reason: String, now: Date, actor: String, on db: Database) async throws {
        let posts = try await Post.query(on: db).filter(\.$account == account).filter(\.$state == .scheduled)
            .filter(\.$emergency == false).filter(\.$heldReason == nil).all()
        for p in posts {
            p.heldReason = holdReason(reason)
            p.heldAt = now
            p.updatedAt = now
            // A hold changes the post: an edit begun before it is refused as stale, like any other change.
            try await PostStore.save(p, on: db)
            try await AuditLog.appendLocked(on: db, at: now, actor: actor, action: "post.hold", subject: PostService.subject(p.id!),
                                            detail: "予約 \(p.scheduledAt.map { JapaneseTime.iso8601($0) } ?? "—") を保留", reason: reason)
        }
    }

    /// For a post that has just become scheduled (inside the workflow's transaction): held if its account is in
    /// disaster mode and it is not an emergency; a post that left the schedule is no longer held.
    static func applyHold(_ post: Post, now: Date, on db: Database) async throws {
        guard post.state == .scheduled else {
            post.heldReason = nil
            post.heldAt = nil
            return
        }
        guard !post.emergency, post.heldReason == nil,
              let mode = try await DisasterMode.query(on: db).filter(\.$account == post.account).first() else { return }
        post.heldReason = holdReason(mode.reason)
        post.heldAt = now
    }

    /// Releases the held posts (`ids`, or all of them) into the next operating window: a time still ahead and open
    /// is kept, anything else moves to the window open now or the next one. Refused while the account is still in
    /// disaster mode. Returns the released posts.
    @discardableResult
    static func release(_ w: Workflow, actor: String, ids: [UUID]?) async throws -> [Post] {
        let ctx = w.ctx
        let now = ctx.now
        let released = try await ctx.write(on: w.db) { db -> [Post] in
            var query = Post.query(on: db).filter(\.$heldReason != nil).filter(\.$state == .scheduled)
            if let ids { query = query.filter(\.$id ~~ ids) }
            let posts = try await query.sort(\.$scheduledAt).all()
            if let ids, posts.count != Set(ids).count { throw AppError.notFound("保留中の投稿が見つかりません（解除済みか、予約ではなくなっています）") }
            let on = Set(try await DisasterMode.query(on: db).all().map(\.account))
            if let still = posts.first(where: { on.contains($0.account) }) {
                throw AppError.conflict("アカウント「\(still.account)」はまだ災害モードです。災害モードを終えてから保留を解除してください")
            }
            for p in posts {
                guard let cal = ctx.calendar(for: p.account) else { continue }
                let before = p.scheduledAt
                let at: Date
                if let s = p.scheduledAt, s > now, cal.isOpen(at: s) { at = s } else {
                    guard let next = cal.earliestPublishingTime(atOrAfter: now) else { throw AppError.conflict("次の運用時間が見つかりません") }
                    at = next
                }
                p.scheduledAt = at
                p.heldReason = nil
                p.heldAt = nil
                p.retryAt = nil
                p.updatedAt = now
                try await PostStore.save(p, on: db)
                try await AuditLog.appendLocked(on: db, at: now, actor: actor, action: "post.release", subject: PostService.subject(p.id!),
                                                detail: "保留を解除（予約 \(before.map { JapaneseTime.iso8601($0) } ?? "—") → \(JapaneseTime.iso8601(at))）",
                                                reason: "")
            }
            return posts
        }
        if !released.isEmpty { w.scheduled() }
        return released
    }
}
