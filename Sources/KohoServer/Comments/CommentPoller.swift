import Fluent
import Foundation
import KohoCore
import KohoPlatforms
import NIOConcurrencyHelpers
import Vapor

/// Reads each connected account's comments on its own interval: Facebook, the comments of the Page's recent posts
/// and of Koho's own posts; YouTube, the channel's comment threads (held for review and likely spam too). A
/// throttled or failing account waits for its next turn (or until the platform says); the others go on.
/// X is not read: its API gives replies only through search, and 3(6) lets the city neither reply nor delete there.
package final class CommentPoller: Sendable {
    let ctx: KohoContext
    let publishing: Publishing
    let settings: CommentSettings
    private let nextDue = NIOLockedValueBox<[String: Date]>([:])

    init(ctx: KohoContext, publishing: Publishing, settings: CommentSettings) {
        self.ctx = ctx
        self.publishing = publishing
        self.settings = settings
    }

    private var wallNow: Date { publishing.settings.wallClock() }

    /// One round: every account whose turn has come (all of them with `force`); how many comments were new.
    @discardableResult
    func pass(force: Bool = false) async throws -> Int {
        var new = 0
        for account in ctx.policy.accounts where account.platform != .x {
            let now = wallNow
            if !force, let due = nextDue.withLockedValue({ $0[account.id] }), due > now { continue }
            let interval = account.platform == .youtube ? settings.youtubeInterval : settings.facebookInterval
            nextDue.withLockedValue { $0[account.id] = now.addingTimeInterval(interval) }
            do {
                new += try await poll(account)
            } catch let error as PlatformError {
                if case .rateLimited(let reset?) = error { nextDue.withLockedValue { $0[account.id] = max(reset, now.addingTimeInterval(interval)) } }
                ctx.logger.warning("comment poller: \(account.id): \(error)")
            } catch is HoldReason {
                continue
            }
        }
        return new
    }

    package func poll(_ account: KohoCore.Account) async throws -> Int {
        guard account.platform != .x else { return 0 }
        let gateway = publishing.gateway
        let origins = CommentImages.origins(publishing.endpoints)
        let ownPosts = try await ownPostIDs(account)
        // Read whole again after a renewed token: a listing is only complete when it was read in one go.
        let (listed, complete) = try await publishing.credentials.call(account) { creds in
            var observed: [ObservedComment] = []
            var complete: [(platformPost: String, seen: Set<String>, listedAt: Date)] = []
            switch account.platform {
            case .facebook:
                var postIDs = Array(try await gateway.recentPosts(creds).prefix(settings.facebookPostsPerRound).map(\.id))
                for id in ownPosts where !postIDs.contains(id) { postIDs.append(id) }
                let limit = 100
                for postID in postIDs {
                    let listedAt = wallNow
                    let comments = try await gateway.facebookComments(creds, postID, limit)
                    observed += comments.map { ObservedComment(account: account.id, $0, postId: postID, imageOrigins: origins) }
                    if comments.count < limit { complete.append((postID, Set(comments.map(\.id)), listedAt)) }
                }
            case .youtube:
                for status in [nil, YouTubeModerationStatus.heldForReview, .likelySpam] {
                    let comments = try await gateway.youtubeComments(creds, status)
                    observed += comments.map { ObservedComment(account: account.id, $0, postId: $0.videoId ?? "", imageOrigins: origins) }
                }
            case .x:
                break
            }
            return (observed, complete)
        }
        var observed = listed
        // A comment no longer in a complete listing of its post was removed on the platform (by its author or the
        // platform); Koho's own deletions are already marked.
        for (postID, seen, listedAt) in complete {
            let stored = try await Comment.query(on: ctx.db).filter(\.$account == account.id).filter(\.$platformPostID == postID)
                .filter(\.$state != .deleted).all()
            // One written after the listing (a webhook meanwhile) could not be in it.
            for c in stored where !seen.contains(c.platformCommentID) && c.createdAt < listedAt {
                observed.append(ObservedComment(account: account.id, platform: account.platform, platformCommentID: c.platformCommentID,
                                                platformPostID: postID, removed: true))
            }
        }
        observed = try await CommentImages.read(observed, gateway: gateway, db: ctx.db)
        let result = try await CommentIngest.ingest(observed, source: "poll", db: ctx.db, ctx: ctx)
        if result.new > 0 { ctx.wakers.commentAlarm() }
        return result.new
    }

    /// Koho's own posts of the last 30 days on a Facebook Page, whose comments are read besides the Page's latest.
    private func ownPostIDs(_ account: KohoCore.Account) async throws -> [String] {
        guard account.platform == .facebook else { return [] }
        let since = ctx.now.addingTimeInterval(-30 * 86400)
        return try await Post.query(on: ctx.db).filter(\.$account == account.id).filter(\.$state == .published)
            .filter(\.$scheduledAt >= since).all().compactMap(\.platformPostID)
    }
}
