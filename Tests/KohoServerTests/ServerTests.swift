import Foundation
import XCTVapor
import XCTest
import FluentKit
import SQLKit
import KohoCore
@testable import KohoServer
@testable import KohoTools

final class SetupAndAuthTests: KohoTestCase {
    func testSetupLinkCreatesTheFirstChiefOnce() async throws {
        let link = try await Setup.issueLinkIfEmpty(app.koho)
        let path = String(try XCTUnwrap(link).dropFirst(app.koho.config.baseURL.count))
        XCTAssertTrue(path.hasPrefix("/setup/"))
        let stored = try await SetupToken.query(on: app.db).all()
        XCTAssertEqual(stored.count, 1)
        XCTAssertFalse(stored[0].tokenHash.contains(String(path.dropFirst(7))), "only the hash is stored")

        let web = WebClient(app)
        try await assertEqual(try await web.get(path).status, .ok)
        try await assertEqual(try await web.post(path, ["name": "kacho", "password": password, "passwordConfirm": password]).status, .seeOther)
        let users = try await User.query(on: app.db).all()
        XCTAssertEqual(users.map(\.name), ["kacho"])
        XCTAssertEqual(users[0].role, .chief)

        let other = WebClient(app)
        try await assertEqual(try await other.get(path).status, .notFound)
        try await other.get("/login")
        try await assertEqual(try await other.post(path, ["name": "intruder", "password": password, "passwordConfirm": password]).status, .notFound)
        try await assertEqual(try await User.query(on: app.db).count(), 1)
        let again = try await Setup.issueLinkIfEmpty(app.koho)
        XCTAssertNil(again)
    }

    func testASetupLinkExpiresAfterADay() async throws {
        let issued = try await Setup.issueLinkIfEmpty(app.koho)
        let link = try XCTUnwrap(issued)
        clock.advance(25 * 3600)
        try await assertEqual(try await WebClient(app).get(String(link.dropFirst(app.koho.config.baseURL.count))).status, .notFound)
    }

    func testAnUnknownPathIsAPlainNotFound() async throws {
        let res = try await WebClient(app).get("/no/such/page")
        XCTAssertEqual(res.status, .notFound)
        XCTAssertTrue(res.body.string.contains("見つかりません"))
        try await assertEqual(try await api(.GET, "/nothing", token: nil).status, .notFound)
    }

    func testLoginLocksAfterRepeatedFailures() async throws {
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let web = WebClient(app)
        for _ in 0..<5 { try await assertEqual(try await web.login("tanaka", "wrong password!").status, .unauthorized) }
        try await assertEqual(try await web.login("tanaka", password).status, .unauthorized, "locked even with the right password")
        clock.advance(16 * 60)
        try await assertEqual(try await web.login("tanaka", password).status, .seeOther)
        try await assertEqual(try await web.get("/").status, .ok)
        let actions = try await AuditEntry.query(on: app.db).all().map(\.action)
        XCTAssertEqual(actions.filter { $0 == "login.failed" }.count, 5)
        XCTAssertTrue(actions.contains("login.locked"))
        XCTAssertTrue(actions.contains("login"))
    }

    func testSessionCookieIsHttpOnlyAndSameSite() async throws {
        let web = WebClient(app)
        try await web.get("/login")
        XCTAssertNotNil(web.csrf, "a first visit gets a CSRF token in the form")
        try await app.testable().test(.GET, "/login") { res async in
            let header = res.headers[.setCookie].joined(separator: ";").lowercased()
            XCTAssertTrue(header.contains("httponly"))
            XCTAssertTrue(header.contains("samesite=lax"))
        }
        _ = web
    }

    /// A session left unused for two hours is logged out and the login page says why; using it keeps it alive.
    func testAnIdleSessionIsLoggedOut() async throws {
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let web = WebClient(app)
        try await web.login("tanaka", password)
        for _ in 0..<3 {
            clock.advance(119 * 60)
            try await assertEqual(try await web.get("/").status, .ok, "in use, the session stays")
        }
        clock.advance(121 * 60)
        let res = try await web.get("/")
        XCTAssertEqual(res.status, .seeOther)
        XCTAssertEqual(res.headers.first(name: .location), "/login?expired=1")
        try await web.get("/login?expired=1")
        XCTAssertTrue(web.lastBody.contains("操作のないまま2時間が過ぎたため、ログアウトしました"))
        try await assertEqual(try await web.get("/").status, .seeOther, "the old session is gone")
        try await web.login("tanaka", password)
        try await assertEqual(try await web.get("/").status, .ok)
    }

    func testTOTPSecondFactor() async throws {
        // RFC 6238 appendix B, SHA-1, truncated to six digits.
        XCTAssertEqual(TOTP.code(secret: Base32.encode(Array("12345678901234567890".utf8)), counter: 59 / 30), "287082")
        let user = try await addUser("kacho", .chief)
        let secret = TOTP.newSecret()
        user.totpSecret = try TOTPSecret.seal(secret, user: user, app.koho.vault)
        user.totpEnabled = true
        try await user.save(on: app.db)
        let web = WebClient(app)
        try await assertEqual(try await web.login("kacho", password).status, .unauthorized)
        let code = try XCTUnwrap(TOTP.code(secret: secret, counter: UInt64(TOTP.counter(at: clock.now))))
        try await assertEqual(try await web.login("kacho", password, totp: code).status, .seeOther)
        let replay = WebClient(app)
        try await assertEqual(try await replay.login("kacho", password, totp: code).status, .unauthorized, "a used code does not work twice")
        XCTAssertTrue(replay.lastBody.contains("この確認コードはすでに使われました"), "a used code is refused as such")
    }

    /// Issue 21, finding 12: a two-factor code used twice in one 30-second window is refused with its own message and
    /// counts as no failed login: four replays and one typo do not lock the chief out.
    func testAReusedTwoFactorCodeIsNoFailedLogin() async throws {
        let user = try await addUser("kacho", .chief)
        let secret = TOTP.newSecret()
        user.totpSecret = try TOTPSecret.seal(secret, user: user, app.koho.vault)
        user.totpEnabled = true
        try await user.save(on: app.db)
        let code = try XCTUnwrap(TOTP.code(secret: secret, counter: UInt64(TOTP.counter(at: clock.now))))
        try await assertEqual(try await WebClient(app).login("kacho", password, totp: code).status, .seeOther)
        for _ in 0..<4 {
            let again = WebClient(app)
            try await assertEqual(try await again.login("kacho", password, totp: code).status, .unauthorized)
            XCTAssertTrue(again.lastBody.contains("すでに使われました"))
        }
        try await assertEqual(try await WebClient(app).login("kacho", "a typo in it!", totp: code).status, .unauthorized)
        let reused = try await AuditEntry.query(on: app.db).filter(\.$action == "login.totpReused").count()
        XCTAssertEqual(reused, 4)
        let failures = try await AuditEntry.query(on: app.db).filter(\.$action ~~ ["login.failed", "login.locked"]).all()
        XCTAssertEqual(failures.map(\.action), ["login.failed"], "only the typo counts")
        clock.advance(30)
        let next = try XCTUnwrap(TOTP.code(secret: secret, counter: UInt64(TOTP.counter(at: clock.now))))
        try await assertEqual(try await WebClient(app).login("kacho", password, totp: next).status, .seeOther, "not locked out")
    }

    func testAUserChangesTheirPassword() async throws {
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let web = WebClient(app)
        try await web.login("tanaka", password)
        try await web.get("/password")
        try await assertEqual(try await web.post("/password", ["current": "wrong one!!", "new": "a brand new secret", "confirm": "a brand new secret"]).status, .unauthorized)
        try await assertEqual(try await web.post("/password", ["current": password, "new": "a brand new secret", "confirm": "a brand new secret"]).status, .seeOther)
        try await assertEqual(try await WebClient(app).login("tanaka", password).status, .unauthorized)
        try await assertEqual(try await WebClient(app).login("tanaka", "a brand new secret").status, .seeOther)
    }

    func testRequiredTOTPSendsUserToSetup() async throws {
        let user = try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        try await addUser("kacho", .chief)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/users")
        try await assertEqual(try await chief.post("/users/\(user.id!.uuidString)",
                                                   ["role": "staff", "accounts[]": "kodaira_tokyo", "totpRequired": "1", "reason": "全員に必須"]).status, .seeOther)
        let changed = try await User.find(user.id, on: app.db)
        XCTAssertEqual(changed?.totpRequired, true)
        XCTAssertEqual(changed?.accounts, ["kodaira_tokyo"])
        let roleChange = try await AuditEntry.query(on: app.db).filter(\.$action == "user.role").first()
        XCTAssertEqual(roleChange?.reason, "全員に必須")
        let web = WebClient(app)
        try await web.login("tanaka", password)
        let res = try await web.get("/")
        XCTAssertEqual(res.headers.first(name: .location), "/totp")
        try await assertEqual(try await web.get("/totp").status, .ok)
        XCTAssertTrue(web.lastBody.contains("otpauth://totp/"))
    }
}

final class APITests: KohoTestCase {
    let eventPost = #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりを開催します"}"#

    func testTokensAndRoles() async throws {
        let t = try await addStandardUsers()
        try await assertEqual(try await api(.GET, "/posts", token: nil).status, .unauthorized)
        try await assertEqual(try await api(.GET, "/posts", token: "koho_not-a-token").status, .unauthorized)
        try await assertEqual(try await createPost(t.viewer, eventPost).status, .forbidden, "a viewer cannot post")
        try await assertEqual(try await createPost(t.fbStaff, eventPost).status, .forbidden, "staff of another account")
        let created = try await createPost(t.staff, eventPost)
        XCTAssertEqual(created.status, .created, created.body)
        let id = postID(created)
        try await assertEqual(try await api(.POST, "/posts/\(id)/submit", token: t.fbStaff).status, .forbidden)
        try await assertEqual(try await api(.POST, "/posts/\(id)/submit", token: t.viewer).status, .forbidden)
        try await assertEqual(try await api(.POST, "/posts/\(id)/submit", token: t.staff).json["state"] as? String, "submitted")
        try await assertEqual(try await api(.POST, "/posts/\(id)/approve", token: t.staff).status, .forbidden, "staff cannot approve")
        try await assertEqual(try await api(.POST, "/posts/\(id)/reject", token: t.staff, json: #"{"reason":"x"}"#).status, .forbidden)
        try await assertEqual(try await api(.POST, "/posts/\(id)/cancel", token: t.viewer).status, .forbidden)
        let approved = try await api(.POST, "/posts/\(id)/approve", token: t.chief)
        XCTAssertEqual(approved.json["state"] as? String, "scheduled")
        XCTAssertEqual(approved.json["scheduledAt"] as? String, "2026-11-25T10:00:00+09:00")
        let shown = try await api(.GET, "/posts/\(id)", token: t.viewer)
        let history = try XCTUnwrap(shown.json["history"] as? [[String: Any]])
        XCTAssertEqual(history.compactMap { $0["action"] as? String }, ["post.create", "post.submit", "post.approve"])
        try await assertEqual(try await api(.POST, "/posts/\(id)/cancel", token: t.staff, json: #"{"reason":"中止"}"#).json["state"] as? String, "cancelled")
    }

    func testCategoryWithoutChiefJudgementIsScheduledOnSubmit() async throws {
        let t = try await addStandardUsers()
        let created = try await createPost(t.staff, #"{"account":"hisyo_kodaira_tokyo","category":"市長","text":"市長メッセージ"}"#)
        XCTAssertEqual(created.json["requiresChiefApproval"] as? Bool, false)
        XCTAssertEqual(created.json["state"] as? String, "draft")
        let submitted = try await api(.POST, "/posts/\(postID(created))/submit", token: t.staff)
        XCTAssertEqual(submitted.json["state"] as? String, "scheduled")
    }

    func testABrokenRuleIsRefusedWithItsClause() async throws {
        let t = try await addStandardUsers()
        let noSource = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ア","text":"避難所を開設しました"}"#)
        XCTAssertEqual(noSource.status, .unprocessableEntity)
        XCTAssertTrue(noSource.rules.first?.hasPrefix("3(4)①") ?? false, "\(noSource.rules)")
        XCTAssertEqual(noSource.violations.first?["code"] as? String, "source.missing")
        let reply = try await createPost(t.staff, #"{"account":"kodaira_tokyo","kind":"reply","text":"ありがとうございます"}"#)
        XCTAssertEqual(reply.rules, ["3(6)"])
        let unknownField = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"x","colour":"red"}"#)
        XCTAssertEqual(unknownField.status, .badRequest)
        XCTAssertTrue(unknownField.body.contains("colour"))
        let facebook = try await createPost(t.fbStaff, #"{"account":"koho.kodairacity","category":"③","text":"催し","articleOrigin":"shiho"}"#)
        XCTAssertEqual(facebook.status, .created)
        XCTAssertEqual(facebook.json["articleOrigin"] as? String, "shiho")
        let noOrigin = try await createPost(t.fbStaff, #"{"account":"koho.kodairacity","category":"③","text":"催し"}"#)
        XCTAssertEqual(noOrigin.status, .created, "a draft may leave the origin out")
        let refused = try await api(.POST, "/posts/\(postID(noOrigin))/submit", token: t.fbStaff)
        XCTAssertEqual(refused.status, .unprocessableEntity)
        XCTAssertEqual(refused.violations.first?["code"] as? String, "articleOrigin.missing")
        XCTAssertEqual(refused.rules, ["4(5)"])
        try await assertEqual(try await createPost(t.fbStaff, #"{"account":"koho.kodairacity","category":"③","text":"催し","articleOrigin":"blog"}"#).rules, ["4(5)"])
    }

    func testALongFacebookPostFitsTheBodyLimit() async throws {
        let t = try await addStandardUsers()
        let text = String(repeating: "小平市の催し。", count: 5_000)
        let r = try await createPost(t.fbStaff, #"{"account":"koho.kodairacity","category":"③","text":"\#(text)"}"#)
        XCTAssertEqual(r.status, .created)
    }

    func testOpenAPIDocumentListsOnlyRoutedPaths() async throws {
        var yaml = ""
        try await app.testable().test(.GET, "/api/v1/openapi.yaml") { res async in
            XCTAssertEqual(res.status, .ok)
            yaml = res.body.string
        }
        let paths = yaml.split(separator: "\n").filter { $0.hasPrefix("  /") }.map { String($0.dropFirst(2).dropLast()) }
        XCTAssertGreaterThanOrEqual(paths.count, 8)
        let routed = Set(app.routes.all.map { "/" + $0.path.map(\.description).joined(separator: "/") })
        // A path of the public pages names its own server (`/`); the others are under /api/v1.
        func routeOf(_ p: String) -> String {
            let named = p.replacingOccurrences(of: "{id}", with: ":id").replacingOccurrences(of: "{account}", with: ":account")
            return p.hasPrefix("/public/") ? named : "/api/v1" + named
        }
        for p in paths {
            let route = routeOf(p)
            XCTAssertTrue(routed.contains(route), "\(route) in openapi.yaml is not routed")
        }
        for r in routed where r.hasPrefix("/api/v1/") {
            let documented = String(r.dropFirst("/api/v1".count)).replacingOccurrences(of: ":id", with: "{id}")
                .replacingOccurrences(of: ":account", with: "{account}")
            XCTAssertTrue(paths.contains(documented), "\(r) is routed but not in openapi.yaml")
        }
    }

    func testCalendarAndAuditAPI() async throws {
        let t = try await addStandardUsers()
        let cal = try await api(.GET, "/calendar?month=2026-11", token: t.viewer)
        let days = try XCTUnwrap(cal.json["days"] as? [[String: Any]])
        XCTAssertEqual(days.count, 30)
        XCTAssertEqual(days[22]["closedReason"] as? String, "勤労感謝の日")
        XCTAssertEqual(days[24]["operating"] as? Bool, true)
        try await assertEqual(try await api(.GET, "/calendar?month=2026-13", token: t.viewer).status, .badRequest)
        let audit = try await api(.GET, "/audit", token: t.viewer)
        XCTAssertEqual(audit.status, .ok)
        XCTAssertTrue(audit.body.contains("policy.change"))
    }
}

final class SchedulingTests: KohoTestCase {
    func scheduled(at now: Date, _ fields: String) async throws -> APIResult {
        clock.now = now
        let t = try await token("tanaka")
        let r = try await createPost(t, fields)
        XCTAssertEqual(r.status, .created, r.body)
        return try await api(.POST, "/posts/\(postID(r))/submit", token: t)
    }

    override func setUp() async throws {
        try await super.setUp()
        try await addUser("tanaka", .staff, accounts: ["hisyo_kodaira_tokyo", "kodaira_tokyo"])
    }

    let mayor = #"{"account":"hisyo_kodaira_tokyo","category":"市長","text":"市長メッセージ"}"#

    func testAfterFridayCloseAcrossTheWeekendAndAHoliday() async throws {
        // Friday evening; Monday 11/23 is 勤労感謝の日, so the next window opens on Tuesday.
        let r = try await scheduled(at: jst("2026-11-20T18:00"), mayor)
        XCTAssertEqual(r.json["scheduledAt"] as? String, "2026-11-24T08:30:00+09:00")
    }

    func testAcrossTheYearEnd() async throws {
        let r = try await scheduled(at: jst("2026-12-28T17:30"), mayor)
        XCTAssertEqual(r.json["scheduledAt"] as? String, "2027-01-04T08:30:00+09:00")
    }

    func testInsideAWindowItGoesAtOnce() async throws {
        let r = try await scheduled(at: jst("2026-11-25T09:15"), mayor)
        XCTAssertEqual(r.json["scheduledAt"] as? String, "2026-11-25T09:15:00+09:00")
    }

    func testAChosenTimeOutsideTheWindowsNeedsAnEmergency() async throws {
        let t = try await token("tanaka")
        let saturday = try await createPost(t, #"{"account":"hisyo_kodaira_tokyo","category":"市長","text":"x","scheduledAt":"2026-11-28T10:00:00+09:00"}"#)
        XCTAssertEqual(saturday.status, .unprocessableEntity)
        XCTAssertEqual(saturday.rules, ["3(5)"])
        let emergency = try await createPost(t, #"{"account":"kodaira_tokyo","category":"ア","text":"避難指示","sourceURL":"https://www.city.kodaira.tokyo.jp/bousai/1.html","emergency":true,"emergencyReason":"大雨による避難指示","scheduledAt":"2026-11-28T10:00:00+09:00"}"#)
        XCTAssertEqual(emergency.status, .created, emergency.body)
        XCTAssertEqual(emergency.json["usesHoursException"] as? Bool, true)
        let past = try await createPost(t, #"{"account":"hisyo_kodaira_tokyo","category":"市長","text":"x","scheduledAt":"2026-11-24T10:00:00+09:00"}"#)
        XCTAssertEqual(past.violations.first?["code"] as? String, "schedule.inPast")
    }

    func testAnEmergencyWithoutATimeGoesNow() async throws {
        let r = try await scheduled(at: jst("2026-11-28T22:10"), #"{"account":"kodaira_tokyo","category":"ア","text":"避難指示","sourceURL":"https://www.city.kodaira.tokyo.jp/bousai/1.html","emergency":true,"emergencyReason":"大雨"}"#)
        XCTAssertEqual(r.json["state"] as? String, "scheduled")
        XCTAssertEqual(r.json["scheduledAt"] as? String, "2026-11-28T22:10:00+09:00")
        try await addUser("kacho", .chief)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/")
        XCTAssertTrue(chief.lastBody.contains("運用時間外の緊急の投稿（1件）"), "the chief is shown an out-of-hours emergency at once")
    }

    func testTheDashboardShowsWhetherOpenAndTheNextWindow() async throws {
        try await addUser("kacho", .chief)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/")
        XCTAssertTrue(chief.lastBody.contains("現在は運用時間内です（令和8年11月25日（水）17:15 まで）。次の運用開始: 令和8年11月26日（木）08:30"), chief.lastBody)
        clock.advance(3 * 86400) // Saturday 2026-11-28 10:00
        try await chief.login("kacho", password) // days later: the idle session has ended
        try await chief.get("/")
        XCTAssertTrue(chief.lastBody.contains("現在は運用時間外です。次の運用開始: 令和8年11月30日（月）08:30"), chief.lastBody)
    }

    func testAnApprovalExpiresWhenItsTimePassesUnused() async throws {
        let r = try await scheduled(at: jst("2026-11-25T10:00"), mayor)
        XCTAssertEqual(r.json["state"] as? String, "scheduled")
        let t = try await token("tanaka")
        let expiry = try XCTUnwrap(app.backgroundJobs?.expiry)
        clock.advance(10 * 60)
        try await expiry.runOnce()
        try await assertEqual(try await api(.GET, "/posts/\(postID(r))", token: t).json["state"] as? String, "scheduled")
        clock.advance(6 * 60)
        // Pages do not write: the approval-expiry job lapses it.
        try await assertEqual(try await api(.GET, "/posts/\(postID(r))", token: t).json["state"] as? String, "scheduled")
        try await assertEqual(try await expiry.runOnce(), 1)
        let shown = try await api(.GET, "/posts/\(postID(r))", token: t)
        XCTAssertEqual(shown.json["state"] as? String, "expired")
        XCTAssertEqual((shown.json["history"] as? [[String: Any]])?.last?["actor"] as? String, "system")
        try await assertEqual(try await api(.POST, "/posts/\(postID(r))/cancel", token: t).status, .conflict)
    }
}

final class ConcurrencyTests: KohoTestCase {
    func testAStaleEditIsRefusedAndAnEditSendsAnApprovedPostBack() async throws {
        let t = try await addStandardUsers()
        let created = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"第一版"}"#)
        let id = postID(created)
        try await api(.POST, "/posts/\(id)/submit", token: t.staff)
        let approved = try await api(.POST, "/posts/\(id)/approve", token: t.chief)
        XCTAssertEqual(approved.json["state"] as? String, "scheduled")
        let seen = approved.json["version"] as! Int
        let first = try await api(.PUT, "/posts/\(id)", token: t.staff, json: #"{"account":"kodaira_tokyo","category":"ウ","text":"田中の版"}"#,
                                  headers: ["If-Match": "\"\(seen)\""])
        XCTAssertEqual(first.status, .ok, first.body)
        XCTAssertEqual(first.json["state"] as? String, "submitted", "an edit voids the approval")
        let second = try await api(.PUT, "/posts/\(id)", token: t.chief, json: #"{"account":"kodaira_tokyo","category":"ウ","text":"課長の版"}"#,
                                   headers: ["If-Match": "\"\(seen)\""])
        XCTAssertEqual(second.status, .conflict)
        XCTAssertTrue((second.json["error"] as? String ?? "").contains("他の人が変更しました"))
        try await assertEqual(try await api(.GET, "/posts/\(id)", token: t.chief).json["text"] as? String, "田中の版")
        try await assertEqual(try await api(.POST, "/posts/\(id)/approve", token: t.chief, json: #"{"version":\#(seen)}"#).status, .conflict)
    }
}

final class WebTests: KohoTestCase {
    func testFormsNeedTheCSRFTokenAndTheRightRole() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await assertEqual(try await staff.login("tanaka", password).status, .seeOther)
        try await staff.get("/posts/new?account=kodaira_tokyo")
        let form = ["account": "kodaira_tokyo", "category": "ウ", "text": "市民まつり", "intent": "save"]
        try await assertEqual(try await staff.post("/posts/new", form, withCSRF: false).status, .forbidden)
        let saved = try await staff.post("/posts/new", form)
        XCTAssertEqual(saved.status, .seeOther)
        let path = try XCTUnwrap(saved.headers.first(name: .location))
        let id = try XCTUnwrap(UUID(uuidString: String(path.dropFirst("/posts/".count))))
        try await staff.get(path)
        try await assertEqual(try await staff.post(path + "/submit", ["version": "1"], withCSRF: false).status, .forbidden)
        try await assertEqual(try await staff.post(path + "/submit", ["version": "1"]).status, .seeOther)
        try await assertEqual(try await staff.post(path + "/approve", ["version": "2"]).status, .forbidden, "staff cannot approve")
        try await assertEqual(try await staff.post("/users", ["name": "x", "password": "0123456789", "role": "chief"]).status, .forbidden)
        try await assertEqual(try await staff.post("/posts/new", ["account": "koho.kodairacity", "category": "③", "text": "x", "intent": "save"]).status, .forbidden,
                       "staff of another account")

        let viewer = WebClient(app)
        try await viewer.login("kansa", password)
        try await assertEqual(try await viewer.get("/posts/new").status, .forbidden)
        try await viewer.get("/")
        try await assertEqual(try await viewer.post("/posts/new", form).status, .forbidden)
        try await assertEqual(try await viewer.post(path + "/cancel", ["version": "2"]).status, .forbidden)

        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get(path)
        try await assertEqual(try await chief.post(path + "/approve", ["version": "2"], withCSRF: false).status, .forbidden)
        try await assertEqual(try await chief.post(path + "/approve", ["version": "2"]).status, .seeOther)
        try await assertEqual(try await Post.find(id, on: app.db)?.state, .scheduled)
        try await assertEqual(try await chief.post(path + "/cancel", ["version": "1"]).status, .conflict, "stale version")
        XCTAssertTrue(chief.lastBody.contains("他の人が変更しました"))
        XCTAssertTrue(chief.lastBody.contains("href=\"\(path)\""), "offers to open the post again")
        try await assertEqual(try await chief.post("/logout", [:], withCSRF: false).status, .forbidden)
        try await assertEqual(try await chief.post("/login", ["name": "kacho", "password": password], withCSRF: false).status, .forbidden)
    }

    func testEverySiteURLIsRouted() {
        let routed = Set(app.routes.all.map { $0.path.map(\.description).joined(separator: "/") })
        let id = UUID()
        let urls: [SiteURL] = [.dashboard, .login, .logout, .setup("t"), .totp, .password, .compose, .composeCheck, .composeScript, .approvals, .posts, .post(id), .postStep(id, "submit"),
                               .postEdit(id), .calendar("2026-11"), .ics("kodaira_tokyo"), .accounts, .users, .userRole(id), .audit, .auditCSV, .policy]
        for url in urls {
            XCTAssertTrue(routed.contains(url.route.map(\.description).joined(separator: "/")), url.path)
            let segments = url.path.split(separator: "?")[0].split(separator: "/")
            XCTAssertEqual(segments.count, url.route.count, "\(url.path) fits its route pattern")
        }
    }

    func testThePolicyCheckAnswersAsStaffWrite() async throws {
        _ = try await addStandardUsers()
        let web = WebClient(app)
        try await web.login("tanaka", password)
        try await web.get("/posts/new?account=kodaira_tokyo")
        XCTAssertTrue(web.lastBody.contains(#"<script src="/static/compose.js" defer="defer"></script>"#))
        XCTAssertTrue(web.lastBody.contains(#"id="live-check" class="live-check" aria-live="polite""#))
        let text = String(repeating: "市", count: 141)
        let over = try await web.post("/posts/check", ["account": "kodaira_tokyo", "category": "ウ", "text": text, "intent": "check"])
        XCTAssertEqual(over.status, .ok)
        let answer = try JSONSerialization.jsonObject(with: Data(over.body.readableBytesView)) as? [String: Any]
        XCTAssertEqual(answer?["weightedLength"] as? Int, 282)
        // The preview: where the 280 falls, the account and the platform beside it.
        let preview = answer?["preview"] as? [String: Any]
        XCTAssertEqual(preview?["platformName"] as? String, "X")
        XCTAssertEqual(preview?["handle"] as? String, "@kodaira_tokyo")
        XCTAssertEqual(preview?["within"] as? String, String(repeating: "市", count: 140))
        XCTAssertEqual(preview?["over"] as? String, "市")
        XCTAssertEqual(answer?["ok"] as? Bool, false)
        XCTAssertEqual((answer?["violations"] as? [[String: Any]])?.first?["code"] as? String, "x.textTooLong")
        let fine = try await web.post("/posts/check", ["account": "kodaira_tokyo", "category": "ウ", "text": "市民まつり", "intent": "check"])
        let ok = try JSONSerialization.jsonObject(with: Data(fine.body.readableBytesView)) as? [String: Any]
        XCTAssertEqual(ok?["ok"] as? Bool, true)
        XCTAssertEqual(ok?["scheduledAt"] as? String, "令和8年11月25日（水）10:00")
        // The same rules as every form: CSRF, and only the staff's own accounts.
        try await assertEqual(try await web.post("/posts/check", ["account": "kodaira_tokyo", "text": "x"], withCSRF: false).status, .forbidden)
        try await assertEqual(try await web.post("/posts/check", ["account": "koho.kodairacity", "category": "③", "text": "x"]).status, .forbidden)
        let script = try await web.get("/static/compose.js")
        XCTAssertEqual(script.headers.contentType?.subType, "javascript")
        XCTAssertTrue(script.body.string.contains("textContent"))
    }

    func testEditingAnApprovedPostInTheFormSendsItBack() async throws {
        let t = try await addStandardUsers()
        let created = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"第一版"}"#)
        let id = postID(created)
        try await api(.POST, "/posts/\(id)/submit", token: t.staff)
        try await api(.POST, "/posts/\(id)/approve", token: t.chief)
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/posts/\(id)/edit")
        XCTAssertTrue(staff.lastBody.contains("承認待ちに"), "the page says what a save does before the button")
        let form = ["account": "kodaira_tokyo", "kind": "post", "category": "ウ", "text": "第二版", "intent": "save"]
        try await assertEqual(try await staff.post("/posts/\(id)/edit", form.merging(["version": "2"]) { $1 }).status, .conflict)
        try await assertEqual(try await staff.post("/posts/\(id)/edit", form.merging(["version": "3"]) { $1 }).status, .seeOther)
        let post = try await Post.find(UUID(uuidString: id), on: app.db)
        XCTAssertEqual(post?.state, .submitted)
        XCTAssertEqual(try post?.action.text, "第二版")
    }

    func testComposeShowsTheCheckWithTheClause() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/posts/new?account=kodaira_tokyo")
        XCTAssertTrue(staff.lastBody.contains("ア 緊急防災情報"))
        let res = try await staff.post("/posts/new", ["account": "kodaira_tokyo", "category": "ア", "text": "避難所", "intent": "check"])
        XCTAssertEqual(res.status, .seeOther)
        try await staff.get("/posts/new?checked=1")
        XCTAssertTrue(staff.lastBody.contains("【3(4)①"))
        let refused = try await staff.post("/posts/new", ["account": "kodaira_tokyo", "category": "ア", "text": "避難所", "intent": "submit"])
        XCTAssertEqual(refused.status, .unprocessableEntity)
        XCTAssertTrue(staff.lastBody.contains("【3(4)①"))
        try await assertEqual(try await Post.query(on: app.db).count(), 0)
        // Kept as a draft, which its page says cannot be submitted until it keeps the policy.
        let kept = try await staff.post("/posts/new", ["account": "kodaira_tokyo", "category": "ア", "text": "避難所", "intent": "save"])
        XCTAssertEqual(kept.status, .seeOther)
        try await staff.get(try XCTUnwrap(kept.headers.first(name: .location)))
        XCTAssertTrue(staff.lastBody.contains("【3(4)①"))
        try await assertEqual(try await Post.query(on: app.db).filter(\.$state == .draft).count(), 1)
    }

    /// The month calendar is a grid of weeks from Sunday: operating hours, why a day is closed, and the posts of the day.
    func testTheMonthCalendarShowsWeeksHolidaysAndPosts() async throws {
        let t = try await addStandardUsers()
        let r = try await createPost(t.staff, #"{"account":"hisyo_kodaira_tokyo","category":"市長","text":"市長メッセージ","scheduledAt":"2026-11-27T09:30:00+09:00"}"#)
        try await api(.POST, "/posts/\(postID(r))/submit", token: t.staff)
        let web = WebClient(app)
        try await web.login("kansa", password)
        try await web.get("/calendar?month=2026-11")
        let body = web.lastBody
        XCTAssertTrue(body.contains("<th scope=\"col\">日</th><th scope=\"col\">月</th>"))
        // 2026-11-01 is a Sunday: five weeks, no blank lead.
        XCTAssertEqual(body.components(separatedBy: "<tbody>")[1].components(separatedBy: "<tr>").count - 1, 5)
        XCTAssertTrue(body.contains("休み（勤労感謝の日）"))
        XCTAssertTrue(body.contains("休み（日曜日）") && body.contains("休み（土曜日）"))
        XCTAssertTrue(body.contains("運用 08:30〜17:15"))
        XCTAssertTrue(body.contains(#"<td aria-current="date"><p class="day"><strong>25日（今日）</strong>"#))
        let day27 = try XCTUnwrap(body.range(of: "<strong>27日</strong>"))
        let day28 = try XCTUnwrap(body.range(of: "<strong>28日</strong>"))
        let cell = body[day27.upperBound..<day28.lowerBound]
        XCTAssertTrue(cell.contains(#"title="X 東京都小平市市長室 @hisyo_kodaira_tokyo""#), String(cell))
        XCTAssertTrue(cell.contains("09:30 𝕏 "), String(cell))
        XCTAssertTrue(cell.contains("（予約済み）"), String(cell))
    }

    /// The policy in force is laid out as headings, rules with their clauses, and a table of categories per account.
    func testThePolicyPageIsReadable() async throws {
        try await addUser("kansa", .viewer)
        let web = WebClient(app)
        try await web.login("kansa", password)
        try await web.get("/policy")
        let body = web.lastBody
        for heading in ["<h2>X</h2>", "<h2>フェイスブック</h2>", "<h2>ユーチューブ</h2>", "<h2>コメントを削除できる場合</h2>", "<h2>その他・免責</h2>"] {
            XCTAssertTrue(body.contains(heading), heading)
        }
        XCTAssertTrue(body.contains("<dt>返信［3(6)］</dt><dd>行わない</dd>"), body)
        XCTAssertTrue(body.contains("<caption>プチ田舎 東京都小平市で発信する内容の区分</caption>"))
        XCTAssertTrue(body.contains("<td>ア</td><td>緊急防災情報</td><td>3(4)①ア</td>"))
        XCTAssertTrue(body.contains("<dt>⑤</dt>"), "the fifth deletion ground")
        XCTAssertFalse(body.contains("<pre>"), "no longer a text dump")
    }

    /// The post list filters by state and account; the dashboard shows staff their drafts and what the chief sent back.
    func testListFiltersAndTheDashboardShowsDraftsAndRejections() async throws {
        let t = try await addStandardUsers()
        let sent = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"差し戻される投稿"}"#)
        try await api(.POST, "/posts/\(postID(sent))/submit", token: t.staff)
        try await api(.POST, "/posts/\(postID(sent))/reject", token: t.chief, json: #"{"reason":"日付を確認してください"}"#)
        try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"書きかけの投稿"}"#)
        try await createPost(t.fbStaff, #"{"account":"koho.kodairacity","category":"③","text":"フェイスブックの下書き","articleOrigin":"shiho"}"#)

        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/")
        XCTAssertTrue(staff.lastBody.contains("差し戻された投稿（1件）") && staff.lastBody.contains("差し戻される投稿"))
        XCTAssertTrue(staff.lastBody.contains("自分の下書き（1件）") && staff.lastBody.contains("書きかけの投稿"))
        XCTAssertFalse(staff.lastBody.contains("フェイスブックの下書き"), "another's draft is not theirs")

        try await staff.get("/posts?state=draft")
        XCTAssertTrue(staff.lastBody.contains("2件"))
        XCTAssertTrue(staff.lastBody.contains("書きかけの投稿") && !staff.lastBody.contains("差し戻される投稿"))
        try await staff.get("/posts?state=draft&account=koho.kodairacity")
        XCTAssertTrue(staff.lastBody.contains("1件") && staff.lastBody.contains("フェイスブックの下書き"))
        XCTAssertTrue(staff.lastBody.contains(#"<option value="koho.kodairacity" selected"#), "the form keeps the choice")
        try await assertEqual(try await staff.get("/posts?state=nonsense").status, .ok)
        XCTAssertTrue(staff.lastBody.contains("3件"))
    }

    /// 保存して提出 that saves but cannot submit leaves one draft, and the form that comes back edits that draft.
    func testSaveAndSubmitThatCannotSubmitKeepsOneDraft() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("sato", password)
        try await staff.get("/posts/new?account=koho.kodairacity")
        // A Facebook post may be drafted without saying where its article comes from, but not submitted (4(5)).
        let form = ["account": "koho.kodairacity", "category": "③", "text": "催しのお知らせ", "intent": "submit"]
        let res = try await staff.post("/posts/new", form)
        XCTAssertEqual(res.status, .unprocessableEntity)
        XCTAssertTrue(staff.lastBody.contains("下書きとして保存しましたが、提出できませんでした"), staff.lastBody)
        XCTAssertTrue(staff.lastBody.contains("4(5)"))
        let posts = try await Post.query(on: app.db).all()
        XCTAssertEqual(posts.count, 1)
        XCTAssertEqual(posts.first?.state, .draft)
        guard posts.count == 1 else { return }
        XCTAssertTrue(staff.lastBody.contains("action=\"/posts/\(posts[0].id!.uuidString.lowercased())/edit\""))
        var again = form
        again["articleOrigin"] = "shiho"
        again["version"] = String(posts[0].lockVersion)
        again["intent"] = "save"
        try await assertEqual(try await staff.post("/posts/\(posts[0].id!.uuidString.lowercased())/edit", again).status, .seeOther)
        try await assertEqual(try await Post.query(on: app.db).count(), 1)
    }

    /// A YouTube post is saved first; its video is attached on its page, so the compose form offers no 保存して提出.
    func testYouTubeComposeSavesADraftForTheVideo() async throws {
        try await addUser("yamada", .staff, accounts: ["UCp9YZtjCNcG0q3fQ1ln31Xg"])
        let staff = WebClient(app)
        try await staff.login("yamada", password)
        try await staff.get("/posts/new?account=UCp9YZtjCNcG0q3fQ1ln31Xg")
        XCTAssertTrue(staff.lastBody.contains("投稿のページで動画ファイルを添付してから提出します"))
        XCTAssertFalse(staff.lastBody.contains("保存して提出"))
    }

    func testUserTextIsEscapedOnEveryPage() async throws {
        let t = try await addStandardUsers()
        try await addUser("<script>alert(1)</script>\"名前'", .viewer)
        let evil = #"<script>alert("x")</script> \"quoted\" 'single' & <b>bold</b>"#
        let fields: [String: Any] = ["account": "kodaira_tokyo", "category": "ウ", "text": evil, "emergencyReason": "\"><script>alert(2)</script>"]
        let body = String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
        let created = try await createPost(t.staff, body)
        XCTAssertEqual(created.status, .created, created.body)
        let id = postID(created)
        try await api(.POST, "/posts/\(id)/submit", token: t.staff)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        for path in ["/", "/posts", "/approvals", "/posts/\(id)", "/posts/\(id)/edit", "/calendar?month=2026-11", "/users", "/audit", "/accounts", "/policy"] {
            let res = try await chief.get(path)
            XCTAssertEqual(res.status, .ok, path)
            let html = chief.lastBody
            XCTAssertFalse(html.contains("<script>"), "unescaped script on \(path)")
            XCTAssertFalse(html.contains("<b>bold"), "unescaped tag on \(path)")
            XCTAssertFalse(html.contains("\"><script"), "attribute broken out of on \(path)")
            XCTAssertTrue(html.contains("lang=\"ja\""))
            XCTAssertTrue(html.contains("href=\"#main\""), "skip link on \(path)")
        }
        try await chief.get("/posts/\(id)")
        XCTAssertTrue(chief.lastBody.contains("&lt;script&gt;alert(\"x\")&lt;/script&gt;"))
        try await chief.get("/posts/\(id)/edit")
        XCTAssertTrue(chief.lastBody.contains("value=\"&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;\""))
    }

    func testICalendarFeed() async throws {
        let t = try await addStandardUsers()
        let created = try await createPost(t.staff, #"{"account":"hisyo_kodaira_tokyo","category":"市長","text":"市長メッセージ; 第1回, 2026"}"#)
        try await api(.POST, "/posts/\(postID(created))/submit", token: t.staff)
        // A calendar program is told plainly (issue 22, finding 6): 401 with a text body, not a login page.
        for path in ["/calendar/hisyo_kodaira_tokyo.ics", "/calendar/hisyo_kodaira_tokyo.ics?token=wrong-token"] {
            try await app.testable().test(.GET, path) { res async in
                XCTAssertEqual(res.status, .unauthorized, path)
                XCTAssertEqual(res.headers.contentType?.subType, "plain", path)
                XCTAssertTrue(res.body.string.contains("token"), res.body.string)
            }
        }
        try await app.testable().test(.GET, "/calendar/hisyo_kodaira_tokyo.ics?token=\(t.staff)") { res async in
            XCTAssertEqual(res.status, .ok)
            XCTAssertEqual(res.headers.contentType?.subType, "calendar")
            let body = res.body.string
            XCTAssertTrue(body.contains("BEGIN:VEVENT"))
            XCTAssertTrue(body.contains("DTSTART:20261125T010000Z"))
            XCTAssertTrue(body.contains("第1回\\, 2026"))
        }
    }
}

final class ICalendarFoldingTests: XCTestCase {
    /// A grapheme longer than a line (a letter with 60 combining marks is one Swift Character of 121 octets) is
    /// folded between its code points: every line at most 75 octets, every line valid UTF-8, unfolding gives it back.
    func testFoldingIsByOctetsAndNeverSplitsAUTF8Sequence() {
        let long = "SUMMARY:" + "e" + String(repeating: "\u{0301}", count: 60) + " 市長メッセージ👨‍👩‍👧‍👦" + String(repeating: "あ", count: 40)
        let folded = ICS.fold(long)
        let lines = folded.components(separatedBy: "\r\n")
        XCTAssertGreaterThan(lines.count, 2)
        for line in lines {
            XCTAssertLessThanOrEqual(line.utf8.count, 75, line)
            XCTAssertNotNil(String(data: Data(line.utf8), encoding: .utf8))
        }
        let unfolded = lines.enumerated().map { $0.offset == 0 ? $0.element : String(String.UnicodeScalarView($0.element.unicodeScalars.dropFirst())) }.joined()
        XCTAssertEqual(Array(unfolded.unicodeScalars), Array(long.unicodeScalars))
    }
}

final class AuditTests: KohoTestCase {
    func testTheChainVerifiesAndATamperedRowIsFound() async throws {
        let t = try await addStandardUsers()
        let created = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつり"}"#)
        try await api(.POST, "/posts/\(postID(created))/submit", token: t.staff)
        try await api(.POST, "/posts/\(postID(created))/reject", token: t.chief, json: #"{"reason":"日付を確認してください"}"#)
        let (count, broken) = try await AuditLog.verify(on: app.db)
        XCTAssertNil(broken)
        XCTAssertGreaterThan(count, 8)
        let entries = try await AuditEntry.query(on: app.db).sort(\.$id).all()
        let reject = try XCTUnwrap(entries.first { $0.action == "post.reject" })
        XCTAssertEqual(reject.actor, "kacho")
        XCTAssertEqual(reject.reason, "日付を確認してください")

        let web = WebClient(app)
        try await web.login("kansa", password)
        try await assertEqual(try await web.get("/audit.csv").status, .ok)
        XCTAssertTrue(web.lastBody.contains("id,at,actor,action,subject,detail,reason,prev_hash,hash"))
        XCTAssertTrue(web.lastBody.contains("日付を確認してください"))

        let target = entries[3]
        try await (app.db as! SQLDatabase).raw("UPDATE audit_entries SET detail = 'changed' WHERE id = \(bind: target.id!)").run()
        let (_, tampered) = try await AuditLog.verify(on: app.db)
        XCTAssertEqual(tampered?.id, target.id)

        try await (app.db as! SQLDatabase).raw("UPDATE audit_entries SET detail = \(bind: target.detail) WHERE id = \(bind: target.id!)").run()
        try await assertNil(try await AuditLog.verify(on: app.db).broken)
        try await (app.db as! SQLDatabase).raw("DELETE FROM audit_entries WHERE id = \(bind: entries[5].id!)").run()
        try await assertEqual(try await AuditLog.verify(on: app.db).broken?.id, entries[6].id, "a removed entry breaks the next one")
    }

    func testThePolicyIsStoredAsVersionsAndPostsKeepTheirs() async throws {
        let versions = try await PolicyVersion.query(on: app.db).all()
        XCTAssertEqual(versions.count, 1)
        XCTAssertEqual(versions[0].sha256, Secrets.sha256Hex(PolicyLoader.builtInYAML))
        let t = try await addStandardUsers()
        let created = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"x"}"#)
        XCTAssertEqual(created.json["policyVersionID"] as? String, versions[0].id!.uuidString.lowercased())

        // A changed policy file is stored beside the old version on the next start, and a post
        // checked again at its next step keeps the version it was checked under then.
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("policy.yaml")
        try PolicyLoader.builtInYAML.replacingOccurrences(of: "version: \"R5-2023-10-31\"", with: "version: \"R5-test\"")
            .write(to: file, atomically: true, encoding: .utf8)
        try await app.asyncShutdown()
        let c = clock!
        app = try await makeApp(KohoConfig(dataDirectory: dir, policyPath: file.path, clock: { c.now }, bcryptCost: 4,
                                           loginDelayPerFailure: .zero, environment: .testing))
        let all = try await PolicyVersion.query(on: app.db).sort(\.$number).all()
        XCTAssertEqual(all.map(\.number), [1, 2])
        XCTAssertEqual(all.map(\.version), ["R5-2023-10-31", "R5-test"])
        XCTAssertEqual(app.koho.policyVersionID, all[1].id)
        let submitted = try await api(.POST, "/posts/\(postID(created))/submit", token: t.staff)
        XCTAssertEqual(submitted.json["policyVersionID"] as? String, all[1].id!.uuidString.lowercased())
        try await assertEqual(try await AuditEntry.query(on: app.db).filter(\.$action == "policy.change").count(), 2)
        try await assertNil(try await AuditLog.verify(on: app.db).broken)
    }
}

/// The server commands as an operator runs them: the built `koho` with arguments and stdin.
final class ServerCommandTests: XCTestCase {
    struct Run { let status: Int32; let out: String; let err: String }

    func koho(_ args: [String], stdin: String = "") throws -> Run {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let p = Process()
        p.executableURL = root.appendingPathComponent(".build/debug/koho")
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = nil
        p.environment = env
        let input = Pipe(), out = Pipe(), err = Pipe()
        p.standardInput = input
        p.standardOutput = out
        p.standardError = err
        try p.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self))
    }

    func testMigrateUsersTokensAndAuditVerify() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("koho-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let d = ["--data-dir", dir.path]
        XCTAssertEqual(try koho(["migrate"] + d).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("koho.sqlite").path))
        let add = try koho(["users", "add", "tanaka", "--role", "staff", "--accounts", "kodaira_tokyo"] + d, stdin: "a long enough password\n")
        XCTAssertEqual(add.status, 0, add.err)
        XCTAssertEqual(try koho(["users", "add", "x", "--role", "staff"] + d, stdin: "short\n").status, 2)
        XCTAssertEqual(try koho(["users", "add", "y", "--role", "boss"] + d, stdin: "a long enough password\n").status, 2)
        let token = try koho(["tokens", "create", "tanaka"] + d)
        XCTAssertEqual(token.status, 0)
        XCTAssertTrue(token.out.hasPrefix("koho_"))
        let whole = try koho(["audit", "verify"] + d)
        XCTAssertEqual(whole.status, 0, whole.err)

        let app = try await makeApp(KohoConfig(dataDirectory: dir, databaseURL: nil, environment: .testing))
        let hash = Secrets.sha256Hex(token.out.trimmingCharacters(in: .whitespacesAndNewlines))
        let stored = try await APIToken.query(on: app.db).all().map(\.tokenHash)
        XCTAssertEqual(stored, [hash], "only the token's SHA-256 is kept")
        try await (app.db as! SQLDatabase).raw("UPDATE audit_entries SET actor = 'someone else' WHERE id = 2").run()
        try await app.asyncShutdown()
        let broken = try koho(["audit", "verify"] + d)
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.out.contains("#2"), broken.out)
    }

    func testServeRefusesBadSettingsBeforeStarting() throws {
        let d = ["--data-dir", FileManager.default.temporaryDirectory.appendingPathComponent("koho-cli-\(UUID().uuidString)").path]
        let idle = try koho(["serve", "--session-idle-minutes", "0"] + d)
        XCTAssertEqual(idle.status, 2)
        XCTAssertTrue(idle.err.contains("--session-idle-minutes"), idle.err)
        let lease = try koho(["serve", "--lease-seconds", "5", "--call-timeout-seconds", "20"] + d)
        XCTAssertEqual(lease.status, 2)
        XCTAssertTrue(lease.err.contains("--lease-seconds"), lease.err)
    }
}

final class AuditChainAcrossServersTests: KohoTestCase {
    /// Two servers on one PostgreSQL append to the audit trail at once: every entry lands, and the chain stays whole.
    /// Runs only where `DATABASE_URL` is set (SQLite serialises writers itself).
    func testTwoServersAppendingAtOnceKeepOneChain() async throws {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw XCTSkip("DATABASE_URL is not set: two servers on one database need PostgreSQL")
        }
        let c = clock!
        let other = try await makeApp(KohoConfig(dataDirectory: dir, clock: { c.now }, bcryptCost: 4, environment: .testing))
        let before = try await AuditLog.verify(on: app.db).count
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (server, name) in [(app!, "one"), (other, "two")] {
                    for i in 0..<25 {
                        group.addTask {
                            try await server.koho.writeLock.run {
                                try await AuditLog.appendLocked(on: server.db, at: c.now, actor: name, action: "test", subject: "\(i)", detail: "", reason: "")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            try await other.asyncShutdown()
            throw error
        }
        try await other.asyncShutdown()
        let (count, broken) = try await AuditLog.verify(on: app.db)
        XCTAssertNil(broken)
        XCTAssertEqual(count, before + 50)
    }
}

final class IndexTests: KohoTestCase {
    /// The indexes behind the dashboard, the publisher and a post's history exist on either database.
    func testQueryIndexesExist() async throws {
        let sql = try XCTUnwrap(app.db as? SQLDatabase)
        let query: SQLQueryString = sql.dialect.name == "postgresql"
            ? "SELECT indexname AS name FROM pg_indexes" : "SELECT name FROM sqlite_master WHERE type = 'index'"
        let names = Set(try await sql.raw(query).all().map { try $0.decode(column: "name", as: String.self) })
        for index in AddQueryIndexes.indexes { XCTAssertTrue(names.contains(index.name), index.name) }
    }
}
