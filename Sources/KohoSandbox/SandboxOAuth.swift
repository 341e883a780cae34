import Foundation
import KohoCore
import KohoPlatforms
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
                return tokens(account, lifetime: await state.issue(account, renewal: false))
            case "refresh_token":
                guard let refresh = form.refresh_token, let account = accounts.first(where: { Self.refreshToken(for: $0.account) == refresh }) else {
                    return invalidGrant("Value passed for the token was invalid.")
                }
                if await state.revokedTokens.contains(account.accessToken) {
                    return invalidGrant("Token has been expired or revoked.")
                }
                return tokens(account, lifetime: await state.issue(account, renewal: true))
            default:
                return SandboxReply.json(.badRequest, ["error": "unsupported_grant_type", "error_description": "grant_type is not supported"])
            }
        }
        @Sendable func tokens(_ account: SandboxAccount, lifetime: TimeInterval) -> Response {
            SandboxReply.json(.ok, ["token_type": "bearer", "access_token": account.accessToken, "expires_in": Int(lifetime),
                                    "refresh_token": Self.refreshToken(for: account.account), "scope": "sandbox"])
        }
        app.post("2", "oauth2", "token", use: handler)
        app.post("token", use: handler)
    }
}

/// The consent screens: X's and Google's authorize pages, reduced to one link per account of the platform.
/// Each link returns to `redirect_uri` with that account's code and the `state` that was sent.
extension PlatformSandbox {
    public static let xAuthorizePath = "/i/oauth2/authorize"
    public static let googleAuthorizePath = "/o/oauth2/v2/auth"

    func registerConsentRoutes() {
        let accounts = state.accounts
        @Sendable func page(_ req: Request, platform: Platform) throws -> Response {
            guard let redirect = req.query[String.self, at: "redirect_uri"], let returnState = req.query[String.self, at: "state"],
                  req.query[String.self, at: "code_challenge"] != nil else {
                throw Abort(.badRequest, reason: "redirect_uri, state and code_challenge are required")
            }
            func esc(_ s: String) -> String { HTMLEscaping.escape(s) }
            let separator = redirect.contains("?") ? "&" : "?"
            let links = accounts.filter { $0.platform == platform }.map { account in
                let target = redirect + separator + "code=" + percentEncode(Self.authorizationCode(for: account.account))
                    + "&state=" + percentEncode(returnState)
                return "<li><a href=\"\(esc(target))\">\(esc(account.name))（\(esc(account.username))）として許可する</a></li>"
            }.joined()
            let html = "<!doctype html><html lang=\"ja\"><meta charset=\"utf-8\"><title>サンドボックス: アクセスの許可</title>"
                + "<h1>サンドボックス（\(platform.rawValue)）: Koho にアカウントへのアクセスを許可しますか</h1><ul>\(links)</ul></html>"
            return Response(status: .ok, headers: ["Content-Type": "text/html; charset=utf-8"], body: .init(string: html))
        }
        app.get(PathComponent.constants(Self.xAuthorizePath)) { req in try page(req, platform: .x) }
        app.get(PathComponent.constants(Self.googleAuthorizePath)) { req in try page(req, platform: .youtube) }
    }
}

extension PathComponent {
    static func constants(_ path: String) -> [PathComponent] {
        path.split(separator: "/").map { .constant(String($0)) }
    }
}
