import Fluent
import Foundation
import KohoCore
import KohoPlatforms
import NIOConcurrencyHelpers

/// The one way to a policy account's platform tokens, for every caller (the publisher, the comment poller and
/// actions, the profile checks, the impersonation search). It opens the sealed tokens of the account's connection,
/// renews them shortly before they lapse and once when the platform answers that the token is expired or revoked
/// (then runs the call once more), makes one renewal per account however many callers need it at once, keeps the
/// renewed tokens sealed, and when renewal is refused marks the account for reconnection (audited, shown on the
/// accounts page) instead of failing every round in silence.
///
/// A call that cannot have credentials throws `HoldReason`, in Japanese, for the page that shows why nothing happened.
final class AccountCredentials: Sendable {
    /// How long before its expiry an access token is renewed.
    static let renewalMargin: TimeInterval = 5 * 60
    static let actor = "system"

    let db: Database
    let ctx: KohoContext
    let gateway: PlatformGateway
    let vault: TokenVault
    /// `sandbox` or `live`: a connection made for the other is not used.
    let environment: String
    let ownerTitle: String
    /// The platforms' clock (token expiry), as the publisher's leases.
    let wallClock: @Sendable () -> Date
    private let renewals = NIOLockedValueBox<[String: Task<Credentials, any Error>]>([:])

    init(db: Database, ctx: KohoContext, gateway: PlatformGateway, vault: TokenVault, environment: String, ownerTitle: String,
         wallClock: @escaping @Sendable () -> Date) {
        self.db = db
        self.ctx = ctx
        self.gateway = gateway
        self.vault = vault
        self.environment = environment
        self.ownerTitle = ownerTitle
        self.wallClock = wallClock
    }

    /// Credentials that work now, renewed first when they lapse within the margin.
    func current(_ account: KohoCore.Account) async throws -> Credentials {
        let c = try await open(account)
        guard lapsing(c), gateway.oauth(account.platform) != nil else { return c }
        return try await renew(account, after: c)
    }

    /// Runs `body` with the account's credentials; when the platform answers that the token is expired or revoked,
    /// renews it once and runs `body` once more. `body` must be safe to run again after such an answer (the
    /// platform did nothing then).
    func call<T>(_ account: KohoCore.Account, _ body: (Credentials) async throws -> T) async throws -> T {
        let first = try await current(account)
        do {
            return try await body(first)
        } catch PlatformError.tokenExpiredOrRevoked {
            let renewed = try await renew(account, after: first)
            do {
                return try await body(renewed)
            } catch PlatformError.tokenExpiredOrRevoked {
                throw try await needsReconnecting(account, tried: renewed)
            }
        }
    }

    private func lapsing(_ c: Credentials) -> Bool {
        guard c.refreshToken != nil, let expires = c.expiresAt else { return false }
        return expires <= wallClock().addingTimeInterval(Self.renewalMargin)
    }

    // MARK: Opening

    /// The tokens of the account's usable connection, or why there is none.
    func open(_ account: KohoCore.Account) async throws -> Credentials {
        try Self.open(try await ConnectionService.find(account.id, on: db), account: account, environment: environment, vault: vault,
                      ownerTitle: ownerTitle).get()
    }

    static func open(_ c: AccountConnection?, account: KohoCore.Account, environment: String, vault: TokenVault,
                     ownerTitle: String) -> Result<Credentials, HoldReason> {
        let id = account.id
        guard let c, c.status != .notConnected, let sealed = c.sealedAccessToken else {
            return .failure(HoldReason("アカウント「\(id)」はプラットフォームに接続されていません。\(ownerTitle)が「アカウント」画面で接続してください。"))
        }
        guard c.environment == environment else {
            return .failure(HoldReason("アカウント「\(id)」の接続は\(c.environment == "sandbox" ? "サンドボックス" : "実際のプラットフォーム")のものです。接続し直してください。"))
        }
        guard c.status == .connected else {
            return .failure(HoldReason("アカウント「\(id)」は要再接続です（\(c.statusReason)）。\(ownerTitle)が「アカウント」画面で接続し直すまで発信を止めています。"))
        }
        do {
            let access = try vault.unseal(sealed, context: id)
            let refresh = try c.sealedRefreshToken.map { try vault.unseal($0, context: id + "#refresh") }
            return .success(Credentials(account: id, platform: account.platform, userID: c.platformUserID, username: c.platformUsername,
                                        accessToken: AccessToken(access), refreshToken: refresh.map(AccessToken.init), expiresAt: c.expiresAt))
        } catch {
            return .failure(HoldReason("アカウント「\(id)」のトークンを復号できません（秘密鍵が変わった可能性があります）。接続し直してください。"))
        }
    }

    // MARK: Renewal

    /// Fresh credentials after `stale` lapsed or was refused. Callers at the same moment wait for the one renewal
    /// already under way for the account instead of making their own.
    func renew(_ account: KohoCore.Account, after stale: Credentials) async throws -> Credentials {
        let id = account.id
        let task = renewals.withLockedValue { running -> Task<Credentials, any Error> in
            if let task = running[id] { return task }
            let task = Task {
                defer { self.renewals.withLockedValue { $0[id] = nil } }
                return try await self.renewNow(account, after: stale)
            }
            running[id] = task
            return task
        }
        return try await task.value
    }

    private func renewNow(_ account: KohoCore.Account, after stale: Credentials) async throws -> Credentials {
        // Another caller, or another server on the same database, may have renewed since `stale` was read.
        let now = try await open(account)
        if Self.changed(stale, now), !lapsing(now) { return now }
        guard let refresh = now.refreshToken, let client = gateway.oauth(account.platform) else {
            throw try await needsReconnecting(account, tried: now)
        }
        let tokens: OAuthTokens
        do {
            tokens = try await gateway.refresh(client, refresh, wallClock())
        } catch let e as PlatformError where e.outcomeUnknown {
            // A brief network error says nothing about the token: the caller tries again later, the account stays connected.
            throw e
        } catch {
            // X's refresh tokens are good once: a server that renewed first leaves this one refused, and its tokens stored.
            let after = try await open(account)
            if Self.changed(now, after) { return after }
            throw try await needsReconnecting(account, tried: now)
        }
        try await store(account, tokens)
        return try await open(account)
    }

    private static func changed(_ a: Credentials, _ b: Credentials) -> Bool {
        a.accessToken != b.accessToken || a.expiresAt != b.expiresAt
    }

    /// Keeps renewed tokens sealed; the renewal is audited, the tokens are not.
    func store(_ account: KohoCore.Account, _ tokens: OAuthTokens) async throws {
        let id = account.id, now = ctx.now
        let access = try vault.seal(tokens.accessToken.value, context: id)
        let refresh = try tokens.refreshToken.map { try vault.seal($0.value, context: id + "#refresh") }
        try await ctx.write(on: self.db) { db in
            guard let c = try await ConnectionService.find(id, on: db) else { return }
            c.sealedAccessToken = access
            if let refresh { c.sealedRefreshToken = refresh }
            c.expiresAt = tokens.expiresAt
            c.updatedAt = now
            c.updatedBy = Self.actor
            try await c.save(on: db)
            try await AuditLog.appendLocked(on: db, at: now, actor: Self.actor, action: "account.refresh",
                                            subject: ConnectionService.subject(id), detail: "アクセストークンを更新しました", reason: "")
        }
    }

    /// The platform refused the token and no renewal helped: the account stops until the chief reconnects it.
    /// Left as it is when the connection no longer holds the token tried (reconnected meanwhile). The reason to throw.
    func needsReconnecting(_ account: KohoCore.Account, tried: Credentials) async throws -> HoldReason {
        let id = account.id, now = ctx.now, vault = self.vault
        let reason = "\(account.platform.displayName)がアクセストークンを期限切れまたは無効と答え、更新もできませんでした"
        try await ctx.write(on: self.db) { db in
            guard let c = try await ConnectionService.find(id, on: db), c.status == .connected,
                  let sealed = c.sealedAccessToken, (try? vault.unseal(sealed, context: id)) == tried.accessToken.value else { return }
            c.status = .needsReconnecting
            c.statusReason = reason
            c.updatedAt = now
            c.updatedBy = Self.actor
            try await c.save(on: db)
            try await AuditLog.appendLocked(on: db, at: now, actor: Self.actor, action: "account.needsReconnecting",
                                            subject: ConnectionService.subject(id), detail: "connected → needsReconnecting", reason: reason)
        }
        do {
            _ = try await open(account)
            return HoldReason("アカウント「\(id)」は要再接続です（\(reason)）。")
        } catch let hold as HoldReason {
            return hold
        }
    }
}
