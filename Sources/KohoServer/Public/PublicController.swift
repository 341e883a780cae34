import Fluent
import Vapor
import KohoCore

/// `/public/…`: what the city shows residents, generated from the policy in force and Koho's records.
/// Served without the staff session (no cookie is read or set) and exported as files by `koho public export`.
enum PublicController {
    static func register(_ app: Application) {
        let pub = app.grouped("public")
        pub.get("notices.json", use: noticesJSON)
    }

    static func noticesJSON(_ req: Request) async throws -> Response {
        let notices = try await NoticeService.published(req.db)
        let body = try PublicJSON.encode(notices.map { PublicNoticeDTO($0, policy: req.koho.policy, url: "/public/notices/\($0.idString)") })
        return PublicController.json(body)
    }

    static func json(_ data: Data) -> Response {
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.contentType = HTTPMediaType(type: "application", subType: "json", parameters: ["charset": "utf-8"])
        res.headers.replaceOrAdd(name: "Access-Control-Allow-Origin", value: "*")
        return res
    }
}

enum PublicJSON {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try e.encode(value)
    }
}

/// A published notice as residents' tools read it: no staff names, no drafts.
struct PublicNoticeDTO: Codable {
    let id: String
    let kind: String
    let account: String
    let accountName: String
    let title: String
    let body: String
    let publishedAt: String
    let updatedAt: String
    let resumedAt: String?
    let url: String

    init(_ n: Notice, policy: Policy, url: String) {
        id = n.idString
        kind = n.kind.rawValue
        account = n.account
        accountName = policy.account(n.account)?.displayName ?? n.account
        title = n.title
        body = n.body
        publishedAt = JapaneseTime.iso8601(n.publishedAt ?? n.updatedAt)
        updatedAt = JapaneseTime.iso8601(n.updatedAt)
        resumedAt = n.resumedAt.map { JapaneseTime.iso8601($0) }
        self.url = url
    }
}
