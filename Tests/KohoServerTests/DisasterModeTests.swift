import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
import KohoSandbox
@testable import KohoServer
@testable import KohoTools

/// Disaster mode (issue 13, point 4): scheduled posts that are not emergencies are held, not lost, and go out after
/// the chief releases them, inside an operating window.
final class DisasterModeTests: PublisherTestCase {
    func post(_ id: String) async throws -> Post {
        guard let p = try await Post.find(UUID(uuidString: id)!, on: app.db) else { throw AppError.notFound() }
        return p
    }

    func sandboxTexts() async -> [String] { await sandboxPosts(sandbox).map(\.text) }

    func testHeldPostsAreNotSentAndGoOutAfterReleaseInAWindow() async throws {
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        try await addUser("kansa", .viewer)
        let staff = try await token("tanaka"), viewer = try await token("kansa")
        // Wednesday 10:00: an event post for 10:30 on X and one on Facebook for 11:00.
        let event = try await schedule(#"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ","scheduledAt":"2026-11-25T10:30:00+09:00"}"#)
        let fbEvent = try await schedule(#"{"account":"koho.kodairacity","category":"③","text":"催しのお知らせ","articleOrigin":"shiho","links":["https://www.city.kodaira.tokyo.jp/event/1.html"],"scheduledAt":"2026-11-25T11:00:00+09:00"}"#)

        // Only the chief switches it.
        let body = #"{"accounts":"all","on":true,"reason":"台風第１０号の接近"}"#
        for t in [staff, viewer] {
            let refused = try await api(.POST, "/disaster-mode", token: t, json: body)
            XCTAssertEqual(refused.status, .forbidden, refused.body)
        }
        try await assertEqual(try await DisasterMode.query(on: app.db).count(), 0)
        let bad = try await api(.POST, "/disaster-mode", token: chiefToken, json: #"{"accounts":["no_such_account"],"on":true,"reason":"台風"}"#)
        XCTAssertEqual(bad.status, .badRequest, bad.body)
        let noReason = try await api(.POST, "/disaster-mode", token: chiefToken, json: #"{"accounts":"all","on":true,"reason":"  "}"#)
        XCTAssertEqual(noReason.status, .badRequest, noReason.body)

        let on = try await api(.POST, "/disaster-mode", token: chiefToken, json: body)
        XCTAssertEqual(on.status, .ok, on.body)
        XCTAssertEqual((on.json["active"] as? [[String: Any]])?.count, app.koho.policy.accounts.count)
        XCTAssertEqual(Set(on.json["heldPosts"] as? [String] ?? []), [event, fbEvent])

        // A post approved while the mode is on is held too; an emergency is not.
        let later = try await schedule(#"{"account":"kodaira_tokyo","category":"ウ","text":"図書館の休館のお知らせ","scheduledAt":"2026-11-25T10:40:00+09:00"}"#)
        let shown = try await api(.GET, "/posts/\(later)", token: chiefToken)
        XCTAssertEqual(shown.json["heldReason"] as? String, "災害モードのため保留: 台風第１０号の接近", shown.body)
        let emergency = try await schedule(PostFactory.fields(1, account: 0, emergency: true))

        // Past every scheduled time, and past the approval's expiry: the emergency goes out, nothing else, nothing lapses.
        clock.now = jst("2026-11-25T16:00")
        try await waitFor { try await self.post(emergency).state == .published }
        try await assertEqual(try await self.post(emergency).state, .published)
        _ = try await PostService.expireOverdue(app.db, app.koho)
        try await Task.sleep(for: .milliseconds(300))
        for id in [event, fbEvent, later] {
            let p = try await post(id)
            XCTAssertEqual(p.state, .scheduled, id)
            XCTAssertNotNil(p.heldReason)
        }
        let texts = await sandboxTexts()
        XCTAssertFalse(texts.contains { $0.contains("市民まつり") || $0.contains("催しのお知らせ") || $0.contains("図書館") }, "\(texts)")

        // Not released while the account is still in disaster mode; not by staff.
        let early = try await api(.POST, "/disaster-mode/release", token: chiefToken, json: #"{"posts":"all"}"#)
        XCTAssertEqual(early.status, .conflict, early.body)
        let off = try await api(.POST, "/disaster-mode", token: chiefToken, json: #"{"accounts":"all","on":false,"reason":"警報解除"}"#)
        XCTAssertEqual(off.status, .ok, off.body)
        XCTAssertEqual((off.json["active"] as? [[String: Any]])?.count, 0)
        XCTAssertEqual(Set(off.json["heldPosts"] as? [String] ?? []), [event, fbEvent, later], "switching off releases nothing by itself")
        let byStaff = try await api(.POST, "/disaster-mode/release", token: staff, json: #"{"posts":"all"}"#)
        XCTAssertEqual(byStaff.status, .forbidden)

        // One by one: at 18:00 (closed), the event goes to the next window, Thursday 08:30.
        clock.now = jst("2026-11-25T18:00")
        let one = try await api(.POST, "/disaster-mode/release", token: chiefToken, json: #"{"posts":["\#(event)"]}"#)
        XCTAssertEqual(one.status, .ok, one.body)
        XCTAssertEqual(one.json["released"] as? [String], [event])
        try await assertEqual(try await self.post(event).scheduledAt, jst("2026-11-26T08:30"))
        let all = try await api(.POST, "/disaster-mode/release", token: chiefToken, json: #"{"posts":"all"}"#)
        XCTAssertEqual(Set(all.json["released"] as? [String] ?? []), [fbEvent, later])
        try await Task.sleep(for: .milliseconds(300))
        try await assertEqual(try await self.post(event).state, .scheduled, "nothing goes out outside the window")

        clock.now = jst("2026-11-26T08:31")
        try await waitFor { try await self.states()[.published] == 4 }
        for id in [event, fbEvent, later] { try await assertEqual(try await self.post(id).state, .published, id) }
        let sent = await sandboxPosts(sandbox)
        XCTAssertEqual(sent.count, 4)

        let actions = try await AuditEntry.query(on: app.db).all().map(\.action)
        XCTAssertEqual(actions.filter { $0 == "disaster.on" }.count, app.koho.policy.accounts.count)
        XCTAssertEqual(actions.filter { $0 == "disaster.off" }.count, app.koho.policy.accounts.count)
        XCTAssertEqual(actions.filter { $0 == "post.hold" }.count, 2)
        XCTAssertEqual(actions.filter { $0 == "post.release" }.count, 3)
    }

    /// Issue 20: a hold and its release change the post, so an edit begun before either is refused as stale instead of
    /// silently overwriting (and un-holding) the held post.
    func testAHoldAndAReleaseRaiseThePostsVersion() async throws {
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let staff = try await token("tanaka")
        let id = try await schedule(#"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ","scheduledAt":"2026-11-25T10:30:00+09:00"}"#)
        let opened = try await api(.GET, "/posts/\(id)", token: staff)
        let seen = try XCTUnwrap(opened.json["version"] as? Int)
        try await assertEqual(try await api(.POST, "/disaster-mode", token: chiefToken, json: #"{"accounts":"all","on":true,"reason":"台風"}"#).status, .ok)
        let edit = #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつり（中止）","scheduledAt":"2026-11-25T10:30:00+09:00"}"#
        let stale = try await api(.PUT, "/posts/\(id)", token: staff, json: edit, headers: ["If-Match": "\"\(seen)\""])
        XCTAssertEqual(stale.status, .conflict, "the hold changed the post after it was opened")
        let held = try await post(id)
        XCTAssertNotNil(held.heldReason)
        XCTAssertGreaterThan(held.lockVersion, seen)
        try await assertEqual(try await api(.POST, "/disaster-mode", token: chiefToken, json: #"{"accounts":"all","on":false,"reason":"通過"}"#).status, .ok)
        let beforeRelease = try await post(id).lockVersion
        try await assertEqual(try await api(.POST, "/disaster-mode/release", token: chiefToken, json: #"{"posts":"all"}"#).status, .ok)
        let released = try await post(id)
        XCTAssertNil(released.heldReason)
        XCTAssertGreaterThan(released.lockVersion, beforeRelease)
    }

    func testTheChiefSwitchesItOnThePageAndEveryPageShowsTheBanner() async throws {
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let event = try await schedule(#"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつり <b>のお知らせ</b>","scheduledAt":"2026-11-25T10:30:00+09:00"}"#)

        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/disaster")
        XCTAssertFalse(staff.lastBody.contains("災害モードを開始"), "staff see no switch")
        let refused = try await staff.post("/disaster", ["all": "1", "on": "1", "reason": "台風"])
        XCTAssertEqual(refused.status, .forbidden)

        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/disaster")
        let noToken = try await chief.post("/disaster", ["all": "1", "on": "1", "reason": "台風"], withCSRF: false)
        XCTAssertEqual(noToken.status, .forbidden)
        try await assertEqual(try await DisasterMode.query(on: app.db).count(), 0)

        let on = try await chief.post("/disaster", ["accounts[]": "kodaira_tokyo", "on": "1", "reason": "震度５弱 <script>"])
        XCTAssertEqual(on.status, .seeOther)
        XCTAssertEqual(on.headers.first(name: .location), "/disaster")
        try await chief.get("/disaster")
        XCTAssertTrue(chief.lastBody.contains("災害モードを開始しました"), "flash after the redirect")
        XCTAssertTrue(chief.lastBody.contains("災害モード中（X"))
        XCTAssertFalse(chief.lastBody.contains("<script>"), "the reason is escaped")
        XCTAssertTrue(chief.lastBody.contains("市民まつり &lt;b&gt;"))
        for path in ["/", "/posts", "/posts/\(event)", "/calendar"] {
            try await staff.get(path)
            XCTAssertTrue(staff.lastBody.contains(#"class="disaster""#), path)
        }
        try await staff.get("/posts/\(event)")
        XCTAssertTrue(staff.lastBody.contains("災害モードのため保留: 震度５弱 &lt;script&gt;"))
        try await staff.get("/")
        XCTAssertTrue(staff.lastBody.contains("災害モードで保留中の投稿（1件）"))

        try await chief.post("/disaster", ["accounts[]": "kodaira_tokyo", "on": "0", "reason": "解除"])
        try await chief.get("/disaster")
        XCTAssertTrue(chief.lastBody.contains("すべての保留を解除"))
        let released = try await chief.post("/disaster/release", ["post": event])
        XCTAssertEqual(released.status, .seeOther)
        try await chief.get("/disaster")
        XCTAssertTrue(chief.lastBody.contains("保留を解除しました（1件）"))
        try await chief.get("/")
        XCTAssertFalse(chief.lastBody.contains(#"class="disaster""#))
        // 10:00 on a Wednesday, released before its time: it keeps its 10:30.
        try await assertEqual(try await self.post(event).scheduledAt, jst("2026-11-25T10:30"))
        try await assertNil(try await self.post(event).heldReason)
    }
}
