import Fluent
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// Checks every public page shares, whichever city's policy made it.
class PublicPagesTestCase: KohoTestCase {
    static let htmlPages = ["/public/", "/public/accounts", "/public/policy", "/public/policy/rules", "/public/disclaimer", "/public/notices"]

    func get(_ path: String) async throws -> (status: HTTPStatus, body: String, headers: HTTPHeaders) {
        let res = try await app.testable().sendRequest(.GET, path)
        return (res.status, res.body.string, res.headers)
    }

    func count(_ needle: String, in s: String) -> Int { s.components(separatedBy: needle).count - 1 }

    /// One h1, headings never skip a level, landmarks, lang, one style sheet, no script, no cookie.
    func assertAccessibleShape(_ html: String, _ path: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html><html lang=\"ja\">"), path, file: file, line: line)
        XCTAssertEqual(count("<h1", in: html), 1, "\(path): one h1", file: file, line: line)
        let levels = html.matches(of: /<h([1-6])[ >]/).map { Int($0.1)! }
        for (a, b) in zip(levels, levels.dropFirst()) {
            XCTAssertLessThanOrEqual(b, a + 1, "\(path): heading h\(a) then h\(b)", file: file, line: line)
        }
        for landmark in ["<header", "<nav aria-label=", "<main id=\"main\"", "<footer"] {
            XCTAssertEqual(count(landmark, in: html), 1, "\(path): \(landmark)", file: file, line: line)
        }
        XCTAssertFalse(html.lowercased().contains("<script"), path, file: file, line: line)
        XCTAssertFalse(html.contains("style="), "\(path): no inline style", file: file, line: line)
        XCTAssertEqual(count("rel=\"stylesheet\"", in: html), 1, path, file: file, line: line)
        XCTAssertTrue(html.contains("本文へ移動"), path, file: file, line: line)
        // Link text says where it goes.
        for m in html.matches(of: /<a [^>]*>([^<]*)<\/a>/) {
            let text = String(m.1)
            XCTAssertFalse(["こちら", "ここ", "詳細", "リンク", "click here", ""].contains(text), "\(path): link text «\(text)»", file: file, line: line)
        }
    }

    func assertEveryPageRenders(file: StaticString = #filePath, line: UInt = #line) async throws -> [String: String] {
        var bodies: [String: String] = [:]
        for path in Self.htmlPages {
            let r = try await get(path)
            XCTAssertEqual(r.status, .ok, path, file: file, line: line)
            XCTAssertEqual(r.headers.first(name: .contentType), "text/html; charset=utf-8", path, file: file, line: line)
            XCTAssertNil(r.headers.first(name: .setCookie), "\(path) sets no cookie", file: file, line: line)
            XCTAssertFalse(r.headers.first(name: "Content-Security-Policy")?.contains("script-src") ?? true, path, file: file, line: line)
            assertAccessibleShape(r.body, path, file: file, line: line)
            bodies[path] = r.body
        }
        for path in ["/public/accounts.json", "/public/notices.json", "/public/notices.atom", "/public/style.css"] {
            let r = try await get(path)
            XCTAssertEqual(r.status, .ok, path, file: file, line: line)
            bodies[path] = r.body
        }
        return bodies
    }

    /// Each exported file is the page served at its path (but for the links), and every link inside the site is
    /// relative and leads to a file that was written.
    func assertExportIsTheServedSite(_ out: URL, notices: [String], file: StaticString = #filePath, line: UInt = #line) async throws {
        var served: [String: String] = ["index.html": "/public/", "accounts.html": "/public/accounts", "policy.html": "/public/policy",
                                        "disclaimer.html": "/public/disclaimer", "notices.html": "/public/notices",
                                        "style.css": "/public/style.css", "notices.atom": "/public/notices.atom"]
        for id in notices { served["notices/\(id).html"] = "/public/notices/\(id)" }
        func withoutLinks(_ s: String) -> String { s.replacing(/href="[^"]*"/, with: "href") }
        for (name, path) in served {
            let written = try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
            let page = try await get(path).body
            XCTAssertEqual(withoutLinks(written), withoutLinks(page), "\(name) is the page at \(path)", file: file, line: line)
            for m in written.matches(of: /href="([^"]*)"/) {
                let href = String(m.1)
                if href.hasPrefix("http") || href.hasPrefix("#") { continue }
                XCTAssertFalse(href.hasPrefix("/"), "\(name): \(href) is not relative", file: file, line: line)
                let target = out.appendingPathComponent(name).deletingLastPathComponent()
                    .appendingPathComponent(String(href.split(separator: "#", omittingEmptySubsequences: false)[0])).standardizedFileURL
                XCTAssertTrue(FileManager.default.fileExists(atPath: target.path), "\(name): \(href) leads nowhere", file: file, line: line)
            }
        }
    }

    /// The readable name a published notice's page has.
    func slug(_ id: String) async throws -> String {
        let n = try await Notice.find(UUID(uuidString: id), on: app.db)
        return try XCTUnwrap(n?.slug)
    }

    @discardableResult
    func publishNotice(_ chief: String, kind: String, account: String, title: String, body: String) async throws -> String {
        let r = try await api(.POST, "/notices", token: chief, json: #"{"kind":"\#(kind)","account":"\#(account)","title":"\#(title)","body":"\#(body)"}"#)
        XCTAssertEqual(r.status, .created, r.body)
        let id = try XCTUnwrap(r.json["id"] as? String)
        let p = try await publishNotice("\(id)", token: chief)
        XCTAssertEqual(p.status, .ok, p.body)
        return id
    }
}

final class PublicPagesTests: PublicPagesTestCase {
    func testEveryPageFromTheKodairaPolicy() async throws {
        let t = try await addStandardUsers()
        let warning = try await publishNotice(t.chief, kind: "impersonation", account: "kodaira_tokyo", title: "小平市を名乗る偽のXアカウントにご注意ください",
                                              body: "「@kodaira__tokyo」は市のアカウントではありません。\\n<script>alert(1)</script>\\n\\n見かけたら通報してください。")
        clock.advance(86400 * 7)
        let reason = try await publishNotice(t.chief, kind: "suspension", account: "koho.kodairacity", title: "フェイスブックの運用を停止します",
                                             body: "虚偽の情報が大量にコメントされているため、運用を停止します。")
        try await assertEqual(try await api(.POST, "/accounts/koho.kodairacity/suspension", token: t.chief, json: #"{"action":"suspend","noticeId":"\#(reason)"}"#).status, .ok)

        let pages = try await assertEveryPageRenders()
        let (warningPage, reasonPage) = (try await slug(warning), try await slug(reason))
        let accounts = try XCTUnwrap(pages["/public/accounts"])
        // Each official account: operator, platform, handle, name, URL, verification, what it posts and how.
        for a in PolicyLoader.builtIn().accounts {
            XCTAssertTrue(accounts.contains(a.handle), a.id)
            XCTAssertTrue(accounts.contains("href=\"\(a.url)\""), a.id)
            XCTAssertTrue(accounts.contains(HTMLEscaping.escape(a.displayName)), a.id)
            for c in a.categories { XCTAssertTrue(accounts.contains(c.description), "\(a.id) \(c.code)") }
        }
        XCTAssertTrue(accounts.contains("企画政策部秘書広報課（秘書広報課長）"))
        XCTAssertTrue(accounts.contains("（3(2)）"), "the verification clause beside it")
        XCTAssertTrue(accounts.contains("（3(4)①）"))
        XCTAssertTrue(accounts.contains("8:30〜17:15"), "the operating hours")
        XCTAssertTrue(accounts.contains("（4(8)）"), "comment deletion on Facebook")
        XCTAssertTrue(accounts.contains("（4(7)）"), "comments and replies on Facebook")
        // The suspended account, in words (not by colour alone) and with the notice.
        XCTAssertTrue(accounts.contains("<strong>停止中</strong>"))
        XCTAssertTrue(accounts.contains("href=\"/public/notices/\(reasonPage)\""))
        XCTAssertTrue(accounts.contains("令和8年（2026年）12月2日（水）から停止しています"), "the date in 和暦 with the Western year and weekday")

        let rules = try XCTUnwrap(pages["/public/policy/rules"])
        for clause in ["3(5)", "3(6)", "3(7)", "4(5)", "4(8)", "5(9)", "6(4)"] { XCTAssertTrue(rules.contains("（\(clause)）"), clause) }
        // The policy page is the policy itself (3(3), 4(3), 5(3)): every section, the words the city wrote.
        let policy = try XCTUnwrap(pages["/public/policy"])
        XCTAssertTrue(policy.contains("令和5年（2023年）10月31日（火）"))
        XCTAssertTrue(policy.contains("改定の履歴"))
        for heading in ["<h2>1 目的</h2>", "<h2>2 適用するソーシャルメディアの種類</h2>", "<h3>(2) アカウントの証明</h3>",
                        "<h3>(3) 運用ポリシー等の明示</h3>", "<h2>5 ユーチューブに関する事項</h2>", "<h3>(2) アカウントの証明</h3>",
                        "<h2>6 その他の事項</h2>"] {
            XCTAssertTrue(policy.contains(heading), heading)
        }
        for word in ["証明", "なりすまし", "kodaira_tokyo", "hisyo_kodaira_tokyo"] { XCTAssertTrue(policy.contains(word), word) }
        XCTAssertTrue(policy.contains(#"<a href="https://twitter.com/kodaira_tokyo">"#), "the document's links, unescaped")
        XCTAssertFalse(policy.contains("\\_"), "no Markdown escapes left")
        let footer = try XCTUnwrap(policy.range(of: "<footer>").map { policy[$0.lowerBound...] })
        XCTAssertFalse(footer.contains("R5-2023-10-31"), "no internal version code in the footer")
        XCTAssertTrue(footer.contains("令和5年10月31日（火）施行"))

        let disclaimer = try XCTUnwrap(pages["/public/disclaimer"])
        for clause in ["6(1)", "6(2)", "6(3)", "6(4)"] { XCTAssertTrue(disclaimer.contains("（\(clause)）"), clause) }

        // Newest first, each with its page and date; the script a notice contains is text.
        let list = try XCTUnwrap(pages["/public/notices"])
        let first = try XCTUnwrap(list.range(of: reasonPage)), second = try XCTUnwrap(list.range(of: warningPage))
        XCTAssertLessThan(first.lowerBound, second.lowerBound)
        let page = try await get("/public/notices/\(warningPage)")
        XCTAssertEqual(page.status, .ok)
        assertAccessibleShape(page.body, "notice")
        XCTAssertTrue(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssertTrue(page.body.contains("令和8年（2026年）11月25日（水）"))
        XCTAssertTrue(page.body.contains("<br/>") || page.body.contains("<br>"), "line breaks kept")
        try await assertEqual(try await get("/public/notices/\(UUID().uuidString)").status, .notFound)
        try await assertEqual(try await get("/public/notices/nonsense").status, .notFound)

        // A draft is nowhere.
        let draft = try await api(.POST, "/notices", token: t.chief, json: #"{"kind":"impersonation","account":"kodaira_tokyo","title":"下書きの注意","body":"まだ"}"#)
        let draftID = try XCTUnwrap(draft.json["id"] as? String)
        for path in Self.htmlPages + ["/public/notices.json", "/public/notices.atom"] {
            let body = try await get(path).body
            XCTAssertFalse(body.contains("下書きの注意"), path)
        }
        try await assertEqual(try await get("/public/notices/\(draftID)").status, .notFound)

        // The JSON twin and the feed.
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(pages["/public/accounts.json"]!.utf8)) as? [[String: Any]])
        XCTAssertEqual(json.count, 4)
        let fb = try XCTUnwrap(json.first { $0["id"] as? String == "koho.kodairacity" })
        XCTAssertEqual(fb["status"] as? String, "suspended")
        XCTAssertEqual(fb["operatorRole"] as? String, "秘書広報課長")
        XCTAssertEqual(fb["noticeURL"] as? String, "/public/notices/\(reasonPage)")
        let feed = try XCTUnwrap(pages["/public/notices.atom"])
        XCTAssertTrue(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""))
        XCTAssertEqual(count("<entry>", in: feed), 2)
        XCTAssertTrue(feed.contains("<id>https://www.city.kodaira.tokyo.jp/koho/notices/\(reason).html</id>"))
        XCTAssertTrue(feed.contains("&lt;script&gt;"))
        XCTAssertNotNil(try? XMLDocument(xmlString: feed, options: []), "the feed is well-formed XML")

        // Resuming: the notice says so, the account is in operation again.
        clock.advance(86400)
        try await assertEqual(try await api(.POST, "/accounts/koho.kodairacity/suspension", token: t.chief, json: #"{"action":"resume"}"#).status, .ok)
        let resumed = try await get("/public/notices/\(reasonPage)").body
        XCTAssertTrue(resumed.contains("令和8年（2026年）12月3日（木）"), resumed)
        XCTAssertTrue(resumed.contains("運用を再開しました"))
        let after = try await get("/public/accounts").body
        XCTAssertFalse(after.contains("停止中"))
    }

    func testTheExportWritesTheSamePagesWithWorkingRelativeLinks() async throws {
        let t = try await addStandardUsers()
        let id = try await publishNotice(t.chief, kind: "impersonation", account: "UCp9YZtjCNcG0q3fQ1ln31Xg", title: "偽のユーチューブチャンネル", body: "ご注意ください。")
        let out = dir.appendingPathComponent("export", isDirectory: true)
        // A page of a notice that is no longer in the data goes; other files stay.
        try FileManager.default.createDirectory(at: out.appendingPathComponent("notices"), withIntermediateDirectories: true)
        let stale = out.appendingPathComponent("notices/\(UUID().uuidString.lowercased()).html")
        try Data("old".utf8).write(to: stale)
        try Data("keep".utf8).write(to: out.appendingPathComponent("notices/README.txt"))

        let files = try PublicSite.export(try await PublicSite.load(app.db, app.koho), to: out)
        let name = try await slug(id)
        XCTAssertEqual(Set(files), ["index.html", "accounts.html", "accounts.json", "policy.html", "policy-rules.html", "disclaimer.html", "notices.html",
                                    "notices.json", "notices.atom", "style.css", "notices/\(name).html", "notices/\(id).html"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("notices/README.txt").path))

        try await assertExportIsTheServedSite(out, notices: [name])
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("notices.json"))) as? [[String: Any]])
        XCTAssertEqual(json.first?["url"] as? String, "notices/\(name).html")
    }

    func testThePolicyHistorySaysWhatChanged() async throws {
        // A second version of the policy, with other hours, registered as the server would on start.
        let yaml = PolicyLoader.builtInYAML.replacingOccurrences(of: "closes: \"17:15\"", with: "closes: \"17:00\"")
            .replacingOccurrences(of: "version: \"R5-2023-10-31\"", with: "version: \"R8-2026-12-01\"")
        let policy = try PolicyLoader.load(yaml: yaml, file: "test")
        clock.advance(86400)
        _ = try await PolicyStore.ensureInForce(yaml: yaml, policy: policy, db: app.db, now: clock.now, lock: app.koho.writeLock)
        let page = try await get("/public/policy").body
        XCTAssertTrue(page.contains("第2版（R8-2026-12-01）"), page)
        XCTAssertTrue(page.contains("第1版（R5-2023-10-31）"))
        XCTAssertTrue(page.contains("17:00"), "what changed is listed")
        XCTAssertTrue(page.contains("最初の版です。"))
    }
}

/// The same pages from the second city's policy, with no change of code.
final class PublicPagesSecondCityTests: PublicPagesTestCase {
    override func adjust(_ config: inout KohoConfig) {
        config.policyPath = PolicyFixtures.midoridai
        config.publicSiteURL = "https://www.city.midoridai.example.jp/sns/"
    }

    func testEveryPageFromTheSecondCitysPolicy() async throws {
        try await addUser("kacho", .chief)
        let chief = try await token("kacho")
        let id = try await publishNotice(chief, kind: "suspension", account: "midoridai_city", title: "Xの運用を停止します", body: "不具合のため")
        try await assertEqual(try await api(.POST, "/accounts/midoridai_city/suspension", token: chief, json: #"{"action":"suspend","noticeId":"\#(id)"}"#).status, .ok)
        let pages = try await assertEveryPageRenders()
        let accounts = try XCTUnwrap(pages["/public/accounts"])
        XCTAssertTrue(accounts.contains("みどり台市 総務部広報課（広報課長）"))
        XCTAssertTrue(accounts.contains("midoridai_city"))
        XCTAssertTrue(accounts.contains("（第4条）"))
        XCTAssertTrue(accounts.contains("9:00〜18:00"))
        XCTAssertFalse(accounts.contains("小平"))
        XCTAssertTrue(accounts.contains("停止中"))
        XCTAssertTrue(pages["/public/disclaimer"]!.contains("免責事項の定めはありません"))
        XCTAssertTrue(pages["/public/policy/rules"]!.contains("（第8条）"))
        XCTAssertTrue(pages["/public/policy"]!.contains("運用のきまり"), "a policy file without its text points to the rules")
        XCTAssertTrue(pages["/public/notices.atom"]!.contains("https://www.city.midoridai.example.jp/sns/notices/\(id).html"))
        for (_, body) in pages { XCTAssertFalse(body.contains("秘書広報課長"), "nothing of Kodaira") }
        let out = dir.appendingPathComponent("export", isDirectory: true)
        let files = try PublicSite.export(try await PublicSite.load(app.db, app.koho), to: out)
        let name = try await slug(id)
        XCTAssertTrue(files.contains("notices/\(name).html"))
        try await assertExportIsTheServedSite(out, notices: [name])
    }
}
