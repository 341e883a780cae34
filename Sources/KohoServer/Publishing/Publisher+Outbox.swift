import Fluent
import Foundation
import KohoCore
import KohoPlatforms
import SQLKit

/// The outbox: leases on posts, attempts written before the platform is called, and the post's transitions, each
/// with its audit entry in one transaction.
extension Publisher {
    // MARK: Leases

    /// The lease: one conditional UPDATE, won by whichever worker's statement the database applies first. A scheduled
    /// post whose time has come moves to publishing in the same commit (what `start` does), one commit fewer per post.
    func claim(_ id: UUID) async throws -> Bool {
        let wall = wallNow, worker = self.worker, lease = settings.leaseSeconds
        return try await write { db -> Bool in
            guard let sql = db as? SQLDatabase else { return false }
            let rows = try await sql.update(Post.schema)
                .set("lease_owner", to: worker)
                .set("lease_until", to: wall.addingTimeInterval(lease))
                .where("id", .equal, id)
                .where { $0.where { $0.where("state", .equal, PostState.scheduled.rawValue).where("held_reason", .is, SQLLiteral.null) }
                    .orWhere("state", .equal, PostState.publishing.rawValue) }
                .where { $0.where("lease_until", .is, SQLLiteral.null).orWhere("lease_until", .lessThan, wall) }
                .where(SQLRaw("account NOT IN (SELECT account FROM \(AccountSuspension.schema))"))
                .returning("id").all()
            guard !rows.isEmpty else { return false }
            if let post = try await Post.find(id, on: db), post.state == .scheduled, let at = post.scheduledAt, at <= self.ctx.now {
                _ = try await self.start(post, on: db)
            }
            return true
        }
    }

    /// Extends the lease just before a platform call, so the call always runs inside it; false if it was lost.
    func renewLease(_ id: UUID, on db: Database) async throws -> Bool {
        guard let sql = db as? SQLDatabase else { return false }
        let rows = try await sql.update(Post.schema)
            .set("lease_until", to: wallNow.addingTimeInterval(settings.leaseSeconds))
            .where("id", .equal, id).where("lease_owner", .equal, worker)
            .returning("id").all()
        return !rows.isEmpty
    }

    func release(_ id: UUID, retryAt: Date?, message: String?) async throws {
        try await write { db in
            guard let post = try await Post.find(id, on: db), post.leaseOwner == self.worker else { return }
            post.leaseOwner = nil
            post.leaseUntil = nil
            post.retryAt = retryAt
            if let message { post.publishMessage = message }
            try await post.update(on: db)
        }
    }

    // MARK: Attempts

    /// Writes attempt `number` as pending and commits it, inside a renewed lease; nil when the lease was lost, and
    /// then nothing is sent.
    func beginAttempt(_ post: Post, number: Int, _ account: KohoCore.Account) async throws -> PublishAttempt? {
        let id = post.id!
        let attempt = PublishAttempt()
        attempt.id = UUID()
        attempt.postID = id
        attempt.number = number
        attempt.startedAt = wallNow
        attempt.outcome = settings.dryRun ? .dryRun : .pending
        attempt.message = settings.dryRun ? "試験運転のため、プラットフォームへの発信は行いませんでした" : ""
        attempt.worker = worker
        let leaseHeld = try await write { db -> Bool in
            guard try await self.renewLease(id, on: db) else { return false }
            try await attempt.create(on: db)
            try await self.audit(db, "post.publish.attempt", id,
                                 detail: "試行\(number)（\(account.platform.rawValue) \(account.id)）" + (self.settings.dryRun ? "（試験運転）" : ""),
                                 reason: "")
            return true
        }
        return leaseHeld ? attempt : nil
    }

    /// What the platform answered to an attempt that did not succeed.
    func record(_ e: PlatformError, attempt: PublishAttempt, post: Post) async throws {
        let id = post.id!
        try await write { db in
            switch e {
            case .transient:
                attempt.outcome = .unknown
            case .invalid:
                attempt.outcome = .refused
            case .rateLimited, .tokenExpiredOrRevoked:
                attempt.outcome = .notDone
            }
            attempt.message = e.explanation
            attempt.finishedAt = self.wallNow
            try await attempt.update(on: db)
            try await self.audit(db, "post.publish.\(attempt.outcome.rawValue)", id,
                                 detail: "試行\(attempt.number): \(attempt.outcome.displayName)", reason: attempt.message)
        }
    }

    // MARK: Transitions

    /// scheduled → publishing, conditional on the version so that a concurrent edit or cancellation wins cleanly.
    func start(_ post: Post) async throws -> Bool {
        try await write { db in try await self.start(post, on: db) }
    }

    /// `start` within the caller's transaction.
    func start(_ post: Post, on db: Database) async throws -> Bool {
        guard let next = PostWorkflow.next(post.state, .start), let sql = db as? SQLDatabase else { return false }
        let rows = try await sql.update(Post.schema)
            .set("state", to: next.rawValue).set("lock_version", to: post.lockVersion + 1).set("updated_at", to: ctx.now)
            .where("id", .equal, post.id!).where("state", .equal, PostState.scheduled.rawValue)
            .where("lock_version", .equal, post.lockVersion).where("lease_owner", .equal, worker)
            .returning("id").all()
        guard !rows.isEmpty else { return false }
        try await audit(db, "post.publishing", post.id!, detail: "scheduled → publishing", reason: "")
        post.state = next
        post.lockVersion += 1
        return true
    }

    func succeed(_ post: Post, attempt: PublishAttempt, outcome: AttemptOutcome, published: PublishedPost?) async throws {
        let id = post.id!
        try await write { db in
            attempt.outcome = outcome
            attempt.finishedAt = self.wallNow
            attempt.platformPostID = published?.id
            attempt.platformURL = published?.url
            if outcome == .found { attempt.message += (attempt.message.isEmpty ? "" : " / ") + "最近の投稿に見つかりました" }
            try await attempt.update(on: db)
            guard try await self.advance(id, .succeed, on: db, {
                $0.platformPostID = published?.id
                $0.platformURL = published?.url
                $0.publishMessage = outcome == .dryRun ? attempt.message : nil
            }) else { return }
            let how = outcome == .found ? "（結果不明だった試行\(attempt.number)を確認）" : outcome == .dryRun ? "（試験運転: 発信せず）" : ""
            try await self.audit(db, outcome == .dryRun ? "post.publish.dryRun" : "post.published", id,
                                 detail: "publishing → published \(published?.url ?? "")\(how)", reason: "")
        }
    }

    /// Moves the post by `step` within the caller's transaction: `change` sets what the step sets, the lease is given
    /// up and the version bumped. False when the post is gone or the step does not apply to its state.
    func advance(_ id: UUID, _ step: PublishStep, on db: Database, _ change: (Post) -> Void) async throws -> Bool {
        guard let fresh = try await Post.find(id, on: db), let next = PostWorkflow.next(fresh.state, step) else { return false }
        fresh.state = next
        change(fresh)
        fresh.leaseOwner = nil
        fresh.leaseUntil = nil
        fresh.retryAt = nil
        fresh.lockVersion += 1
        fresh.updatedAt = ctx.now
        try await fresh.update(on: db)
        return true
    }

    func fail(_ post: Post, attempt: PublishAttempt?, message: String) async throws {
        let id = post.id!
        try await write { db in
            guard try await self.advance(id, .fail, on: db, { $0.publishMessage = message }) else { return }
            try await self.audit(db, "post.publish.failed", id, detail: "publishing → failed", reason: message)
        }
    }

    /// Held (not connected, needs reconnecting): looked at again later, and at once when the account is connected.
    func hold(_ post: Post, _ message: String) async throws {
        let id = post.id!
        let previous = try await Post.find(id, on: app.db)?.publishMessage
        try await release(id, retryAt: wallNow.addingTimeInterval(max(30, settings.retryBaseSeconds)), message: message)
        if previous != message {
            try await write { db in try await self.audit(db, "post.publish.held", id, detail: "発信を保留", reason: message) }
        }
    }

    /// publishing → submitted: nothing is sent, and the chief sees the post in the approval queue again.
    func holdForApproval(_ post: Post, approved: String?, now current: String) async throws {
        let id = post.id!
        let owner = publishing.ownerTitle
        let message = "承認された発信内容と、いま発信される内容が異なるため（ポリシーやKohoの更新など）、発信せずに\(owner)の承認に戻しました。内容を確かめて、もう一度承認してください。"
        try await write { db in
            let reason = "【発信時の確認】承認された内容と発信する内容が異なるため、\(owner)の承認がもう一度必要です"
            guard try await self.advance(id, .holdForApproval, on: db, { fresh in
                fresh.requiresChiefApproval = true
                if !fresh.reasons.contains(reason) { fresh.approvalReasons = (fresh.reasons + [reason]).joined(separator: "\n") }
                fresh.approvedRendering = nil
                fresh.approvedRenderingSHA256 = nil
                fresh.publishMessage = message
            }) else { return }
            try await self.audit(db, "post.publish.heldForApproval", id,
                                 detail: "publishing → submitted（承認時 SHA-256 \(approved ?? "なし")、発信時 SHA-256 \(current)）",
                                 reason: message)
        }
    }

    func reschedule(_ post: Post, to at: Date) async throws {
        let id = post.id!
        try await write { db in
            var before: Date?
            guard try await self.advance(id, .reschedule, on: db, { fresh in
                before = fresh.scheduledAt
                fresh.scheduledAt = at
                fresh.publishMessage = "運用時間が終わったため、次の運用時間（\(JapaneseTime.display(at))）に予約し直しました"
            }) else { return }
            try await self.audit(db, "post.reschedule", id,
                                 detail: "publishing → scheduled（予約 \(JapaneseTime.iso8601(at))）",
                                 reason: "発信を待つ間に運用時間（\(before.map { JapaneseTime.display($0) } ?? "—") の枠）が終わったため")
        }
    }

    // MARK: Writing

    func audit(_ db: Database, _ action: String, _ id: UUID, detail: String, reason: String) async throws {
        try await AuditLog.appendLocked(on: db, at: ctx.now, actor: "publisher", action: action, subject: PostService.subject(id),
                                        detail: detail, reason: reason)
    }

    /// One transaction under the process's write lock (shared with the other posts' writes of the moment, see
    /// `GroupCommit`), committed before it returns, tried again a few times: another process appending to the audit
    /// chain at the same moment makes one of the two fail on the chain's unique `prev_hash`.
    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) async throws -> T) async throws -> T {
        var tries = 0
        while true {
            do {
                return try await publishing.commits.run(app.db, lock: ctx.writeLock, body)
            } catch {
                tries += 1
                if tries >= 5 || Task.isCancelled { throw error }
                try? await Task.sleep(for: .milliseconds(Int.random(in: 5...50) * tries))
            }
        }
    }
}
