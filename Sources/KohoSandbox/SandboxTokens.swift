import Foundation
import KohoCore
import KohoPlatforms
import Vapor

/// Access tokens that lapse, as the platforms' do: a token the token endpoint hands out works for
/// `accessTokenLifetime` (an hour, as Google's), and the control route lapses any account's token now, so that a
/// test sees what a client does once its token has expired. A lapsed token is refused as a revoked one is (401, or
/// Graph's code 190) until the refresh token renews it. The seeded tokens do not lapse by themselves.
///
/// `POST /_sandbox/tokens/expire` `{"account": "…"}` (all accounts without one); `POST /_sandbox/tokens`
/// `{"accessTokenLifetimeSeconds": N}`; `GET /_sandbox/tokens` tells the lifetime, the lapsed accounts and how many
/// renewals (refresh-token grants) each account had.
extension SandboxState {
    func isLapsed(_ token: String, now: Date = Date()) -> Bool {
        tokenExpiry[token].map { $0 <= now } ?? false
    }

    /// A grant of the account's token (a code exchanged, or a renewal): it works for the lifetime from now; the
    /// lifetime, for `expires_in`.
    func issue(_ account: SandboxAccount, renewal: Bool, now: Date = Date()) -> TimeInterval {
        tokenExpiry[account.accessToken] = now.addingTimeInterval(accessTokenLifetime)
        if renewal { tokenRenewals[account.account, default: 0] += 1 }
        return accessTokenLifetime
    }

    /// Lapses the token of `account` (every account's with nil) now; false when no such account.
    func expireTokens(account: String?, now: Date = Date()) -> Bool {
        let chosen = accounts.filter { account == nil || $0.account == account }
        for a in chosen { tokenExpiry[a.accessToken] = now.addingTimeInterval(-1) }
        return !chosen.isEmpty
    }

    func setAccessTokenLifetime(_ seconds: TimeInterval) { accessTokenLifetime = seconds }

    func tokenReport(now: Date = Date()) -> SandboxTokenReport {
        SandboxTokenReport(accessTokenLifetimeSeconds: Int(accessTokenLifetime),
                           expired: accounts.filter { isLapsed($0.accessToken, now: now) }.map(\.account), renewals: tokenRenewals)
    }
}

/// What `GET /_sandbox/tokens` answers.
public struct SandboxTokenReport: Codable, Sendable, Equatable {
    public var accessTokenLifetimeSeconds: Int
    /// The accounts whose token has lapsed and not been renewed.
    public var expired: [String]
    /// Renewals (refresh-token grants) per account.
    public var renewals: [String: Int]
}

extension PlatformSandbox {
    /// Lapses the access token of `account` (all accounts' with nil) now.
    public func expireTokens(account: String? = nil) async { _ = await state.expireTokens(account: account) }

    public func tokenReport() async -> SandboxTokenReport { await state.tokenReport() }

    func registerTokenRoutes() {
        let state = self.state
        struct Expire: Content { var account: String? }
        struct Lifetime: Content { var accessTokenLifetimeSeconds: Int }
        app.post("_sandbox", "tokens", "expire") { req async throws -> Response in
            let body = req.body.data == nil ? Expire(account: nil) : try req.content.decode(Expire.self)
            guard await state.expireTokens(account: body.account) else { throw Abort(.notFound, reason: "no account \(body.account ?? "")") }
            return try Self.encoded(await state.tokenReport())
        }
        app.post("_sandbox", "tokens") { req async throws -> Response in
            let body = try req.content.decode(Lifetime.self)
            guard body.accessTokenLifetimeSeconds > 0 else { throw Abort(.badRequest, reason: "accessTokenLifetimeSeconds must be positive") }
            await state.setAccessTokenLifetime(TimeInterval(body.accessTokenLifetimeSeconds))
            return try Self.encoded(await state.tokenReport())
        }
        app.get("_sandbox", "tokens") { _ async throws -> Response in try Self.encoded(await state.tokenReport()) }
    }
}
