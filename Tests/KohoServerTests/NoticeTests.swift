import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// The public pages' notices through the API: drafts by staff, publishing by the chief alone, every step audited,
/// and only what is published on `/public/notices.json`.
final class NoticeTests: KohoTestCase {
    func publicNotices() async throws -> [[String: Any]] {
        let res = try await app.testable().sendRequest(.GET, "/public/notices.json")
        XCTAssertEqual(res.status, .ok)
        XCTAssertNil(res.headers.first(name: .setCookie), "the public pages set no cookie")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(res.body.string.utf8)) as? [[String: Any]], res.body.string)
    }

    func testDraftThenPublishByTheChiefOnly() async throws {
        let t = try await addStandardUsers()
        let body = #"{"kind":"impersonation","account":"@KODAIRA_TOKYO","title":"小平市を名乗る偽のXアカウントにご注意ください","body":"「kodaira__tokyo」は市のアカウントではありません。\r\n市の公式アカウントは kodaira_tokyo です。"}"#
        let created = try await api(.POST, "/notices", token: t.staff, json: body)
        XCTAssertEqual(created.status, .created, created.body)
        let id = try XCTUnwrap(created.json["id"] as? String)
        XCTAssertEqual(created.json["status"] as? String, "draft")
        XCTAssertEqual(created.json["account"] as? String, "kodaira_tokyo", "the handle is stored as the policy's account id")
        XCTAssertEqual(created.json["body"] as? String, "「kodaira__tokyo」は市のアカウントではありません。\n市の公式アカウントは kodaira_tokyo です。")
        XCTAssertEqual(created.json["createdBy"] as? String, "tanaka")
        let v1 = try await publicNotices().isEmpty
        XCTAssertTrue(v1, "a draft is not public")

        // Only the chief puts it live.
        try await assertEqual(try await publishNotice("\(id)", token: t.staff).status, .forbidden)
        try await assertEqual(try await publishNotice("\(id)", token: t.viewer).status, .forbidden)
        try await assertEqual(try await publishNotice("\(id)", token: nil).status, .unauthorized)
        clock.advance(600)
        let published = try await publishNotice("\(id)", token: t.chief)
        XCTAssertEqual(published.status, .ok, published.body)
        XCTAssertEqual(published.json["status"] as? String, "published")
        XCTAssertEqual(published.json["publishedAt"] as? String, "2026-11-25T10:10:00+09:00")
        try await assertEqual(try await publishNotice("\(id)", token: t.chief).status, .conflict)

        let live = try await publicNotices()
        XCTAssertEqual(live.count, 1)
        XCTAssertEqual(live.first?["id"] as? String, id)
        XCTAssertEqual(live.first?["accountName"] as? String, "プチ田舎 東京都小平市")
        XCTAssertNil(live.first?["createdBy"], "staff names stay inside")

        // A live notice is the chief's to change.
        try await assertEqual(try await api(.PUT, "/notices/\(id)", token: t.staff, json: #"{"title":"変更","body":"変更"}"#).status, .forbidden)
        let edited = try await api(.PUT, "/notices/\(id)", token: t.chief, json: #"{"title":"偽アカウントにご注意ください","body":"本文を改めました"}"#)
        XCTAssertEqual(edited.status, .ok, edited.body)
        let v2 = try await publicNotices().first?["title"] as? String
        XCTAssertEqual(v2, "偽アカウントにご注意ください")

        let actions = try await AuditEntry.query(on: app.db).filter(\.$subject == "notice:\(id)").sort(\.$id).all().map { "\($0.actor) \($0.action)" }
        XCTAssertEqual(actions, ["tanaka notice.create", "kacho notice.publish", "kacho notice.edit"])
    }

    /// Issue 21, finding 7: staff designated for X neither create nor rewrite the Facebook Page's suspension notice,
    /// and the chief publishes the version they read, not whatever text is current.
    func testNoticesBelongToTheirAccountsStaffAndPublishingNamesTheVersionSeen() async throws {
        let t = try await addStandardUsers()
        let fbNotice = #"{"kind":"suspension","account":"koho.kodairacity","title":"フェイスブックの運用を停止します","body":"不具合のため停止します。"}"#
        try await assertEqual(try await api(.POST, "/notices", token: t.staff, json: fbNotice).status, .forbidden)
        let created = try await api(.POST, "/notices", token: t.fbStaff, json: fbNotice)
        XCTAssertEqual(created.status, .created, created.body)
        let id = try XCTUnwrap(created.json["id"] as? String)
        XCTAssertEqual(created.json["version"] as? Int, 1)
        try await assertEqual(try await api(.PUT, "/notices/\(id)", token: t.staff, json: #"{"title":"乗っ取り","body":"書き換え"}"#).status,
                              .forbidden, "staff for X cannot rewrite the Facebook notice")

        // The chief reads version 1; meanwhile the Facebook staff change the text.
        let seen = try await api(.GET, "/notices/\(id)", token: t.chief)
        let seenVersion = try XCTUnwrap(seen.json["version"] as? Int)
        let changed = try await api(.PUT, "/notices/\(id)", token: t.fbStaff, json: #"{"title":"フェイスブックの運用を停止します","body":"別の本文"}"#)
        XCTAssertEqual(changed.json["version"] as? Int, 2)
        try await assertEqual(try await api(.POST, "/notices/\(id)/publish", token: t.chief).status, .preconditionRequired)
        let stale = try await api(.POST, "/notices/\(id)/publish", token: t.chief, headers: ["If-Match": "\"\(seenVersion)\""])
        XCTAssertEqual(stale.status, .conflict, stale.body)
        try await assertEqual(try await Notice.find(UUID(uuidString: id)!, on: app.db)?.status, .draft, "nothing went live")
        let live = try await api(.POST, "/notices/\(id)/publish", token: t.chief, headers: ["If-Match": "\"2\""])
        XCTAssertEqual(live.status, .ok, live.body)
        XCTAssertEqual(live.json["body"] as? String, "別の本文")
        let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "notice.publish").first()
        XCTAssertTrue(entry?.detail.contains("版 2") ?? false, entry?.detail ?? "")
    }

    func testBadInputIsRefusedClearlyAndNothingIsKept() async throws {
        let t = try await addStandardUsers()
        try await assertEqual(try await api(.POST, "/notices", token: t.viewer, json: #"{"kind":"impersonation","account":"kodaira_tokyo","title":"t","body":"b"}"#).status, .forbidden)
        let badKind = try await api(.POST, "/notices", token: t.chief, json: #"{"kind":"warning","account":"kodaira_tokyo","title":"t","body":"b"}"#)
        XCTAssertEqual(badKind.status, .badRequest)
        XCTAssertTrue(badKind.body.contains("impersonation"), badKind.body)
        let unknown = try await api(.POST, "/notices", token: t.chief, json: #"{"kind":"suspension","account":"kodaira_city","title":"t","body":"b"}"#)
        XCTAssertEqual(unknown.status, .unprocessableEntity)
        XCTAssertEqual(unknown.rules, ["2"])
        let control = try await api(.POST, "/notices", token: t.chief, json: #"{"kind":"suspension","account":"kodaira_tokyo","title":"停止\u0007","body":"b"}"#)
        XCTAssertEqual(control.status, .badRequest)
        let empty = try await api(.POST, "/notices", token: t.chief, json: #"{"kind":"suspension","account":"kodaira_tokyo","title":"　","body":"b"}"#)
        XCTAssertEqual(empty.status, .badRequest)
        let long = try await api(.POST, "/notices", token: t.chief, json: #"{"kind":"suspension","account":"kodaira_tokyo","title":"t","body":"\#(String(repeating: "あ", count: 20_001))"}"#)
        XCTAssertEqual(long.status, .badRequest)
        let v3 = try await Notice.query(on: app.db).count()
        XCTAssertEqual(v3, 0)
        try await assertEqual(try await publishNotice("\(UUID().uuidString)", token: t.chief).status, .notFound)
        try await assertEqual(try await api(.POST, "/notices/not-a-uuid/publish", token: t.chief).status, .notFound)
    }

    func testNewestFirst() async throws {
        let t = try await addStandardUsers()
        var ids: [String] = []
        for i in 1...3 {
            let r = try await api(.POST, "/notices", token: t.chief, json: #"{"kind":"impersonation","account":"koho.kodairacity","title":"注意\#(i)","body":"本文"}"#)
            ids.append(try XCTUnwrap(r.json["id"] as? String))
        }
        for id in ids {
            clock.advance(60)
            try await assertEqual(try await publishNotice("\(id)", token: t.chief).status, .ok)
        }
        let v4 = try await publicNotices().compactMap { $0["id"] as? String }
        XCTAssertEqual(v4, ids.reversed())
    }
}

extension String {
    /// The body as a JSON array of objects (empty when it is not one).
    var jsonArray: [[String: Any]] { (try? JSONSerialization.jsonObject(with: Data(utf8))) as? [[String: Any]] ?? [] }
}
