import Foundation
import KohoCore
import KohoPlatforms
import Vapor

/// What an official account's profile on the sandbox says: X's verification, and the link and about text of a
/// profile (X `url`/`description`, Facebook `website`/`about`, YouTube's channel description). Tests change it through
/// `POST /_sandbox/profiles` or `PlatformSandbox.setProfile` to see the profile checks find a problem and its fix.
public struct SandboxProfileFields: Sendable, Equatable, Codable {
    public var verified: Bool
    public var verifiedType: String
    /// X `url`, Facebook `website`; YouTube has no such field in its API.
    public var link: String
    /// X `description`, Facebook `about`, YouTube `snippet.description` and `brandingSettings.channel.description`.
    public var about: String

    public init(verified: Bool = false, verifiedType: String = "none", link: String = "", about: String = "") {
        self.verified = verified
        self.verifiedType = verifiedType
        self.link = link
        self.about = about
    }

    /// The Kodaira accounts as the policy wants them: X verified (3(2)), the Facebook Page's website and the
    /// YouTube channel's description linking to the city's page about the account (4(3), 5(3)) where
    /// `koho public export` puts it by default.
    static func seeded(_ a: SandboxAccount) -> SandboxProfileFields {
        let page = "https://www.city.kodaira.tokyo.jp/koho/accounts.html#account-"
            + a.account.unicodeScalars.map { $0.isASCII && CharacterSet.alphanumerics.contains($0) ? String($0) : "-" }.joined()
        switch a.platform {
        case .x: return .init(verified: true, verifiedType: "government", link: "https://www.city.kodaira.tokyo.jp/",
                              about: "\(a.name)の公式アカウントです。")
        case .facebook: return .init(link: page, about: "\(a.name)の公式フェイスブックページです。")
        case .youtube: return .init(about: "\(a.name)です。運用のきまり: \(page)")
        }
    }
}

/// `POST /_sandbox/profiles`: one account's fields; those absent stay as they are.
struct ProfileUpdate: Decodable {
    var account: String
    var verified: Bool?
    var verifiedType: String?
    var link: String?
    var about: String?
}

extension PlatformSandbox {
    public func setProfile(_ account: String, _ fields: SandboxProfileFields) async { await state.setProfile(account, fields) }
    public func profile(_ account: String) async -> SandboxProfileFields? { await state.profile(account) }

    func registerProfileRoutes(x: RoutesBuilder, facebook: RoutesBuilder, youtube: RoutesBuilder) {
        let state = self.state, directory = self.directory
        app.get("_sandbox", "profiles") { _ async throws -> Response in try Self.encoded(await state.profiles) }
        app.post("_sandbox", "profiles") { req async throws -> Response in
            let u = try req.content.decode(ProfileUpdate.self)
            guard var p = await state.profile(u.account) else { throw Abort(.notFound, reason: "no account \(u.account)") }
            if let v = u.verified { p.verified = v; p.verifiedType = v ? (u.verifiedType ?? "government") : "none" }
            if let t = u.verifiedType { p.verifiedType = t }
            if let l = u.link { p.link = l }
            if let a = u.about { p.about = a }
            await state.setProfile(u.account, p)
            return try Self.encoded(p)
        }

        // X: the user by username or by id, with the profile's fields when asked for (`user.fields`).
        @Sendable func xUser(_ user: SandboxAccount, _ req: Request) async -> Response {
            let fields = Set((req.query[String.self, at: "user.fields"] ?? "").split(separator: ",").map(String.init))
            let p = await state.profile(user.account) ?? SandboxProfileFields()
            var data: [String: Any] = ["id": user.platformId, "name": user.name, "username": user.username]
            if fields.contains("verified") { data["verified"] = p.verified }
            if fields.contains("verified_type") { data["verified_type"] = p.verifiedType }
            if fields.contains("url") { data["url"] = p.link }
            if fields.contains("description") { data["description"] = p.about }
            return SandboxReply.json(.ok, ["data": data])
        }
        x.get("2", "users", "by", "username", ":username") { req async throws -> Response in
            guard case .valid = await state.check(token: req.sandboxToken, platform: .x) else { return SandboxReply.xUnauthorized() }
            let username = req.parameters.get("username") ?? ""
            // X usernames have at most 15 characters: X refuses to look up a longer one.
            guard username.range(of: #"^[A-Za-z0-9_]{1,15}$"#, options: .regularExpression) != nil else {
                return SandboxReply.xInvalidRequest("The `username` query parameter value [\(username)] does not match ^[A-Za-z0-9_]{1,15}$", parameter: "username")
            }
            guard let user = state.accounts.first(where: { $0.platform == .x && $0.username.lowercased() == username.lowercased() }) else {
                return SandboxReply.xNotFound(resourceType: "user", parameter: "username", value: username,
                                              detail: "Could not find user with username: [\(username)].")
            }
            return await xUser(user, req)
        }
        // The user the token acts for, whatever its username (the policy's may be longer than X allows).
        x.get("2", "users", "me") { req async throws -> Response in
            guard case .valid(let user) = await state.check(token: req.sandboxToken, platform: .x) else { return SandboxReply.xUnauthorized() }
            return await xUser(user, req)
        }
        x.get("2", "users", ":id") { req async throws -> Response in
            guard case .valid = await state.check(token: req.sandboxToken, platform: .x) else { return SandboxReply.xUnauthorized() }
            let id = req.parameters.get("id") ?? ""
            guard id.range(of: #"^[0-9]{1,19}$"#, options: .regularExpression) != nil else {
                return SandboxReply.xInvalidRequest("The `id` query parameter value [\(id)] does not match ^[0-9]{1,19}$", parameter: "id")
            }
            guard let user = state.accounts.first(where: { $0.platform == .x && $0.platformId == id }) else {
                return SandboxReply.xNotFound(resourceType: "user", parameter: "id", value: id, detail: "Could not find user with id: [\(id)].")
            }
            return await xUser(user, req)
        }

        // Facebook: a Page node with the fields asked for (`id,name` when none).
        facebook.get(":version", ":node") { req async throws -> Response in
            guard let version = req.parameters.get("version"), version.range(of: #"^v\d+\.\d+$"#, options: .regularExpression) != nil else {
                return SandboxReply.graphError(.badRequest, code: 2500, message: "Unknown path components: \(req.url.path)")
            }
            switch await state.check(token: req.graphToken, platform: .facebook) {
            case .valid: break
            case .revoked: return SandboxReply.graphRevokedToken()
            case .unknown: return SandboxReply.graphUnknownToken()
            }
            let node = req.parameters.get("node") ?? ""
            guard let page = state.accounts.first(where: { $0.platform == .facebook && ($0.platformId == node || $0.username == node) }) else {
                return SandboxReply.graphNoSuchObject(node, method: "get")
            }
            let wanted = Set((req.query[String.self, at: "fields"] ?? "id,name").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            let p = await state.profile(page.account) ?? SandboxProfileFields()
            var object: [String: Any] = ["id": page.platformId]
            if wanted.contains("name") { object["name"] = page.name }
            if wanted.contains("username") { object["username"] = page.username }
            // Graph leaves out a field the Page has not filled in.
            if wanted.contains("website"), !p.link.isEmpty { object["website"] = p.link }
            if wanted.contains("about"), !p.about.isEmpty { object["about"] = p.about }
            return SandboxReply.json(.ok, object)
        }

        // YouTube: channels by id (or `mine=true`), with the parts asked for.
        youtube.get("youtube", "v3", "channels") { req async throws -> Response in
            let me: SandboxAccount
            switch await state.check(token: req.sandboxToken, platform: .youtube) {
            case .valid(let a): me = a
            case .revoked, .unknown: return SandboxReply.googleUnauthorized()
            }
            guard let part = req.query[String.self, at: "part"] else {
                return SandboxReply.googleBadRequest("required", "Required parameter: part", domain: "global")
            }
            let parts = Set(part.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            let ids = req.query[String.self, at: "mine"] == "true" ? [me.platformId]
                : (req.query[String.self, at: "id"] ?? "").split(separator: ",").map(String.init)
            var items: [[String: Any]] = []
            for id in ids {
                guard let c = state.accounts.first(where: { $0.platform == .youtube && $0.platformId == id }) else {
                    // Another public channel (the search's look-alikes and namesakes): its snippet with its @handle.
                    if let other = directory.first(where: { $0.platform == .youtube && $0.id == id }), parts.contains("snippet") {
                        let snippet: [String: Any] = ["title": other.name, "description": other.description, "customUrl": other.handle,
                                                      "publishedAt": "2020-04-01T00:00:00Z"]
                        items.append(["kind": "youtube#channel", "etag": SandboxIds.random(27), "id": other.id, "snippet": snippet])
                    }
                    continue
                }
                let p = await state.profile(c.account) ?? SandboxProfileFields()
                var item: [String: Any] = ["kind": "youtube#channel", "etag": SandboxIds.random(27), "id": c.platformId]
                if parts.contains("snippet") {
                    item["snippet"] = ["title": c.name, "description": p.about, "publishedAt": "2013-04-01T00:00:00Z"] as [String: Any]
                }
                if parts.contains("brandingSettings") {
                    item["brandingSettings"] = ["channel": ["title": c.name, "description": p.about]]
                }
                items.append(item)
            }
            let pageInfo: [String: Any] = ["totalResults": items.count, "resultsPerPage": 5]
            return SandboxReply.json(.ok, ["kind": "youtube#channelListResponse", "etag": SandboxIds.random(27), "pageInfo": pageInfo, "items": items] as [String: Any])
        }
    }
}
