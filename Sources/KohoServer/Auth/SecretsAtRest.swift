import Fluent
import SQLKit
import Foundation
import KohoPlatforms
import Vapor

/// TOTP secrets are sealed with the platform tokens' vault, bound to the user's id: a copy of the
/// database alone gives no second factor, and a sealed secret cannot be moved to another user's row.
enum TOTPSecret {
    static func context(_ user: User) throws -> String { "totp:" + (try user.requireID().uuidString) }

    static func seal(_ secret: String, user: User, _ vault: TokenVault) throws -> String {
        try vault.seal(secret, context: context(user))
    }

    static func open(_ sealed: String, user: User, _ vault: TokenVault) throws -> String {
        try vault.unseal(sealed, context: context(user))
    }
}

/// Seals the TOTP secrets an older Koho stored as they were.
struct SealTOTPSecrets: AsyncMigration {
    let vault: TokenVault

    func prepare(on db: Database) async throws {
        for user in try await User.query(on: db).filter(\.$totpSecret != nil).all() {
            guard let plain = user.totpSecret, !plain.hasPrefix("v1:") else { continue }
            user.totpSecret = try TOTPSecret.seal(plain, user: user, vault)
            try await user.save(on: db)
        }
    }

    func revert(on db: Database) async throws {
        for user in try await User.query(on: db).filter(\.$totpSecret != nil).all() {
            guard let sealed = user.totpSecret, sealed.hasPrefix("v1:") else { continue }
            // Sealed under another key: the user sets TOTP up again rather than keep a secret nobody can open.
            if let plain = try? TOTPSecret.open(sealed, user: user, vault) {
                user.totpSecret = plain
            } else {
                user.totpSecret = nil
                user.totpEnabled = false
            }
            try await user.save(on: db)
        }
    }
}

/// Web sessions in the database, keyed by the SHA-256 of the cookie: a reader of the table sees no cookie it could send.
/// Writes go through the process's write lock like every other write: on SQLite, a write outside it could end
/// another writer's transaction with "database is locked" (a deferred transaction that read cannot then write).
struct HashedFluentSessions: SessionDriver {
    static func key(_ id: SessionID) -> SessionID { SessionID(string: Secrets.sha256Hex(id.string)) }

    private func locked<T: Sendable>(_ request: Request, _ body: @escaping @Sendable () async throws -> T) -> EventLoopFuture<T> {
        let lock = request.koho.writeLock
        return request.eventLoop.makeFutureWithTask { try await lock.run(body) }
    }

    func createSession(_ data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        let id = SessionID(string: Secrets.randomToken())
        let db = request.db
        return locked(request) { try await SessionRecord(key: Self.key(id), data: data).create(on: db); return id }
    }

    /// Every page asks this: one statement written out, not Fluent's query builder and model.
    func readSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<SessionData?> {
        guard let sql = request.db as? any SQLDatabase else {
            return SessionRecord.query(on: request.db).filter(\.$key == Self.key(sessionID)).first().map { $0?.data }
        }
        let key = Self.key(sessionID).string
        return request.eventLoop.makeFutureWithTask {
            try await sql.raw("SELECT data FROM \(unsafeRaw: SessionRecord.schema) WHERE key = \(bind: key)").first()?
                .decode(column: "data", as: SessionData.self)
        }
    }

    func updateSession(_ sessionID: SessionID, to data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        let db = request.db
        return locked(request) {
            try await SessionRecord.query(on: db).filter(\.$key == Self.key(sessionID)).set(\.$data, to: data).update()
            return sessionID
        }
    }

    func deleteSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<Void> {
        let db = request.db
        return locked(request) { try await SessionRecord.query(on: db).filter(\.$key == Self.key(sessionID)).delete() }
    }
}

enum SessionStore {
    /// Ends the user's sessions but `keep` (the one asking); returns how many ended.
    static func endSessions(of user: User, except keep: SessionID?, on db: Database) async throws -> Int {
        let uid = try user.requireID().uuidString
        let keepKey = keep.map(HashedFluentSessions.key)
        let ids = try await SessionRecord.query(on: db).all()
            .filter { $0.data["uid"] == uid && $0.key != keepKey }.compactMap(\.id)
        if !ids.isEmpty { try await SessionRecord.query(on: db).filter(\.$id ~~ ids).delete() }
        return ids.count
    }
}

/// Sessions stored by an older Koho under the cookie itself: their keys are hashed in place, so nobody is signed out.
struct HashSessionKeys: AsyncMigration {
    func prepare(on db: Database) async throws {
        for record in try await SessionRecord.query(on: db).all() {
            record.key = HashedFluentSessions.key(record.key)
            try await record.save(on: db)
        }
    }

    func revert(on db: Database) async throws {
        try await SessionRecord.query(on: db).delete()
    }
}

/// The data folder and what Koho keeps in it are its owner's alone: 0700 for folders, 0600 for files.
enum DataFolder {
    static let files = ["koho.sqlite", "koho.sqlite-wal", "koho.sqlite-shm", "koho.sqlite-journal", "secret.key", "holidays.csv",
                        AuditLog.Checkpoints.fileName]

    static func prepare(_ dir: URL) throws {
        // Everything this process creates from now on (the database, its journal, media) is the owner's alone.
        umask(0o077)
        let fm = FileManager.default
        try fm.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // Files of an older Koho were created 0644 in a 0755 folder. Only Koho's own names are touched.
        chmod(dir.path, 0o700)
        for name in files where fm.fileExists(atPath: dir.appendingPathComponent(name).path) {
            chmod(dir.appendingPathComponent(name).path, 0o600)
        }
        let media = PostMedia.directory(dir)
        if fm.fileExists(atPath: media.path) {
            chmod(media.path, 0o700)
            for name in (try? fm.contentsOfDirectory(atPath: media.path)) ?? [] {
                chmod(media.appendingPathComponent(name).path, 0o600)
            }
        }
    }
}

/// The key every server on one database must share: checked at start against what the database already holds
/// sealed, so that a server with another key refuses to start instead of failing later on a post or a login.
enum SecretKeyCheck {
    struct WrongKey: Error, CustomStringConvertible {
        let what: String
        var description: String {
            "データベースにある\(what)を、このサーバーの鍵で開けません。同じデータベースを使うサーバーは同じ鍵が要ります: "
                + "ほかのサーバーの鍵を環境変数 \(TokenVault.environmentVariable)（32バイトを base64）で渡すか、"
                + "そのデータフォルダの secret.key をこのサーバーのデータフォルダに写してから起動してください。"
        }
    }

    /// Where the key came from, for the start-up line (never the key).
    static func source(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        (environment[TokenVault.environmentVariable] ?? "").isEmpty ? "データフォルダの secret.key" : "環境変数 \(TokenVault.environmentVariable)"
    }

    /// Opens one sealed platform token and one sealed two-factor secret, if the database holds any.
    static func verify(_ db: Database, _ vault: TokenVault) async throws {
        if let c = try await AccountConnection.query(on: db).filter(\.$sealedAccessToken != nil).first(),
           let sealed = c.sealedAccessToken, (try? vault.unseal(sealed, context: c.account)) == nil {
            throw WrongKey(what: "プラットフォームのトークン（アカウント「\(c.account)」）")
        }
        if let u = try await User.query(on: db).filter(\.$totpSecret != nil).first(), let sealed = u.totpSecret,
           sealed.hasPrefix("v1:"), (try? TOTPSecret.open(sealed, user: u, vault)) == nil {
            throw WrongKey(what: "二段階認証の秘密（利用者「\(u.name)」）")
        }
    }
}

/// `koho secrets rotate`: everything sealed (platform tokens, two-factor secrets, upload sessions) opened with the
/// key in use and sealed again with a new one, in one transaction under the write lock, audited.
enum SecretRotation {
    struct Counts: Equatable {
        var tokens = 0
        var totpSecrets = 0
        var uploadSessions = 0
    }

    static func rotate(_ ctx: KohoContext, to next: TokenVault, actor: String) async throws -> Counts {
        let old = ctx.vault
        return try await ctx.write(on: ctx.db) { db in
            var n = Counts()
            for c in try await AccountConnection.query(on: db).all() {
                if let s = c.sealedAccessToken {
                    c.sealedAccessToken = try next.seal(try old.unseal(s, context: c.account), context: c.account)
                    n.tokens += 1
                }
                if let s = c.sealedRefreshToken {
                    c.sealedRefreshToken = try next.seal(try old.unseal(s, context: c.account + "#refresh"), context: c.account + "#refresh")
                    n.tokens += 1
                }
                try await c.update(on: db)
            }
            for u in try await User.query(on: db).filter(\.$totpSecret != nil).all() {
                guard let s = u.totpSecret, s.hasPrefix("v1:") else { continue }
                u.totpSecret = try TOTPSecret.seal(try TOTPSecret.open(s, user: u, old), user: u, next)
                try await u.update(on: db)
                n.totpSecrets += 1
            }
            for a in try await PublishAttempt.query(on: db).filter(\.$uploadSession != nil).all() {
                guard let s = a.uploadSession else { continue }
                let context = a.postID.uuidString
                a.uploadSession = try next.seal(try old.unseal(s, context: context), context: context)
                try await a.update(on: db)
                n.uploadSessions += 1
            }
            try await AuditLog.appendLocked(on: db, at: ctx.now, actor: actor, action: "secrets.rotate", subject: "secret-key",
                                            detail: "新しい鍵で封じ直した: トークン \(n.tokens)件、二段階認証の秘密 \(n.totpSecrets)件、アップロード \(n.uploadSessions)件",
                                            reason: "")
            return n
        }
    }
}
