import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// The flood alarm of 4(9)/5(9): raised when an account's comments surge far above its usual rate or many are
/// flagged misleading, shown to the chief with the procedure (the reason on the city website first, then the
/// suspension), cleared by itself when the surge ends; raising and clearing audited. The clock is the test's.
final class FloodAlarmTests: KohoTestCase {
    var serial = 0

    /// `count` comments on the Page written at `at`, as the poller or the webhook would store them.
    func comments(_ count: Int, at: Date, text: (Int) -> String, account: String = "koho.kodairacity") async throws {
        var observed: [ObservedComment] = []
        for i in 0..<count {
            serial += 1
            observed.append(ObservedComment(account: account, platform: .facebook, platformCommentID: "c\(serial)", platformPostID: "p1",
                                            authorName: "住民\(serial)", createdAt: at.addingTimeInterval(Double(i)), text: text(i)))
        }
        try await CommentIngest.ingest(observed, source: "test", db: app.db, ctx: app.koho)
    }

    var settings: CommentSettings { app.koho.config.comments }

    func check() async throws -> Int { try await FloodAlarm.check(app.db, app.koho, settings: settings) }

    func audited(_ action: String) async throws -> [AuditEntry] {
        try await AuditEntry.query(on: app.db).filter(\.$action == action).all()
    }

    func testASurgeRaisesTheAlarmWithTheProcedureAndItClearsItselfAfterwards() async throws {
        let tokens = try await addStandardUsers()
        // The usual rate: two comments a day over the past week.
        for day in 1...7 {
            try await comments(2, at: clock.now.addingTimeInterval(-Double(day) * 86400 + 3600), text: { "いつも楽しみにしています\($0)" })
        }
        try await assertEqual(try await check(), 0, "the usual rate raises nothing")
        // Then 40 in the last half hour: far above it.
        try await comments(40, at: clock.now.addingTimeInterval(-1800), text: { "ひどい対応だ、どうなっているんだ \($0)" })
        try await assertEqual(try await check(), 1)
        try await assertEqual(try await check(), 0, "raised once, not again on every round")
        let raised = try await audited("comment.alarm.raised")
        XCTAssertEqual(raised.map(\.subject), ["account:koho.kodairacity"])
        XCTAssertTrue(raised.first?.reason.contains("40件") == true, raised.first?.reason ?? "")

        // By the API, with the procedure of 4(9).
        let r = try await api(.GET, "/comments/alarms", token: tokens.viewer)
        XCTAssertEqual(r.status, .ok, r.body)
        let alarms = r.json["alarms"] as? [[String: Any]] ?? []
        XCTAssertEqual(alarms.count, 1)
        XCTAssertEqual(alarms.first?["account"] as? String, "koho.kodairacity")
        XCTAssertEqual(alarms.first?["reason"] as? String, "surge")
        XCTAssertEqual(alarms.first?["commentsInWindow"] as? Int, 40)
        XCTAssertEqual(alarms.first?["clause"] as? String, "4(9)")
        XCTAssertTrue((alarms.first?["procedure"] as? [String])?.first?.contains("市ホームページ") == true)
        XCTAssertTrue(alarms.first?["reasonNoticeId"] is NSNull)

        // On the chief's dashboard: the reason on the website first; the suspension only after it.
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/")
        var page = chief.lastBody
        XCTAssertTrue(page.contains("コメントの警報（1件）"), page)
        XCTAssertTrue(page.contains("理由を市ホームページに掲載する"))
        XCTAssertFalse(page.contains("を停止する</button>"), "no suspension before the reason is published")
        let staff = WebClient(app)
        try await staff.login("sato", password)
        try await staff.get("/")
        XCTAssertFalse(staff.lastBody.contains("コメントの警報"), "the alarm is the chief's")
        let id = try XCTUnwrap(alarms.first?["id"] as? String)
        try await assertEqual(try await staff.post("/comments/alarms/\(id)/suspend", [:]).status, .forbidden)
        let early = try await chief.post("/comments/alarms/\(id)/suspend", [:])
        XCTAssertEqual(early.status, .seeOther)
        try await assertNil(try await AccountSuspension.query(on: app.db).first(), "not suspended before the reason is published")
        try await chief.get("/")
        let published = try await chief.post("/comments/alarms/\(id)/notice", ["title": "フェイスブックの運用の一時停止について",
                                                                            "body": "大量のコメントが書き込まれ、運用が困難なため一時停止します。"])
        XCTAssertEqual(published.status, .seeOther)
        try await chief.get("/")
        page = chief.lastBody
        XCTAssertTrue(page.contains("掲載済み"), page)
        let suspended = try await chief.post("/comments/alarms/\(id)/suspend", [:])
        XCTAssertEqual(suspended.status, .seeOther)
        try await assertEqual(try await AccountSuspension.query(on: app.db).first()?.account, "koho.kodairacity")

        // The surge ends (an hour on, nothing new): the alarm clears itself, audited.
        clock.advance(3600)
        try await assertEqual(try await check(), 1)
        try await assertEqual(try await audited("comment.alarm.cleared").count, 1)
        let after = try await api(.GET, "/comments/alarms", token: tokens.chief)
        XCTAssertEqual((after.json["alarms"] as? [[String: Any]])?.count, 0)
        let withCleared = try await api(.GET, "/comments/alarms?cleared=true", token: tokens.chief)
        XCTAssertEqual((withCleared.json["alarms"] as? [[String: Any]])?.first?["clearedAt"] as? String, JapaneseTime.iso8601(clock.now))
        try await chief.get("/")
        XCTAssertFalse(chief.lastBody.contains("コメントの警報"))
        let (_, broken) = try await AuditLog.verify(on: app.db)
        XCTAssertNil(broken)
    }

    func testManyMisleadingCommentsRaiseItWithoutASurge() async throws {
        // A steady account: about as many comments as usual, but ten spreading the same false rumour.
        for day in 1...7 {
            try await comments(24, at: clock.now.addingTimeInterval(-Double(day) * 86400), text: { "きれいな写真ですね\($0)" })
        }
        try await comments(9, at: clock.now.addingTimeInterval(-600), text: { "明日の市民まつりは中止だそうです \($0)" })
        let misleading = try await Comment.query(on: app.db).filter(\.$misleading == true).count()
        XCTAssertEqual(misleading, 9, "each flagged as possibly misleading")
        try await assertEqual(try await check(), 0, "nine are below the threshold of ten")
        try await comments(1, at: clock.now.addingTimeInterval(-60), text: { _ in "明日の市民まつりは中止だそうですよ" })
        try await assertEqual(try await check(), 1)
        let open = try await FloodAlarm.open(app.db)
        let alarm = try XCTUnwrap(open.first)
        XCTAssertEqual(alarm.reason, .misleading)
        XCTAssertEqual(alarm.misleadingInWindow, 10)
        clock.advance(2 * 3600)
        try await assertEqual(try await check(), 1)
        try await assertEqual(try await FloodAlarm.open(app.db).count, 0)
    }

    func testTheThresholdsAreSettings() {
        let s = CommentSettings(environment: ["KOHO_FLOOD_FACTOR": "3", "KOHO_FLOOD_MINIMUM": "12", "KOHO_FLOOD_MISLEADING_MINIMUM": "4",
                                              "KOHO_FLOOD_WINDOW_MINUTES": "30"])
        XCTAssertEqual(FloodAlarm.reason(.init(inWindow: 12, usualPerWindow: 3.9, misleadingInWindow: 0), s), .surge)
        XCTAssertNil(FloodAlarm.reason(.init(inWindow: 12, usualPerWindow: 4.0, misleadingInWindow: 0), s), "not above 3× the usual")
        XCTAssertNil(FloodAlarm.reason(.init(inWindow: 11, usualPerWindow: 0, misleadingInWindow: 3), s), "below the minimum")
        XCTAssertEqual(FloodAlarm.reason(.init(inWindow: 11, usualPerWindow: 0, misleadingInWindow: 4), s), .misleading)
        XCTAssertEqual(FloodAlarm.reason(.init(inWindow: 40, usualPerWindow: 1, misleadingInWindow: 20), s), .both)
    }
}
