import Foundation
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// Issue 22: what other programs read from Koho.
final class OutsideWorldTests: KohoTestCase {
    /// Finding 5: a method the path does not take is 405 with `Allow`, `TRACE` included; a route's own 404 stays.
    func testAMethodThePathDoesNotTakeIs405() async throws {
        let t = try await addStandardUsers()
        let trace = try await app.testable().sendRequest(.TRACE, "/api/v1/posts")
        XCTAssertEqual(trace.status, .methodNotAllowed)
        let delete = try await app.testable().sendRequest(.DELETE, "/api/v1/posts/\(UUID().uuidString)", headers: ["Authorization": "Bearer \(t.chief)"])
        XCTAssertEqual(delete.status, .methodNotAllowed)
        let allow = delete.headers.first(name: .allow) ?? ""
        XCTAssertTrue(allow.contains("GET") && allow.contains("PUT"), allow)
        XCTAssertFalse(allow.contains("DELETE"))
        let patch = try await app.testable().sendRequest(.PATCH, "/api/v1/notices")
        XCTAssertEqual(patch.status, .methodNotAllowed)
        XCTAssertTrue((patch.headers.first(name: .allow) ?? "").contains("POST"))
        // Not a route at all, and a route's own "not found": 404.
        try await assertEqual(try await app.testable().sendRequest(.GET, "/api/v1/nothing-here").status, .notFound)
        try await assertEqual(try await api(.GET, "/posts/\(UUID().uuidString)", token: t.chief).status, .notFound)
        try await assertEqual(try await api(.GET, "/posts", token: t.chief).status, .ok)
    }

    /// Finding 4: `GET /api/v1/alerts` gives each warning its level and the alert its highest level in force.
    func testAlertsCarryTheirWarningsLevels() async throws {
        let t = try await addStandardUsers()
        let alert = Alert()
        alert.id = UUID()
        alert.source = "agency"
        alert.messageID = "https://example.invalid/r06.xml"
        alert.title = "気象警報・注意報（Ｒ０６）（大雨）"
        alert.reportTime = "2026-12-07T22:01:00+09:00"
        alert.area = "1321100"
        alert.kind = "weatherWarning"
        alert.status = "active"
        alert.infoType = "発表"
        alert.summary = "レベル４大雨危険警報"
        alert.warningsJSON = AlertService.warningsJSON(JMAReport(
            title: alert.title, status: "通常", infoType: "発表", reportDateTime: alert.reportTime, eventID: nil, kind: .weatherWarning,
            warnings: [JMAWarning(name: "レベル４大雨危険警報", status: "発表"), JMAWarning(name: "レベル２雷注意報", status: "発表"),
                       JMAWarning(name: "波浪警報", status: "発表")],
            maxIntensity: nil, affects: true, headline: ""))
        alert.draftIDs = "[]"
        alert.createdAt = clock.now
        alert.updatedAt = clock.now
        try await alert.create(on: app.db)
        let res = try await api(.GET, "/alerts", token: t.viewer)
        XCTAssertEqual(res.status, .ok, res.body)
        let list = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(res.body.utf8)) as? [[String: Any]])
        let first = try XCTUnwrap(list.first)
        XCTAssertEqual(first["level"] as? Int, 4)
        let warnings = try XCTUnwrap(first["warnings"] as? [[String: Any]])
        XCTAssertEqual(warnings.map { $0["name"] as? String }, ["レベル４大雨危険警報", "レベル２雷注意報", "波浪警報"])
        XCTAssertEqual(warnings[0]["level"] as? Int, 4)
        XCTAssertEqual(warnings[1]["level"] as? Int, 2)
        XCTAssertTrue(warnings[2]["level"] is NSNull, "a hazard without a level says null")
    }

    /// Finding 7: the audit through the API with a bearer token, the page's filters, paging, and the CSV.
    func testTheAuditThroughTheAPIIsFilteredPagedAndExportable() async throws {
        let t = try await addStandardUsers()
        for i in 0..<5 {
            let created = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"お知らせ \#(i)"}"#)
            XCTAssertEqual(created.status, .created, created.body)
        }
        let all = try await api(.GET, "/audit?action=post.create&limit=2", token: t.viewer)
        XCTAssertEqual(all.status, .ok, all.body)
        let res = try await app.testable().sendRequest(.GET, "/api/v1/audit?action=post.create&limit=2",
                                                        headers: ["Authorization": "Bearer \(t.viewer)"])
        XCTAssertEqual(res.headers.first(name: "X-Total-Count"), "5")
        let first = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(res.body.string.utf8)) as? [[String: Any]])
        XCTAssertEqual(first.count, 2)
        XCTAssertTrue(first.allSatisfy { $0["action"] as? String == "post.create" })
        let cursor = try XCTUnwrap(res.headers.first(name: "X-Next-Cursor"))
        XCTAssertTrue((res.headers.first(name: .link) ?? "").contains("after=\(cursor)"))
        var seen = first.compactMap { $0["id"] as? Int }
        var next: String? = cursor
        while let after = next {
            let page = try await app.testable().sendRequest(.GET, "/api/v1/audit?action=post.create&limit=2&after=\(after)",
                                                             headers: ["Authorization": "Bearer \(t.viewer)"])
            let items = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(page.body.string.utf8)) as? [[String: Any]])
            seen += items.compactMap { $0["id"] as? Int }
            next = page.headers.first(name: "X-Next-Cursor")
        }
        XCTAssertEqual(seen.count, 5)
        XCTAssertEqual(seen, seen.sorted(), "in the chain's order")
        XCTAssertEqual(Set(seen).count, 5, "nothing twice")
        try await assertEqual(try await api(.GET, "/audit?limit=0", token: t.viewer).status, .badRequest)
        try await assertEqual(try await api(.GET, "/audit?after=x", token: t.viewer).status, .badRequest)
        try await assertEqual(try await api(.GET, "/audit", token: nil).status, .unauthorized)
        let csv = try await app.testable().sendRequest(.GET, "/api/v1/audit.csv?action=post.create", headers: ["Authorization": "Bearer \(t.viewer)"])
        XCTAssertEqual(csv.status, .ok)
        XCTAssertEqual(csv.headers.contentType?.subType, "csv")
        XCTAssertEqual(csv.body.string.components(separatedBy: "\r\n").filter { $0.contains("post.create") }.count, 5)
        XCTAssertFalse(csv.body.string.contains("user.add"), "filtered")
    }
}
