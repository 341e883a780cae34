import Fluent
import Foundation
import KohoCore
import Vapor

/// From taken items to drafts, alerts and notices; each source's status. Runs on the database (no request).
enum IntakeService {
    static let actorName = "緊急情報の取り込み"

    /// The workflow acts for the intake as the chief would (it may draft on every account); nothing is approved
    /// in its name: its drafts are submitted and wait for the chief.
    static var intakeUser: User {
        User(name: actorName, passwordHash: "", role: .chief, accounts: [], createdAt: Date(timeIntervalSince1970: 0))
    }

    // MARK: Seen items

    static func seen(_ ctx: KohoContext, source: String, key: String) async throws -> Bool {
        try await IntakeItem.query(on: ctx.workflow.db).filter(\.$source == source).filter(\.$key == key).first() != nil
    }

    /// Records an item as taken, with its notice queued in the same transaction; false if it already was (another
    /// round or process took it first: then no notice either).
    @discardableResult
    static func record(_ ctx: KohoContext, source: String, key: String, title: String, link: String?, at: Date, drafts: [UUID],
                       notice: Notice? = nil) async throws -> Bool {
        do {
            let item = IntakeItem(source: source, key: key, title: String(title.prefix(500)), link: link, takenAt: at, draftIDs: drafts)
            let queued = try await ctx.write(on: ctx.db) { db in
                try await item.create(on: db)
                return try await notice?.enqueue(ctx, on: db, subjectRef: "intake:\(item.id!.uuidString.lowercased())", at: at) ?? false
            }
            if queued { ctx.wakers.mail() }
            return true
        } catch {
            if let e = error as? any DatabaseError, e.isConstraintFailure { return false }
            throw error
        }
    }

    /// Records an item as taken inside the caller's write, first of what it writes: a unique-key conflict (another
    /// process took it) throws, and the caller's transaction ends with nothing written.
    static func claim(on db: Database, source: String, key: String, title: String, link: String?, at: Date) async throws -> IntakeItem {
        let item = IntakeItem(source: source, key: key, title: String(title.prefix(500)), link: link, takenAt: at, draftIDs: [])
        do { try await item.create(on: db) } catch let e as any DatabaseError where e.isConstraintFailure { throw AlreadyTaken() }
        return item
    }

    /// The item's key is recorded already: another round or process took it.
    struct AlreadyTaken: Error {}

    // MARK: Status

    static func state(_ ctx: KohoContext, name: String, kind: String) async throws -> IntakeSourceState {
        if let s = try await IntakeSourceState.query(on: ctx.db).filter(\.$name == name).first() { return s }
        let s = IntakeSourceState()
        s.id = UUID()
        s.name = name
        s.kind = kind
        do { try await ctx.write(on: ctx.db) { try await s.create(on: $0) } } catch {
            // Another round created it meanwhile.
            if let s = try await IntakeSourceState.query(on: ctx.db).filter(\.$name == name).first() { return s }
            throw error
        }
        return s
    }

    static func fetched(_ ctx: KohoContext, name: String, kind: String, at: Date, error: String?, item: String? = nil,
                        etag: String? = nil, lastModified: String? = nil) async throws {
        let s = try await state(ctx, name: name, kind: kind)
        s.lastFetchAt = at
        if let error {
            s.lastError = String(error.prefix(500))
            s.lastErrorAt = at
        } else {
            s.lastError = nil
        }
        if let item {
            s.lastItemAt = at
            s.lastItemTitle = String(item.prefix(200))
        }
        if let etag { s.etag = etag }
        if let lastModified { s.lastModified = lastModified }
        try await ctx.write(on: ctx.db) { try await s.update(on: $0) }
    }

    // MARK: Notices

    /// An e-mail to the chief and the designated staff. It goes through the mail outbox: queued in the transaction
    /// that records what it tells of, sent by the mail job, tried again while the relay is down, audited.
    struct Notice: Sendable {
        var kind: String
        var subject: String
        var body: String

        /// Queues it on `db` (inside the caller's transaction); false when no mail server is configured.
        func enqueue(_ ctx: KohoContext, on db: Database, subjectRef: String, at: Date) async throws -> Bool {
            try await MailOutbox.enqueue(on: db, settings: ctx.config.intakeMail, kind: kind, subjectRef: subjectRef,
                                         subject: subject, body: body, now: at)
        }
    }

    /// The relay's state among the sources (dashboard, `GET /api/v1/intake/sources`), from the mail job's attempts.
    static func mailObserver(_ ctx: KohoContext) -> @Sendable (MailNotice, (any Error)?) async -> Void {
        { notice, error in
            let at = ctx.now
            if let error {
                try? await fetched(ctx, name: "smtp", kind: "smtp", at: at,
                                   error: "知らせのメールを送れませんでした（\(notice.attempts)回目、再送します）: \(error)")
            } else {
                try? await fetched(ctx, name: "smtp", kind: "smtp", at: at, error: nil, item: notice.mailSubject)
            }
        }
    }

    // MARK: Article → drafts

    /// Drafts for the X account and the Facebook Page, submitted at once so that they wait for the chief; a draft
    /// the policy refuses (no article link) is kept as a draft for the staff to complete.
    static func drafts(_ w: Workflow, for article: EmergencyArticle) async throws -> [Post] {
        var posts: [Post] = []
        for a in EmergencyDrafts.forArticle(article, policy: w.ctx.policy) {
            let post = try await PostService.create(w, intakeUser, a, asDraftDespiteViolations: true)
            if let submitted = try? await PostService.transition(w, intakeUser, post.id!, .submit, expectedVersion: nil,
                                                                 reason: "緊急情報から自動で作成", chiefMustApprove: true) {
                posts.append(submitted)
            } else {
                posts.append(post)
            }
        }
        return posts
    }

    /// Takes an article once, in one transaction: the record of it first (its unique key: another process that took it
    /// meanwhile ends this one with nothing written), then the drafts and the notice. Nil if it was taken before.
    @discardableResult
    static func take(_ ctx: KohoContext, source: String, key: String, article: EmergencyArticle) async throws -> [Post]? {
        let w = ctx.workflow
        if try await seen(ctx, source: source, key: key) { return nil }
        let now = w.ctx.now
        let posts: [Post]
        do {
            posts = try await w.ctx.write(on: ctx.db) { db in
                let item = try await claim(on: db, source: source, key: key, title: article.title, link: article.link, at: now)
                let posts = try await drafts(w, for: article)
                item.draftIDs = IntakeItem.encode(posts.compactMap(\.id))
                try await item.update(on: db)
                let notice = Notice(kind: "緊急情報の下書き", subject: "【Koho】緊急情報の下書き: \(article.title)", body: notice(ctx, article, posts))
                _ = try await notice.enqueue(ctx, on: db, subjectRef: "intake:\(item.id!.uuidString.lowercased())", at: now)
                return posts
            }
        } catch is AlreadyTaken {
            return nil
        }
        ctx.wakers.mail()
        return posts
    }

    static func notice(_ ctx: KohoContext, _ article: EmergencyArticle, _ posts: [Post]) -> String {
        var lines = ["緊急情報から投稿の下書きを作りました。内容を確かめて承認してください（承認すると直ちに発信されます）。", "",
                     "記事: \(article.title)", "出典: \(article.link ?? "（リンクなし: 出典を入れてから提出してください）")", ""]
        for p in posts {
            let name = ctx.policy.account(p.account).map { "\($0.platform.displayName) \($0.displayName)" } ?? p.account
            lines.append("- \(name)（\(p.category ?? "")）: \(p.state.displayName) \(ctx.config.baseURL)\(SiteURL.post(p.id!).path)")
        }
        return lines.joined(separator: "\n")
    }
}
