import Foundation
import KohoCore
import Testing
@testable import KohoPlatforms
import KohoSandbox
import KohoTestSupport

/// The profile reads of the profile checks (3(2), 4(3), 5(3)), against the sandbox over HTTP, changed through its
/// control route as a test or an operator would.
@Suite struct ProfileReadTests {
    @Test func xVerificationAndItsLoss() async throws {
        try await Harness.run { h in
            var p = try await h.x().profile(username: "kodaira_tokyo")
            #expect(p.verified == true && p.verifiedType == "government" && p.id == "2979486402")
            let changed = try await h.control(.POST, "/_sandbox/profiles", json: #"{"account":"kodaira_tokyo","verified":false}"#)
            #expect(changed.status == 200)
            p = try await h.x().profile(username: "KODAIRA_TOKYO")
            #expect(p.verified == false && p.verifiedType == "none")
            await #expect(throws: PlatformError.self) { try await h.x().profile(username: "no_such_user") }
            await #expect(throws: PlatformError.self) { try await h.x(token: "wrong").profile(username: "kodaira_tokyo") }
        }
    }

    @Test func facebookWebsiteAndAbout() async throws {
        try await Harness.run { h in
            var p = try await h.facebook().pageProfile(pageId: "100064708426154")
            #expect(p.linkFields.first == "https://www.city.kodaira.tokyo.jp/koho/accounts.html#account-koho-kodairacity")
            #expect(p.verified == nil)
            await h.sandbox.setProfile("koho.kodairacity", SandboxProfileFields(about: "小平市の公式ページ"))
            p = try await h.facebook().pageProfile(pageId: "koho.kodairacity")
            #expect(p.linkFields == ["小平市の公式ページ"], "an empty website is left out, as Graph does")
            await #expect(throws: PlatformError.self) { try await h.facebook().pageProfile(pageId: "999") }
        }
    }

    @Test func youtubeChannelDescription() async throws {
        try await Harness.run { h in
            let p = try await h.youtube().channelProfile(id: "UCp9YZtjCNcG0q3fQ1ln31Xg")
            #expect(p.linkFields.count == 2 && p.linkFields.allSatisfy { $0.contains("accounts.html#account-UCp9YZtjCNcG0q3fQ1ln31Xg") })
            await #expect(throws: PlatformError.self) { try await h.youtube().channelProfile(id: "UCnoSuchChannel000000000") }
            // Faults apply to the reads as to every call.
            try await h.faults(#"{"errorRate": 1}"#)
            await #expect(throws: PlatformError.self) { try await h.youtube().channelProfile(id: "UCp9YZtjCNcG0q3fQ1ln31Xg") }
        }
    }
}
