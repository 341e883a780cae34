import KohoCore
import Fluent
import Vapor

/// The one-time link that creates the first chief on an empty database; there is no default password.
public enum Setup {
    /// A fresh link when nobody can log in yet (earlier unused links stop working), else nil.
    package static func issueLinkIfEmpty(_ ctx: KohoContext) async throws -> String? {
        guard try await User.query(on: ctx.db).count() == 0 else { return nil }
        let token = Secrets.randomToken()
        let db = ctx.db, now = ctx.now
        // Every write goes through the write lock (SQLite: a write outside it can end another writer's transaction).
        try await ctx.write(on: db) { db in
            try await SetupToken.query(on: db).filter(\.$usedAt == nil).delete()
            try await SetupToken(tokenHash: Secrets.sha256Hex(token), createdAt: now).create(on: db)
        }
        return ctx.config.baseURL + SiteURL.setup(token).path
    }

    /// Creates a user, for `koho users add`, the setup link and the users page alike.
    package static func createUser(on db: Database, ctx: KohoContext, name: String, password: String, role: UserRole, accounts: [String],
                           actor: String, reason: String) async throws -> User {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 64 else { throw AppError.badRequest("名前は1〜64文字で入力してください") }
        // A name is shown and compared everywhere; a control character in it would be invisible or cut (NUL).
        guard !name.containsControlCharacter else {
            throw AppError.badRequest("名前に制御文字は使えません")
        }
        guard password.count >= 10 else { throw AppError.badRequest("パスワードは10文字以上にしてください") }
        let known = Set(ctx.policy.accounts.map(\.id))
        if let bad = accounts.first(where: { !known.contains($0) }) { throw AppError.badRequest("アカウント「\(bad)」はポリシーにありません") }
        if try await User.query(on: db).filter(\.$name == name).count() > 0 { throw AppError.conflict("利用者「\(name)」は既にいます") }
        let hash = try await ctx.hashPassword(password)
        let user = User(name: name, passwordHash: hash, role: role, accounts: role == .staff ? accounts : [], createdAt: ctx.now)
        let now = ctx.now
        try await ctx.write(on: db) { db in
            try await user.create(on: db)
            try await AuditLog.appendLocked(on: db, at: now, actor: actor, action: "user.add", subject: "user:\(name)",
                                            detail: "role=\(role.rawValue) accounts=\(user.accountList)", reason: reason)
        }
        return user
    }

    /// A new API token: printed once, kept only as its SHA-256.
    package static func createToken(_ ctx: KohoContext, userName: String, tokenName: String) async throws -> String {
        guard let user = try await User.query(on: ctx.db).filter(\.$name == userName).first() else {
            throw AppError.notFound("利用者「\(userName)」はいません")
        }
        guard !tokenName.containsControlCharacter else {
            throw AppError.badRequest("トークンの名前に制御文字は使えません")
        }
        let token = "koho_" + Secrets.randomToken()
        let row = APIToken(userID: try user.requireID(), name: tokenName, tokenHash: Secrets.sha256Hex(token), createdAt: ctx.now)
        let now = ctx.now
        try await ctx.write(on: ctx.db) { db in
            try await row.create(on: db)
            try await AuditLog.appendLocked(on: db, at: now, actor: "cli", action: "token.create", subject: "user:\(userName)",
                                            detail: "name=\(tokenName)", reason: "")
        }
        return token
    }

    struct TokenRow {
        let id: String
        let name: String
        let owner: String
        let createdAt: Date
        let lastUsedAt: Date?
    }

    /// Every token with its owner; the secret itself is not kept, so it cannot be shown.
    static func listTokens(_ ctx: KohoContext) async throws -> [TokenRow] {
        let tokens = try await APIToken.query(on: ctx.db).with(\.$user).sort(\.$createdAt).all()
        let rows = tokens.map { t in
            TokenRow(id: t.id?.uuidString.lowercased() ?? "", name: t.name, owner: t.user.name, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt)
        }
        try await ctx.write(on: ctx.db) { db in
            try await AuditLog.appendLocked(on: db, at: ctx.now, actor: "cli", action: "token.list", subject: "",
                                            detail: "\(rows.count)件", reason: "")
        }
        return rows
    }

    /// Revokes one token, named by its id (or an unambiguous start of it, 8 characters or more) or by its name if only one has it.
    static func revokeToken(_ ctx: KohoContext, _ key: String, reason: String) async throws -> TokenRow {
        let all = try await APIToken.query(on: ctx.db).with(\.$user).all()
        let wanted = key.lowercased()
        var matches = all.filter { $0.id?.uuidString.lowercased() == wanted }
        if matches.isEmpty, wanted.count >= 8 { matches = all.filter { $0.id?.uuidString.lowercased().hasPrefix(wanted) ?? false } }
        if matches.isEmpty { matches = all.filter { $0.name == key } }
        guard !matches.isEmpty else { throw AppError.notFound("トークン「\(printable(key))」はありません（koho tokens list で確かめてください）") }
        guard matches.count == 1, let t = matches.first, let id = t.id else {
            throw AppError.conflict("「\(printable(key))」に当たるトークンが\(matches.count)件あります。ID で指定してください")
        }
        let row = TokenRow(id: id.uuidString.lowercased(), name: t.name, owner: t.user.name, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt)
        try await ctx.write(on: ctx.db) { db in
            try await t.delete(on: db)
            try await AuditLog.appendLocked(on: db, at: ctx.now, actor: "cli", action: "token.revoke", subject: "user:\(row.owner)",
                                            detail: "name=\(row.name) id=\(row.id)", reason: reason)
        }
        return row
    }

    /// Text for a terminal: control characters shown, not obeyed.
    static func printable(_ s: String) -> String { AuditLog.recordable(s) }
}
