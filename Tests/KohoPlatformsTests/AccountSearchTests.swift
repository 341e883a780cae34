import Foundation
import KohoCore
import Testing
@testable import KohoPlatforms
import KohoSandbox
import KohoTestSupport

/// The user and channel searches an impersonation scan calls, against the sandbox over HTTP.
@Suite struct AccountSearchTests {
    @Test func xUserSearchAndLookup() async throws {
        try await Harness.run { h in
            let x = h.x()
            // X takes only ASCII queries (its own API description): the scan asks the words of the handles.
            await #expect(throws: PlatformError.self) { try await x.searchUsers(query: "小平市") }
            let found = try await x.searchUsers(query: "kodaira tokyo")
            #expect(found.contains { $0.handle == "k0daira__tokyo" && $0.name == "プチ田舎 東京都小平巿" && $0.description.contains("公式") })
            #expect(found.contains { $0.handle == "kodaira_fan" })
            #expect(found.allSatisfy { $0.platform == .x && $0.url == "https://x.com/\($0.handle)" && !$0.id.isEmpty })
            #expect(!found.contains { $0.handle == "kokubunji_city" })
            let longName = try? await x.users(usernames: ["hisyo_kodaira_tokyo"])
            #expect(longName == nil, "X refuses a username of more than 15 characters")
            #expect(try await x.searchUsers(query: "no such account anywhere").isEmpty)
            let looked = try await x.users(usernames: ["obira_town", "KODAIRA_TOKYO", "missing_one"])
            #expect(Set(looked.map(\.handle)) == ["obira_town", "kodaira_tokyo"])
            #expect(try await x.users(usernames: []).isEmpty)
            await #expect(throws: PlatformError.self) { try await h.x(token: "revoked-or-wrong").searchUsers(query: "kodaira") }
        }
    }

    @Test func youtubeChannelSearch() async throws {
        try await Harness.run { h in
            let found = try await h.youtube().searchChannels(query: "小平")
            #expect(found.contains { $0.id == "UCk0dairaFakeChannel0001" && $0.name == "プチ田舎 東京都小平市" && $0.handle == "@kodaira-koho" })
            #expect(found.contains { $0.id == "UCobiraTownOfficial00001" })
            #expect(found.allSatisfy { $0.platform == .youtube && $0.url.hasPrefix("https://www.youtube.com/channel/UC") })
        }
    }
}
