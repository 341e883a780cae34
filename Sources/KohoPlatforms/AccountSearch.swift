import Foundation
import KohoCore

/// A public profile found by a platform's user or channel search: what an impersonation scan scores.
public struct PlatformProfile: Sendable, Equatable {
    public var platform: Platform
    /// The platform's own id (X user id, YouTube channel id).
    public var id: String
    /// The handle as shown (X username, YouTube @handle or the channel id when there is none).
    public var handle: String
    public var name: String
    public var description: String
    public var url: String

    public init(platform: Platform, id: String, handle: String, name: String, description: String, url: String) {
        self.platform = platform
        self.id = id
        self.handle = handle
        self.name = name
        self.description = description
        self.url = url
    }
}

// Facebook's Graph API offers no search of Pages by name for an app like Koho (Page search needs the
// "Page Public Metadata Access" feature, granted only after Meta's review), so Facebook candidates come from staff reports.

extension XClient {
    struct UsersPage: Decodable {
        struct User: Decodable { var id: String; var username: String; var name: String; var description: String? }
        var data: [User]?
    }

    static func profiles(_ page: UsersPage) -> [PlatformProfile] {
        (page.data ?? []).map {
            PlatformProfile(platform: .x, id: $0.id, handle: $0.username, name: $0.name, description: $0.description ?? "",
                            url: "https://x.com/\($0.username)")
        }
    }

    /// `GET /2/users/search?query=…`: accounts whose name, username or bio match, with their bios.
    public func searchUsers(query: String, maxResults: Int = 100) async throws -> [PlatformProfile] {
        let response = try await transport.send(.GET, "/2/users/search", query: [
            ("query", query), ("max_results", String(min(max(maxResults, 1), 1000))), ("user.fields", "description"),
        ])
        return Self.profiles(try Self.check(response).decode(UsersPage.self))
    }

    /// `GET /2/users/by?usernames=…`: up to 100 accounts looked up by username (those that do not exist are left out).
    public func users(usernames: [String]) async throws -> [PlatformProfile] {
        guard !usernames.isEmpty else { return [] }
        let response = try await transport.send(.GET, "/2/users/by", query: [
            ("usernames", usernames.prefix(100).joined(separator: ",")), ("user.fields", "description"),
        ])
        return Self.profiles(try Self.check(response).decode(UsersPage.self))
    }
}

extension YouTubeClient {
    /// `GET /youtube/v3/search?type=channel&q=…`: channels whose title or description match.
    public func searchChannels(query: String, maxResults: Int = 50) async throws -> [PlatformProfile] {
        struct Page: Decodable {
            struct Item: Decodable {
                struct Id: Decodable { var channelId: String? }
                struct Snippet: Decodable { var channelId: String?; var title: String?; var description: String? }
                var id: Id?
                var snippet: Snippet?
            }
            var items: [Item]?
        }
        let response = try await transport.send(.GET, "/youtube/v3/search", query: [
            ("part", "snippet"), ("type", "channel"), ("q", query), ("maxResults", String(min(max(maxResults, 1), 50))),
        ])
        let found: [PlatformProfile] = (try Self.check(response).decode(Page.self).items ?? []).compactMap { item in
            guard let id = item.id?.channelId ?? item.snippet?.channelId else { return nil }
            return PlatformProfile(platform: .youtube, id: id, handle: id, name: item.snippet?.title ?? "",
                                   description: item.snippet?.description ?? "", url: "https://www.youtube.com/channel/\(id)")
        }
        // A search result's snippet has no @handle (YouTube's discovery document: SearchResultSnippet); the channels'
        // own snippets do, read in one `channels.list` (1 unit of the general quota, not the search bucket).
        let handles = try await customURLs(channelIds: found.map(\.id))
        return found.map { p in
            var p = p
            if let handle = handles[p.id], !handle.isEmpty { p.handle = handle }
            return p
        }
    }

    /// `GET /youtube/v3/channels?part=snippet&id=…`: each channel's `snippet.customUrl` (its @handle), by id.
    func customURLs(channelIds: [String]) async throws -> [String: String] {
        struct List: Decodable {
            struct Item: Decodable { struct Snippet: Decodable { var customUrl: String? }; var id: String; var snippet: Snippet? }
            var items: [Item]?
        }
        let ids = Array(Set(channelIds)).sorted().prefix(50)
        guard !ids.isEmpty else { return [:] }
        let response = try await transport.send(.GET, "/youtube/v3/channels", query: [
            ("part", "snippet"), ("id", ids.joined(separator: ",")),
        ])
        var handles: [String: String] = [:]
        for item in try Self.check(response).decode(List.self).items ?? [] { handles[item.id] = item.snippet?.customUrl }
        return handles
    }
}
