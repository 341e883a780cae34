import Fluent
import SQLKit
import Vapor
import KohoCore

extension Request {
    var currentUser: User? { auth.get(User.self) }

    func requireUser() throws -> User {
        guard let u = auth.get(User.self) else { throw AppError.unauthorized() }
        return u
    }

    /// The per-session CSRF token put in every form.
    var csrfToken: String {
        if let t = session.data["csrf"] { return t }
        let t = Secrets.randomToken()
        session.data["csrf"] = t
        return t
    }
}

/// Set on requests that went through the sessions middleware; only those may touch `req.session`.
struct InSessionRoutes: StorageKey { typealias Value = Bool }

/// Set when a request came with a session that had been idle too long, so the login page can say why.
struct SessionExpired: StorageKey { typealias Value = Bool }

/// Logs in the user of the session cookie, if any, unless the session has been idle past the limit.
struct SessionUserMiddleware: AsyncMiddleware {
    /// The last-used time is written back at most this often, so that browsing is not a stream of writes.
    static let seenResolution: TimeInterval = 60

    func respond(to req: Request, chainingTo next: AsyncResponder) async throws -> Response {
        req.storage[InSessionRoutes.self] = true
        if let s = req.session.data["uid"], let id = UUID(uuidString: s) {
            let now = req.koho.now.timeIntervalSince1970
            let seen = req.session.data["seen"].flatMap(Double.init)
            if let seen, now - seen > req.koho.config.sessionIdleLimit {
                // A fresh, empty session in its place: the page answered may still need one (the login form's CSRF token).
                if let old = req.session.id { try await req.application.sessions.driver.deleteSession(old, for: req).get() }
                req.session.id = nil
                req.session.data = SessionData()
                req.storage[SessionExpired.self] = true
            } else if let user = try await req.cached("user|\(id)", { try await User.byID(id, on: req.db) }) {
                req.auth.login(user)
                if seen.map({ now - $0 >= Self.seenResolution }) ?? true { SessionUserMiddleware.markSeen(req) }
            }
        }
        return try await next.respond(to: req)
    }

    static func markSeen(_ req: Request) {
        req.session.data["seen"] = String(Int(req.koho.now.timeIntervalSince1970))
    }
}

/// Web pages behind login; a user the chief requires to use TOTP is sent to set it up first.
struct RequireWebUserMiddleware: AsyncMiddleware {
    /// With `frame`, a page read also loads what every page's frame shows (the menu's count, the disaster-mode banner,
    /// the suspended accounts) in the same task: a middleware of its own for each cost a task per request.
    var frame = false

    func respond(to req: Request, chainingTo next: AsyncResponder) async throws -> Response {
        guard let user = req.currentUser else {
            return req.redirect(to: SiteURL.login.path + (req.storage[SessionExpired.self] == true ? "?expired=1" : ""))
        }
        let allowed = [SiteURL.totp.path, SiteURL.logout.path]
        if user.totpRequired, !user.totpEnabled, !allowed.contains(req.url.path) {
            return req.redirect(to: SiteURL.totp.path)
        }
        if req.method == .GET {
            let found = try await req.cached("frame") { try await FrameCounts.read(req.db) }
            // The menu's count: an emergency waiting for the chief must not look like any other row.
            req.storage[WaitingEmergencies.self] = found.waitingEmergencies
            if frame {
                req.storage[DisasterBanner.self] = found.disasterModes == 0 ? []
                    : try await req.cached("disasterModes") { try await DisasterModeService.active(on: req.db) }
                req.storage[SuspendedAccounts.self] = found.suspensions == 0 ? [:]
                    : try await req.cached("suspensions") { try await SuspensionService.current(req.db) }
            }
        }
        return try await next.respond(to: req)
    }
}

/// What every page's frame shows, counted in one statement: the emergencies waiting for the chief, and whether any
/// account is in disaster mode or suspended. The modes and suspensions themselves are read only when there are some,
/// which is seldom; three statements a page were three round trips through the driver for what is nearly always 0.
struct FrameCounts: Sendable {
    var waitingEmergencies = 0, disasterModes = 0, suspensions = 0

    static let statement = RawStatement("""
        SELECT (SELECT COUNT(*) FROM \(Post.schema) WHERE state = ? AND emergency = ?),
        (SELECT COUNT(*) FROM \(DisasterMode.schema)), (SELECT COUNT(*) FROM \(AccountSuspension.schema))
        """)

    static func read(_ db: any Database) async throws -> FrameCounts {
        if let rows = try await statement.rows(on: db, [.text(PostState.submitted.rawValue), .bool(true)]) {
            guard let row = rows.first else { return FrameCounts() }
            return FrameCounts(waitingEmergencies: try row.required(row.int(0), 0), disasterModes: try row.required(row.int(1), 1),
                               suspensions: try row.required(row.int(2), 2))
        }
        return FrameCounts(waitingEmergencies: try await Post.query(on: db).filter(\.$state == .submitted).filter(\.$emergency == true).count(),
                           disasterModes: try await DisasterMode.query(on: db).count(),
                           suspensions: try await AccountSuspension.query(on: db).count())
    }
}

/// Every state-changing form must carry the session's CSRF token.
struct CSRFMiddleware: Middleware {
    func respond(to req: Request, chainingTo next: Responder) -> EventLoopFuture<Response> {
        // A page read changes nothing and goes on without a task of its own.
        if req.method == .GET || req.method == .HEAD { return next.respond(to: req) }
        return req.eventLoop.makeFutureWithTask { try await checked(req, next) }
    }

    private func checked(_ req: Request, _ next: Responder) async throws -> Response {
        let sent = (try? req.content.get(String.self, at: "csrf")) ?? ""
        guard let expected = req.session.data["csrf"], !sent.isEmpty, Secrets.constantTimeEqual(sent, expected) else {
            // A long edit must not lose its text: the post form comes back filled, changing nothing.
            if let kept = try await PostsController.formAfterStaleToken(req) { return kept }
            throw AppError.forbidden("フォームの有効期限が切れたか、不正な送信です（CSRFトークンが一致しません）。ページを開き直してください。")
        }
        return try await next.respond(to: req).get()
    }
}

/// Reads the whole body before the middleware after it: Vapor collects a route's body only when its handler runs.
struct CollectBodyMiddleware: Middleware {
    /// Nil: the app's limit for a route's body.
    var maxBytes: Int? = nil
    func respond(to req: Request, chainingTo next: Responder) -> EventLoopFuture<Response> {
        guard req.body.data == nil else { return next.respond(to: req) }
        return req.body.collect(max: maxBytes ?? req.application.routes.defaultMaxBodySize.value).flatMap { _ in next.respond(to: req) }
    }
}

/// API requests carry `Authorization: Bearer <token>`; only the token's SHA-256 is looked up.
struct BearerUserMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: AsyncResponder) async throws -> Response {
        guard let bearer = req.headers.bearerAuthorization else { throw AppError.unauthorized("APIトークンがないか、正しくありません") }
        let hash = Secrets.sha256Hex(bearer.token)
        guard let found = try await req.cached("token|" + hash, { try await Self.find(hash, req.db) }) else {
            throw AppError.unauthorized("APIトークンがないか、正しくありません")
        }
        var user = found.user
        let now = req.koho.now
        if found.useIsDue(at: now) {
            // The use is recorded on the token read again: a kept one is shared by requests and only read.
            guard let token = try await APIToken.query(on: req.db).filter(\.$tokenHash == hash).with(\.$user).first() else {
                throw AppError.unauthorized("APIトークンがないか、正しくありません")
            }
            user = token.user
            let db = req.db
            try await req.koho.writeLock.run { try await token.markUsed(at: now, on: db) }
        }
        req.auth.login(user)
        return try await next.respond(to: req)
    }
}

extension BearerUserMiddleware {
    struct Found: Sendable {
        let user: User
        let lastUsedAt: Date?
        func useIsDue(at now: Date) -> Bool { APIToken.useIsDue(lastUsedAt: lastUsedAt, at: now) }
    }

    /// The token's user and its last use, in one statement whose text is written once (every API request asks it).
    static func find(_ hash: String, _ db: any Database) async throws -> Found? {
        guard let sql = db as? any SQLDatabase else {
            guard let token = try await APIToken.query(on: db).filter(\.$tokenHash == hash).with(\.$user).first() else { return nil }
            return Found(user: token.user, lastUsedAt: token.lastUsedAt)
        }
        guard let row = try await sql.raw("\(unsafeRaw: findText) WHERE t.token_hash = \(bind: hash)").first() else { return nil }
        return Found(user: try row.decode(fluentModel: User.self), lastUsedAt: try row.decode(column: "koho_last_used_at", as: Date?.self))
    }

    private static let findText = "SELECT " + User.columns.map { "u.\($0)" }.joined(separator: ", ")
        + ", t.last_used_at AS koho_last_used_at FROM \(APIToken.schema) t JOIN \(User.schema) u ON u.id = t.user_id"
}

/// Sessions kept by Fluent, written back only when a request changed them: Vapor's sessions middleware
/// updates the stored session on every request, which made each page view a database write.
struct ChangedOnlySessionDriver: SessionDriver {
    let stored: any SessionDriver

    private struct AsRead: StorageKey { typealias Value = SessionData }

    func createSession(_ data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        stored.createSession(data, for: request)
    }

    func readSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<SessionData?> {
        let stored = self.stored
        return request.eventLoop.makeFutureWithTask {
            let data = try await request.cached("session|" + HashedFluentSessions.key(sessionID).string) {
                try await stored.readSession(sessionID, for: request).get()
            }
            request.storage[AsRead.self] = data
            return data
        }
    }

    func updateSession(_ sessionID: SessionID, to data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        if request.storage[AsRead.self] == data { return request.eventLoop.makeSucceededFuture(sessionID) }
        return stored.updateSession(sessionID, to: data, for: request)
    }

    func deleteSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<Void> {
        stored.deleteSession(sessionID, for: request)
    }
}
