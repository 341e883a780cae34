import KohoCore
import Fluent
import Vapor

/// The one-time link that creates the first chief on an empty database; there is no default password.
public enum Setup {
    /// A fresh link when nobody can log in yet (earlier unused links stop working), else nil.
    public static func issueLinkIfEmpty(_ app: Application) async throws -> String? {
        guard try await User.query(on: app.db).count() == 0 else { return nil }
        try await SetupToken.query(on: app.db).filter(\.$usedAt == nil).delete()
        let token = Secrets.randomToken()
        try await SetupToken(tokenHash: Secrets.sha256Hex(token), createdAt: app.koho.now).create(on: app.db)
        return app.koho.config.baseURL + SiteURL.setup(token).path
    }

    /// Creates a user, for `koho users add`, the setup link and the users page alike.
    static func createUser(on db: Database, app: Application, name: String, password: String, role: UserRole, accounts: [String],
                           actor: String, reason: String) async throws -> User {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 64 else { throw AppError.badRequest("名前は1〜64文字で入力してください") }
        guard password.count >= 10 else { throw AppError.badRequest("パスワードは10文字以上にしてください") }
        let known = Set(app.koho.policy.accounts.map(\.id))
        if let bad = accounts.first(where: { !known.contains($0) }) { throw AppError.badRequest("アカウント「\(bad)」はポリシーにありません") }
        if try await User.query(on: db).filter(\.$name == name).count() > 0 { throw AppError.conflict("利用者「\(name)」は既にいます") }
        let hash = try await app.password.async.hash(password)
        let user = User(name: name, passwordHash: hash, role: role, accounts: role == .staff ? accounts : [], createdAt: app.koho.now)
        try await user.create(on: db)
        try await app.koho.writeLock.run {
            try await AuditLog.appendLocked(on: db, at: app.koho.now, actor: actor, action: "user.add", subject: "user:\(name)",
                                            detail: "role=\(role.rawValue) accounts=\(user.accountList)", reason: reason)
        }
        return user
    }

    /// A new API token: printed once, kept only as its SHA-256.
    public static func createToken(_ app: Application, userName: String, tokenName: String) async throws -> String {
        guard let user = try await User.query(on: app.db).filter(\.$name == userName).first() else {
            throw AppError.notFound("利用者「\(userName)」はいません")
        }
        let token = "koho_" + Secrets.randomToken()
        try await APIToken(userID: try user.requireID(), name: tokenName, tokenHash: Secrets.sha256Hex(token), createdAt: app.koho.now).create(on: app.db)
        try await app.koho.writeLock.run {
            try await AuditLog.appendLocked(on: app.db, at: app.koho.now, actor: "cli", action: "token.create", subject: "user:\(userName)",
                                            detail: "name=\(tokenName)", reason: "")
        }
        return token
    }
}
