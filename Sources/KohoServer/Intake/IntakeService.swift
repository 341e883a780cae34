import Fluent
import Foundation
import KohoCore
import Vapor

/// An emergency article of the city (website or mail magazine), as a source found it.
struct EmergencyArticle: Sendable {
    /// `website` or `mail`.
    var origin: String
    var title: String
    var summary: String
    var link: String?
    /// The categories the source's articles belong to (`ア`, `①`).
    var categories: [String]
}

/// From taken items to drafts, alerts and notices; each source's status. Runs on the database (no request).
enum IntakeService {
    static let actorName = "緊急情報の取り込み"

    /// The workflow acts for the intake as the chief would (it may draft on every account); nothing is approved
    /// in its name: its drafts are submitted and wait for the chief.
    static var intakeUser: User {
        User(name: actorName, passwordHash: "", role: .chief, accounts: [], createdAt: Date(timeIntervalSince1970: 0))
    }

    // MARK: Seen items

    static func seen(_ app: Application, source: String, key: String) async throws -> Bool {
        try await IntakeItem.query(on: app.db).filter(\.$source == source).filter(\.$key == key).first() != nil
    }

    /// Records an item as taken, with its notice queued in the same transaction; false if it already was (another
    /// round or process took it first: then no notice either).
    @discardableResult
    static func record(_ app: Application, source: String, key: String, title: String, link: String?, at: Date, drafts: [UUID],
                       notice: Notice? = nil) async throws -> Bool {
        do {
            let item = IntakeItem(source: source, key: key, title: String(title.prefix(500)), link: link, takenAt: at, draftIDs: drafts)
            let queued = try await locked(app) { db in
                try await db.transaction { db in
                    try await item.create(on: db)
                    return try await notice?.enqueue(app, on: db, subjectRef: "intake:\(item.id!.uuidString.lowercased())", at: at) ?? false
                }
            }
            if queued { mailQueued(app) }
            return true
        } catch {
            if let e = error as? any DatabaseError, e.isConstraintFailure { return false }
            throw error
        }
    }

    // MARK: Status

    static func state(_ app: Application, name: String, kind: String) async throws -> IntakeSourceState {
        if let s = try await IntakeSourceState.query(on: app.db).filter(\.$name == name).first() { return s }
        let s = IntakeSourceState()
        s.id = UUID()
        s.name = name
        s.kind = kind
        do { try await locked(app) { try await s.create(on: $0) } } catch {
            // Another round created it meanwhile.
            if let s = try await IntakeSourceState.query(on: app.db).filter(\.$name == name).first() { return s }
            throw error
        }
        return s
    }

    static func fetched(_ app: Application, name: String, kind: String, at: Date, error: String?, item: String? = nil,
                        etag: String? = nil, lastModified: String? = nil) async throws {
        let s = try await state(app, name: name, kind: kind)
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
        try await locked(app) { try await s.update(on: $0) }
    }

    /// The process's writes go one at a time (as the workflow's do): SQLite refuses a second writer.
    @discardableResult
    static func locked<T: Sendable>(_ app: Application, _ body: @escaping @Sendable (Database) async throws -> T) async throws -> T {
        let db = app.db
        return try await app.koho.writeLock.run { try await body(db) }
    }

    // MARK: Notices

    /// An e-mail to the chief and the designated staff. It goes through the mail outbox: queued in the transaction
    /// that records what it tells of, sent by the mail job, tried again while the relay is down, audited.
    struct Notice: Sendable {
        var kind: String
        var subject: String
        var body: String

        /// Queues it on `db` (inside the caller's transaction); false when no mail server is configured.
        func enqueue(_ app: Application, on db: Database, subjectRef: String, at: Date) async throws -> Bool {
            try await MailOutbox.enqueue(on: db, settings: app.koho.config.intakeMail, kind: kind, subjectRef: subjectRef,
                                         subject: subject, body: body, now: at)
        }
    }

    static func mailQueued(_ app: Application) {
        app.backgroundJobs?.job(named: BackgroundJobs.mailJobName)?.wake()
    }

    /// The relay's state among the sources (dashboard, `GET /api/v1/intake/sources`), from the mail job's attempts.
    static func mailObserver(_ app: Application) -> @Sendable (MailNotice, (any Error)?) async -> Void {
        { notice, error in
            let at = app.koho.now
            if let error {
                try? await fetched(app, name: "smtp", kind: "smtp", at: at,
                                   error: "知らせのメールを送れませんでした（\(notice.attempts)回目、再送します）: \(error)")
            } else {
                try? await fetched(app, name: "smtp", kind: "smtp", at: at, error: nil, item: notice.mailSubject)
            }
        }
    }

    // MARK: Article → drafts

    /// The emergency-eligible categories of the policy's accounts that the article belongs to: one draft each.
    static func targets(_ categories: [String], _ policy: Policy) -> [(Account, KohoCore.Category)] {
        policy.accounts.compactMap { a in
            guard a.platform != .youtube,
                  let c = categories.lazy.compactMap({ a.category($0) }).first(where: { $0.emergencyEligible }) else { return nil }
            return (a, c)
        }
    }

    static func action(for article: EmergencyArticle, account: Account, category: KohoCore.Category, reason: String) -> PlannedAction {
        let text = EmergencyDraftText.article(title: article.title, summary: article.summary, platform: account.platform,
                                              hasLink: article.link != nil)
        return PlannedAction(account: account.id, kind: .post, category: category.code, text: text, sourceURL: article.link,
                             emergency: true, emergencyReason: reason,
                             articleOrigin: account.platform == .facebook ? "website" : nil)
    }

    /// Drafts for the X account and the Facebook Page, submitted at once so that they wait for the chief; a draft
    /// the policy refuses (no article link) is kept as a draft for the staff to complete.
    static func drafts(_ w: Workflow, for article: EmergencyArticle) async throws -> [Post] {
        let origin = article.origin == "mail" ? "メールマガジン" : "市ホームページ"
        let reason = "\(origin)の緊急情報「\(String(article.title.prefix(80)))」"
        var posts: [Post] = []
        for (account, category) in targets(article.categories, w.ctx.policy) {
            let a = action(for: article, account: account, category: category, reason: reason)
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

    /// Takes an article once: the drafts, then the record of it with its notice. Nil if it was taken before.
    @discardableResult
    static func take(_ app: Application, source: String, key: String, article: EmergencyArticle) async throws -> [Post]? {
        let w = app.workflow
        if try await seen(app, source: source, key: key) { return nil }
        let posts = try await drafts(w, for: article)
        let notice = Notice(kind: "緊急情報の下書き", subject: "【Koho】緊急情報の下書き: \(article.title)", body: notice(app, article, posts))
        guard try await record(app, source: source, key: key, title: article.title, link: article.link, at: w.ctx.now,
                               drafts: posts.compactMap(\.id), notice: notice) else {
            return nil
        }
        return posts
    }

    static func notice(_ app: Application, _ article: EmergencyArticle, _ posts: [Post]) -> String {
        var lines = ["緊急情報から投稿の下書きを作りました。内容を確かめて承認してください（承認すると直ちに発信されます）。", "",
                     "記事: \(article.title)", "出典: \(article.link ?? "（リンクなし: 出典を入れてから提出してください）")", ""]
        for p in posts {
            let name = app.koho.policy.account(p.account).map { "\($0.platform.displayName) \($0.displayName)" } ?? p.account
            lines.append("- \(name)（\(p.category ?? "")）: \(p.state.displayName) \(app.koho.config.baseURL)\(SiteURL.post(p.id!).path)")
        }
        return lines.joined(separator: "\n")
    }
}
