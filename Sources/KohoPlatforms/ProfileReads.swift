import Foundation
import KohoCore

/// What an official account's public profile says about itself, for the profile checks of 3(2), 4(3) and 5(3):
/// X's verification, and the about/website text of a Facebook Page or YouTube channel where the city's page is linked.
public struct AccountProfile: Sendable, Equatable {
    public var platform: Platform
    public var id: String
    public var name: String
    /// X: `verified`; nil on the other platforms.
    public var verified: Bool?
    /// X: `verified_type` (`blue`, `government`, `business`, `none`).
    public var verifiedType: String?
    /// Every text of the profile where a link may stand: X `url` and `description`; Facebook `website` and `about`;
    /// YouTube `snippet.description` and `brandingSettings.channel.description`. Empty ones are left out.
    public var linkFields: [String]

    public init(platform: Platform, id: String, name: String, verified: Bool? = nil, verifiedType: String? = nil, linkFields: [String]) {
        self.platform = platform
        self.id = id
        self.name = name
        self.verified = verified
        self.verifiedType = verifiedType
        self.linkFields = linkFields.filter { !$0.isEmpty }
    }
}

extension XClient {
    /// `GET /2/users/{id}?user.fields=…`: by the connected account's id, which X looks up whatever the username
    /// (a username of more than 15 characters, as a policy may name it, is refused by the username lookup).
    public func profile(userID: String) async throws -> AccountProfile {
        try await profile(path: "/2/users/\(percentEncode(userID))")
    }

    /// `GET /2/users/by/username/{username}?user.fields=verified,verified_type,url,description`.
    public func profile(username: String) async throws -> AccountProfile {
        try await profile(path: "/2/users/by/username/\(percentEncode(username))")
    }

    private func profile(path: String) async throws -> AccountProfile {
        struct Found: Decodable {
            struct Data: Decodable {
                var id: String; var name: String; var verified: Bool?; var verified_type: String?; var url: String?; var description: String?
            }
            var data: Data?
        }
        let response = try await transport.send(.GET, path, query: [("user.fields", "verified,verified_type,url,description")])
        guard let d = try Self.check(response).decode(Found.self).data else { throw Self.problem(response) }
        // X leaves `verified` out when it is false.
        return AccountProfile(platform: .x, id: d.id, name: d.name, verified: d.verified ?? false, verifiedType: d.verified_type,
                              linkFields: [d.url ?? "", d.description ?? ""])
    }
}

extension FacebookClient {
    /// `GET /{page-id}?fields=id,name,website,about`: the Page's basic data (基本データ).
    public func pageProfile(pageId: String) async throws -> AccountProfile {
        struct Page: Decodable { var id: String; var name: String?; var website: String?; var about: String? }
        let response = try await transport.send(.GET, "/\(version)/\(percentEncode(pageId))", query: [("fields", "id,name,website,about")])
        let p = try Self.check(response).decode(Page.self)
        return AccountProfile(platform: .facebook, id: p.id, name: p.name ?? "", linkFields: [p.website ?? "", p.about ?? ""])
    }
}

extension YouTubeClient {
    /// `GET /youtube/v3/channels?part=snippet,brandingSettings&id=…`: the channel's description (its 概要).
    public func channelProfile(id: String) async throws -> AccountProfile {
        struct List: Decodable {
            struct Item: Decodable {
                struct Snippet: Decodable { var title: String?; var description: String? }
                struct Branding: Decodable { struct Channel: Decodable { var description: String? }; var channel: Channel? }
                var id: String
                var snippet: Snippet?
                var brandingSettings: Branding?
            }
            var items: [Item]?
        }
        let response = try await transport.send(.GET, "/youtube/v3/channels",
                                                query: [("part", "snippet,brandingSettings"), ("id", id)])
        guard let c = try Self.check(response).decode(List.self).items?.first(where: { $0.id == id }) else {
            throw PlatformError.invalid(message: "YouTube has no channel \(id)")
        }
        return AccountProfile(platform: .youtube, id: c.id, name: c.snippet?.title ?? "",
                              linkFields: [c.snippet?.description ?? "", c.brandingSettings?.channel?.description ?? ""])
    }
}
