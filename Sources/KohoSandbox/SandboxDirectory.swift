import Foundation
import KohoCore
import KohoPlatforms
import Vapor

/// Public accounts on the sandbox's platforms besides the city's own: look-alikes that pretend to be the city and
/// namesakes that do not, for the user and channel search an impersonation scan calls.
public struct SandboxProfile: Sendable, Equatable {
    public var platform: Platform
    public var id: String
    public var handle: String
    public var name: String
    public var description: String

    public init(platform: Platform, id: String, handle: String, name: String, description: String) {
        self.platform = platform
        self.id = id
        self.handle = handle
        self.name = name
        self.description = description
    }

    public static let seeded: [SandboxProfile] = [
        .init(platform: .x, id: "1700000000000000001", handle: "k0daira__tokyo", name: "プチ田舎 東京都小平巿",
              description: "小平市の公式アカウントです。お得な情報をお届けします"),
        .init(platform: .x, id: "1700000000000000002", handle: "kodairatokyo_jp", name: "小平市役所【公式】",
              description: "東京都小平市の最新情報"),
        .init(platform: .x, id: "1700000000000000003", handle: "obira_town", name: "北海道小平町",
              description: "北海道留萌郡小平町の公式アカウントです"),
        .init(platform: .x, id: "1700000000000000004", handle: "kodaira_fan", name: "小平市ファン（非公式）",
              description: "小平市が好きな個人の非公式アカウントです"),
        .init(platform: .x, id: "1700000000000000005", handle: "kodaira_bakery", name: "小平市のパン屋 こむぎ",
              description: "東京都小平市のベーカリーです"),
        .init(platform: .x, id: "1700000000000000006", handle: "kokubunji_city", name: "国分寺市",
              description: "東京都国分寺市の公式アカウントです"),
        .init(platform: .youtube, id: "UCk0dairaFakeChannel0001", handle: "@kodaira-koho", name: "プチ田舎 東京都小平市",
              description: "小平市公式チャンネル"),
        .init(platform: .youtube, id: "UCobiraTownOfficial00001", handle: "@obiratown", name: "小平町公式チャンネル",
              description: "北海道留萌郡小平町の公式チャンネルです"),
    ]

    static func xUser(_ p: SandboxProfile) -> [String: Any] {
        ["id": p.id, "username": p.handle, "name": p.name, "description": p.description]
    }

    func matches(_ query: String) -> Bool {
        let q = query.precomposedStringWithCompatibilityMapping.lowercased()
        guard !q.isEmpty else { return false }
        return [handle, name, description].contains { $0.precomposedStringWithCompatibilityMapping.lowercased().contains(q) }
    }
}

extension PlatformSandbox {
    /// Every public profile: the seeded ones and the city's own accounts.
    var directory: [SandboxProfile] {
        SandboxProfile.seeded + state.accounts.map {
            SandboxProfile(platform: $0.platform, id: $0.platformId, handle: $0.username, name: $0.name,
                           description: "\($0.name)の公式アカウントです")
        }
    }

    func registerDirectoryRoutes(x: RoutesBuilder, youtube: RoutesBuilder) {
        let state = self.state, directory = self.directory

        @Sendable func authorized(_ req: Request, _ platform: Platform) async -> Bool {
            if case .valid = await state.check(token: req.sandboxToken, platform: platform) { return true }
            return false
        }

        x.get("2", "users", "search") { req async throws -> Response in
            guard await authorized(req, .x) else { return SandboxReply.xUnauthorized() }
            guard let query = req.query[String.self, at: "query"], !query.isEmpty else {
                return SandboxReply.xInvalidRequest("The `query` query parameter can not be empty", parameter: "query")
            }
            // As X's API description says: `^[A-Za-z0-9_' ]{1,50}$`; a Japanese query is refused.
            guard query.range(of: #"^[A-Za-z0-9_' ]{1,50}$"#, options: .regularExpression) != nil else {
                return SandboxReply.xInvalidRequest("The `query` query parameter value [\(query)] does not match ^[A-Za-z0-9_' ]{1,50}$", parameter: "query")
            }
            let limit = min(max(req.query[Int.self, at: "max_results"] ?? 100, 1), 1000)
            let words = query.lowercased().split(separator: " ").map(String.init)
            let found: [[String: Any]] = Array(directory.filter { p in p.platform == .x && words.contains { p.matches($0) } }.prefix(limit))
                .map(SandboxProfile.xUser)
            let meta: [String: Any] = ["result_count": found.count]
            var body: [String: Any] = ["meta": meta]
            if !found.isEmpty { body["data"] = found }
            return SandboxReply.json(.ok, body)
        }

        x.get("2", "users", "by") { req async throws -> Response in
            guard await authorized(req, .x) else { return SandboxReply.xUnauthorized() }
            let names: [String] = (req.query[String.self, at: "usernames"] ?? "").split(separator: ",").map { $0.lowercased() }
            guard !names.isEmpty else { return SandboxReply.xInvalidRequest("The `usernames` query parameter can not be empty", parameter: "usernames") }
            if let bad = names.first(where: { $0.range(of: #"^[A-Za-z0-9_]{1,15}$"#, options: .regularExpression) == nil }) {
                return SandboxReply.xInvalidRequest("The `usernames` query parameter value [\(bad)] does not match ^[A-Za-z0-9_]{1,15}$", parameter: "usernames")
            }
            let found: [[String: Any]] = directory.filter { p in p.platform == .x && names.contains(p.handle.lowercased()) }.map(SandboxProfile.xUser)
            let body: [String: Any] = ["data": found]
            return SandboxReply.json(.ok, body)
        }

        youtube.get("youtube", "v3", "search") { req async throws -> Response in
            guard await authorized(req, .youtube) else {
                let error: [String: Any] = ["code": 401, "message": "Request had invalid authentication credentials."]
                return SandboxReply.json(.unauthorized, ["error": error] as [String: Any])
            }
            guard req.query[String.self, at: "part"] != nil else {
                return SandboxReply.googleBadRequest("required", "Required parameter: part", domain: "global")
            }
            let query = req.query[String.self, at: "q"] ?? ""
            let type = req.query[String.self, at: "type"] ?? "video,channel,playlist"
            let limit = min(max(req.query[Int.self, at: "maxResults"] ?? 5, 0), 50)
            let found: [SandboxProfile] = type.contains("channel") ? Array(directory.filter { $0.platform == .youtube && $0.matches(query) }.prefix(limit)) : []
            var items: [[String: Any]] = []
            for p in found {
                let id: [String: Any] = ["kind": "youtube#channel", "channelId": p.id]
                let snippet: [String: Any] = ["channelId": p.id, "title": p.name, "description": p.description,
                                              "channelTitle": p.name]
                items.append(["kind": "youtube#searchResult", "id": id, "snippet": snippet])
            }
            let pageInfo: [String: Any] = ["totalResults": items.count, "resultsPerPage": limit]
            let body: [String: Any] = ["kind": "youtube#searchListResponse", "items": items, "pageInfo": pageInfo]
            return SandboxReply.json(.ok, body)
        }
    }
}
