import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// The staff pages of the notices and of suspending an account: the same rules as the API, behind forms.
final class NoticePagesTests: KohoTestCase {
    func testTheChiefWritesPublishesAndSuspendsThroughThePages() async throws {
        _ = try await addStandardUsers()
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        var page = try await chief.get("/notices").body.string
        XCTAssertTrue(page.contains("お知らせの下書きを作る"), page)
        XCTAssertTrue(page.contains("停止・削除はできません（3(7)）"), "the chief is told before trying: \(page)")

        // Without a published notice the form is refused on the clause, and nothing changes.
        var r = try await chief.post("/accounts/kodaira_tokyo/suspension", ["action": "suspend", "noticeId": ""])
        XCTAssertEqual(r.status, .unprocessableEntity)
        XCTAssertTrue(r.body.string.contains("3(7)"), r.body.string)
        try await assertEqual(try await AccountSuspension.query(on: app.db).count(), 0)

        // A draft, with a title that would be markup, and a body kept line by line.
        try await chief.get("/notices")
        r = try await chief.post("/notices", ["kind": "suspension", "account": "kodaira_tokyo", "title": "<b>Xの運用を停止します</b>\"",
                                              "body": "不具合のため、\r\n当面停止します。"])
        XCTAssertEqual(r.status, .seeOther)
        let location = try XCTUnwrap(r.headers.first(name: .location))
        let id = try XCTUnwrap(UUID(uuidString: String(location.split(separator: "/").last ?? "")))
        page = try await chief.get(location).body.string
        XCTAssertTrue(page.contains("&lt;b&gt;Xの運用を停止します&lt;/b&gt;"), page)
        XCTAssertFalse(page.contains("<b>Xの運用"), "nowhere unescaped, the <title> and its meta tags included")
        XCTAssertTrue(page.contains("公開ページに掲載する"))
        try await assertEqual(try await Notice.find(id, on: app.db)?.body, "不具合のため、\n当面停止します。")

        // Edited, then published: live on the public pages.
        r = try await chief.post(location, ["title": "公式Xアカウントの運用を停止します", "body": "システムの不具合のため停止します。", "version": "1"])
        XCTAssertEqual(r.status, .seeOther)
        try await chief.get(location)
        r = try await chief.post(location + "/publish", ["version": "2"])
        XCTAssertEqual(r.status, .seeOther)
        try await assertEqual(try await Notice.find(id, on: app.db)?.status, .published)
        let json = try await app.testable().sendRequest(.GET, "/public/notices.json").body.string
        XCTAssertTrue(json.contains("公式Xアカウントの運用を停止します"), json)

        // Now the chief picks the published notice and suspends; the page shows it and offers to resume.
        page = try await chief.get("/notices").body.string
        XCTAssertTrue(page.contains(#"<option value="\#(id.uuidString.lowercased())" selected>"#), page)
        r = try await chief.post("/accounts/kodaira_tokyo/suspension", ["action": "suspend", "noticeId": id.uuidString.lowercased()])
        XCTAssertEqual(r.status, .seeOther)
        page = try await chief.get("/notices").body.string
        XCTAssertTrue(page.contains("停止しました"), page)
        XCTAssertTrue(page.contains("停止中（"), page)
        let suspended = try await AccountSuspension.query(on: app.db).filter(\.$account == "kodaira_tokyo").first()
        XCTAssertEqual(suspended?.noticeID, id)
        r = try await chief.post("/accounts/kodaira_tokyo/suspension", ["action": "resume"])
        XCTAssertEqual(r.status, .seeOther)
        try await assertNil(try await AccountSuspension.query(on: app.db).first())
        try await assertEqual(try await Notice.find(id, on: app.db)?.resumedAt, clock.now)
        let trail = try await AuditEntry.query(on: app.db).filter(\.$action ~~ ["notice.create", "notice.edit", "notice.publish", "account.suspend", "account.resume"])
            .sort(\.$id).all().map(\.action)
        XCTAssertEqual(trail, ["notice.create", "notice.edit", "notice.publish", "account.suspend", "account.resume"])
    }

    func testRolesAndTheCSRFToken() async throws {
        _ = try await addStandardUsers()
        let chief = try await token("kacho")
        let created = try await api(.POST, "/notices", token: chief,
                                    json: #"{"kind":"suspension","account":"koho.kodairacity","title":"停止します","body":"理由"}"#)
        let id = try XCTUnwrap(created.json["id"] as? String)

        let staff = WebClient(app)
        try await staff.login("sato", password)
        var page = try await staff.get("/notices/\(id)").body.string
        XCTAssertFalse(page.contains("公開ページに掲載する"), "staff do not see the chief's button")
        XCTAssertTrue(page.contains("下書きを直す"), "staff may edit a draft")
        try await assertEqual(try await staff.post("/notices/\(id)/publish", [:]).status, .forbidden)
        try await staff.get("/notices")
        try await assertEqual(try await staff.post("/accounts/koho.kodairacity/suspension", ["action": "suspend", "noticeId": id]).status, .forbidden)
        // A draft by staff for their own account is fine; without the token it is not; for another account it is not.
        try await staff.get("/notices")
        XCTAssertFalse(staff.lastBody.contains("<option value=\"kodaira_tokyo\""), "staff are offered only their accounts")
        try await assertEqual(try await staff.post("/notices", ["kind": "impersonation", "account": "koho.kodairacity", "title": "偽アカウントに注意", "body": "本文"],
                                                   withCSRF: false).status, .forbidden)
        try await assertEqual(try await staff.post("/notices", ["kind": "impersonation", "account": "koho.kodairacity", "title": "偽アカウントに注意", "body": "本文"]).status,
                              .seeOther)
        try await staff.get("/notices")
        try await assertEqual(try await staff.post("/notices", ["kind": "suspension", "account": "kodaira_tokyo", "title": "Xを停止します", "body": "本文"]).status,
                              .forbidden, "staff designated for Facebook write no notice for X")

        let viewer = WebClient(app)
        try await viewer.login("kansa", password)
        page = try await viewer.get("/notices").body.string
        XCTAssertFalse(page.contains("お知らせの下書きを作る"))
        try await assertEqual(try await viewer.post("/notices", ["kind": "impersonation", "account": "kodaira_tokyo", "title": "t", "body": "b"]).status, .forbidden)
        try await assertEqual(try await viewer.post("/notices/\(id)", ["title": "t", "body": "b"]).status, .forbidden)

        // Published, a notice is the chief's to change.
        try await assertEqual(try await publishNotice("\(id)", token: chief).status, .ok)
        try await staff.get("/notices/\(id)")
        try await assertEqual(try await staff.post("/notices/\(id)", ["title": "変更", "body": "変更"]).status, .forbidden)
        try await assertEqual(try await Notice.find(UUID(uuidString: id)!, on: app.db)?.title, "停止します")
        try await assertEqual(try await AccountSuspension.query(on: app.db).count(), 0)
    }
}
