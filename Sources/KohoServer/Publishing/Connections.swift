import Fluent
import FluentSQL
import Foundation
import KohoCore
import KohoPlatforms
import KohoSandbox
import SQLKit
import Vapor

/// Account connections: finding one, and storing a new one with its tokens sealed (`AccountCredentials` opens and renews them).
enum ConnectionService {
    static func subject(_ account: String) -> String { "account:\(account)" }

    static func find(_ account: String, on db: Database) async throws -> AccountConnection? {
        // Read once per post published: plain SQL, without Fluent building the query.
        guard let sql = db as? SQLDatabase else { return try await AccountConnection.query(on: db).filter(\.$account == account).first() }
        return try await sql.select().column("*").from(AccountConnection.schema).where("account", .equal, account).limit(1).first()?
            .decode(fluentModel: AccountConnection.self)
    }

    /// Stores a working connection (new or replacing the old) and audits it; the tokens only ever sealed.
    static func connect(ctx: KohoContext, account: KohoCore.Account, userID: String, username: String, tokens: OAuthTokens,
                        actor: String, reason: String) async throws {
        guard let p = ctx.platforms else { throw AppError.notFound("プラットフォームが設定されていません") }
        let now = ctx.now
        let access = try p.vault.seal(tokens.accessToken.value, context: account.id)
        let refresh = try tokens.refreshToken.map { try p.vault.seal($0.value, context: account.id + "#refresh") }
        try await ctx.write(on: ctx.db) { db in
            let c = try await find(account.id, on: db) ?? AccountConnection()
            c.account = account.id
            c.platform = account.platform.rawValue
            c.platformUserID = userID
            c.platformUsername = username
            c.sealedAccessToken = access
            c.sealedRefreshToken = refresh
            c.expiresAt = tokens.expiresAt
            c.status = .connected
            c.statusReason = ""
            c.environment = p.environment
            c.updatedAt = now
            c.updatedBy = actor
            try await c.save(on: db)
            try await AuditLog.appendLocked(on: db, at: now, actor: actor, action: "account.connect", subject: subject(account.id),
                                            detail: "\(account.platform.rawValue) \(username)（\(p.environment)）", reason: reason)
            // Posts held for this account go on at once.
            try await PostStore.retryNow(account: account.id, on: db)
        }
        ctx.wakers.publisher()
    }

    /// Sandbox mode: each policy account that has no connection is connected with the sandbox's own token,
    /// so that a fresh machine shows the whole flow. One that needs reconnecting is left for the chief.
    static func connectSandboxAccounts(ctx: KohoContext) async throws {
        guard let p = ctx.platforms, p.mode.isSandbox else { return }
        for account in ctx.policy.accounts {
            let existing = try await find(account.id, on: ctx.db)
            if let existing, existing.status != .notConnected, existing.environment == "sandbox" { continue }
            if let existing, existing.environment == "live", existing.status != .notConnected { continue }
            guard let seeded = SandboxAccounts.account(account.id) else { continue }
            let tokens = OAuthTokens(accessToken: AccessToken(seeded.accessToken),
                                     refreshToken: account.platform == .facebook ? nil : AccessToken(PlatformSandbox.refreshToken(for: account.id)),
                                     expiresAt: nil, scope: nil)
            do {
                try await connect(ctx: ctx, account: account, userID: seeded.platformId, username: seeded.username, tokens: tokens,
                                  actor: "system", reason: "サンドボックスに自動で接続しました")
            } catch {
                // Another server starting on the same database connected it first.
                guard try await find(account.id, on: ctx.db) != nil else { throw error }
            }
        }
    }
}

struct HoldReason: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}
