import Fluent
import Foundation
import KohoCore
import KohoPlatforms
import SQLKit
import Vapor

/// Takes due scheduled posts and publishes each exactly once.
///
/// The order that makes it exactly once: claim the post with a lease (a conditional UPDATE that only one worker
/// can win); settle any earlier attempt whose outcome is unknown by reading the account's recent posts; write the
/// new attempt and commit it; only then call the platform; then write what it answered. A worker that dies
/// anywhere in between leaves a `pending` attempt that the next worker settles before it posts again.
final class Publisher: Sendable {
    let app: Application
    let publishing: Publishing

    init(app: Application, publishing: Publishing) {
        self.app = app
        self.publishing = publishing
    }

    var settings: PublisherSettings { publishing.settings }
    var worker: String { settings.workerID }
    private var ctx: KohoContext { app.koho }
    private var wallNow: Date { settings.wallClock() }

    /// An approval (or a reconnection) wakes the publisher's job instead of leaving it to the next poll.
    func wake() { app.backgroundJobs?.publisher?.wake() }

    /// One pass over the due posts; how many it worked on.
    @discardableResult
    func pass() async throws -> Int {
        let ids = try await dueIDs()
        guard !ids.isEmpty else { return 0 }
        var worked = 0
        await withTaskGroup(of: Bool.self) { group in
            var next = ids.makeIterator()
            var running = 0
            while running < settings.concurrency, let id = next.next() {
                group.addTask { await self.process(id) }
                running += 1
            }
            while let done = await group.next() {
                if done { worked += 1 }
                if !Task.isCancelled, let id = next.next() { group.addTask { await self.process(id) } }
            }
        }
        return worked
    }

    /// Scheduled posts whose time has come (and not yet lapsed), and posts in publishing whose retry time has come,
    /// that no live lease holds. Emergencies first.
    func dueIDs(limit: Int = 64) async throws -> [UUID] {
        let now = ctx.now, wall = wallNow
        let oldest = now.addingTimeInterval(-PostWorkflow.expiryGrace)
        let posts = try await Post.query(on: app.db)
            .group(.or) { any in
                // Disaster mode holds a scheduled post until the chief releases it.
                any.group(.and) { $0.filter(\.$state == .scheduled).filter(\.$scheduledAt <= now).filter(\.$scheduledAt >= oldest).filter(\.$heldReason == nil) }
                any.filter(\.$state == .publishing)
            }
            .group(.or) { $0.filter(\.$retryAt == nil).filter(\.$retryAt <= wall) }
            .group(.or) { $0.filter(\.$leaseUntil == nil).filter(\.$leaseUntil < wall) }
            .sort(\.$emergency, .descending).sort(\.$scheduledAt, .ascending)
            .limit(limit).all()
        return posts.compactMap(\.id)
    }

    // MARK: One post

    /// Whether the post was worked on (false: another worker had it, or it was not due after all).
    func process(_ id: UUID) async -> Bool {
        guard (try? await claim(id)) == true else { return false }
        do {
            try await handle(id)
        } catch {
            app.logger.warning("publisher: post \(id.uuidString.lowercased()): \(String(describing: error))")
            try? await release(id, retryAt: wallNow.addingTimeInterval(backoff(1)), message: nil)
        }
        return true
    }

    /// The lease: one conditional UPDATE, won by whichever worker's statement the database applies first.
    func claim(_ id: UUID) async throws -> Bool {
        guard let sql = app.db as? SQLDatabase else { return false }
        let wall = wallNow
        let rows = try await ctx.writeLock.run { try await sql.update(Post.schema)
            .set("lease_owner", to: worker)
            .set("lease_until", to: wall.addingTimeInterval(settings.leaseSeconds))
            .where("id", .equal, id)
            .where { $0.where { $0.where("state", .equal, PostState.scheduled.rawValue).where("held_reason", .is, SQLLiteral.null) }
                .orWhere("state", .equal, PostState.publishing.rawValue) }
            .where { $0.where("lease_until", .is, SQLLiteral.null).orWhere("lease_until", .lessThan, wall) }
            .returning("id").all() }
        return !rows.isEmpty
    }

    /// Extends the lease just before a platform call, so the call always runs inside it; false if it was lost.
    private func renewLease(_ id: UUID, on db: Database) async throws -> Bool {
        guard let sql = db as? SQLDatabase else { return false }
        let rows = try await sql.update(Post.schema)
            .set("lease_until", to: wallNow.addingTimeInterval(settings.leaseSeconds))
            .where("id", .equal, id).where("lease_owner", .equal, worker)
            .returning("id").all()
        return !rows.isEmpty
    }

    private func release(_ id: UUID, retryAt: Date?, message: String?) async throws {
        try await write { db in
            guard let post = try await Post.find(id, on: db), post.leaseOwner == self.worker else { return }
            post.leaseOwner = nil
            post.leaseUntil = nil
            post.retryAt = retryAt
            if let message { post.publishMessage = message }
            try await post.update(on: db)
        }
    }

    private enum Step { case done, again }

    private func handle(_ id: UUID) async throws {
        guard let post = try await Post.find(id, on: app.db) else { return }
        if post.state == .scheduled {
            guard let at = post.scheduledAt, at <= ctx.now else { return try await release(id, retryAt: nil, message: nil) }
            guard try await start(post) else { return try await release(id, retryAt: nil, message: nil) }
        }
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
        do { payload = try makePayload(post, action.kind, approved ?? rendering, account) } catch let hold as HoldReason {
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
            if !refreshed, creds.refreshToken != nil, let expires = creds.expiresAt, expires <= wallNow.addingTimeInterval(Self.refreshMargin) {
                refreshed = true
                if try await refresh(creds) { continue }
            }
            do {
                switch try await publishOnce(post, action, account, payload, creds, change: change) {
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

    /// Settles what came before, checks the window and the policy, then makes one attempt.
    private func publishOnce(_ post: Post, _ action: PlannedAction, _ account: KohoCore.Account, _ payload: PublishPayload,
                             _ creds: Credentials, change: RenderingChange?) async throws -> Step {
        let id = post.id!
        let attempts = try await PublishAttempt.query(on: app.db).filter(\.$postID == id).sort(\.$number).all()
        if let last = attempts.last, last.outcome == .pending || last.outcome == .unknown {
            if let found = try await settle(last, post, payload, creds) {
                try await succeed(post, attempt: last, outcome: .found, published: found)
                return .done
            }
            try await write { db in
                last.outcome = .absent
                last.finishedAt = self.wallNow
                last.message += (last.message.isEmpty ? "" : " / ") + "最近の投稿に見当たりません"
                try await last.update(on: db)
                try await self.audit(db, "post.publish.settled", id, detail: "試行\(last.number): 見当たらないため再試行します", reason: "")
            }
        }
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
        let number = (attempts.last?.number ?? 0) + 1
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
        guard leaseHeld else { return .done }
        if settings.dryRun {
            try await succeed(post, attempt: attempt, outcome: .dryRun, published: nil)
            return .done
        }
        let published: PublishedPost
        do {
            let vault = publishing.vault, subject = id.uuidString
            published = try await publishing.gateway.publish(payload, as: creds, uploadSession: nil) { session in
                let sealed = try vault.seal(session, context: subject)
                try await self.write { db in
                    attempt.uploadSession = sealed
                    try await attempt.update(on: db)
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

    /// Whether the platform already has what an earlier attempt sent. The YouTube upload session answers exactly;
    /// otherwise the account's recent posts are read and one is taken as ours only if its normalized text is the
    /// same, it was made no earlier than shortly before the attempt started, and no other Koho post has its id.
    private func settle(_ attempt: PublishAttempt, _ post: Post, _ payload: PublishPayload, _ creds: Credentials) async throws -> PublishedPost? {
        if case .youtube(_, let video) = payload, let sealed = attempt.uploadSession,
           let session = try? publishing.vault.unseal(sealed, context: post.id!.uuidString) {
            switch try await publishing.gateway.uploadProgress(session: session, totalBytes: video.data.count, creds) {
            case .complete(let v): return v.published
            case .incomplete: return nil
            }
        }
        let recent = try await publishing.gateway.recentPosts(creds)
        let text = Self.normalize(payload.matchText)
        let description = payload.matchDescription.map(Self.normalize)
        // Platform clocks and Graph's whole seconds: allow a little before the attempt's start.
        let earliest = attempt.startedAt.addingTimeInterval(-120)
        let candidates = recent.filter {
            Self.normalize($0.text) == text && (description == nil || Self.normalize($0.description ?? "") == description)
                && ($0.createdAt ?? .distantFuture) >= earliest
        }
        guard !candidates.isEmpty else { return nil }
        let taken = try await Post.query(on: app.db).filter(\.$platformPostID ~~ candidates.map(\.id)).filter(\.$id != post.id!).all()
        let takenIDs = Set(taken.compactMap(\.platformPostID))
        return candidates.first { !takenIDs.contains($0.id) }.map { PublishedPost(platform: $0.platform, id: $0.id, url: $0.url) }
    }

    static func normalize(_ s: String) -> String {
        s.precomposedStringWithCanonicalMapping.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func record(_ e: PlatformError, attempt: PublishAttempt, post: Post) async throws {
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
            attempt.message = Self.describe(e)
            attempt.finishedAt = self.wallNow
            try await attempt.update(on: db)
            try await self.audit(db, "post.publish.\(attempt.outcome.rawValue)", id,
                                 detail: "試行\(attempt.number): \(attempt.outcome.displayName)", reason: attempt.message)
        }
    }

    /// After a transient error or a rate limit: free the post until it may be tried again.
    private func waitAfter(_ e: PlatformError, _ post: Post) async throws {
        let id = post.id!
        let failures = try await PublishAttempt.query(on: app.db).filter(\.$postID == id).count()
        let retry: Date
        let message: String
        switch e {
        case .rateLimited(let reset):
            retry = max(reset ?? wallNow.addingTimeInterval(60), wallNow.addingTimeInterval(0.2))
            message = "プラットフォームの回数制限のため、\(JapaneseTime.display(retry)) 以降に再試行します"
        default:
            retry = wallNow.addingTimeInterval(backoff(max(failures, 1)))
            message = "一時的な障害のため再試行します（\(Self.describe(e))）"
        }
        try await release(id, retryAt: retry, message: message)
    }

    func backoff(_ n: Int) -> TimeInterval {
        let raw = settings.retryBaseSeconds * pow(2, Double(min(n, 20) - 1))
        return min(raw, settings.retryMaxSeconds) * Double.random(in: 0.5...1.0)
    }

    /// How long before its expiry an access token is renewed.
    static let refreshMargin: TimeInterval = 5 * 60

    private func refresh(_ c: Credentials) async throws -> Bool {
        guard let refresh = c.refreshToken, let oauth = publishing.gateway.oauth(c.platform) else { return false }
        do {
            let tokens = try await oauth.refresh(refresh, http: publishing.gateway.http, now: wallNow)
            try await ConnectionService.storeRefreshed(app: app, account: c.account, tokens: tokens)
            return true
        } catch let e as PlatformError where e.outcomeUnknown {
            // A brief network error says nothing about the token: try again later, keep the account connected.
            throw e
        } catch {
            return false
        }
    }

    static func describe(_ e: PlatformError) -> String {
        switch e {
        case .rateLimited(let reset): return "回数制限" + (reset.map { "（解除 \(JapaneseTime.display($0))）" } ?? "")
        case .tokenExpiredOrRevoked: return "アクセストークンが期限切れまたは無効"
        case .invalid(let m): return "拒否: \(m)"
        case .transient(let m): return "一時的な障害（応答なし・5xx）: \(m)"
        }
    }

    // MARK: Transitions (each with its audit entry, in one transaction)

    /// scheduled → publishing, conditional on the version so that a concurrent edit or cancellation wins cleanly.
    private func start(_ post: Post) async throws -> Bool {
        guard let next = PostWorkflow.next(post.state, .start) else { return false }
        let moved = try await write { db -> Bool in
            guard let sql = db as? SQLDatabase else { return false }
            let rows = try await sql.update(Post.schema)
                .set("state", to: next.rawValue).set("lock_version", to: post.lockVersion + 1).set("updated_at", to: self.ctx.now)
                .where("id", .equal, post.id!).where("state", .equal, PostState.scheduled.rawValue)
                .where("lock_version", .equal, post.lockVersion).where("lease_owner", .equal, self.worker)
                .returning("id").all()
            guard !rows.isEmpty else { return false }
            try await self.audit(db, "post.publishing", post.id!, detail: "scheduled → publishing", reason: "")
            return true
        }
        if moved {
            post.state = next
            post.lockVersion += 1
        }
        return moved
    }

    private func succeed(_ post: Post, attempt: PublishAttempt, outcome: AttemptOutcome, published: PublishedPost?) async throws {
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
    private func advance(_ id: UUID, _ step: PublishStep, on db: Database, _ change: (Post) -> Void) async throws -> Bool {
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

    private func fail(_ post: Post, attempt: PublishAttempt?, message: String) async throws {
        let id = post.id!
        try await write { db in
            guard try await self.advance(id, .fail, on: db, { $0.publishMessage = message }) else { return }
            try await self.audit(db, "post.publish.failed", id, detail: "publishing → failed", reason: message)
        }
    }

    /// Held (not connected, needs reconnecting): looked at again later, and at once when the account is connected.
    private func hold(_ post: Post, _ message: String) async throws {
        let id = post.id!
        let previous = try await Post.find(id, on: app.db)?.publishMessage
        try await release(id, retryAt: wallNow.addingTimeInterval(max(30, settings.retryBaseSeconds)), message: message)
        if previous != message {
            try await write { db in try await self.audit(db, "post.publish.held", id, detail: "発信を保留", reason: message) }
        }
    }

    /// publishing → submitted: nothing is sent, and the chief sees the post in the approval queue again.
    private func holdForApproval(_ post: Post, approved: String?, now current: String) async throws {
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

    private func reschedule(_ post: Post, to at: Date) async throws {
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

    private func audit(_ db: Database, _ action: String, _ id: UUID, detail: String, reason: String) async throws {
        try await AuditLog.appendLocked(on: db, at: ctx.now, actor: "publisher", action: action, subject: PostService.subject(id),
                                        detail: detail, reason: reason)
    }

    /// One transaction under the process's write lock, tried again a few times: another process appending to the
    /// audit chain at the same moment makes one of the two fail on the chain's unique `prev_hash`.
    @discardableResult
    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) async throws -> T) async throws -> T {
        var tries = 0
        while true {
            do {
                return try await ctx.writeLock.run { try await self.app.db.transaction { db in try await body(db) } }
            } catch {
                tries += 1
                if tries >= 5 || Task.isCancelled { throw error }
                try? await Task.sleep(for: .milliseconds(Int.random(in: 5...50) * tries))
            }
        }
    }

    // MARK: Payload

    private func makePayload(_ post: Post, _ kind: PlannedAction.Kind, _ r: Rendering, _ account: KohoCore.Account) throws -> PublishPayload {
        switch r.kind {
        case .reply:
            throw HoldReason("返信は自動では発信しません。\(account.platform.displayName)で返信先を確かめ、手作業で返信してください。")
        case .xPost where kind == .quote && r.quotedPostID == nil:
            throw HoldReason("引用する投稿のURL（https://x.com/…/status/…）がリンクにありません。投稿を編集してください。")
        case .xPost:
            return .x(XNewPost(text: r.text, quoteTweetId: r.quotedPostID), image: try image(for: post))
        case .facebookPost:
            return .facebook(message: r.text, link: r.link)
        case .youtubeVideo:
            guard let file = post.mediaFile else {
                throw HoldReason("動画ファイルが添付されていません。投稿のページから動画を添付し、もう一度提出してください。")
            }
            return .youtube(YouTubeVideoMetadata(title: r.title ?? "", description: r.text,
                                                 privacyStatus: YouTubePrivacyStatus(rawValue: r.privacyStatus ?? "") ?? .public),
                            video: try PostMedia.read(file, dataDirectory: publishing.dataDirectory))
        }
    }

    /// The image attached to an X post, as the chief approved it.
    private func image(for post: Post) throws -> MediaFile? {
        try post.mediaFile.map { try PostMedia.read($0, dataDirectory: publishing.dataDirectory) }
    }
}
