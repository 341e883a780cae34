import Fluent
import Foundation
import SQLKit
import Vapor
import KohoCore
import KohoPlatforms

/// A comment as one poll or one webhook delivery saw it. Fields the source does not give are nil.
package struct ObservedComment: Sendable {
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
    /// The attached image, and why Koho cannot read it (`CommentImages`).
    var image: ObservedImage?

    package init(account: String, platform: Platform, platformCommentID: String, platformPostID: String, parentID: String? = nil,
         authorName: String? = nil, authorID: String? = nil, createdAt: Date? = nil, text: String? = nil, hidden: Bool? = nil,
         removed: Bool = false, moderationStatus: String? = nil, image: ObservedImage? = nil) {
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
        self.image = image
    }

    /// `imageOrigins`: where besides the platforms' image servers Koho may read an image from (its sandbox).
    init(account: String, _ c: PlatformComment, postId: String, imageOrigins: [String] = []) {
        let hidden: Bool?
        switch c.platform {
        case .youtube: hidden = c.moderationStatus.map { $0 == YouTubeModerationStatus.rejected.rawValue }
        default: hidden = c.isHidden
        }
        self.init(account: account, platform: c.platform, platformCommentID: c.id, platformPostID: c.videoId ?? postId,
                  parentID: c.parentId, authorName: c.authorName, authorID: c.authorId, createdAt: c.createdAt, text: c.text,
                  hidden: hidden, moderationStatus: c.moderationStatus,
                  image: c.image.map { CommentImages.observed($0, origins: imageOrigins) })
    }
}

/// Stores what polls and webhooks see, once per comment: a new comment is classified and stored with its text as
/// received; a known one gets an event for each change (edited, hidden, removed) and keeps its first text.
package enum CommentIngest {
    /// Comments stored per transaction.
    static let batchSize = 200
    /// How many of an account's latest comments the classifier compares a new one with (floods).
    static let recentWindow = 30

    package struct Result: Sendable, Equatable {
        package var new = 0
        package var changed = 0
    }

    /// What the classifier found, in the columns it is stored in.
    struct Assessed: Sendable {
        var json: String
        var suggestion: String
        var grounds: String
        var misleading: Bool
    }

    @discardableResult
    package static func ingest(_ observed: [ObservedComment], source: String, db: Database, ctx: KohoContext) async throws -> Result {
        let observed = observed.map(\.storable)
        var total = Result()
        // Each account's latest texts, read once and carried from batch to batch as new comments are classified.
        var recent: [String: RecentComments] = [:]
        // What the city has published lately, for the rumours: read once for the whole ingest.
        let said = try await CityStatements.recent(db: db, now: ctx.now)
        let statements = said.isEmpty ? nil : CommentClassifier().index(said)
        var start = 0
        while start < observed.count {
            let batch = Array(observed[start..<min(start + batchSize, observed.count)])
            start += batchSize
            // Classifying needs no lock: the comments a read shows as new are classified before the write lock is
            // taken, which is held only to look them up again and write (a comment stored meanwhile by a webhook
            // is found known there, and its classification goes unused).
            let assessed = try await assessNew(batch, db: db, ctx: ctx, recent: &recent, statements: statements)
            let r = try await ctx.write(on: db) { db in
                try await store(batch, assessed: assessed, source: source, db: db, ctx: ctx, statements: statements)
            }
            total.new += r.new
            total.changed += r.changed
        }
        return total
    }

    private static func key(_ platform: Platform, _ id: String) -> String { platform.rawValue + "\u{1}" + id }

    /// The platform comment ids of `batch` already stored, by platform.
    private static func storedIDs(_ batch: [ObservedComment], db: Database) async throws -> Set<String> {
        var stored = Set<String>()
        for platform in Set(batch.map(\.platform)) {
            let ids = batch.filter { $0.platform == platform }.map(\.platformCommentID)
            for id in try await Comment.query(on: db).filter(\.$platform == platform.rawValue).filter(\.$platformCommentID ~~ ids)
                .all(\.$platformCommentID) {
                stored.insert(key(platform, id))
            }
        }
        return stored
    }

    /// The classification of each comment of `batch` not stored yet, by key, compared with its account's latest texts.
    private static func assessNew(_ batch: [ObservedComment], db: Database, ctx: KohoContext,
                                  recent: inout [String: RecentComments], statements: CityStatementIndex?) async throws -> [String: Assessed] {
        let stored = try await storedIDs(batch, db: db)
        let classifier = CommentClassifier()
        let encoder = JSONEncoder()
        var assessed: [String: Assessed] = [:]
        for o in batch {
            let k = key(o.platform, o.platformCommentID)
            guard !stored.contains(k), assessed[k] == nil else { continue }
            if recent[o.account] == nil {
                let texts = try await Comment.query(on: db).filter(\.$account == o.account)
                    .sort(\.$receivedAt, .descending).limit(recentWindow).all(\.$currentText)
                recent[o.account] = RecentComments(newestFirst: texts, capacity: recentWindow)
            }
            let text = o.text ?? ""
            assessed[k] = CommentImages.reviewUnreadable(assess(text, account: o.account, platform: o.platform, recent: recent[o.account]!,
                                                                ctx: ctx, classifier: classifier, encoder: encoder, statements: statements),
                                                         image: o.image)
            recent[o.account]!.insert(text)
        }
        return assessed
    }

    /// A new comment's row, written with the others of its batch in one INSERT.
    private struct NewComment {
        var id: UUID
        var o: ObservedComment
        var postID: UUID?
        var text: String
        var state: CommentState
        var assessed: Assessed
    }

    private static func store(_ batch: [ObservedComment], assessed: [String: Assessed], source: String, db: Database,
                              ctx: KohoContext, statements: CityStatementIndex?) async throws -> Result {
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
        let classifier = CommentClassifier()
        let encoder = JSONEncoder()
        // New comments and their events go in with one INSERT each per batch, not one per row: per-row statements,
        // and Fluent's per-model work, were most of the ingest's time. A comment seen again in the same batch is
        // written first, then read back and updated like any known one.
        var pending: [NewComment] = [], pendingEvents: [(comment: UUID, kind: String, detail: String)] = []
        var inserted = Set<String>()
        func flush() async throws {
            try await insert(pending, events: pendingEvents, source: source, now: now, db: db)
            pending = []
            pendingEvents = []
        }
        for o in batch {
            let k = key(o.platform, o.platformCommentID)
            if known[k] == nil, inserted.contains(k) {
                if pending.contains(where: { key($0.o.platform, $0.o.platformCommentID) == k }) { try await flush() }
                known[k] = try await Comment.query(on: db).filter(\.$platform == o.platform.rawValue)
                    .filter(\.$platformCommentID == o.platformCommentID).first()
            }
            if let c = known[k] {
                if try await update(c, with: o, kohoPost: kohoPosts[o.platformPostID], now: now, db: db, ctx: ctx,
                                    classifier: classifier, encoder: encoder, statements: statements) {
                    result.changed += 1
                }
                continue
            }
            let text = o.text ?? ""
            // Classified outside the lock unless it was thought stored then (and no longer is): done here.
            let a = assessed[k] ?? CommentImages.reviewUnreadable(assess(text, account: o.account, platform: o.platform, recent: RecentComments(newestFirst: []),
                                                                         ctx: ctx, classifier: classifier, encoder: encoder, statements: statements),
                                                                  image: o.image)
            let id = UUID()
            pending.append(NewComment(id: id, o: o, postID: kohoPosts[o.platformPostID], text: text,
                                      state: o.removed ? .deleted : (o.hidden == true ? .hidden : .visible), assessed: a))
            pendingEvents.append((id, "received", o.removed ? "削除の通知で初めて知りました（本文なし）" : ""))
            if o.removed { pendingEvents.append((id, "removed", "")) }
            inserted.insert(k)
            result.new += 1
        }
        try await flush()
        return result
    }

    /// One multi-row INSERT for the comments and one for their events, with binds (the same SQL on SQLite and
    /// PostgreSQL); the columns left out are NULL, as Fluent left them.
    private static func insert(_ rows: [NewComment], events: [(comment: UUID, kind: String, detail: String)], source: String,
                               now: Date, db: Database) async throws {
        guard !rows.isEmpty || !events.isEmpty else { return }
        guard let sql = db as? SQLDatabase else { throw Abort(.internalServerError, reason: "comments need an SQL database") }
        func bind<T: Encodable & Sendable>(_ value: T?) -> any SQLExpression { value.map { SQLBind($0) } ?? SQLLiteral.null }
        if !rows.isEmpty {
            var insert = sql.insert(into: Comment.schema).columns(
                "id", "account", "platform", "platform_comment_id", "platform_post_id", "post_id", "parent_id", "author_name",
                "author_id", "created_at", "received_at", "text", "current_text", "state", "moderation_status", "assessment",
                "suggestion", "grounds", "misleading", "updated_at", "image_kind", "image_url", "image_alt", "image_problem")
            for r in rows {
                insert = insert.values([
                    SQLBind(r.id), SQLBind(r.o.account), SQLBind(r.o.platform.rawValue), SQLBind(r.o.platformCommentID),
                    SQLBind(r.o.platformPostID), bind(r.postID), bind(r.o.parentID), SQLBind(r.o.authorName ?? ""),
                    bind(r.o.authorID), SQLBind(r.o.createdAt ?? now), SQLBind(now), SQLBind(r.text), SQLBind(r.text),
                    SQLBind(r.state.rawValue), bind(r.o.moderationStatus), SQLBind(r.assessed.json),
                    SQLBind(r.assessed.suggestion), SQLBind(r.assessed.grounds), SQLBind(r.assessed.misleading), SQLBind(now),
                    bind(r.o.image?.kind), bind(r.o.image?.url), bind(r.o.image?.alt), bind(r.o.image?.problem),
                ])
            }
            try await insert.run()
        }
        if !events.isEmpty {
            var insert = sql.insert(into: CommentEvent.schema).columns("id", "comment_id", "at", "kind", "actor", "detail")
            for e in events {
                insert = insert.values([SQLBind(UUID()), SQLBind(e.comment), SQLBind(now), SQLBind(e.kind), SQLBind(source),
                                        SQLBind(e.detail)])
            }
            try await insert.run()
        }
    }

    static func assess(_ text: String, account: String, platform: Platform, recent: RecentComments, ctx: KohoContext,
                       classifier: CommentClassifier, encoder: JSONEncoder, statements: CityStatementIndex? = nil) -> Assessed {
        let clause = ctx.policy.account(account).flatMap { ctx.policy.commentDeletion?.clause(for: $0) } ?? "4(8)"
        let a = classifier.assess(text, platform: platform, deletionClause: clause, recent: recent, statements: statements)
        return Assessed(json: (try? String(decoding: encoder.encode(a), as: UTF8.self)) ?? "{}", suggestion: a.suggestion.rawValue,
                        grounds: a.grounds.map(\.ground).joined(), misleading: a.misleading)
    }

    private static func apply(_ a: Assessed, to c: Comment) {
        c.assessmentJSON = a.json
        c.suggestion = a.suggestion
        c.grounds = a.grounds
        c.misleading = a.misleading
    }

    /// Whether anything changed.
    private static func update(_ c: Comment, with o: ObservedComment, kohoPost: UUID?, now: Date, db: Database, ctx: KohoContext,
                               classifier: CommentClassifier, encoder: JSONEncoder, statements: CityStatementIndex?) async throws -> Bool {
        var events: [(String, String)] = []
        if c.postID == nil, let kohoPost { c.postID = kohoPost }
        if let text = o.text {
            // First seen through a removal notice, the text arrives late (a poll that still had it): it is the text
            // as received.
            let late = c.text.isEmpty && c.currentText.isEmpty && !text.isEmpty
            if late || (text != c.currentText && !o.removed) {
                if late { c.text = text }
                c.currentText = text
                apply(CommentImages.reviewUnreadable(assess(text, account: c.account, platform: o.platform, recent: RecentComments(newestFirst: []),
                                                            ctx: ctx, classifier: classifier, encoder: encoder, statements: statements),
                                                     image: o.image ?? c.observedImage), to: c)
                events.append(("edited", text))
            }
        }
        // First seen without its image (a webhook delivery), the image arrives with a poll.
        if c.imageKind == nil, let image = o.image {
            CommentImages.attach(image, to: c)
            if image.problem != nil {
                apply(CommentImages.reviewUnreadable(Assessed(json: c.assessmentJSON, suggestion: c.suggestion, grounds: c.grounds,
                                                              misleading: c.misleading), image: image), to: c)
            }
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
