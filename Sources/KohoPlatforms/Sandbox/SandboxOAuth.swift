import Foundation
import KohoCore
import Vapor

/// The token endpoints of X (`POST /2/oauth2/token`) and Google (`POST /token`), so that connecting and
/// reconnecting an account can be exercised locally. An authorization code `sandbox-code-<account>`
/// grants that account's token; the refresh token `sandbox-refresh-<account>` renews it until revoked.
extension PlatformSandbox {
    public static func authorizationCode(for account: String) -> String { "sandbox-code-\(account)" }
    public static func refreshToken(for account: String) -> String { "sandbox-refresh-\(account)" }

    func registerOAuthRoutes() {
        let state = self.state
        let handler: @Sendable (Request) async throws -> Response = { req in
            struct Form: Content {
                var grant_type: String?
                var code: String?
                var refresh_token: String?
                var code_verifier: String?
            }
            let form = try req.content.decode(Form.self)
            func invalidGrant(_ why: String) -> Response {
                SandboxReply.json(.badRequest, ["error": "invalid_grant", "error_description": why])
            }
            let accounts = state.accounts
            switch form.grant_type {
            case "authorization_code":
                guard let code = form.code, let account = accounts.first(where: { Self.authorizationCode(for: $0.account) == code }) else {
                    return invalidGrant("Value passed for the authorization code was invalid.")
                }
                guard let verifier = form.code_verifier, verifier.count >= 43 else {
                    return SandboxReply.json(.badRequest, ["error": "invalid_request", "error_description": "Missing required parameter [code_verifier]."])
                }
                // A new grant: the account's token works again.
                await state.restore(token: account.accessToken)
                return tokens(account)
            case "refresh_token":
                guard let refresh = form.refresh_token, let account = accounts.first(where: { Self.refreshToken(for: $0.account) == refresh }) else {
                    return invalidGrant("Value passed for the token was invalid.")
                }
                if await state.revokedTokens.contains(account.accessToken) {
                    return invalidGrant("Token has been expired or revoked.")
                }
                return tokens(account)
            default:
                return SandboxReply.json(.badRequest, ["error": "unsupported_grant_type", "error_description": "grant_type is not supported"])
            }
        }
        @Sendable func tokens(_ account: SandboxAccount) -> Response {
            SandboxReply.json(.ok, ["token_type": "bearer", "access_token": account.accessToken, "expires_in": 7200,
                                    "refresh_token": Self.refreshToken(for: account.account), "scope": "sandbox"])
        }
        app.post("2", "oauth2", "token", use: handler)
        app.post("token", use: handler)
    }
}
