import Fluent
import FluentSQL
import Foundation
import KohoCore
import KohoPlatforms
import SQLKit

/// The outbox: leases on posts, attempts written before the platform is called, and the post's transitions, each
/// with its audit entry in one transaction.
extension Publisher {
    // MARK: Leases

    /// The lease: one conditional UPDATE, won by whichever worker's statement the database applies first, and only if
    /// the post is as the selection found it (its version). A scheduled post moves to publishing in the same statement,
    /// conditional on that version, so that a concurrent edit or cancellation wins cleanly. It answers the post as it now stands, which the publisher then works from without reading
    /// it again, and whether the post has had an attempt.
    func claim(_ due: DuePost) async throws -> (post: Post, unattempted: Bool)? {
        let wall = wallNow, now = ctx.now, worker = self.worker, lease = settings.leaseSeconds
        let starts = due.state == .scheduled
        guard starts || due.state == .publishing else { return nil }
        return try await write { w -> (post: Post, unattempted: Bool)? in
            guard let row = try await PostStore.claim(w.db, id: due.id, version: due.version, state: due.state, worker: worker,
                                                      until: wall.addingTimeInterval(lease), wall: wall,
                                                      startPublishingAt: starts ? now : nil) else { return nil }
            let post = try row.decode(fluentModel: Post.self)
            if starts { self.audit(w, "post.publishing", due.id, detail: "scheduled → publishing", reason: "") }
            return (post, try row.decodeNil(column: "koho_last_attempt"))
        }
    }

    /// Extends the lease just before a platform call, so the call always runs inside it; false if it was lost.
    func renewLease(_ id: UUID, on db: Database) async throws -> Bool {
        try await PostStore.renewLease(db, id: id, worker: worker, until: wallNow.addingTimeInterval(settings.leaseSeconds))
    }

    func release(_ id: UUID, retryAt: Date?, message: String?) async throws {
        try await write { w in
            let db = w.db
            guard let post = try await Post.find(id, on: db), post.leaseOwner == self.worker else { return }
            post.leaseOwner = nil
            post.leaseUntil = nil
            post.retryAt = retryAt
            if let message { post.publishMessage = message }
            try await PostStore.save(post, on: db)
        }
    }

    // MARK: Attempts

    /// Writes attempt `number` as pending and commits it, inside a renewed lease; nil when the lease was lost, and
    /// then nothing is sent.
    func beginAttempt(_ post: Post, number: Int, _ account: KohoCore.Account) async throws -> PublishAttempt? {
        let id = post.id!, startedAt = wallNow, dryRun = settings.dryRun, worker = self.worker
        return try await write { w -> PublishAttempt? in
            guard try await self.renewLease(id, on: w.db), let sql = w.db as? SQLDatabase else { return nil }
            // Made afresh each time the write is tried, so that a retried write inserts it again.
            let attempt = PublishAttempt()
            attempt.id = UUID()
            attempt.postID = id
            attempt.number = number
            attempt.startedAt = startedAt
            attempt.outcome = dryRun ? .dryRun : .pending
            attempt.message = dryRun ? "試験運転のため、プラットフォームへの発信は行いませんでした" : ""
            attempt.worker = worker
            try await sql.raw("""
                INSERT INTO publish_attempts (id, post_id, number, started_at, outcome, message, worker)
                VALUES (\(bind: attempt.id!), \(bind: id), \(bind: number), \(bind: startedAt), \(bind: attempt.outcome.rawValue),
                \(bind: attempt.message), \(bind: worker))
                """).run()
            self.audit(w, "post.publish.attempt", id,
                       detail: "試行\(number)（\(account.platform.rawValue) \(account.id)）" + (dryRun ? "（試験運転）" : ""), reason: "")
            return attempt
        }
    }

    /// Writes what became of `attempt` (its outcome, end, platform ids, message, upload session) as it now stands.
    func store(_ attempt: PublishAttempt, _ w: GroupCommit.Write) async throws {
        guard let sql = w.db as? SQLDatabase else { throw GroupCommitError() }
        try await sql.raw("""
            UPDATE publish_attempts SET outcome = \(bind: attempt.outcome.rawValue), finished_at = \(nullable: attempt.finishedAt),
            platform_post_id = \(nullable: attempt.platformPostID), platform_url = \(nullable: attempt.platformURL),
            message = \(bind: attempt.message), upload_session = \(nullable: attempt.uploadSession)
            WHERE id = \(bind: attempt.id!)
            """).run()
    }

    /// What the platform answered to an attempt that did not succeed.
    func record(_ e: PlatformError, attempt: PublishAttempt, post: Post, calls: [PlatformCall] = []) async throws {
        let id = post.id!
        try await write { w in
            attempt.record(e, at: self.wallNow)
            try await self.store(attempt, w)
            try await PlatformCalls.store(calls, kind: PlatformCalls.publish, attempt: attempt.id!, subject: PostService.subject(id), on: w.db)
            self.audit(w, "post.publish.\(attempt.outcome.rawValue)", id,
                                 detail: "試行\(attempt.number): \(attempt.outcome.displayName)", reason: attempt.message)
        }
    }

    // MARK: Transitions

    func succeed(_ post: Post, attempt: PublishAttempt, outcome: AttemptOutcome, published: PublishedPost?,
                 calls: [PlatformCall] = []) async throws {
        let id = post.id!, message = attempt.message
        try await write { w in
            attempt.outcome = outcome
            attempt.finishedAt = self.wallNow
            attempt.platformPostID = published?.id
            attempt.platformURL = published?.url
            if outcome == .found { attempt.message = message + (message.isEmpty ? "" : " / ") + "最近の投稿に見つかりました" }
            try await self.store(attempt, w)
            try await PlatformCalls.store(calls, kind: PlatformCalls.publish, attempt: attempt.id!, subject: PostService.subject(id), on: w.db)
            guard try await self.advance(id, .succeed, w, set: [
                "platform_post_id": published?.id, "platform_url": published?.url,
                "publish_message": outcome == .dryRun ? attempt.message : nil,
            ]) else { return }
            let how = outcome == .found ? "（結果不明だった試行\(attempt.number)を確認）" : outcome == .dryRun ? "（試験運転: 発信せず）" : ""
            self.audit(w, outcome == .dryRun ? "post.publish.dryRun" : "post.published", id,
                                 detail: "publishing → published \(published?.url ?? "")\(how)", reason: "")
        }
    }

    /// Moves a post in publishing by `step` within the caller's write, in one conditional UPDATE: `columns` are what
    /// the step sets, the lease is given up and the version bumped. False when the post is no longer in publishing.
    func advance(_ id: UUID, _ step: PublishStep, _ w: GroupCommit.Write, set columns: KeyValuePairs<String, String?>) async throws -> Bool {
        guard let next = PostWorkflow.next(.publishing, step), let sql = w.db as? SQLDatabase else { return false }
        return try await PostStore.advanceFromPublishing(sql, id: id, to: next, at: ctx.now, set: columns)
    }

    /// Moves the post by `step` within the caller's transaction, for steps that depend on what the post holds:
    /// `change` sets what the step sets, the lease is given up and the version bumped. False when the post is gone or
    /// the step does not apply to its state.
    func advance(_ id: UUID, _ step: PublishStep, on db: Database, _ change: (Post) -> Void) async throws -> Bool {
        guard let fresh = try await Post.find(id, on: db), let next = PostWorkflow.next(fresh.state, step) else { return false }
        fresh.state = next
        change(fresh)
        fresh.leaseOwner = nil
        fresh.leaseUntil = nil
        fresh.retryAt = nil
        fresh.updatedAt = ctx.now
        try await PostStore.save(fresh, on: db)
        return true
    }

    func fail(_ post: Post, attempt: PublishAttempt?, message: String) async throws {
        let id = post.id!
        try await write { w in
            guard try await self.advance(id, .fail, w, set: ["publish_message": message]) else { return }
            self.audit(w, "post.publish.failed", id, detail: "publishing → failed", reason: message)
        }
    }

    /// Held (not connected, needs reconnecting): looked at again later, and at once when the account is connected.
    func hold(_ post: Post, _ message: String) async throws {
        let id = post.id!
        let previous = try await Post.find(id, on: ctx.db)?.publishMessage
        try await release(id, retryAt: wallNow.addingTimeInterval(max(30, settings.retryBaseSeconds)), message: message)
        if previous != message {
            try await write { w in self.audit(w, "post.publish.held", id, detail: "発信を保留", reason: message) }
        }
    }

    /// publishing → submitted: nothing is sent, and the chief sees the post in the approval queue again.
    func holdForApproval(_ post: Post, approved: String?, now current: String) async throws {
        let id = post.id!
        let owner = publishing.ownerTitle
        let message = "承認された発信内容と、いま発信される内容が異なるため（ポリシーやKohoの更新など）、発信せずに\(owner)の承認に戻しました。内容を確かめて、もう一度承認してください。"
        try await write { w in
            let reason = "【発信時の確認】承認された内容と発信する内容が異なるため、\(owner)の承認がもう一度必要です"
            guard try await self.advance(id, .holdForApproval, on: w.db, { fresh in
                fresh.requiresChiefApproval = true
                if !fresh.reasons.contains(reason) { fresh.approvalReasons = (fresh.reasons + [reason]).joined(separator: "\n") }
                fresh.approvedRendering = nil
                fresh.approvedRenderingSHA256 = nil
                fresh.publishMessage = message
            }) else { return }
            self.audit(w, "post.publish.heldForApproval", id,
                                 detail: "publishing → submitted（承認時 SHA-256 \(approved ?? "なし")、発信時 SHA-256 \(current)）",
                                 reason: message)
        }
    }

    func reschedule(_ post: Post, to at: Date) async throws {
        let id = post.id!
        try await write { w in
            var before: Date?
            guard try await self.advance(id, .reschedule, on: w.db, { fresh in
                before = fresh.scheduledAt
                fresh.scheduledAt = at
                fresh.publishMessage = "運用時間が終わったため、次の運用時間（\(JapaneseTime.display(at))）に予約し直しました"
            }) else { return }
            self.audit(w, "post.reschedule", id,
                                 detail: "publishing → scheduled（予約 \(JapaneseTime.iso8601(at))）",
                                 reason: "発信を待つ間に運用時間（\(before.map { JapaneseTime.display($0) } ?? "—") の枠）が終わったため")
        }
    }

    // MARK: Writing

    func audit(_ w: GroupCommit.Write, _ action: String, _ id: UUID, detail: String, reason: String) {
        w.audit(at: ctx.now, actor: "publisher", action: action, subject: PostService.subject(id), detail: detail, reason: reason)
    }

    /// One transaction under the process's write lock (shared with the other posts' writes of the moment, see
    /// `GroupCommit`), committed before it returns, tried again a few times: another process appending to the audit
    /// chain at the same moment makes one of the two fail on the chain's unique `prev_hash`.
    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (GroupCommit.Write) async throws -> T) async throws -> T {
        var tries = 0
        while true {
            do {
                return try await publishing.commits.run(ctx.db, lock: ctx.writeLock, body)
            } catch {
                tries += 1
                if tries >= 5 || Task.isCancelled { throw error }
                try? await Task.sleep(for: .milliseconds(Int.random(in: 5...50) * tries))
            }
        }
    }
}

extension SQLQueryString.StringInterpolation {
    /// A bound value, or NULL.
    mutating func appendInterpolation(nullable value: (any Encodable & Sendable)?) {
        if let value { appendInterpolation(bind: value) } else { appendLiteral("NULL") }
    }
}
