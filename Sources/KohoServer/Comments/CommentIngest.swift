import Fluent
import Foundation
import KohoCore
import KohoPlatforms

/// A comment as one poll or one webhook delivery saw it. Fields the source does not give are nil.
struct ObservedComment: Sendable {
    var account: String
    var platform: Platform
    var platformCommentID: String
    var platformPostID: String
    var parentID: String?
    var authorName: String?
    var authorID: String?
    var createdAt: Date?
    /// Nil when the source does not carry the text (a webhook's `remove`).
    var text: String?
    var hidden: Bool?
    /// The platform says it is gone (a webhook's `remove`, or missing from a complete listing of its post).
    var removed = false
    var moderationStatus: String?

    init(account: String, platform: Platform, platformCommentID: String, platformPostID: String, parentID: String? = nil,
         authorName: String? = nil, authorID: String? = nil, createdAt: Date? = nil, text: String? = nil, hidden: Bool? = nil,
         removed: Bool = false, moderationStatus: String? = nil) {
        self.account = account
        self.platform = platform
        self.platformCommentID = platformCommentID
        self.platformPostID = platformPostID
        self.parentID = parentID
        self.authorName = authorName
        self.authorID = authorID
        self.createdAt = createdAt
        self.text = text
        self.hidden = hidden
        self.removed = removed
        self.moderationStatus = moderationStatus
    }

    init(account: String, _ c: PlatformComment, postId: String) {
        let hidden: Bool?
        switch c.platform {
        case .youtube: hidden = c.moderationStatus.map { $0 == YouTubeModerationStatus.rejected.rawValue }
        default: hidden = c.isHidden
        }
        self.init(account: account, platform: c.platform, platformCommentID: c.id, platformPostID: c.videoId ?? postId,
                  parentID: c.parentId, authorName: c.authorName, authorID: c.authorId, createdAt: c.createdAt, text: c.text,
                  hidden: hidden, moderationStatus: c.moderationStatus)
    }
}

/// Stores what polls and webhooks see, once per comment: a new comment is classified and stored with its text as
/// received; a known one gets an event for each change (edited, hidden, removed) and keeps its first text.
enum CommentIngest {
    /// Comments stored per transaction.
    static let batchSize = 200
    /// How many of an account's latest comments the classifier compares a new one with (floods).
    static let recentWindow = 30

    struct Result: Sendable, Equatable {
        var new = 0
        var changed = 0
    }

    @discardableResult
    static func ingest(_ observed: [ObservedComment], source: String, db: Database, ctx: KohoContext) async throws -> Result {
        var total = Result()
        var start = 0
        while start < observed.count {
            let batch = Array(observed[start..<min(start + batchSize, observed.count)])
            start += batchSize
            let r = try await ctx.writeLock.run {
                try await db.transaction { db in try await ingestBatch(batch, source: source, db: db, ctx: ctx) }
            }
            total.new += r.new
            total.changed += r.changed
        }
        return total
    }

    private static func ingestBatch(_ batch: [ObservedComment], source: String, db: Database, ctx: KohoContext) async throws -> Result {
        var result = Result()
        let now = ctx.now
        var known: [String: Comment] = [:]
        for platform in Set(batch.map(\.platform)) {
            let ids = batch.filter { $0.platform == platform }.map(\.platformCommentID)
            for c in try await Comment.query(on: db).filter(\.$platform == platform.rawValue).filter(\.$platformCommentID ~~ ids).all() {
                known[c.platform + "\u{1}" + c.platformCommentID] = c
            }
        }
        var kohoPosts: [String: UUID] = [:]
        let postIDs = Array(Set(batch.map(\.platformPostID)))
        for p in try await Post.query(on: db).filter(\.$platformPostID ~~ postIDs).all() {
            if let pid = p.platformPostID, let id = p.id { kohoPosts[pid] = id }
        }
        var recent: [String: [String]] = [:]
        let classifier = CommentClassifier()
        // New comments and their events go in with one INSERT each per batch, not one per row (most of the ingest's
        // time was per-row statements); a comment seen twice in one batch is written before it is updated.
        var pending: [Comment] = [], pendingEvents: [CommentEvent] = []
        var pendingKeys = Set<String>()
        func flush() async throws {
            try await pending.create(on: db)
            try await pendingEvents.create(on: db)
            pending = []
            pendingEvents = []
            pendingKeys = []
        }
        for o in batch {
            let key = o.platform.rawValue + "\u{1}" + o.platformCommentID
            if let c = known[key] {
                if pendingKeys.contains(key) { try await flush() }
                if try await update(c, with: o, kohoPost: kohoPosts[o.platformPostID], now: now, db: db, ctx: ctx, classifier: classifier) {
                    result.changed += 1
                }
                continue
            }
            if recent[o.account] == nil {
                recent[o.account] = try await Comment.query(on: db).filter(\.$account == o.account)
                    .sort(\.$receivedAt, .descending).limit(recentWindow).all().map(\.currentText)
            }
            let text = o.text ?? ""
            let c = Comment()
            c.id = UUID()
            c.account = o.account
            c.platform = o.platform.rawValue
            c.platformCommentID = o.platformCommentID
            c.platformPostID = o.platformPostID
            c.postID = kohoPosts[o.platformPostID]
            c.parentID = o.parentID
            c.authorName = o.authorName ?? ""
            c.authorID = o.authorID
            c.createdAt = o.createdAt ?? now
            c.receivedAt = now
            c.text = text
            c.currentText = text
            c.state = o.removed ? .deleted : (o.hidden == true ? .hidden : .visible)
            c.moderationStatus = o.moderationStatus
            assess(c, text: text, recent: recent[o.account] ?? [], ctx: ctx, classifier: classifier)
            c.updatedAt = now
            pending.append(c)
            pendingKeys.insert(key)
            pendingEvents.append(CommentEvent(comment: c.id!, at: now, kind: "received", actor: source,
                                              detail: o.removed ? "削除の通知で初めて知りました（本文なし）" : ""))
            if o.removed { pendingEvents.append(CommentEvent(comment: c.id!, at: now, kind: "removed", actor: source, detail: "")) }
            known[key] = c
            recent[o.account, default: []].insert(text, at: 0)
            if recent[o.account]!.count > recentWindow { recent[o.account]!.removeLast() }
            result.new += 1
        }
        try await flush()
        return result
    }

    static func assess(_ c: Comment, text: String, recent: [String], ctx: KohoContext, classifier: CommentClassifier) {
        let clause = ctx.policy.account(c.account).flatMap { ctx.policy.commentDeletion?.clause(for: $0) } ?? "4(8)"
        let a = classifier.assess(text, platform: c.platformValue, deletionClause: clause, recentTexts: recent)
        c.assessmentJSON = (try? String(decoding: JSONEncoder().encode(a), as: UTF8.self)) ?? "{}"
        c.suggestion = a.suggestion.rawValue
        c.grounds = a.grounds.map(\.ground).joined()
        c.misleading = a.misleading
    }

    /// Whether anything changed.
    private static func update(_ c: Comment, with o: ObservedComment, kohoPost: UUID?, now: Date, db: Database, ctx: KohoContext,
                               classifier: CommentClassifier) async throws -> Bool {
        var events: [(String, String)] = []
        if c.postID == nil, let kohoPost { c.postID = kohoPost }
        if c.text.isEmpty, c.currentText.isEmpty, let text = o.text, !text.isEmpty {
            // First seen through a removal notice; the text arrives late (a poll that still had it).
            c.text = text
            c.currentText = text
            assess(c, text: text, recent: [], ctx: ctx, classifier: classifier)
            events.append(("edited", text))
        } else if let text = o.text, text != c.currentText, !o.removed {
            c.currentText = text
            assess(c, text: text, recent: [], ctx: ctx, classifier: classifier)
            events.append(("edited", text))
        }
        if c.authorName.isEmpty, let name = o.authorName { c.authorName = name }
        if c.authorID == nil, let id = o.authorID { c.authorID = id }
        if let status = o.moderationStatus, status != c.moderationStatus { c.moderationStatus = status }
        if o.removed {
            if c.state != .deleted { c.state = .deleted; events.append(("removed", "")) }
        } else if let hidden = o.hidden, c.state != .deleted {
            if hidden, c.state == .visible { c.state = .hidden; events.append(("hidden", "")) }
            if !hidden, c.state == .hidden { c.state = .visible; events.append(("unhidden", "")) }
        }
        guard !events.isEmpty || c.hasChanges else { return false }
        c.updatedAt = now
        try await c.update(on: db)
        for (kind, detail) in events {
            try await CommentEvent(comment: c.id!, at: now, kind: kind, actor: "platform", detail: detail).create(on: db)
        }
        return !events.isEmpty
    }
}
