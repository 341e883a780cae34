import Foundation
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// The post list with 1,000 posts: pages of 50 (or `limit`), the total, and a cursor that walks every post once.
final class PagingTests: KohoTestCase {
    func testAThousandPostsArePagedWithATotalAndACursor() async throws {
        let (_, staff, _, viewer) = try await addStandardUsers()
        for i in 0..<1_000 {
            // Many share a creation time (the clock moves every 7 posts): the cursor must still tell them apart.
            if i % 7 == 0 { clock.advance(1) }
            let r = try await createPost(staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ \#(i)"}"#)
            XCTAssertEqual(r.status, .created, r.body)
        }
        let first = try await app.testable().sendRequest(.GET, "/api/v1/posts", headers: ["Authorization": "Bearer \(viewer)"])
        XCTAssertEqual(first.status, .ok)
        XCTAssertEqual(first.headers.first(name: "X-Total-Count"), "1000")
        let firstPage = try JSONSerialization.jsonObject(with: Data(first.body.readableBytesView)) as? [[String: Any]] ?? []
        XCTAssertEqual(firstPage.count, 50, "50 by default")
        // Newest first; posts made in the same second follow their ids.
        let newest = (994...999).map { "市民まつりのお知らせ \($0)" }, oldest = (0...6).map { "市民まつりのお知らせ \($0)" }
        XCTAssertTrue(newest.contains(firstPage.first?["text"] as? String ?? ""), "newest first")
        XCTAssertNotNil(first.headers.first(name: .link)?.contains(#"rel="next""#))

        var seen: [String] = []
        var texts: [String] = []
        var cursor: String? = nil
        var pages = 0
        repeat {
            let path = "/api/v1/posts?limit=200" + (cursor.map { "&cursor=\($0)" } ?? "")
            let res = try await app.testable().sendRequest(.GET, path, headers: ["Authorization": "Bearer \(viewer)"])
            XCTAssertEqual(res.status, .ok, res.body.string)
            let page = try JSONSerialization.jsonObject(with: Data(res.body.readableBytesView)) as? [[String: Any]] ?? []
            seen += page.compactMap { $0["id"] as? String }
            texts += page.compactMap { $0["text"] as? String }
            cursor = res.headers.first(name: "X-Next-Cursor")
            pages += 1
        } while cursor != nil && pages < 20
        XCTAssertEqual(pages, 5)
        XCTAssertEqual(seen.count, 1_000)
        XCTAssertEqual(Set(seen).count, 1_000, "no post twice, none left out")
        XCTAssertTrue(newest.contains(texts.first ?? ""))
        XCTAssertTrue(oldest.contains(texts.last ?? ""))

        let filtered = try await app.testable().sendRequest(.GET, "/api/v1/posts?state=draft&account=kodaira_tokyo&limit=10",
                                                            headers: ["Authorization": "Bearer \(viewer)"])
        XCTAssertEqual(filtered.headers.first(name: "X-Total-Count"), "1000")
        XCTAssertTrue(filtered.headers.first(name: .link)?.contains("state=draft") ?? false, "the next link keeps the filter")
        let none = try await app.testable().sendRequest(.GET, "/api/v1/posts?state=published", headers: ["Authorization": "Bearer \(viewer)"])
        XCTAssertEqual(none.headers.first(name: "X-Total-Count"), "0")
        XCTAssertNil(none.headers.first(name: "X-Next-Cursor"))

        // The web list: 50 at a time, the total, and a link to the next 50 that keeps the filter.
        let web = WebClient(app)
        try await web.login("kansa", password)
        try await web.get("/posts?state=draft")
        XCTAssertTrue(web.lastBody.contains("1000件（新しいものから50件を表示）"), web.lastBody)
        XCTAssertEqual(web.lastBody.components(separatedBy: "<tr>").count - 2, 50)
        let link = try XCTUnwrap(web.lastBody.range(of: #"href="/posts\?cursor=[^"]+""#, options: .regularExpression))
        let href = String(web.lastBody[link].dropFirst(6).dropLast()).replacingOccurrences(of: "&amp;", with: "&")
        XCTAssertTrue(href.contains("state=draft"))
        try await web.get(href)
        XCTAssertTrue(web.lastBody.contains("1000件（続きの50件を表示）"))

        for bad in ["limit=0", "limit=201", "limit=abc", "cursor=nonsense", "cursor=7ff8000000000000_00000000-0000-0000-0000-000000000000"] {
            let res = try await app.testable().sendRequest(.GET, "/api/v1/posts?\(bad)", headers: ["Authorization": "Bearer \(viewer)"])
            XCTAssertEqual(res.status, .badRequest, bad)
        }
    }
}
