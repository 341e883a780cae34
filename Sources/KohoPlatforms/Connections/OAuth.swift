import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// PKCE (RFC 7636) with the S256 method, as X's OAuth 2.0 requires.
public struct PKCE: Sendable, Equatable {
    public let verifier: String
    public var challenge: String { Self.base64URL(Data(SHA256.hash(data: Data(verifier.utf8)))) }

    public init(verifier: String) { self.verifier = verifier }

    public static func make() -> PKCE {
        PKCE(verifier: base64URL(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }))
    }

    /// A random value for the `state` parameter, checked on the way back against CSRF.
    public static func makeState() -> String { make().verifier }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// What an OAuth token endpoint gives back. Its descriptions hide the tokens.
public struct OAuthTokens: Sendable, Equatable, CustomStringConvertible {
    public let accessToken: AccessToken
    public let refreshToken: AccessToken?
    public let expiresAt: Date?
    public let scope: String?

    public init(accessToken: AccessToken, refreshToken: AccessToken?, expiresAt: Date?, scope: String?) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.scope = scope
    }

    public var description: String { "OAuthTokens(expiresAt: \(expiresAt.map { "\($0)" } ?? "-"), refresh: \(refreshToken == nil ? "no" : "yes"))" }
}

/// An OAuth 2.0 authorization-code client: X (with PKCE) and Google (offline access, for YouTube).
public struct OAuthClient: Sendable {
    public enum Provider: String, Sendable { case x, google }

    public let provider: Provider
    public let clientID: String
    public let clientSecret: AccessToken?
    public let authorizeURL: String
    public let tokenURL: String
    public let scopes: [String]

    public init(provider: Provider, clientID: String, clientSecret: AccessToken?, authorizeURL: String, tokenURL: String, scopes: [String]) {
        self.provider = provider
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.authorizeURL = authorizeURL
        self.tokenURL = tokenURL
        self.scopes = scopes
    }

    /// X OAuth 2.0: posting, reading and keeping a refresh token (`offline.access`).
    public static func x(clientID: String, clientSecret: AccessToken?, apiBaseURL: String = "https://api.x.com",
                         authorizeURL: String = "https://x.com/i/oauth2/authorize") -> OAuthClient {
        OAuthClient(provider: .x, clientID: clientID, clientSecret: clientSecret, authorizeURL: authorizeURL,
                    tokenURL: apiBaseURL + "/2/oauth2/token",
                    scopes: ["tweet.read", "tweet.write", "users.read", "media.write", "offline.access"])
    }

    /// Google OAuth for the YouTube Data API, asking for a refresh token.
    public static func google(clientID: String, clientSecret: AccessToken?, tokenURL: String = "https://oauth2.googleapis.com/token",
                              authorizeURL: String = "https://accounts.google.com/o/oauth2/v2/auth") -> OAuthClient {
        OAuthClient(provider: .google, clientID: clientID, clientSecret: clientSecret, authorizeURL: authorizeURL, tokenURL: tokenURL,
                    scopes: ["https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube.force-ssl"])
    }

    /// Where to send the chief's browser to grant access.
    public func authorizationURL(redirectURI: String, state: String, pkce: PKCE) -> String {
        var query = [("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirectURI),
                     ("scope", scopes.joined(separator: " ")), ("state", state),
                     ("code_challenge", pkce.challenge), ("code_challenge_method", "S256")]
        if provider == .google { query += [("access_type", "offline"), ("prompt", "consent")] }
        return authorizeURL + "?" + formEncode(query)
    }

    public func exchange(code: String, redirectURI: String, pkce: PKCE, http: HTTPClient, now: Date = Date()) async throws -> OAuthTokens {
        try await tokenRequest([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
                                ("code_verifier", pkce.verifier)], http: http, now: now)
    }

    public func refresh(_ refreshToken: AccessToken, http: HTTPClient, now: Date = Date()) async throws -> OAuthTokens {
        let tokens = try await tokenRequest([("grant_type", "refresh_token"), ("refresh_token", refreshToken.value)], http: http, now: now)
        // Google keeps the same refresh token and does not send it again.
        return tokens.refreshToken == nil
            ? OAuthTokens(accessToken: tokens.accessToken, refreshToken: refreshToken, expiresAt: tokens.expiresAt, scope: tokens.scope)
            : tokens
    }

    private struct TokenAnswer: Decodable {
        let access_token: String
        let refresh_token: String?
        let expires_in: Double?
        let scope: String?
    }

    private func tokenRequest(_ fields: [(String, String)], http: HTTPClient, now: Date) async throws -> OAuthTokens {
        var request = HTTPClientRequest(url: tokenURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        var form = fields + [("client_id", clientID)]
        if let secret = clientSecret {
            if provider == .x {
                // X's confidential clients authenticate with HTTP Basic.
                let basic = Data("\(clientID):\(secret.value)".utf8).base64EncodedString()
                request.headers.add(name: "Authorization", value: "Basic \(basic)")
            } else {
                form.append(("client_secret", secret.value))
            }
        }
        request.body = .bytes(ByteBuffer(string: formEncode(form)))
        let status: Int
        let body: Data
        do {
            let response = try await http.execute(request, timeout: .seconds(30))
            status = Int(response.status.code)
            body = Data(try await response.body.collect(upTo: 1 << 20).readableBytesView)
        } catch {
            throw PlatformError.transient("OAuth token endpoint: \(error)")
        }
        guard (200..<300).contains(status) else {
            let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
            let code = object?["error"] as? String ?? ""
            let message = object?["error_description"] as? String ?? code
            if status >= 500 { throw PlatformError.transient("OAuth token endpoint: HTTP \(status)") }
            // invalid_grant: the code or refresh token is expired, used or revoked.
            if code == "invalid_grant" || status == 401 { throw PlatformError.tokenExpiredOrRevoked }
            throw PlatformError.invalid(message: message.isEmpty ? "HTTP \(status)" : message)
        }
        guard let answer = try? JSONDecoder().decode(TokenAnswer.self, from: body) else {
            throw PlatformError.transient("OAuth token endpoint: unreadable answer")
        }
        return OAuthTokens(accessToken: AccessToken(answer.access_token), refreshToken: answer.refresh_token.map(AccessToken.init),
                           expiresAt: answer.expires_in.map { now.addingTimeInterval($0) }, scope: answer.scope)
    }
}
