import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// What staff and the chief notice on the pages: warnings before what cannot be taken back, emergencies, the
/// reason for a return, notices after a form, and forms that keep what was typed.
final class StaffInterfaceTests: KohoTestCase {
    let emergencyX = ["account": "kodaira_tokyo", "kind": "post", "category": "ア", "text": "避難指示を出しました",
                      "sourceURL": "https://www.city.kodaira.tokyo.jp/bousai/1.html", "emergency": "1", "emergencyReason": "大雨"]

    /// Saves the form as a draft and answers the post's path.
    func saveDraft(_ web: WebClient, _ form: [String: String]) async throws -> String {
        try await web.get("/posts/new?account=\(form["account"]!)")
        let saved = try await web.post("/posts/new", form.merging(["intent": "save"]) { $1 })
        XCTAssertEqual(saved.status, .seeOther, web.lastBody)
        return try XCTUnwrap(saved.headers.first(name: .location))
    }

    /// The warning comes before the button it is about.
    func assertWarned(_ body: String, before button: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let warning = body.range(of: "直ちに発信されます"), let b = body.range(of: ">\(button)</button>") else {
            return XCTFail("no warning before 「\(button)」", file: file, line: line)
        }
        XCTAssertLessThan(warning.lowerBound, b.lowerBound, file: file, line: line)
    }

    func testPublishingAtOnceIsSaidBeforeTheButton() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/posts/new?account=kodaira_tokyo")
        assertWarned(staff.lastBody, before: "保存して提出")

        // An emergency in a category the chief need not approve goes out on submission.
        let emergency = try await saveDraft(staff, emergencyX)
        try await staff.get(emergency)
        assertWarned(staff.lastBody, before: "提出する")
        XCTAssertTrue(staff.lastBody.contains("承認を待たずに"))

        // No time chosen, inside the operating hours (Wednesday 10:00): approving publishes at once.
        let now = try await saveDraft(staff, ["account": "kodaira_tokyo", "category": "ウ", "text": "市民まつり"])
        try await staff.get(now)
        XCTAssertFalse(staff.lastBody.contains("直ちに発信されます"), "submitting it only asks the chief")
        try await assertEqual(try await staff.post(now + "/submit", ["version": "1"]).status, .seeOther)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get(now)
        assertWarned(chief.lastBody, before: "承認する")

        // A chosen time tomorrow: nothing is said.
        let later = try await saveDraft(staff, ["account": "kodaira_tokyo", "category": "ウ", "text": "明日の市民まつり",
                                                "scheduledAt": "2026-11-26T10:00"])
        try await staff.post(later + "/submit", ["version": "1"])
        try await chief.get(later)
        XCTAssertFalse(chief.lastBody.contains("直ちに発信されます"))
    }

    func testAnEmergencyWaitingForTheChiefIsMarkedCountedAndShown() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        // An emergency in a category the chief judges waits for approval.
        let path = try await saveDraft(staff, emergencyX.merging(["category": "ウ", "text": "臨時の市民まつり中止"]) { $1 })
        try await assertEqual(try await staff.post(path + "/submit", ["version": "1"]).status, .seeOther)
        try await assertEqual(try await Post.find(UUID(uuidString: String(path.dropFirst(7))), on: app.db)?.state, .submitted)

        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/")
        XCTAssertTrue(chief.lastBody.contains("承認待ち（緊急 1）"), "the count in the menu")
        XCTAssertTrue(chief.lastBody.contains("緊急の投稿が1件、承認を待っています"), "the notice on the chief's dashboard")
        try await chief.get("/approvals")
        XCTAssertTrue(chief.lastBody.contains("（緊急）"), "the mark in the list")
        try await staff.get("/")
        XCTAssertFalse(staff.lastBody.contains("緊急の投稿が1件、承認を待っています"), "the notice is the chief's")
    }

    func testTheReasonForAReturnIsWhereStaffLook() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        let path = try await saveDraft(staff, ["account": "kodaira_tokyo", "category": "ウ", "text": "市民まつり"])
        try await staff.post(path + "/submit", ["version": "1"])
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get(path)
        try await assertEqual(try await chief.post(path + "/reject", ["version": "2", "reason": "開催日を本文に入れてください"]).status, .seeOther)

        try await staff.get(path)
        let body = staff.lastBody
        let reason = try XCTUnwrap(body.range(of: "開催日を本文に入れてください"))
        XCTAssertLessThan(reason.lowerBound, try XCTUnwrap(body.range(of: "<dl>")).lowerBound, "at the top of the post")
        try await staff.get("/")
        XCTAssertTrue(staff.lastBody.contains("差戻しの理由: 開催日を本文に入れてください"), "on the dashboard")
        try await staff.get(path + "/edit")
        XCTAssertTrue(staff.lastBody.contains("開催日を本文に入れてください"), "on the edit page")
    }

    func testASuccessfulFormEndsInARedirectAndANoticeShownOnce() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        let path = try await saveDraft(staff, ["account": "kodaira_tokyo", "category": "ウ", "text": "市民まつり"])
        try await staff.get(path)
        XCTAssertTrue(staff.lastBody.contains(#"role="status">下書きとして保存しました。"#))
        try await staff.get(path)
        XCTAssertFalse(staff.lastBody.contains("下書きとして保存しました。"), "once only")
        try await assertEqual(try await staff.post(path + "/submit", ["version": "1"]).status, .seeOther)
        try await staff.get(path)
        XCTAssertTrue(staff.lastBody.contains("提出しました。承認を待っています。"))

        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get(path)
        try await assertEqual(try await chief.post(path + "/approve", ["version": "2"]).status, .seeOther)
        try await chief.get(path)
        XCTAssertTrue(chief.lastBody.contains(#"role="status">承認しました。"#))
        try await chief.get("/users")
        try await assertEqual(try await chief.post("/users", ["name": "suzuki", "password": "0123456789ab", "role": "viewer"]).status, .seeOther)
        try await chief.get("/users")
        XCTAssertTrue(chief.lastBody.contains("利用者を追加しました（suzuki）。"))
        let out = try await chief.post("/logout", [:])
        XCTAssertEqual(out.status, .seeOther)
        try await chief.get(try XCTUnwrap(out.headers.first(name: .location)))
        XCTAssertTrue(chief.lastBody.contains(#"role="status">ログアウトしました。"#))
    }

    func testAFailedSaveKeepsWhatWasTyped() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/posts/new?account=kodaira_tokyo")
        // Signed in again elsewhere meanwhile: the form's token no longer matches the session.
        staff.csrf = "a-token-from-before"
        let typed = "長い時間をかけて書いた本文です。<消えては困る>"
        let refused = try await staff.post("/posts/new", ["account": "kodaira_tokyo", "category": "ウ", "text": typed, "intent": "save"])
        XCTAssertEqual(refused.status, .forbidden)
        XCTAssertTrue(staff.lastBody.contains("長い時間をかけて書いた本文です。&lt;消えては困る&gt;</textarea>"), "the text is back, escaped")
        XCTAssertTrue(staff.lastBody.contains("フォームの有効期限が切れたため、保存しませんでした"))
        try await assertEqual(try await Post.query(on: app.db).count(), 0, "nothing saved")
        // The page carries the session's token again, so saving once more works.
        try await assertEqual(try await staff.post("/posts/new", ["account": "kodaira_tokyo", "category": "ウ", "text": typed, "intent": "save"]).status, .seeOther)

        // A stale version: someone changed the post meanwhile.
        let path = try await saveDraft(staff, ["account": "kodaira_tokyo", "category": "ウ", "text": "第一版"])
        try await staff.post(path + "/edit", ["account": "kodaira_tokyo", "category": "ウ", "text": "第二版", "intent": "save", "version": "1"])
        try await staff.get(path + "/edit")
        let stale = try await staff.post(path + "/edit", ["account": "kodaira_tokyo", "category": "ウ", "text": "わたしの版", "intent": "save", "version": "1"])
        XCTAssertEqual(stale.status, .conflict)
        XCTAssertTrue(staff.lastBody.contains("わたしの版</textarea>"))
        XCTAssertTrue(staff.lastBody.contains("他の人が変更しました"))
        try await assertEqual(try await staff.post(path + "/edit", ["account": "kodaira_tokyo", "category": "ウ", "text": "わたしの版", "intent": "save", "version": "2"]).status,
                              .seeOther, "saved knowingly over the other version")
    }

    /// Issue 23's wrong words: a violation names its clause once, and an emergency sent at once is not said to wait
    /// for the next operating window.
    func testViolationsNameTheirClauseOnceAndAnEmergencyIsNotSaidToWait() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/posts/new?account=kodaira_tokyo")
        try await staff.post("/posts/new", ["account": "kodaira_tokyo", "category": "ア", "text": "避難所を開設しました", "intent": "check"])
        try await staff.get("/posts/new?checked=1")
        let body = staff.lastBody
        XCTAssertTrue(body.contains("【3(4)①ア】"), "the missing source is named with its clause")
        XCTAssertFalse(body.contains("【3(4)①ア】</strong> 【3(4)①ア】"), "…once")
        XCTAssertFalse(body.contains("【3(4)①ア】 【3(4)①ア】"))

        let path = try await saveDraft(staff, emergencyX)
        try await staff.get(path)
        XCTAssertTrue(staff.lastBody.contains("（自動: 緊急のため直ちに）"), "an emergency without a chosen time goes at once")
        XCTAssertFalse(staff.lastBody.contains("（自動: 次の運用時間）"))
    }

    func testTheKindIsInWordsAndTheBodyIsReadable() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        let path = try await saveDraft(staff, ["account": "kodaira_tokyo", "category": "ウ", "text": "市民まつり"])
        try await staff.get(path)
        XCTAssertTrue(staff.lastBody.contains("<dt>種類</dt><dd>投稿</dd>"))
        XCTAssertFalse(staff.lastBody.contains("<pre>"), "no small monospace text as the body")
    }

    func testDatesInTheJapaneseEraAndHoursInJapanTime() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/")
        XCTAssertTrue(staff.lastBody.contains("現在: 令和8年（2026年）11月25日（水）10:00"), staff.lastBody)
        try await staff.get("/policy")
        XCTAssertTrue(staff.lastBody.contains("令和5年10月31日（火）"))
        XCTAssertTrue(staff.lastBody.contains("日本時間"))
        XCTAssertFalse(staff.lastBody.contains("Asia/Tokyo"))
    }

    func testHistoryAndAuditInWordsWithFiltersAndPaging() async throws {
        let t = try await addStandardUsers()
        for n in 1...105 {
            try await assertEqual(try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"お知らせ\#(n)"}"#).status, .created)
        }
        let created = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつり"}"#)
        let id = postID(created)
        try await api(.POST, "/posts/\(id)/submit", token: t.staff)
        try await api(.POST, "/posts/\(id)/approve", token: t.chief)
        let chief = WebClient(app)
        try await chief.login("kacho", password)

        try await chief.get("/posts/\(id)")
        var body = chief.lastBody
        XCTAssertTrue(body.contains(#"<span title="post.submit">提出</span>"#), "the action in words, the code one hover away")
        XCTAssertTrue(body.contains("下書き → 承認待ち"), "states in words")
        let hash = try XCTUnwrap(body.range(of: #"title="[0-9a-f]{64}">[0-9a-f]{12}…"#, options: .regularExpression), "a hash cut short")
        XCTAssertFalse(body.replacingCharacters(in: hash, with: "").contains(#">\#(String(body[hash].dropFirst(7).prefix(64)))<"#))

        try await chief.get("/audit")
        body = chief.lastBody
        XCTAssertTrue(body.contains("さらに古い記録"), "no silent cut: the older entries are a page away")
        XCTAssertTrue(body.contains(#"<a href="/posts/\#(id)">𝕏 プチ田舎 東京都小平市: 市民まつり</a>"#), "the subject as a link")
        let next = String(body[try XCTUnwrap(body.range(of: #"/audit\?[^"]*before=[0-9]+"#, options: .regularExpression))])
        try await chief.get(next.replacingOccurrences(of: "&amp;", with: "&"))
        XCTAssertTrue(chief.lastBody.contains("お知らせ1<"), "the oldest post on the second page")

        try await chief.get("/audit?action=post.approve")
        XCTAssertTrue(chief.lastBody.contains(">1件<"), chief.lastBody)
        try await chief.get("/audit?actor=kacho&action=login")
        XCTAssertTrue(chief.lastBody.contains(">1件<"))
        try await chief.get("/audit?from=2026-11-26")
        XCTAssertTrue(chief.lastBody.contains(">0件<"))
        try await chief.get("/audit?from=2026-11-25&to=2026-11-25&q=\(WebClient.encode(id))")
        XCTAssertTrue(chief.lastBody.contains(">3件<"), "create, submit and approve: \(chief.lastBody.firstMatch(of: /[0-9]+件/).map { String($0.output) } ?? "")")

        // The CSV is of the filtered view, every page of it, and the page links to it.
        let csvLink = try XCTUnwrap(chief.lastBody.firstMatch(of: /href="(\/audit\.csv\?[^"]+)">CSVで書き出す（この絞り込みの3件）/))
        try await chief.get(String(csvLink.output.1).replacingOccurrences(of: "&amp;", with: "&"))
        let rows = chief.lastBody.split(separator: "\r\n", omittingEmptySubsequences: true)
        XCTAssertEqual(rows.count, 1 + 3, "a header and the three entries: \(chief.lastBody)")
        XCTAssertTrue(rows.dropFirst().allSatisfy { $0.contains(id) })
        try await chief.get("/audit.csv?action=post.create")
        XCTAssertEqual(chief.lastBody.split(separator: "\r\n", omittingEmptySubsequences: true).count, 1 + 106, "all 106 creations, not one page of 100")
    }

    func testTheComposeFormOffersOnlyWhatAppliesAndSaysHowMuchToCut() async throws {
        _ = try await addStandardUsers()
        let fb = WebClient(app)
        try await fb.login("sato", password)
        try await fb.get("/posts/new?account=koho.kodairacity")
        XCTAssertFalse(fb.lastBody.contains(#"<option value="quote""#), "no 引用 on Facebook")
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        let youtube = try XCTUnwrap(app.koho.policy.accounts.first { $0.platform == .youtube })
        try await chief.get("/posts/new?account=\(youtube.id)")
        XCTAssertFalse(chief.lastBody.contains(#"<option value="quote""#), "no 引用 on YouTube")
        if !youtube.categories.contains(where: \.emergencyEligible) { XCTAssertFalse(chief.lastBody.contains(#"name="emergency""#)) }
        if !youtube.categories.contains(where: { $0.sourceArticle == .required }) { XCTAssertFalse(chief.lastBody.contains(#"name="sourceURL""#)) }

        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/posts/new?account=kodaira_tokyo")
        let text = String(repeating: "あ", count: 152) // 304 by X's count: 24 over, 12 Japanese characters
        try await staff.post("/posts/check", ["account": "kodaira_tokyo", "category": "ウ", "text": text, "intent": "check"])
        XCTAssertTrue(staff.lastBody.contains("あと12文字分減らしてください"), "the live check says how much to cut")
        let checked = try await staff.post("/posts/new", ["account": "kodaira_tokyo", "category": "ウ", "text": text, "intent": "check"])
        // Post/redirect/get: 確認 answers with a redirect to a page, so Back never asks to send the form again.
        XCTAssertEqual(checked.status, .seeOther)
        XCTAssertEqual(checked.headers.first(name: .location), "/posts/new?checked=1")
        try await staff.get("/posts/new?checked=1")
        XCTAssertTrue(staff.lastBody.contains("あと12文字分減らしてください"), "and so does 確認 without scripts")
        XCTAssertTrue(staff.lastBody.contains(text), "what was typed is kept")
        let textField = try XCTUnwrap(staff.lastBody.range(of: "</textarea>"))
        let live = try XCTUnwrap(staff.lastBody.range(of: #"id="live-check""#))
        XCTAssertLessThan(textField.lowerBound, live.lowerBound)
        XCTAssertLessThan(live.lowerBound, try XCTUnwrap(staff.lastBody.range(of: #"name="links""#)).lowerBound, "right below the text")
        try await staff.get("/posts/new?checked=1")
        XCTAssertFalse(staff.lastBody.contains(text), "the checked form is shown once")

        // Saved as a draft though it breaks the policy; its page says why, and offers no submission.
        let saved = try await staff.post("/posts/new", ["account": "kodaira_tokyo", "category": "ウ", "text": text, "intent": "save"])
        XCTAssertEqual(saved.status, .seeOther)
        let path = try XCTUnwrap(saved.headers.first(name: .location))
        try await staff.get(path)
        XCTAssertTrue(staff.lastBody.contains("この下書きはまだポリシーに合わないため、提出できません"))
        XCTAssertFalse(staff.lastBody.contains(">提出する</button>"))
        try await assertEqual(try await staff.post(path + "/submit", ["version": "1"]).status, .unprocessableEntity)
    }

    func testListSearchUsersIdsAndLoginErrors() async throws {
        let t = try await addStandardUsers()
        _ = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ"}"#)
        _ = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"図書館の休館日"}"#)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/posts?q=\(WebClient.encode("図書館"))")
        XCTAssertTrue(chief.lastBody.contains("図書館の休館日"))
        XCTAssertFalse(chief.lastBody.contains("市民まつりのお知らせ"))
        XCTAssertTrue(chief.lastBody.contains(">1件<"))
        try await chief.get("/posts")
        for state in ["発信中", "発信済み", "発信失敗"] { XCTAssertTrue(chief.lastBody.contains(">\(state)</option>"), state) }

        try await chief.get("/users")
        let ids = chief.lastBody.matches(of: /id="([^"]+)"/).map { String($0.output.1) }
        XCTAssertEqual(ids.count, Set(ids).count, "no id twice: \(Dictionary(grouping: ids) { $0 }.filter { $0.value.count > 1 }.keys)")

        let stranger = WebClient(app)
        try await stranger.login("kacho", "not the password")
        XCTAssertTrue(stranger.lastBody.contains(#"aria-invalid="true""#))
        XCTAssertTrue(stranger.lastBody.contains(#"aria-describedby="login-error""#))
        XCTAssertTrue(stranger.lastBody.contains(#"id="login-error""#))
    }

    func testTwoFactorSetupShowsTheURIAsAQRCode() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/totp")
        let body = staff.lastBody
        let match = try XCTUnwrap(body.firstMatch(of: /<dt>URI<\/dt><dd><code>([^<]+)<\/code>/))
        let uri = String(match.output.1).replacingOccurrences(of: "&amp;", with: "&")
        XCTAssertTrue(uri.hasPrefix("otpauth://totp/"))
        // The decoding itself is KohoCoreTests.QRCodeTests; here, the page carries the code of this URI.
        XCTAssertTrue(body.contains(try QRCode(uri).svg(label: "認証アプリに登録するQRコード")))
    }
}
