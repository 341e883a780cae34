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
/// Split by concern: this file is the pass and one post's path; `Publisher+Outbox` the leases, attempts and state
/// transitions; `Publisher+Settlement` unknown outcomes; `RetryPolicy` backoff and rate limits; `PublishPayload`
/// what a rendering becomes on its platform; `PlatformGateway` the platform calls, replaceable in tests.
final class Publisher: Sendable {
    let app: Application
    let publishing: Publishing

    init(app: Application, publishing: Publishing) {
        self.app = app
        self.publishing = publishing
    }

    var settings: PublisherSettings { publishing.settings }
    var gateway: PlatformGateway { publishing.gateway }
    var retryPolicy: RetryPolicy { RetryPolicy(settings) }
    var worker: String { settings.workerID }
    var ctx: KohoContext { app.koho }
    var wallNow: Date { settings.wallClock() }

    /// An approval (or a reconnection) wakes the publisher's job instead of leaving it to the next poll.
    func wake() { app.backgroundJobs?.publisher?.wake() }

    /// One pass over the due posts; how many it worked on. At most `concurrency` posts of one account at a time
    /// (the platforms limit each account on its own), the accounts side by side, whose writes then share commits.
    /// When a full selection has all been started, the next is selected while those run, so that a long queue keeps
    /// every account busy instead of waiting at the end of each selection for its slowest post.
    @discardableResult
    func pass() async throws -> Int {
        let batch = 64
        var waiting = try await duePostIDs(limit: batch)
        guard !waiting.isEmpty else { return 0 }
        var more = waiting.count == batch
        let limit = max(1, settings.concurrency)
        var worked = 0
        await withTaskGroup(of: (done: Bool, id: UUID, account: String).self) { group in
            var running: [String: Int] = [:]
            var inHand = Set<UUID>()
            while true {
                // In the selection's order (emergencies first), every waiting post whose account has room.
                var i = 0
                while !Task.isCancelled, i < waiting.count {
                    let due = waiting[i], id = due.id, account = due.account
                    guard running[account, default: 0] < limit else { i += 1; continue }
                    running[account, default: 0] += 1
                    inHand.insert(id)
                    waiting.remove(at: i)
                    group.addTask { (await self.process(due), id, account) }
                }
                if waiting.isEmpty, more, !Task.isCancelled {
                    let next = (try? await duePostIDs(limit: batch)) ?? []
                    more = next.count == batch
                    waiting = next.filter { !inHand.contains($0.id) }
                    if !waiting.isEmpty { continue }
                }
                guard let finished = await group.next() else { break }
                running[finished.account, default: 1] -= 1
                inHand.remove(finished.id)
                if finished.done { worked += 1 }
            }
        }
        return worked
    }

    /// THE selection of due posts, the one place that decides what the publisher looks at: scheduled posts whose
    /// time has come (and not yet lapsed), and posts in publishing whose retry time has come, that no live lease
    /// holds. Emergencies first. A condition that holds posts back (disaster mode, a suspended account, …) belongs
    /// here; `claim` re-checks the state, the version, the disaster-mode hold and the lease at the moment it takes the post.
    func duePostIDs(limit: Int = 64) async throws -> [DuePost] {
        let now = ctx.now, wall = wallNow
        let oldest = now.addingTimeInterval(-PostWorkflow.expiryGrace)
        // A suspended or deleted account sends nothing (3(7), 4(9), 5(9)): its posts wait, neither sent nor lapsed.
        let suspended = try await SuspensionService.current(app.db).keys.sorted()
        let posts = try await Post.query(on: app.db)
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

    /// Whether the post was worked on (false: another worker had it, or it was not due after all).
    func process(_ due: DuePost) async -> Bool {
        let id = due.id
        guard let claimed = try? await claim(due) else { return false }
        do {
            try await handle(claimed.post, unattempted: claimed.unattempted)
        } catch {
            app.logger.warning("publisher: post \(id.uuidString.lowercased()): \(String(describing: error))")
            try? await release(id, retryAt: wallNow.addingTimeInterval(retryPolicy.backoff(1)), message: nil)
        }
        return true
    }

    enum Step { case done, again }

    /// `post` as the claim found it (and moved it to publishing when it was due); `unattempted`: it had no attempt then.
    private func handle(_ post: Post, unattempted: Bool) async throws {
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
        var refreshed = false
        while true {
            let connection = try await ConnectionService.find(account.id, on: app.db)
            let creds: Credentials
            switch ConnectionService.credentials(connection, account: account.id, platform: account.platform, publishing) {
            case .failure(let reason):
                return try await hold(post, reason.message)
            case .success(let c):
                creds = c
            }
            // A token about to lapse is renewed before the call rather than after the platform refuses it.
            if !refreshed, creds.refreshToken != nil, let expires = creds.expiresAt, expires <= wallNow.addingTimeInterval(RetryPolicy.refreshMargin) {
                refreshed = true
                if try await refresh(creds) { continue }
            }
            do {
                // What the claim said of the attempts holds for the first round only: a round may add one.
                let none = unattempted
                unattempted = false
                switch try await publishOnce(post, action, account, payload, creds, change: change, unattempted: none) {
                case .done: return
                case .again: continue
                }
            } catch let e as PlatformError {
                if case .tokenExpiredOrRevoked = e {
                    if !refreshed, try await refresh(creds) {
                        refreshed = true
                        continue
                    }
                    let reason = "\(account.platform.displayName)がアクセストークンを期限切れまたは無効と答えました"
                    try await ConnectionService.markNeedsReconnecting(app: app, account: account.id, reason: reason)
                    return try await hold(post, "アカウント「\(account.id)」は要再接続です（\(reason)）。\(publishing.ownerTitle)が「アカウント」画面で接続し直すまで発信を止めています。")
                }
                return try await waitAfter(e, post)
            }
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
        let last = unattempted ? nil : try await PublishAttempt.last(of: id, on: app.db)
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
        do {
            let vault = publishing.vault, subject = id.uuidString
            published = try await gateway.publish(payload, creds, nil) { session in
                let sealed = try vault.seal(session, context: subject)
                try await self.write { w in
                    attempt.uploadSession = sealed
                    try await self.store(attempt, w)
                }
            }
        } catch let e as PlatformError {
            try await record(e, attempt: attempt, post: post)
            if case .invalid(let message) = e {
                let text = action.kind == .quote
                    ? "プラットフォームが引用を拒否しました（\(message)）。引用元の投稿を確かめ、手作業で対応してください。"
                    : "プラットフォームが投稿を拒否しました（\(message)）。内容を確かめ、手作業で対応してください。"
                try await fail(post, attempt: attempt, message: text)
                return .done
            }
            throw e
        }
        try await succeed(post, attempt: attempt, outcome: .published, published: published)
        return .done
    }

    /// After a transient error or a rate limit: free the post until it may be tried again.
    private func waitAfter(_ e: PlatformError, _ post: Post) async throws {
        let id = post.id!
        let attempts = try await PublishAttempt.query(on: app.db).filter(\.$postID == id).count()
        let (at, message) = retryPolicy.retry(after: e, attempts: attempts, now: wallNow)
        try await release(id, retryAt: at, message: message)
    }

    private func refresh(_ c: Credentials) async throws -> Bool {
        guard let refresh = c.refreshToken, let oauth = gateway.oauth(c.platform) else { return false }
        do {
            let tokens = try await gateway.refresh(oauth, refresh, wallNow)
            try await ConnectionService.storeRefreshed(app: app, account: c.account, tokens: tokens)
            return true
        } catch let e as PlatformError where e.outcomeUnknown {
            // A brief network error says nothing about the token: try again later, keep the account connected.
            throw e
        } catch {
            return false
        }
    }
}
