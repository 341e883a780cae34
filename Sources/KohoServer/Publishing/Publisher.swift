import Fluent
import Foundation
import KohoCore
import KohoPlatforms
import Vapor

/// Takes due scheduled posts and publishes each exactly once.
///
/// The order that makes it exactly once: claim the post with a lease (a conditional UPDATE that only one worker
/// can win); settle any earlier attempt whose outcome is unknown by reading the account's recent posts; write the
/// new attempt and commit it; only then call the platform; then write what it answered. A worker that dies
/// anywhere in between leaves a `pending` attempt that the next worker settles before it posts again.
///
/// Split by concern: this file is the publisher as an outbox and one post's path; `Outbox` the runner, lease and
/// attempt shape it shares with the comment actions and the mail; `Publisher+Outbox` the claim, attempts and state
/// transitions; `Publisher+Settlement` unknown outcomes; `RetryPolicy` backoff and rate limits; `AccountCredentials`
/// the tokens; `PublishPayload` what a rendering becomes on its platform; `PlatformGateway` the platform calls,
/// replaceable in tests.
package final class Publisher: Sendable {
    let ctx: KohoContext
    let publishing: Publishing

    init(ctx: KohoContext, publishing: Publishing) {
        self.ctx = ctx
        self.publishing = publishing
    }

    var settings: PublisherSettings { publishing.settings }
    var gateway: PlatformGateway { publishing.gateway }
    var retryPolicy: RetryPolicy { RetryPolicy(settings) }
    var worker: String { settings.workerID }
    var wallNow: Date { settings.wallClock() }


    /// One pass over the due posts; how many it worked on. At most `concurrency` posts of one account at a time
    /// (the platforms limit each account on its own), the accounts side by side, whose writes then share commits.
    @discardableResult
    func pass() async throws -> Int {
        try await OutboxRunner(perGroup: settings.concurrency).pass(outbox)
    }

    /// The publisher as an outbox: due posts, claimed by their lease, published or held; a post whose work failed
    /// waits for the first backoff.
    var outbox: Outbox<DuePost, (post: Post, unattempted: Bool)> {
        Outbox(due: { try await self.duePostIDs(limit: $0) }, group: \.account, id: \.id,
               claim: { try await self.claim($0) },
               work: { try await self.handle($0.post, unattempted: $0.unattempted) },
               failed: { due, error in
                   self.ctx.logger.warning("publisher: post \(due.id.uuidString.lowercased()): \(String(describing: error))")
                   try? await self.release(due.id, retryAt: self.wallNow.addingTimeInterval(self.retryPolicy.backoff(1)), message: nil)
               })
    }

    /// THE selection of due posts, the one place that decides what the publisher looks at: scheduled posts whose
    /// time has come (and not yet lapsed), and posts in publishing whose retry time has come, that no live lease
    /// holds. Emergencies first. A condition that holds posts back (disaster mode, a suspended account, …) belongs
    /// here; `claim` re-checks the state, the version, the disaster-mode hold and the lease at the moment it takes the post.
    func duePostIDs(limit: Int = 64) async throws -> [DuePost] {
        let now = ctx.now, wall = wallNow
        let oldest = now.addingTimeInterval(-PostWorkflow.expiryGrace)
        // A suspended or deleted account sends nothing (3(7), 4(9), 5(9)): its posts wait, neither sent nor lapsed.
        let suspended = try await SuspensionService.current(ctx.db).keys.sorted()
        let posts = try await Post.query(on: ctx.db)
            .field(\.$id).field(\.$account).field(\.$state).field(\.$lockVersion)
            .filter(\.$account !~ suspended)
            .group(.or) { any in
                // Disaster mode holds a scheduled post until the chief releases it.
                any.group(.and) { $0.filter(\.$state == .scheduled).filter(\.$scheduledAt <= now).filter(\.$scheduledAt >= oldest).filter(\.$heldReason == nil) }
                any.filter(\.$state == .publishing)
            }
            .group(.or) { $0.filter(\.$retryAt == nil).filter(\.$retryAt <= wall) }
            .group(.or) { $0.filter(\.$leaseUntil == nil).filter(\.$leaseUntil < wall) }
            .sort(\.$emergency, .descending).sort(\.$scheduledAt, .ascending)
            .limit(limit).all()
        return posts.compactMap { p in p.id.map { DuePost(id: $0, account: p.account, state: p.state, version: p.lockVersion) } }
    }

    /// A post the selection found due, as it stood then.
    struct DuePost: Sendable {
        let id: UUID
        let account: String
        /// Scheduled (its time has come) or publishing.
        let state: PostState
        let version: Int
    }

    // MARK: One post

    enum Step { case done, again }

    /// `post` as the claim found it (and moved it to publishing when it was due); `unattempted`: it had no attempt then.
    func handle(_ post: Post, unattempted: Bool) async throws {
        let id = post.id!
        var unattempted = unattempted
        guard post.state == .publishing else { return try await release(id, retryAt: nil, message: nil) }
        let action = try post.action
        guard let account = ctx.policy.account(post.account) else {
            return try await fail(post, attempt: nil, message: "ポリシーにないアカウント「\(post.account)」です。")
        }
        let rendering: Rendering
        switch Rendering.render(action, account: account, mediaSHA256: post.mediaSHA256) {
        case .success(let r): rendering = r
        case .failure(let problem): return try await fail(post, attempt: nil, message: problem.message)
        }
        // Only what the chief approved goes out, and it is what an earlier attempt is matched against. A rendering
        // changed since (a new policy, new code) is not sent: once earlier attempts are settled, it goes back to the chief.
        let approved = post.approvedRendering.flatMap(Rendering.decode(canonicalJSON:))
            .flatMap { $0.hash == post.approvedRenderingSHA256 ? $0 : nil }
        let change = approved?.hash == rendering.hash ? nil : RenderingChange(approved: post.approvedRenderingSHA256, now: rendering.hash)
        let payload: PublishPayload
        do {
            payload = try await PublishPayload.make(action.kind, approved ?? rendering, mediaFile: post.mediaFile, account: account,
                                                    media: ctx.media)
        } catch let hold as HoldReason {
            return try await fail(post, attempt: nil, message: hold.message)
        }
        // The credentials renew an expiring token before the round, and a refused one once within it (the round
        // then runs again: the platform did nothing); a renewal refused marks the account and holds the post.
        do {
            while true {
                let step = try await publishing.credentials.call(account) { creds in
                    // What the claim said of the attempts holds for the first round only: a round may add one.
                    let none = unattempted
                    unattempted = false
                    return try await publishOnce(post, action, account, payload, creds, change: change, unattempted: none)
                }
                if case .done = step { return }
            }
        } catch let reason as HoldReason {
            return try await hold(post, reason.message)
        } catch let e as PlatformError {
            return try await waitAfter(e, post)
        }
    }

    /// What was approved and what would go out now, when they differ.
    struct RenderingChange {
        let approved: String?
        let now: String
    }

    /// Settles what came before, checks the window and the policy, then makes one attempt. `unattempted`: the post is
    /// known to have no attempt yet, so there is nothing to read or settle.
    private func publishOnce(_ post: Post, _ action: PlannedAction, _ account: KohoCore.Account, _ payload: PublishPayload,
                             _ creds: Credentials, change: RenderingChange?, unattempted: Bool) async throws -> Step {
        let id = post.id!
        let last = unattempted ? nil : try await PublishAttempt.last(of: id, on: ctx.db)
        if let last, try await settleEarlier(last, post, payload, creds) { return .done }
        if let change {
            try await holdForApproval(post, approved: change.approved, now: change.now)
            return .done
        }
        if let at = PostWorkflow.rescheduleTime(emergency: post.emergency, calendar: ctx.calendar(for: account.id), now: ctx.now) {
            try await reschedule(post, to: at)
            return .done
        }
        if action.kind == .quote {
            var a = action
            a.scheduledAt = ctx.now
            let refused = ctx.checker.check(a, now: ctx.now).violations.filter { $0.code.hasPrefix("quote.") }
            if !refused.isEmpty {
                try await fail(post, attempt: nil, message: "発信時の再検査で引用が認められませんでした: " + refused.map(\.message).joined(separator: " "))
                return .done
            }
        }
        guard let attempt = try await beginAttempt(post, number: (last?.number ?? 0) + 1, account) else { return .done }
        if settings.dryRun {
            try await succeed(post, attempt: attempt, outcome: .dryRun, published: nil)
            return .done
        }
        let published: PublishedPost
        // Every HTTP call the gateway makes for this attempt, kept with its outcome (the records of issue 24).
        let recorder = PlatformCallRecorder()
        do {
            let vault = publishing.vault, subject = id.uuidString, gateway = self.gateway
            published = try await recorder.recording {
                try await gateway.publish(payload, creds, nil) { session in
                    let sealed = try vault.seal(session, context: subject)
                    try await self.write { w in
                        attempt.uploadSession = sealed
                        try await self.store(attempt, w)
                    }
                }
            }
        } catch let e as PlatformError {
            try await record(e, attempt: attempt, post: post, calls: recorder.calls)
            if case .invalid(let message) = e {
                let text = action.kind == .quote
                    ? "プラットフォームが引用を拒否しました（\(message)）。引用元の投稿を確かめ、手作業で対応してください。"
                    : "プラットフォームが投稿を拒否しました（\(message)）。内容を確かめ、手作業で対応してください。"
                try await fail(post, attempt: attempt, message: text)
                return .done
            }
            throw e
        }
        try await succeed(post, attempt: attempt, outcome: .published, published: published, calls: recorder.calls)
        return .done
    }

    /// After a transient error or a rate limit: free the post until it may be tried again.
    private func waitAfter(_ e: PlatformError, _ post: Post) async throws {
        let id = post.id!
        let attempts = try await PublishAttempt.query(on: ctx.db).filter(\.$postID == id).count()
        let (at, message) = retryPolicy.retry(after: e, attempts: attempts, now: wallNow)
        try await release(id, retryAt: at, message: message)
    }
}
