import Foundation
import KohoCore
import Testing
@testable import KohoPlatforms
@testable import KohoSandbox
import KohoTestSupport

@Suite("The sandbox's tokens lapse as the platforms' do")
struct SandboxTokenTests {
    @Test func aLapsedTokenIsRefusedUntilTheRefreshTokenRenewsIt() async throws {
        try await Harness.run { h in
            let account = SandboxAccounts.youtubeKodaira
            _ = try await h.youtube().channelProfile(id: account.platformId)
            let expired = try await h.control(.POST, "/_sandbox/tokens/expire", json: "{\"account\":\"\(account.account)\"}")
            #expect(expired.status == 200)
            let report = try JSONDecoder().decode(SandboxTokenReport.self, from: expired.body)
            #expect(report.expired == [account.account])
            #expect(report.accessTokenLifetimeSeconds == 3600)
            let refused = await platformError { try await h.youtube().channelProfile(id: account.platformId) }
            #expect(refused == .tokenExpiredOrRevoked)
            // The other accounts' tokens still work.
            _ = try await h.x().user(username: SandboxAccounts.xKodaira.username)

            let google = OAuthClient.google(clientID: "koho", clientSecret: nil, tokenURL: h.base + "/token")
            let renewed = try await google.refresh(AccessToken(PlatformSandbox.refreshToken(for: account.account)), http: h.http)
            let lifetime = try #require(renewed.expiresAt).timeIntervalSinceNow
            #expect(lifetime > 3500 && lifetime <= 3600, "Google's hour")
            _ = try await h.youtube(token: renewed.accessToken.value).channelProfile(id: account.platformId)
            let after = await h.sandbox.tokenReport()
            #expect(after.expired.isEmpty)
            #expect(after.renewals == [account.account: 1])
        }
    }

    @Test func theLifetimeIsSetAndAnUnknownAccountRefused() async throws {
        try await Harness.run { h in
            #expect(try await h.control(.POST, "/_sandbox/tokens", json: #"{"accessTokenLifetimeSeconds":0}"#).status == 400)
            #expect(try await h.control(.POST, "/_sandbox/tokens", json: #"{"accessTokenLifetimeSeconds":1}"#).status == 200)
            #expect(try await h.control(.POST, "/_sandbox/tokens/expire", json: #"{"account":"nobody"}"#).status == 404)
            let x = OAuthClient.x(clientID: "koho", clientSecret: nil, apiBaseURL: h.base)
            let renewed = try await x.refresh(AccessToken(PlatformSandbox.refreshToken(for: "kodaira_tokyo")), http: h.http)
            #expect(renewed.expiresAt != nil)
            // A token given for one second lapses by itself.
            try await Task.sleep(for: .milliseconds(1100))
            let refused = await platformError { try await h.x().user(username: "kodaira_tokyo") }
            #expect(refused == .tokenExpiredOrRevoked)
            #expect(try await h.control(.POST, "/_sandbox/reset").status == 200)
            _ = try await h.x().user(username: "kodaira_tokyo")
        }
    }
}
