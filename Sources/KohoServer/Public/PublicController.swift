import Fluent
import Vapor
import KohoCore

/// `/public/…`: what the city shows residents, generated from the policy in force and Koho's records.
/// Served without the staff session (no cookie is read or set) and exported as files by `koho public export`.
enum PublicController {
    static func register(_ routes: any RoutesBuilder) {
        let pub = routes.grouped("public")
        pub.get(use: page(.index))
        pub.get("accounts", use: page(.accounts))
        pub.get("accounts.json", use: page(.accountsJSON))
        pub.get("policy", use: page(.policy))
        pub.get("policy", "rules", use: page(.rules))
        pub.get("disclaimer", use: page(.disclaimer))
        pub.get("notices", use: page(.notices))
        pub.get("notices.json", use: page(.noticesJSON))
        pub.get("notices.atom", use: page(.feed))
        pub.get("style.css", use: page(.css))
        pub.get("notices", ":name", use: { req async throws -> Response in
            guard let s = req.parameters.get("name") else { throw AppError.notFound("お知らせが見つかりません") }
            // The address by id, from before readable addresses: moved for good to the notice's slug.
            if let id = UUID(uuidString: s) {
                guard let n = try await Notice.find(id, on: req.db), n.status == .published else { throw AppError.notFound("お知らせが見つかりません") }
                let res = req.redirect(to: PublicPage.notice(n.publicName).servedPath, redirectType: .permanent)
                res.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=3600")
                return res
            }
            guard Notice.isSlug(s) else { throw AppError.notFound("お知らせが見つかりません") }
            return try await page(.notice(s))(req)
        })
    }

    /// The pages need no script, no frame and nothing from elsewhere: only their own style sheet.
    static let csp = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    static func page(_ p: PublicPage) -> @Sendable (Request) async throws -> Response {
        { req in
            let data = try await PublicSite.load(req.db, req.koho)
            let body: Data
            do { body = try PublicRenderer.render(p, data, .served) } catch is PublicPageNotFound {
                throw AppError.notFound("お知らせが見つかりません")
            }
            let res = Response(status: .ok, body: .init(data: body))
            res.headers.replaceOrAdd(name: .contentType, value: p.contentType)
            res.headers.replaceOrAdd(name: "Content-Security-Policy", value: csp)
            res.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=60")
            if p == .accountsJSON || p == .noticesJSON || p == .feed { res.headers.replaceOrAdd(name: "Access-Control-Allow-Origin", value: "*") }
            return res
        }
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
