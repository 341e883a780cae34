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
package final class CommentActions: Sendable {
    let ctx: KohoContext
    let publishing: Publishing
    let settings: CommentSettings

    init(ctx: KohoContext, publishing: Publishing, settings: CommentSettings) {
        self.ctx = ctx
        self.publishing = publishing
        self.settings = settings
    }

    private var wallNow: Date { publishing.settings.wallClock() }
    private var worker: String { publishing.settings.workerID }

    private var retryPolicy: RetryPolicy {
        RetryPolicy(baseSeconds: settings.actionRetryBaseSeconds, maxSeconds: settings.actionRetryMaxSeconds, jitter: { 1 })
    }

    /// One pass over the queued decisions whose time has come; how many were worked on.
    @discardableResult
    func pass() async throws -> Int {
        // One at a time: the decisions of a moment are few, and one account's calls should not crowd its limit.
        try await OutboxRunner(perGroup: 1, batch: 32).pass(outbox)
    }

    /// The decisions as an outbox: queued ones whose retry time has come, claimed by the comment's lease.
    var outbox: Outbox<UUID, UUID> {
        let db = ctx.db
        return Outbox(
            due: { limit in
                let wall = self.wallNow
                return try await Comment.query(on: db).filter(\.$actionStatus == .queued)
                    .group(.or) { $0.filter(\.$actionRetryAt == nil).filter(\.$actionRetryAt <= wall) }
                    .group(.or) { $0.filter(\.$leaseUntil == nil).filter(\.$leaseUntil < wall) }
                    .limit(limit).all(\.$id).compactMap { $0 }
            },
            group: { _ in "comment-actions" }, id: { $0 },
            claim: { id in
                let wall = self.wallNow, until = wall.addingTimeInterval(self.publishing.settings.leaseSeconds)
                let rows = try await self.ctx.write(on: db) { db in
                    try await OutboxLease.claim(db, table: Comment.schema, id: id, until: until, now: wall,
                                                where: " AND action_status = \(bind: CommentActionStatus.queued.rawValue)")
                }
                return rows.isEmpty ? nil : id
            },
            work: { try await self.handle($0) },
            failed: { id, error in
                self.ctx.logger.warning("comment actions: \(id): \(String(describing: error))")
                try? await self.finish(id, status: .queued, retryAt: self.wallNow.addingTimeInterval(self.retryPolicy.backoff(1)), message: nil)
            })
    }

    private func handle(_ id: UUID) async throws {
        let c = try await CommentService.find(ctx.db, id)
        guard let action = c.decision, action.actsOnPlatform, c.platformValue != nil,
              let account = ctx.policy.account(c.account) else {
            return try await finish(id, status: .failed, retryAt: nil, message: "実行できる決定がありません")
        }
        let credentials = publishing.credentials
        do {
            _ = try await credentials.current(account)
        } catch let hold as HoldReason {
            return try await finish(id, status: .queued, retryAt: wallNow.addingTimeInterval(settings.actionRetryMaxSeconds), message: hold.message)
        }
        let attempts = try await CommentAction.query(on: ctx.db).filter(\.$commentID == id).sort(\.$number).all()
        if let last = attempts.last, last.isOpen {
            // The last call may have been carried out: look before calling again.
            let reads = PlatformCallRecorder()
            let done = try await reads.recording { try await credentials.call(account) { try await isDone(action, c, $0) } }
            try await write { db in
                last.settle(found: done, note: nil, at: self.wallNow)
                try await last.update(on: db)
                try await PlatformCalls.store(reads.calls, kind: PlatformCalls.comment, attempt: last.id!, subject: c.subject, on: db)
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
        // Every HTTP call made for this attempt, kept with it (the records of issue 24).
        let recorder = PlatformCallRecorder()
        @Sendable func keepCalls(_ db: Database) async throws {
            try await PlatformCalls.store(recorder.calls, kind: PlatformCalls.comment, attempt: attempt.id!, subject: c.subject, on: db)
        }
        do {
            try await recorder.recording { try await credentials.call(account) { try await call(action, c, $0) } }
        } catch let hold as HoldReason {
            // Renewal refused: the account now needs reconnecting, and the decision waits for it.
            try await write { db in
                attempt.outcome = .notDone
                attempt.finishedAt = self.wallNow
                attempt.message = hold.message
                try await attempt.update(on: db)
                try await keepCalls(db)
            }
            return try await finish(id, status: .queued, retryAt: wallNow.addingTimeInterval(settings.actionRetryMaxSeconds), message: hold.message)
        } catch let error as PlatformError {
            let refused = AttemptOutcome(after: error) == .refused
            let status: CommentActionStatus = refused ? .failed : .queued
            let retry = refused ? nil : retryPolicy.retry(after: error, attempts: number, now: wallNow).at
            let message = status == .failed ? "プラットフォームが拒否しました: \(error.description)" : "再試行します（\(error.description)）"
            try await write { db in
                attempt.record(error, message: error.description, at: self.wallNow)
                try await attempt.update(on: db)
                try await keepCalls(db)
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
            try await keepCalls(db)
        }
        try await succeeded(c, action, attempt: number, settled: false)
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
        try await ctx.write(on: ctx.db, body)
    }
}
