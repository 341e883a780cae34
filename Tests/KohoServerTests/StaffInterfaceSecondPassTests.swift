import Fluent
import Foundation
import XCTVapor
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// Issue 23's second pass over the staff pages: one clear action, the sandbox said, short dashboards, the image seen
/// before approval, menus by role, dates as an office writes them.
final class StaffInterfaceSecondPassTests: KohoTestCase {
    override func adjust(_ config: inout KohoConfig) {
        // Publishing goes to a sandbox (the in-memory platform; the publisher itself is off): what a first run shows.
        config.platforms = .sandbox(url: "http://127.0.0.1:9")
        config.platformGateway = InMemoryPlatform(clock: { Date() }).gateway
        config.publisher.enabled = false
        config.comments.enabled = false
    }

    func testTheSandboxIsSaidOnEveryStaffPageAndItsAddressesAreNotLinks() async throws {
        let tokens = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        for path in ["/", "/posts", "/posts/new?account=kodaira_tokyo", "/calendar", "/accounts", "/audit", "/policy", "/comments"] {
            try await staff.get(path)
            XCTAssertTrue(staff.lastBody.contains("サンドボックス（実際には発信されません）"), "banner on \(path)")
        }
        // A post the sandbox "published": its address looks like X's but is not offered as a link.
        let created = try await createPost(tokens.chief, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ"}"#)
        let found = try await Post.find(UUID(uuidString: postID(created)), on: app.db)
        let post = try XCTUnwrap(found)
        post.platformURL = "https://x.com/kodaira_tokyo/status/123"
        try await post.save(on: app.db)
        try await staff.get("/posts/\(postID(created))")
        XCTAssertTrue(staff.lastBody.contains("サンドボックスの中の架空のアドレス"))
        XCTAssertFalse(staff.lastBody.contains(#"href="https://x.com/kodaira_tokyo/status/123""#))

        // The public pages are the city's, not the staff's: no banner there.
        try await staff.get("/public/policy")
        XCTAssertFalse(staff.lastBody.contains("サンドボックス（実際には発信されません）"))
    }

    func testMenusByRole() async throws {
        _ = try await addStandardUsers()
        func menu(_ name: String) async throws -> String {
            let web = WebClient(app)
            try await web.login(name, password)
            try await web.get("/")
            let body = web.lastBody
            let nav = try XCTUnwrap(body.range(of: "<nav").flatMap { start in body.range(of: "</nav>").map { body[start.lowerBound..<$0.upperBound] } })
            return String(nav)
        }
        let staff = try await menu("tanaka"), chief = try await menu("kacho"), viewer = try await menu("kansa")
        for item in ["承認待ち", "利用者", "災害モード"] {
            XCTAssertFalse(staff.contains(">\(item)<"), "staff menu without \(item)")
            XCTAssertTrue(chief.contains(">\(item)<"), "chief menu with \(item)")
        }
        XCTAssertTrue(staff.contains(">新しい投稿<"))
        XCTAssertFalse(viewer.contains(">新しい投稿<"))
        XCTAssertFalse(viewer.contains(">コメント<"))
    }

    func testApprovalIsTheOnePrimaryActionAtTheTopWithTheImageAboveIt() async throws {
        let tokens = try await addStandardUsers()
        // Category ウ (the city's events) needs the chief; an image is attached before submission.
        let created = try await createPost(tokens.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"防災訓練を行います"}"#)
        let id = postID(created)
        let attached = try await attachMedia(tokens.staff, id, version: 1, data: Self.sampleImage)
        XCTAssertEqual(attached.status, .ok, attached.body)
        let submitted = try await api(.POST, "/posts/\(id)/submit", token: tokens.staff)
        XCTAssertEqual(submitted.json["state"] as? String, "submitted", submitted.body)

        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/posts/\(id)")
        let body = chief.lastBody
        XCTAssertEqual(body.components(separatedBy: #"class="primary""#).count - 1, 1, "one primary action")
        XCTAssertTrue(body.contains(#"<button type="submit" class="primary">承認する</button>"#))
        XCTAssertTrue(body.contains(#"<button type="submit" class="danger">差し戻す</button>"#))
        let image = try XCTUnwrap(body.range(of: "/posts/\(id)/image"), "the image itself in the preview")
        let approve = try XCTUnwrap(body.range(of: ">承認する</button>"))
        let details = try XCTUnwrap(body.range(of: "<h2>詳細</h2>"))
        let history = try XCTUnwrap(body.range(of: "<h2>履歴</h2>"))
        XCTAssertLessThan(image.lowerBound, approve.lowerBound)
        XCTAssertLessThan(approve.lowerBound, details.lowerBound, "approve before the details")
        XCTAssertLessThan(approve.lowerBound, history.lowerBound)

        let served = try await chief.get("/posts/\(id)/image")
        XCTAssertEqual(served.status, .ok)
        XCTAssertEqual(served.headers.first(name: .contentType), "image/png")
        XCTAssertEqual(Data(served.body.readableBytesView), Self.sampleImage)
        // Signed out, the image is not served.
        let anonymous = try await app.testable().sendRequest(.GET, "/posts/\(id)/image")
        XCTAssertNotEqual(anonymous.status, .ok)
    }

    func testTheDashboardStaysShortAndListsEachPostOnce() async throws {
        let tokens = try await addStandardUsers()
        var waiting: [String] = []
        for i in 0..<35 {
            let created = try await createPost(tokens.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ \#(i)"}"#)
            _ = try await api(.POST, "/posts/\(postID(created))/submit", token: tokens.staff)
            waiting.append(postID(created))
        }
        for i in 0..<25 {
            _ = try await createPost(tokens.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"下書き \#(i)"}"#)
        }
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/")
        var body = chief.lastBody
        XCTAssertTrue(body.contains("承認待ち（35件）"), body)
        XCTAssertTrue(body.contains("すべて見る（35件）"))
        let shown = waiting.filter { body.contains("/posts/\($0)\"") }
        XCTAssertEqual(shown.count, DashboardView.rows)
        // The chief's own work (approvals) comes before today's bookings and the intake's sources.
        XCTAssertLessThan(try XCTUnwrap(body.range(of: "承認待ち（35件）")).lowerBound, try XCTUnwrap(body.range(of: "今日の予約")).lowerBound)

        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/")
        body = staff.lastBody
        XCTAssertTrue(body.contains("自分の下書き（25件）"), body)
        XCTAssertTrue(body.contains("すべて見る（25件）"))
        XCTAssertLessThan(try XCTUnwrap(body.range(of: "自分の下書き")).lowerBound, try XCTUnwrap(body.range(of: "今日の予約")).lowerBound,
                          "the staff's own drafts first")
    }

    func testWrongWordsCorrected() async throws {
        let tokens = try await addStandardUsers()
        // The X inbox says it reads no replies rather than 「判断待ち 0件」.
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/comments")
        XCTAssertTrue(staff.lastBody.contains("返信は読み込みません（X の API の制限）"))
        XCTAssertFalse(staff.lastBody.contains("X（@kodaira_tokyo）（判断待ち"))
        // The check's message and the compose page's live line give the same figures for an X text too long.
        let long = String(repeating: "市", count: 360)
        let created = try await createPost(tokens.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"\#(long)"}"#)
        let message = (created.violations.first?["message"] as? String) ?? ""
        XCTAssertTrue(message.contains("あと220文字分減らしてください（Xの数え方で440超えています"), message)
        XCTAssertFalse(message.contains("（440減らしてください）"))
        // The mail's sender is the one the settings name unless the command line names another.
        let yaml = "smtp:\n  host: 127.0.0.1\n  from: kouhou@city.kodaira.example.jp\n  to: [kacho@city.kodaira.example.jp]\n"
        let file = dir.appendingPathComponent("feeds.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let settings = try IntakeSettings.load(path: file.path)
        XCTAssertEqual(ServeCommand.sender(commandLine: nil, settings: settings), "kouhou@city.kodaira.example.jp")
        XCTAssertEqual(ServeCommand.sender(commandLine: "other@example.jp", settings: settings), "other@example.jp")
        XCTAssertEqual(ServeCommand.sender(commandLine: nil, settings: nil), "koho@localhost")
    }

    func testApprovalsArePagedAndPlainOnesApprovedTogether() async throws {
        let tokens = try await addStandardUsers()
        var ids: [String] = []
        for i in 0..<23 {
            let created = try await createPost(tokens.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつり \#(i)"}"#)
            _ = try await api(.POST, "/posts/\(postID(created))/submit", token: tokens.staff)
            ids.append(postID(created))
        }
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/approvals")
        XCTAssertTrue(chief.lastBody.contains("23件（1/4ページ、6件を表示）"), chief.lastBody)
        XCTAssertEqual(chief.lastBody.components(separatedBy: "承認すると発信される内容").count - 1, PostsController.approvalsPerPage)
        XCTAssertTrue(chief.lastBody.contains(#"href="/approvals?page=4""#))
        // Without the confirmation nothing is approved, and the page comes back with the same posts still chosen and
        // the reason beside the box to tick.
        let first = try await Post.find(UUID(uuidString: ids[0]), on: app.db)
        let version = try XCTUnwrap(first).lockVersion
        let shownChoices = chief.lastBody.components(separatedBy: #"name="ids[]" value=""#).dropFirst().map { String($0.prefix { $0 != "\"" }) }
        XCTAssertEqual(shownChoices.count, PostsController.approvalsPerPage)
        var r = try await chief.post("/approvals/bulk", pairs: [("ids[]", shownChoices[0]), ("ids[]", shownChoices[2])])
        XCTAssertEqual(r.status, .unprocessableEntity)
        for (i, choice) in shownChoices.enumerated() {
            let box = chief.lastBody.components(separatedBy: #"value="\#(choice)""#).dropFirst().first.map { String($0.prefix(40)) } ?? ""
            XCTAssertEqual(box.contains("checked"), i == 0 || i == 2, "\(choice): \(box)")
        }
        XCTAssertTrue(chief.lastBody.contains(#"class="field-error""#) && chief.lastBody.contains("に印を付けてから承認してください"), chief.lastBody)
        XCTAssertTrue(chief.lastBody.contains(#"aria-invalid="true""#))
        try await assertEqual(try await Post.query(on: app.db).filter(\.$state == .submitted).count(), 23)
        // With it, both go to the schedule; one changed since the chief looked is left waiting and said.
        r = try await chief.post("/approvals/bulk", pairs: [("ids[]", "\(ids[0]):\(version)"), ("ids[]", "\(ids[1]):\(version)"),
                                                           ("ids[]", "\(ids[2]):\(version - 1)"), ("confirm", "1")])
        XCTAssertEqual(r.status, .seeOther)
        try await chief.get("/approvals")
        XCTAssertTrue(chief.lastBody.contains("2件を承認しました。1件は承認していません"), chief.lastBody)
        try await assertEqual(try await Post.query(on: app.db).filter(\.$state == .scheduled).count(), 2)
        // Staff cannot.
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/approvals")
        let denied = try await staff.post("/approvals/bulk", pairs: [("ids[]", "\(ids[3]):\(version)"), ("confirm", "1")])
        XCTAssertEqual(denied.status, .forbidden)
    }

    func testTheCalendarShowsFirstWordsAndPlatformMarks() async throws {
        let tokens = try await addStandardUsers()
        let created = try await createPost(tokens.chief, #"{"account":"kodaira_tokyo","category":"ウ","text":"小平グリーンロード灯りまつりのお知らせです。\nぜひ"}"#)
        let submitted = try await api(.POST, "/posts/\(postID(created))/submit", token: tokens.chief)
        if submitted.json["state"] as? String == "submitted" { _ = try await api(.POST, "/posts/\(postID(created))/approve", token: tokens.chief) }
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/calendar")
        XCTAssertTrue(staff.lastBody.contains("𝕏 小平グリーンロード灯りまつりのお…"), staff.lastBody)
    }

    func testTheFirstDashboardSaysWhatToDoFirst() async throws {
        try await addUser("kacho", .chief)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/")
        XCTAssertTrue(chief.lastBody.contains("はじめにすること"))
        XCTAssertTrue(chief.lastBody.contains("まだ: <a href=\"/users\">担当者を追加し"))
        XCTAssertTrue(chief.lastBody.contains("まだ: <a href=\"/totp\">自分の二段階認証を設定する"))
        // Done steps are said as done.
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        try await chief.get("/")
        XCTAssertTrue(chief.lastBody.contains("済み: <a href=\"/users\">"))
        // Staff do not see the chief's list.
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/")
        XCTAssertFalse(staff.lastBody.contains("はじめにすること"))
    }

    func testRefusedFormsComeBackWithWhatWasTyped() async throws {
        _ = try await addStandardUsers()
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/users")
        // A short password: the form again, the name, role and accounts kept, the reason beside it, nothing saved.
        var r = try await chief.post("/users", pairs: [("name", "suzuki"), ("password", "short"), ("role", "staff"), ("accounts[]", "koho.kodairacity")])
        XCTAssertEqual(r.status, .badRequest)
        XCTAssertTrue(chief.lastBody.contains("追加できませんでした: パスワードは10文字以上にしてください"))
        XCTAssertTrue(chief.lastBody.contains(#"name="name" value="suzuki""#))
        XCTAssertTrue(chief.lastBody.contains(#"value="koho.kodairacity" checked"#), chief.lastBody)
        XCTAssertFalse(chief.lastBody.contains("short"), "the password is not sent back")
        // A name that exists.
        r = try await chief.post("/users", pairs: [("name", "tanaka"), ("password", "long enough password"), ("role", "viewer")])
        XCTAssertEqual(r.status, .conflict)
        XCTAssertTrue(chief.lastBody.contains("既にいます"))
        XCTAssertTrue(chief.lastBody.contains(#"<option value="viewer" selected"#), chief.lastBody)
        try await assertEqual(try await User.query(on: app.db).count(), 4)
        // A failed sign-in keeps the name.
        let web = WebClient(app)
        try await web.get("/login")
        _ = try await web.post("/login", ["name": "tanaka", "password": "wrong password"])
        XCTAssertTrue(web.lastBody.contains(#"name="name" value="tanaka""#))
        XCTAssertFalse(web.lastBody.contains("wrong password"))
    }

    func testDatesAsAnOfficeWritesThem() async throws {
        let tokens = try await addStandardUsers()
        let created = try await createPost(tokens.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつり"}"#)
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/posts/\(postID(created))")
        XCTAssertTrue(staff.lastBody.contains("令和8年11月25日（水）10:00"), "the history's time in the era with full-width brackets")
        XCTAssertFalse(staff.lastBody.contains("2026年11月25日(水)"))
        XCTAssertFalse(staff.lastBody.contains("2026-11-25T"))
        XCTAssertEqual(JapaneseTime.staff(jst("2026-12-07T21:42")), "令和8年12月7日（月）21:42")
    }
}

final class AuditPageSecondPassTests: KohoTestCase {
    func testEveryKindRecordedIsInTheFilterAndWordsFindTheirCodes() async throws {
        let tokens = try await addStandardUsers()
        let created = try await createPost(tokens.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"避難所の開設訓練を行います"}"#)
        let id = postID(created)
        _ = try await api(.POST, "/posts/\(id)/submit", token: tokens.staff)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/audit")
        // Every kind the code records appears by its words in 「何を」.
        for code in ["disaster.on", "mail.sent", "notice.publish", "account.suspend", "impersonation.case.open", "post.hold",
                     "comment.decide.againstSuggestion", "alert.raise", "intake.quarantine", "secrets.rotate"] {
            XCTAssertTrue(chief.lastBody.contains(#"<option value="\#(code)">"#), "filter lists \(code)")
        }
        // Words as shown find what is stored as codes, and a post's own words find its records.
        try await chief.get("/audit?q=" + "承認待ち".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        XCTAssertTrue(chief.lastBody.contains("提出"), "承認待ち finds the submission (draft → submitted)")
        XCTAssertFalse(chief.lastBody.contains("該当する記録はありません"))
        try await chief.get("/audit?q=" + "避難所".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        XCTAssertTrue(chief.lastBody.contains("/posts/\(id)"), "the post's text finds its records")
        XCTAssertFalse(chief.lastBody.contains("該当する記録はありません"))
    }

    func testPagingGoesBothWays() async throws {
        let tokens = try await addStandardUsers()
        for i in 0..<(AdminController.auditPageSize + 30) {
            _ = try await createPost(tokens.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"記録 \#(i)"}"#)
        }
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/audit")
        XCTAssertFalse(chief.lastBody.contains("新しい記録"), "the first page has nothing newer")
        let older = try XCTUnwrap(chief.lastBody.range(of: #"href="/audit\?before=\d+""#, options: .regularExpression))
        let olderPath = String(chief.lastBody[older].dropFirst(6).dropLast()).replacingOccurrences(of: "&amp;", with: "&")
        try await chief.get(olderPath)
        let newer = try XCTUnwrap(chief.lastBody.range(of: #"href="/audit\?after=\d+""#, options: .regularExpression), "a way back")
        let newerPath = String(chief.lastBody[newer].dropFirst(6).dropLast())
        try await chief.get(newerPath)
        XCTAssertFalse(chief.lastBody.contains("← 新しい記録"), "back on the newest page")
        XCTAssertTrue(chief.lastBody.contains("さらに古い記録"))
    }
}
