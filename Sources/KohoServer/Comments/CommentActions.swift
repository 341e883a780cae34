import Fluent
import Foundation
import KohoCore
import KohoPlatforms
import SQLKit
import Vapor

/// Carries out the chief's hide and delete decisions on the platforms, each exactly once, as the publisher does
/// posts: claim the comment with a lease; settle an earlier attempt whose outcome is unknown by reading the
/// comment's state on the platform; write the attempt and commit it; only then call; then write the answer.
/// Facebook hides with `is_hidden` and deletes; YouTube rejects (`setModerationStatus`), which hides the comment
/// from the public (the API has no delete of others' comments); X is not covered by the deletion clause.
final class CommentActions: Sendable {
    let app: Application
    let publishing: Publishing
    let settings: CommentSettings

    init(app: Application, publishing: Publishing, settings: CommentSettings) {
        self.app = app
        self.publishing = publishing
        self.settings = settings
    }

    private var wallNow: Date { publishing.settings.wallClock() }
    private var worker: String { publishing.settings.workerID }
    private var ctx: KohoContext { app.koho }

    func wake() { app.backgroundJobs?.others.first { $0.name == "comment-actions" }?.wake() }

    /// One pass over the queued decisions whose time has come; how many were worked on.
    @discardableResult
    func pass() async throws -> Int {
        let wall = wallNow
        let due = try await Comment.query(on: app.db).filter(\.$actionStatus == .queued)
            .group(.or) { $0.filter(\.$actionRetryAt == nil).filter(\.$actionRetryAt <= wall) }
            .group(.or) { $0.filter(\.$leaseUntil == nil).filter(\.$leaseUntil < wall) }
            .limit(32).all()
        var worked = 0
        for c in due {
            guard let id = c.id, try await claim(id) else { continue }
            worked += 1
            do { try await handle(id) } catch {
                app.logger.warning("comment actions: \(id): \(String(describing: error))")
                try await finish(id, status: .queued, retryAt: wallNow.addingTimeInterval(settings.actionRetryBaseSeconds), message: nil)
            }
        }
        return worked
    }

    private func claim(_ id: UUID) async throws -> Bool {
        guard let sql = app.db as? SQLDatabase else { return false }
        let wall = wallNow
        let rows = try await ctx.writeLock.run { try await sql.update(Comment.schema)
            .set("lease_until", to: wall.addingTimeInterval(publishing.settings.leaseSeconds))
            .where("id", .equal, id).where("action_status", .equal, CommentActionStatus.queued.rawValue)
            .where { $0.where("lease_until", .is, SQLLiteral.null).orWhere("lease_until", .lessThan, wall) }
            .returning("id").all() }
        return !rows.isEmpty
    }

    private func handle(_ id: UUID) async throws {
        let c = try await CommentService.find(app.db, id)
        guard let action = c.decision, action.actsOnPlatform, let platform = c.platformValue,
              let account = ctx.policy.account(c.account) else {
            return try await finish(id, status: .failed, retryAt: nil, message: "実行できる決定がありません")
        }
        let connection = try await ConnectionService.find(account.id, on: app.db)
        let creds: Credentials
        switch ConnectionService.credentials(connection, account: account.id, platform: platform, publishing) {
        case .success(let cr): creds = cr
        case .failure(let hold):
            return try await finish(id, status: .queued, retryAt: wallNow.addingTimeInterval(settings.actionRetryMaxSeconds), message: hold.message)
        }
        let attempts = try await CommentAction.query(on: app.db).filter(\.$commentID == id).sort(\.$number).all()
        if let last = attempts.last, last.outcome == .pending || last.outcome == .unknown {
            // The last call may have been carried out: look before calling again.
            let done = try await isDone(action, c, creds)
            try await write { db in
                last.outcome = done ? .found : .absent
                last.finishedAt = last.finishedAt ?? self.wallNow
                try await last.update(on: db)
            }
            if done { return try await succeeded(c, action, attempt: last.number, settled: true) }
        }
        let number = (attempts.last?.number ?? 0) + 1
        let attempt = CommentAction()
        attempt.id = UUID()
        attempt.commentID = id
        attempt.number = number
        attempt.action = action
        attempt.startedAt = wallNow
        attempt.outcome = .pending
        attempt.message = ""
        attempt.worker = worker
        try await write { db in try await attempt.create(on: db) }
        do {
            try await call(action, c, creds)
        } catch let error as PlatformError {
            let outcome: AttemptOutcome
            let status: CommentActionStatus
            var retry: Date? = wallNow.addingTimeInterval(backoff(number))
            switch error {
            case .transient: outcome = .unknown; status = .queued
            case .rateLimited(let reset): outcome = .notDone; status = .queued; retry = max(reset ?? retry!, retry!)
            case .tokenExpiredOrRevoked: outcome = .notDone; status = .queued; retry = wallNow.addingTimeInterval(settings.actionRetryMaxSeconds)
            case .invalid: outcome = .refused; status = .failed; retry = nil
            }
            let message = status == .failed ? "プラットフォームが拒否しました: \(error.description)" : "再試行します（\(error.description)）"
            try await write { db in
                attempt.outcome = outcome
                attempt.finishedAt = self.wallNow
                attempt.message = error.description
                try await attempt.update(on: db)
                try await CommentEvent(comment: id, at: self.ctx.now, kind: status == .failed ? "actionFailed" : "actionRetry",
                                       actor: "system", detail: "\(action.displayName)（\(number)回目）: \(error.description)").create(on: db)
                if status == .failed {
                    try await AuditLog.appendLocked(on: db, at: self.ctx.now, actor: "system", action: "comment.actionFailed", subject: c.subject,
                                                    detail: "\(action.rawValue) \(c.platformCommentID)", reason: error.description)
                }
            }
            return try await finish(id, status: status, retryAt: retry, message: message)
        }
        try await write { db in
            attempt.outcome = .published
            attempt.finishedAt = self.wallNow
            try await attempt.update(on: db)
        }
        try await succeeded(c, action, attempt: number, settled: false)
    }

    private func backoff(_ n: Int) -> TimeInterval {
        min(settings.actionRetryMaxSeconds, settings.actionRetryBaseSeconds * pow(2, Double(max(0, n - 1))))
    }

    private func call(_ action: CommentDecisionAction, _ c: Comment, _ creds: Credentials) async throws {
        guard c.platformValue == .facebook || c.platformValue == .youtube else {
            throw PlatformError.invalid(message: "\(c.platform) のコメントは Koho から\(action.displayName)できません")
        }
        try await publishing.gateway.moderateComment(creds, c.platformCommentID, action == .delete)
    }

    /// Whether the platform already shows the decision carried out (settling an unknown outcome).
    private func isDone(_ action: CommentDecisionAction, _ c: Comment, _ creds: Credentials) async throws -> Bool {
        switch c.platformValue {
        case .facebook?:
            let listed = try await publishing.gateway.facebookComments(creds, c.platformPostID, 100)
            let found = listed.first { $0.id == c.platformCommentID }
            if action == .delete { return found == nil && listed.count < 100 }
            return found?.isHidden == true
        case .youtube?:
            let rejected = try await publishing.gateway.youtubeComments(creds, .rejected)
            return rejected.contains { $0.id == c.platformCommentID }
        default:
            return false
        }
    }

    private func succeeded(_ c: Comment, _ action: CommentDecisionAction, attempt: Int, settled: Bool) async throws {
        let id = c.id!
        let now = ctx.now
        try await write { db in
            guard let c = try await Comment.find(id, on: db) else { return }
            let before = c.state
            c.state = action == .delete && c.platformValue == .facebook ? .deleted : .hidden
            if c.platformValue == .youtube { c.moderationStatus = YouTubeModerationStatus.rejected.rawValue }
            c.actionStatus = .done
            c.actionRetryAt = nil
            c.actionMessage = nil
            c.leaseUntil = nil
            c.updatedAt = now
            try await c.update(on: db)
            let how = settled ? "（前回の結果を確認し、実行済みと判明）" : ""
            try await CommentEvent(comment: id, at: now, kind: "actionDone", actor: "system",
                                   detail: "\(action.displayName)\(how)").create(on: db)
            try await AuditLog.appendLocked(on: db, at: now, actor: "system", action: "comment.\(action.rawValue)", subject: c.subject,
                                            detail: "\(c.platform) \(c.platformCommentID) \(before.rawValue) → \(c.state.rawValue)（\(attempt)回目）",
                                            reason: c.decisionReason ?? "")
        }
    }

    private func finish(_ id: UUID, status: CommentActionStatus, retryAt: Date?, message: String?) async throws {
        try await write { db in
            guard let c = try await Comment.find(id, on: db) else { return }
            c.actionStatus = status
            c.actionRetryAt = retryAt
            if let message { c.actionMessage = message }
            c.leaseUntil = nil
            try await c.update(on: db)
        }
    }

    private func write(_ body: @escaping @Sendable (Database) async throws -> Void) async throws {
        try await ctx.writeLock.run { try await self.app.db.transaction { try await body($0) } }
    }
}
