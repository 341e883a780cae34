import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// 3(7), 4(9), 5(9): an account is suspended or deleted only after its reason is live on the public pages, by the chief.
final class SuspensionTests: KohoTestCase {
    func notice(_ token: String, kind: String = "suspension", account: String = "kodaira_tokyo", publish: String? = nil) async throws -> String {
        let r = try await api(.POST, "/notices", token: token,
                              json: #"{"kind":"\#(kind)","account":"\#(account)","title":"公式Xアカウントの運用を一時停止します","body":"システムの不具合により、当面の間、運用を停止します。"}"#)
        XCTAssertEqual(r.status, .created, r.body)
        let id = try XCTUnwrap(r.json["id"] as? String)
        if let publish { try await assertEqual(try await publishNotice("\(id)", token: publish).status, .ok) }
        return id
    }

    func suspension(_ token: String?, _ account: String, _ body: String) async throws -> APIResult {
        try await api(.POST, "/accounts/\(account)/suspension", token: token, json: body)
    }

    func testRefusedWithoutAPublishedNoticeAllowedWithOne() async throws {
        let t = try await addStandardUsers()
        let draft = try await notice(t.chief)

        // Nobody but the chief, whatever the notice.
        for token in [t.staff, t.viewer] {
            try await assertEqual(try await suspension(token, "kodaira_tokyo", #"{"action":"suspend","noticeId":"\#(draft)"}"#).status, .forbidden)
        }
        try await assertEqual(try await suspension(nil, "kodaira_tokyo", #"{"action":"suspend"}"#).status, .unauthorized)

        // No notice, a draft, an impersonation warning, another account's notice: 422 on the clause.
        let none = try await suspension(t.chief, "kodaira_tokyo", #"{"action":"suspend"}"#)
        XCTAssertEqual(none.status, .unprocessableEntity, none.body)
        XCTAssertEqual(none.rules, ["3(7)"])
        XCTAssertEqual(none.violations.first?["code"] as? String, "suspension.reasonNotPublished")
        let unpublished = try await suspension(t.chief, "kodaira_tokyo", #"{"action":"suspend","noticeId":"\#(draft)"}"#)
        XCTAssertEqual(unpublished.rules, ["3(7)"])
        XCTAssertTrue(unpublished.body.contains("まだ掲載されていません"), unpublished.body)
        let warning = try await notice(t.chief, kind: "impersonation", publish: t.chief)
        let v1 = try await suspension(t.chief, "kodaira_tokyo", #"{"action":"suspend","noticeId":"\#(warning)"}"#).rules
        XCTAssertEqual(v1, ["3(7)"])
        let facebook = try await notice(t.chief, account: "koho.kodairacity", publish: t.chief)
        let v2 = try await suspension(t.chief, "kodaira_tokyo", #"{"action":"suspend","noticeId":"\#(facebook)"}"#).rules
        XCTAssertEqual(v2, ["3(7)"])
        let v3 = try await suspension(t.chief, "UCp9YZtjCNcG0q3fQ1ln31Xg", #"{"action":"delete","noticeId":"\#(facebook)"}"#).rules
        XCTAssertEqual(v3, ["5(9)"])
        let v4 = try await AccountSuspension.query(on: app.db).count()
        XCTAssertEqual(v4, 0)

        // Bad input is a clear 400 and changes nothing.
        try await assertEqual(try await suspension(t.chief, "kodaira_tokyo", #"{"action":"pause"}"#).status, .badRequest)
        try await assertEqual(try await suspension(t.chief, "kodaira_tokyo", #"{"action":"suspend","noticeId":"12"}"#).status, .badRequest)
        let v5 = try await suspension(t.chief, "kodaira_city", #"{"action":"suspend"}"#).rules
        XCTAssertEqual(v5, ["2"])

        // Published: allowed.
        try await assertEqual(try await publishNotice("\(draft)", token: t.chief).status, .ok)
        let ok = try await suspension(t.chief, "@kodaira_tokyo", #"{"action":"suspend","noticeId":"\#(draft)"}"#)
        XCTAssertEqual(ok.status, .ok, ok.body)
        XCTAssertEqual(ok.json["status"] as? String, "suspended")
        XCTAssertEqual(ok.json["account"] as? String, "kodaira_tokyo")
        XCTAssertEqual(ok.json["noticeId"] as? String, draft)
        try await assertEqual(try await suspension(t.chief, "kodaira_tokyo", #"{"action":"suspend","noticeId":"\#(draft)"}"#).status, .conflict)

        // Resuming: the chief only, audited, and the notice says so.
        try await assertEqual(try await suspension(t.staff, "kodaira_tokyo", #"{"action":"resume"}"#).status, .forbidden)
        clock.advance(86400)
        let resumed = try await suspension(t.chief, "kodaira_tokyo", #"{"action":"resume"}"#)
        XCTAssertEqual(resumed.status, .ok, resumed.body)
        XCTAssertEqual(resumed.json["status"] as? String, "active")
        try await assertEqual(try await suspension(t.chief, "kodaira_tokyo", #"{"action":"resume"}"#).status, .conflict)
        let n = try await api(.GET, "/notices/\(draft)", token: t.chief)
        XCTAssertEqual(n.json["resumedAt"] as? String, "2026-11-26T10:00:00+09:00")
        let trail = try await AuditEntry.query(on: app.db).filter(\.$subject == "account:kodaira_tokyo").sort(\.$id).all()
        XCTAssertEqual(trail.map(\.action), ["account.suspend", "account.resume"])
        XCTAssertEqual(trail.map(\.actor), ["kacho", "kacho"])
    }
}

/// A city whose policy does not ask for a published reason may suspend without a notice.
final class SuspensionWithoutPublishedReasonTests: KohoTestCase {
    override func adjust(_ config: inout KohoConfig) {
        let yaml = try! String(contentsOfFile: PolicyFixtures.midoridai, encoding: .utf8)
            .replacingOccurrences(of: "suspensionRequiresPublishedReason: true", with: "suspensionRequiresPublishedReason: false")
        let file = dir.appendingPathComponent("policy.yaml")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try! yaml.write(to: file, atomically: true, encoding: .utf8)
        config.policyPath = file.path
    }

    func testTheSecondCityDecidesByItsOwnFile() async throws {
        try await addUser("kacho", .chief)
        let chief = try await token("kacho")
        let r = try await api(.POST, "/accounts/midoridai_city/suspension", token: chief, json: #"{"action":"suspend"}"#)
        XCTAssertEqual(r.status, .ok, r.body)
        XCTAssertNil(r.json["noticeId"] as? String)
    }
}

/// While an account is suspended the publisher sends nothing for it: its posts are held (not lapsed, shown as held)
/// and go out after it resumes. Other accounts go on.
final class SuspendedPublishingTests: PublisherTestCase {
    func testPostsAreHeldWhileSuspendedAndSentAfterResume() async throws {
        let created = try await api(.POST, "/notices", token: chiefToken,
                                    json: #"{"kind":"suspension","account":"kodaira_tokyo","title":"Xの運用を停止します","body":"不具合のため停止します。"}"#)
        let notice = try XCTUnwrap(created.json["id"] as? String)
        try await assertEqual(try await publishNotice("\(notice)", token: chiefToken).status, .ok)
        try await assertEqual(try await api(.POST, "/accounts/kodaira_tokyo/suspension", token: chiefToken,
                                            json: #"{"action":"suspend","noticeId":"\#(notice)"}"#).status, .ok)

        let held = try await schedule(#"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ（停止中）"}"#)
        let other = try await schedule(#"{"account":"hisyo_kodaira_tokyo","category":"市長","text":"市長メッセージ"}"#)
        try await waitFor { try await Post.find(UUID(uuidString: other)!, on: self.app.db)?.state == .published }
        try await Task.sleep(for: .milliseconds(500))
        var texts = await sandboxPosts(sandbox).map(\.text)
        XCTAssertEqual(texts.count, 1, "\(texts)")
        XCTAssertFalse(texts.contains { $0.contains("停止中") })
        var post = try await Post.find(UUID(uuidString: held)!, on: app.db)
        XCTAssertEqual(post?.state, .scheduled)

        // Its time passes: it is not lost.
        clock.advance(2 * 3600)
        try await app.backgroundJobs?.expiry.runOnce()
        post = try await Post.find(UUID(uuidString: held)!, on: app.db)
        XCTAssertEqual(post?.state, .scheduled, "a held post does not lapse")

        // The staff see why, on the post, on the dashboard and when writing for the account.
        let web = WebClient(app)
        try await web.login("kacho", password)
        let page = String(buffer: try await web.get("/posts/\(held)").body)
        XCTAssertTrue(page.contains("このアカウントへの投稿は発信されず、予約は保留されます"), page)
        let compose = String(buffer: try await web.get("/posts/new?account=kodaira_tokyo").body)
        XCTAssertTrue(compose.contains("停止されています"))
        let dashboard = String(buffer: try await web.get("/").body)
        XCTAssertTrue(dashboard.contains("保留中: アカウントの停止中") || !dashboard.contains(held), dashboard)

        // Resumed: it goes out (once), at the next operating time, which is now.
        try await assertEqual(try await api(.POST, "/accounts/kodaira_tokyo/suspension", token: chiefToken, json: #"{"action":"resume"}"#).status, .ok)
        try await waitFor { try await Post.find(UUID(uuidString: held)!, on: self.app.db)?.state == .published }
        post = try await Post.find(UUID(uuidString: held)!, on: app.db)
        XCTAssertEqual(post?.state, .published)
        texts = await sandboxPosts(sandbox).map(\.text)
        XCTAssertEqual(texts.filter { $0.contains("停止中") }.count, 1)
        let release = try await AuditEntry.query(on: app.db).filter(\.$subject == "post:\(held)").filter(\.$action == "post.release").count()
        XCTAssertEqual(release, 1)
    }
}
