import Crypto
import Foundation
import Testing
@testable import KohoPlatforms
import KohoSandbox
import KohoTestSupport

@Suite struct TokenVaultTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("koho-vault-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func sealsAndOpensBoundToTheAccount() throws {
        let vault = TokenVault(key: SymmetricKey(size: .bits256))
        let sealed = try vault.seal("secret-access-token", context: "kodaira_tokyo")
        #expect(!sealed.contains("secret-access-token"))
        #expect(try vault.unseal(sealed, context: "kodaira_tokyo") == "secret-access-token")
        // Moved to another account's row, or opened under another key, or altered: refused.
        #expect(throws: TokenVaultError.cannotOpen) { try vault.unseal(sealed, context: "koho.kodairacity") }
        #expect(throws: TokenVaultError.cannotOpen) { try TokenVault(key: SymmetricKey(size: .bits256)).unseal(sealed, context: "kodaira_tokyo") }
        var bytes = Array(sealed.utf8)
        bytes[bytes.count - 3] = bytes[bytes.count - 3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: TokenVaultError.cannotOpen) { try vault.unseal(String(decoding: bytes, as: UTF8.self), context: "kodaira_tokyo") }
        // Two seals of one token differ (a fresh nonce each time).
        #expect(try vault.seal("t", context: "a") != vault.seal("t", context: "a"))
    }

    @Test func keyFileIsCreatedOwnerOnlyAndReused() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyFile = dir.appendingPathComponent("keys/secret.key")
        let first = try TokenVault.load(environment: [:], keyFile: keyFile)
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let sealed = try first.seal("token", context: "x")
        #expect(try TokenVault.load(environment: [:], keyFile: keyFile).unseal(sealed, context: "x") == "token")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile.path)
        #expect(throws: TokenVaultError.self) { try TokenVault.load(environment: [:], keyFile: keyFile) }
    }

    @Test func keyFromTheEnvironment() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyFile = dir.appendingPathComponent("secret.key")
        let key = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let vault = try TokenVault.load(environment: ["KOHO_SECRET_KEY": key], keyFile: keyFile)
        let sealed = try vault.seal("token", context: "x")
        #expect(try TokenVault(key: SymmetricKey(data: Data((0..<32).map { UInt8($0) }))).unseal(sealed, context: "x") == "token")
        #expect(!FileManager.default.fileExists(atPath: keyFile.path))
        #expect(throws: TokenVaultError.self) { try TokenVault.load(environment: ["KOHO_SECRET_KEY": "short"], keyFile: keyFile) }
    }
}

@Suite struct OAuthTests {
    @Test func pkceFollowsRFC7636() {
        // The example of RFC 7636, appendix B.
        #expect(PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        let made = PKCE.make()
        #expect(made.verifier.count >= 43)
        #expect(made != PKCE.make())
    }

    @Test func authorizationURLs() {
        let pkce = PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        let x = OAuthClient.x(clientID: "cid", clientSecret: nil).authorizationURL(redirectURI: "http://127.0.0.1:8080/connect/x/callback", state: "st", pkce: pkce)
        #expect(x.hasPrefix("https://x.com/i/oauth2/authorize?"))
        #expect(x.contains("code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
        #expect(x.contains("code_challenge_method=S256"))
        #expect(x.contains("offline.access"))
        #expect(x.contains("state=st"))
        let g = OAuthClient.google(clientID: "cid", clientSecret: AccessToken("s")).authorizationURL(redirectURI: "http://h/cb", state: "st", pkce: pkce)
        #expect(g.contains("access_type=offline"))
        #expect(!g.contains("client_secret"))
    }

    @Test func exchangeRefreshAndRevocationAgainstTheSandbox() async throws {
        try await Harness.run { h in
            for (client, account) in [(OAuthClient.x(clientID: "koho", clientSecret: AccessToken("cs"), apiBaseURL: h.base), SandboxAccounts.xKodaira),
                                      (OAuthClient.google(clientID: "koho", clientSecret: AccessToken("cs"), tokenURL: h.base + "/token"), SandboxAccounts.youtubeKodaira)] {
                let pkce = PKCE.make()
                let tokens = try await client.exchange(code: PlatformSandbox.authorizationCode(for: account.account),
                                                       redirectURI: "http://127.0.0.1/cb", pkce: pkce, http: h.http)
                #expect(tokens.accessToken.value == account.accessToken)
                #expect(tokens.refreshToken != nil)
                #expect(tokens.expiresAt != nil)
                #expect(!"\(tokens)".contains(account.accessToken))
                let renewed = try await client.refresh(tokens.refreshToken!, http: h.http)
                #expect(renewed.accessToken == tokens.accessToken)
                let badCode = await platformError {
                    try await client.exchange(code: "wrong", redirectURI: "http://127.0.0.1/cb", pkce: pkce, http: h.http)
                }
                #expect(badCode == .tokenExpiredOrRevoked)
                try await h.faults("{\"revokeToken\":\"\(account.accessToken)\"}")
                let revoked = await platformError { try await client.refresh(tokens.refreshToken!, http: h.http) }
                #expect(revoked == .tokenExpiredOrRevoked)
                // Reconnecting grants the account again.
                _ = try await client.exchange(code: PlatformSandbox.authorizationCode(for: account.account),
                                              redirectURI: "http://127.0.0.1/cb", pkce: PKCE.make(), http: h.http)
                let again = try await client.refresh(tokens.refreshToken!, http: h.http)
                #expect(again.accessToken.value == account.accessToken)
            }
            let down = OAuthClient.x(clientID: "koho", clientSecret: nil, apiBaseURL: "http://127.0.0.1:9")
            let unreachable = await platformError { try await down.refresh(AccessToken("r"), http: h.http) }
            #expect(unreachable?.outcomeUnknown == true)
        }
    }
}
