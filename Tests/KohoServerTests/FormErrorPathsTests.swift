import Fluent
import Foundation
import XCTVapor
import KohoCore
import Plot
@testable import KohoServer
@testable import KohoTools

/// Issue 23: every refused form comes back as the form, with what was typed (escaped) and the reason beside the
/// field it is about; nothing is saved or changed.
final class FormErrorPathsTests: KohoTestCase {
    /// The field's element (`<input …>`, `<select …>` or `<textarea …>`) with the given id, as written in the page.
    func element(_ id: String, in body: String) -> String? {
        guard let r = body.range(of: #"id="\#(id)""#) else { return nil }
        let start = body[..<r.lowerBound].lastIndex(of: "<") ?? r.lowerBound
        guard let end = body[r.upperBound...].firstIndex(of: ">") else { return nil }
        return String(body[start...end])
    }

    func assertInvalid(_ id: String, _ body: String, says reason: String, file: StaticString = #filePath, line: UInt = #line) {
        let field = element(id, in: body) ?? ""
        XCTAssertTrue(field.contains(#"aria-invalid="true""#), "\(id) marked invalid: \(field)", file: file, line: line)
        XCTAssertTrue(field.contains("e-"), "\(id) described by its reason: \(field)", file: file, line: line)
        XCTAssertTrue(body.contains(#"class="field-error""#), file: file, line: line)
        // The reason sits inside the field's own block, after its label.
        guard let at = body.range(of: #"id="\#(id)""#), let closing = body[at.upperBound...].range(of: "</div>") else {
            return XCTFail("no field \(id)", file: file, line: line)
        }
        XCTAssertTrue(body[at.upperBound..<closing.lowerBound].contains(reason), "\(reason) beside \(id)", file: file, line: line)
    }

    func testSuspendingWithoutAPublishedNoticeComesBackToItsForm() async throws {
        _ = try await addStandardUsers()
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/notices")
        let r = try await chief.post("/accounts/kodaira_tokyo/suspension", ["action": "delete", "noticeId": ""])
        XCTAssertEqual(r.status, .unprocessableEntity)
        let body = chief.lastBody
        XCTAssertTrue(body.contains("<h1>お知らせ・アカウントの停止</h1>"), "the notices page, not an error page")
        XCTAssertTrue(body.contains("実行できませんでした: 【3(7)】"), body)
        // The account's form as it was sent: 削除する chosen, the reason beside the notice it needs.
        let form = try XCTUnwrap(body.range(of: "/accounts/kodaira_tokyo/suspension").map { String(body[$0.lowerBound...].prefix(3000)) })
        XCTAssertTrue(form.contains(#"<option value="delete" selected>削除する</option>"#), form)
        assertInvalid("f-notice-0", body, says: "3(7)")
        // The other accounts' forms are as they were.
        XCTAssertEqual(body.components(separatedBy: #"aria-invalid="true""#).count - 1, 1)
        try await assertEqual(try await AccountSuspension.query(on: app.db).count(), 0)
        try await assertEqual(try await AuditEntry.query(on: app.db).filter(\.$action == "account.delete").count(), 0)
    }

    func testANoticeDraftRefusedKeepsWhatWasTypedEscaped() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/notices")
        // A title that would be markup, with full-width digits, and a body of about 100 KB: over the limit.
        let title = "<script>alert(1)</script>１２月７日　\"停止\"のお知らせ"
        let body = String(repeating: "不具合のため停止します。\n", count: 8_000)
        XCTAssertGreaterThan(body.utf8.count, 100_000)
        var r = try await staff.post("/notices", ["kind": "suspension", "account": "kodaira_tokyo", "title": title, "body": body])
        XCTAssertEqual(r.status, .badRequest)
        var page = staff.lastBody
        XCTAssertTrue(page.contains("保存できませんでした: 本文は20000文字以内にしてください"), String(page.prefix(4000)))
        assertInvalid("f-body", page, says: "本文は20000文字以内")
        XCTAssertTrue(page.contains(#"value="&lt;script&gt;alert(1)&lt;/script&gt;１２月７日　&quot;停止&quot;のお知らせ""#), "the title kept, escaped")
        XCTAssertFalse(page.contains("<script>alert(1)"))
        XCTAssertTrue(page.contains(HTMLEscaping.escapeText(body)), "the 100 KB body kept whole")
        XCTAssertTrue(page.contains(#"<option value="suspension" selected>"#))
        XCTAssertTrue(page.contains(#"<option value="kodaira_tokyo" selected>"#))
        // An empty title: the reason beside the title.
        r = try await staff.post("/notices", ["kind": "impersonation", "account": "hisyo_kodaira_tokyo", "title": "  ", "body": "偽のアカウントにご注意ください。"])
        XCTAssertEqual(r.status, .badRequest)
        page = staff.lastBody
        assertInvalid("f-title", page, says: "題名を入力してください")
        XCTAssertTrue(page.contains("偽のアカウントにご注意ください。</textarea>"))
        XCTAssertTrue(page.contains(#"<option value="hisyo_kodaira_tokyo" selected>"#))
        try await assertEqual(try await Notice.query(on: app.db).count(), 0)

        // Editing a draft with a control character in the title: the notice's page again, the typed body kept.
        r = try await staff.post("/notices", ["kind": "suspension", "account": "kodaira_tokyo", "title": "停止のお知らせ", "body": "理由"])
        XCTAssertEqual(r.status, .seeOther)
        let location = try XCTUnwrap(r.headers.first(name: .location))
        try await staff.get(location)
        r = try await staff.post(location, ["title": "停止\u{0007}", "body": "直した本文 <b>太字</b>", "version": "1"])
        XCTAssertEqual(r.status, .badRequest)
        page = staff.lastBody
        assertInvalid("f-title", page, says: "題名に制御文字が含まれています")
        XCTAssertTrue(page.contains("直した本文 &lt;b&gt;太字&lt;/b&gt;</textarea>"), page)
        let stored = try await Notice.query(on: app.db).first()
        XCTAssertEqual(stored?.body, "理由", "nothing saved")
    }

    func testSavingAnEditOfAPublishedPostComesBackAsANewPostsForm() async throws {
        let tokens = try await addStandardUsers()
        let created = try await createPost(tokens.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ"}"#)
        let id = postID(created)
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/posts/\(id)/edit")
        // Meanwhile it went out.
        let found = try await Post.find(UUID(uuidString: id), on: app.db)
        let post = try XCTUnwrap(found)
        post.state = .published
        try await post.save(on: app.db)
        let typed = "市民まつりは１２月７日（日）に延期します <b>訂正</b>"
        let r = try await staff.post("/posts/\(id)/edit", ["account": "kodaira_tokyo", "kind": "post", "category": "ウ", "text": typed,
                                                          "intent": "save", "version": String(post.lockVersion)])
        XCTAssertEqual(r.status, .conflict)
        let page = staff.lastBody
        XCTAssertTrue(page.contains("保存しませんでした: 「発信済み」の投稿は編集できません"), String(page.prefix(6000)))
        XCTAssertTrue(page.contains("市民まつりは１２月７日（日）に延期します &lt;b&gt;訂正&lt;/b&gt;</textarea>"), "what was typed, escaped")
        XCTAssertTrue(page.contains(#"<form method="post" action="/posts/new">"#), "saved again, it becomes a new post")
        XCTAssertFalse(page.contains(#"name="version""#))
        let after = try await Post.find(UUID(uuidString: id), on: app.db)
        XCTAssertEqual(try after?.action.text, "市民まつりのお知らせ", "the published post is unchanged")
        // Saving the form as it came back makes a new draft with the correction.
        let saved = try await staff.post("/posts/new", ["account": "kodaira_tokyo", "kind": "post", "category": "ウ", "text": typed, "intent": "save"])
        XCTAssertEqual(saved.status, .seeOther)
        try await assertEqual(try await Post.query(on: app.db).count(), 2)
    }

    func testAComposeFieldGivenWronglyIsMarkedWithItsReason() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/posts/new?account=kodaira_tokyo")
        let r = try await staff.post("/posts/new", ["account": "kodaira_tokyo", "kind": "post", "category": "ウ", "text": "防災訓練のお知らせ",
                                                    "scheduledAt": "２０２６年１２月７日", "intent": "save"])
        XCTAssertEqual(r.status, .badRequest)
        let page = staff.lastBody
        assertInvalid("f-scheduledAt", page, says: "日時")
        XCTAssertFalse(page.contains("scheduledAt:"), "no field code in the reason")
        XCTAssertTrue(page.contains(#"value="２０２６年１２月７日""#))
        XCTAssertTrue(page.contains("防災訓練のお知らせ</textarea>"))
        try await assertEqual(try await Post.query(on: app.db).count(), 0)
    }

    func testReturningWithoutAReasonComesBackToThePost() async throws {
        let tokens = try await addStandardUsers()
        let created = try await createPost(tokens.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ"}"#)
        let id = postID(created)
        _ = try await api(.POST, "/posts/\(id)/submit", token: tokens.staff)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/posts/\(id)")
        let found = try await Post.find(UUID(uuidString: id), on: app.db)
        let version = try XCTUnwrap(found).lockVersion
        let r = try await chief.post("/posts/\(id)/reject", ["version": String(version), "reason": " \u{3000} "])
        XCTAssertEqual(r.status, .unprocessableEntity)
        let page = chief.lastBody
        XCTAssertTrue(page.contains("<h1>投稿の詳細</h1>"), "the post's page, not an error page")
        assertInvalid("f-reject-reason", page, says: "差戻しの理由を入力してください")
        XCTAssertTrue(page.contains(">承認する</button>"), "approving is still offered")
        try await assertEqual(try await Post.find(UUID(uuidString: id), on: app.db)?.state, .submitted)
    }

    func testDisasterModeRefusedKeepsTheAccountsAndTheReason() async throws {
        _ = try await addStandardUsers()
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/disaster")
        var r = try await chief.post("/disaster", pairs: [("on", "1"), ("reason", "台風第１０号の接近 <速報>")])
        XCTAssertEqual(r.status, .badRequest)
        var page = chief.lastBody
        XCTAssertTrue(page.contains("アカウントを一つ以上選ぶか、「すべてのアカウント」に印を付けてください"), page)
        XCTAssertFalse(page.contains(#"\"all\" を指定"#), "no JSON value named to a person")
        XCTAssertTrue(page.contains(#"value="台風第１０号の接近 &lt;速報&gt;""#))
        r = try await chief.post("/disaster", pairs: [("on", "1"), ("accounts[]", "koho.kodairacity"), ("reason", "")])
        XCTAssertEqual(r.status, .badRequest)
        page = chief.lastBody
        assertInvalid("f-reason", page, says: "理由を入力してください")
        XCTAssertTrue(page.contains(#"value="koho.kodairacity" checked"#), page)
        try await assertEqual(try await DisasterMode.query(on: app.db).count(), 0)
    }

    func testAnImpersonationReportRefusedKeepsWhatWasSeen() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/impersonation")
        let r = try await staff.post("/impersonation/reports", ["platform": "", "target": "kodaira__tokyo", "name": "東京都小平巿<公式>",
                                                               "bio": "小平市の公式アカウントです", "note": "市民から電話"])
        XCTAssertEqual(r.status, .badRequest)
        let page = staff.lastBody
        assertInvalid("f-platform", page, says: "プラットフォーム")
        XCTAssertTrue(page.contains(#"value="東京都小平巿&lt;公式&gt;""#))
        XCTAssertTrue(page.contains("小平市の公式アカウントです</textarea>"))
        XCTAssertTrue(page.contains("市民から電話</textarea>"))
        try await assertEqual(try await ImpersonationCase.query(on: app.db).count(), 0)
    }
}

/// The frame of an attached video, beside what the chief approves, where ffmpeg is installed.
final class VideoFrameTests: KohoTestCase {
    override func adjust(_ config: inout KohoConfig) { config.mediaTools = .detected }

    func testTheApprovalPreviewAndThePostShowTheVideosFrame() async throws {
        guard let ffmpeg = FFMpeg.executable else { throw XCTSkip("ffmpeg is not installed here") }
        let tokens = try await addStandardUsers()
        try await addUser("yamada", .staff, accounts: ["UCp9YZtjCNcG0q3fQ1ln31Xg"])
        let video = dir.appendingPathComponent("clip.mp4")
        let make = Process()
        make.executableURL = URL(fileURLWithPath: ffmpeg)
        make.arguments = ["-v", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=320x240:rate=10", "-pix_fmt", "yuv420p", "-y", video.path]
        try make.run()
        make.waitUntilExit()
        let created = try await createPost(try await token("yamada"), #"{"account":"UCp9YZtjCNcG0q3fQ1ln31Xg","category":"①","title":"小平の紅葉","text":"市内の紅葉を紹介します"}"#)
        let id = postID(created)
        let attached = try await attachMedia(try await token("yamada"), id, version: 1, data: try Data(contentsOf: video))
        XCTAssertEqual(attached.status, .ok, attached.body)
        let found = try await Post.find(UUID(uuidString: id), on: app.db)
        let post = try XCTUnwrap(found)
        post.state = .submitted
        post.requiresChiefApproval = true
        try await post.save(on: app.db)
        _ = tokens

        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/approvals")
        XCTAssertTrue(chief.lastBody.contains(#"<img src="/posts/\#(id)/poster.jpg""#), "the frame beside the preview in 承認待ち")
        try await chief.get("/posts/\(id)")
        XCTAssertTrue(chief.lastBody.contains(#"<img src="/posts/\#(id)/poster.jpg""#), "and on the post's page")
        let frame = try await chief.get("/posts/\(id)/poster.jpg")
        XCTAssertEqual(frame.status, .ok)
        XCTAssertEqual(Array(Data(frame.body.readableBytesView).prefix(2)), [0xFF, 0xD8], "a JPEG")
        let anonymous = try await app.testable().sendRequest(.GET, "/posts/\(id)/poster.jpg")
        XCTAssertNotEqual(anonymous.status, .ok)
    }
}

/// Without ffmpeg, 承認待ち says why a video shows no frame.
final class NoVideoFrameTests: KohoTestCase {
    func testTheApprovalPreviewSaysThereIsNoFFmpeg() async throws {
        _ = try await addStandardUsers()
        try await addUser("yamada", .staff, accounts: ["UCp9YZtjCNcG0q3fQ1ln31Xg"])
        let created = try await createPost(try await token("yamada"), #"{"account":"UCp9YZtjCNcG0q3fQ1ln31Xg","category":"①","title":"小平の紅葉","text":"市内の紅葉を紹介します"}"#)
        let id = postID(created)
        let attached = try await attachMedia(try await token("yamada"), id, version: 1)
        XCTAssertEqual(attached.status, .ok, attached.body)
        let found = try await Post.find(UUID(uuidString: id), on: app.db)
        let post = try XCTUnwrap(found)
        post.state = .submitted
        try await post.save(on: app.db)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/approvals")
        XCTAssertTrue(chief.lastBody.contains("このサーバーには ffmpeg がないため、動画の画面は表示できません"), chief.lastBody)
        XCTAssertFalse(chief.lastBody.contains("/poster.jpg"))
    }
}

/// Readable public notice addresses: date, kind and account; the old addresses by id move there for good.
final class NoticeSlugTests: KohoTestCase {
    func testNoticesHaveReadableUniqueAddressesAndTheOldOnesRedirect() async throws {
        let t = try await addStandardUsers()
        func publish(_ kind: String, _ account: String, _ title: String) async throws -> (id: String, slug: String) {
            let r = try await api(.POST, "/notices", token: t.chief, json: #"{"kind":"\#(kind)","account":"\#(account)","title":"\#(title)","body":"本文"}"#)
            let id = try XCTUnwrap(r.json["id"] as? String)
            try await assertEqual(try await publishNotice(id, token: t.chief).status, .ok)
            let n = try await Notice.find(UUID(uuidString: id), on: app.db)
            return (id, try XCTUnwrap(n?.slug))
        }
        // The test clock stands at 2026-11-25 10:00 in Tokyo.
        let first = try await publish("suspension", "kodaira_tokyo", "Xの運用を停止します")
        XCTAssertEqual(first.slug, "2026-11-25-suspension-kodaira_tokyo")
        let second = try await publish("suspension", "kodaira_tokyo", "Xの運用の停止（続報）")
        XCTAssertEqual(second.slug, "2026-11-25-suspension-kodaira_tokyo-2", "unique on the same day")
        let facebook = try await publish("impersonation", "koho.kodairacity", "偽のフェイスブックページにご注意ください")
        XCTAssertEqual(facebook.slug, "2026-11-25-impersonation-koho-kodairacity", "ASCII letters, digits, - and _ only")
        // A notice still a draft has none.
        let draft = try await api(.POST, "/notices", token: t.chief, json: #"{"kind":"suspension","account":"kodaira_tokyo","title":"下書き","body":"まだ"}"#)
        try await assertNil(try await Notice.find(UUID(uuidString: try XCTUnwrap(draft.json["id"] as? String)), on: app.db)?.slug)

        let page = try await app.testable().sendRequest(.GET, "/public/notices/\(first.slug)")
        XCTAssertEqual(page.status, .ok)
        XCTAssertTrue(page.body.string.contains("Xの運用を停止します"))
        let old = try await app.testable().sendRequest(.GET, "/public/notices/\(first.id)")
        XCTAssertEqual(old.status, .movedPermanently)
        XCTAssertEqual(old.headers.first(name: .location), "/public/notices/\(first.slug)")
        try await assertEqual(try await app.testable().sendRequest(.GET, "/public/notices/\(UUID().uuidString)").status, .notFound)
        try await assertEqual(try await app.testable().sendRequest(.GET, "/public/notices/2026-11-25-suspension-kodaira_tokyo-9").status, .notFound)
        try await assertEqual(try await app.testable().sendRequest(.GET, "/public/notices/..%2Fpolicy").status, .notFound)
        // The lists, the JSON and the staff page link to the readable address.
        let list = try await app.testable().sendRequest(.GET, "/public/notices").body.string
        XCTAssertTrue(list.contains(#"href="/public/notices/2026-11-25-suspension-kodaira_tokyo-2""#), list)
        let json = try await app.testable().sendRequest(.GET, "/public/notices.json").body.string
        XCTAssertTrue(json.contains(#""url" : "\/public\/notices\/2026-11-25-impersonation-koho-kodairacity""#)
                      || json.contains(#""url" : "/public/notices/2026-11-25-impersonation-koho-kodairacity""#), json)
        let staff = WebClient(app)
        try await staff.login("kacho", password)
        try await staff.get("/notices/\(first.id)")
        XCTAssertTrue(staff.lastBody.contains("https://www.city.kodaira.tokyo.jp/koho/notices/2026-11-25-suspension-kodaira_tokyo.html"), staff.lastBody)

        // An edit keeps the address.
        let edited = try await staff.post("/notices/\(first.id)", ["title": "Xの運用を停止しています", "body": "本文", "version": "2"])
        XCTAssertEqual(edited.status, .seeOther, staff.lastBody)
        try await assertEqual(try await Notice.find(UUID(uuidString: first.id), on: app.db)?.slug, first.slug)

        // The export: each notice under its slug, the old file name a page that moves on to it.
        let out = dir.appendingPathComponent("export", isDirectory: true)
        let files = try PublicSite.export(try await PublicSite.load(app.db, app.koho), to: out)
        for n in [first, second, facebook] {
            XCTAssertTrue(files.contains("notices/\(n.slug).html"), n.slug)
            let moved = try String(contentsOf: out.appendingPathComponent("notices/\(n.id).html"), encoding: .utf8)
            XCTAssertTrue(moved.contains(#"content="0; url=\#(n.slug).html""#), moved)
            XCTAssertTrue(moved.contains(#"<link rel="canonical" href="\#(n.slug).html""#), moved)
        }
        // Notices published before readable addresses get theirs when the database is migrated, in order of publication.
        for n in try await Notice.query(on: app.db).all() {
            n.slug = nil
            try await n.save(on: app.db)
        }
        try await AddSlugToNotice.backfill(on: app.db)
        let slugs = try await Notice.query(on: app.db).filter(\.$status == .published).sort(\.$publishedAt).sort(\.$id).all().compactMap(\.slug)
        XCTAssertEqual(Set(slugs), [first.slug, second.slug, facebook.slug])
        let draftSlug = try await Notice.query(on: app.db).filter(\.$status == .draft).first()?.slug
        XCTAssertNil(draftSlug)
        let index = try String(contentsOf: out.appendingPathComponent("notices.html"), encoding: .utf8)
        XCTAssertTrue(index.contains(#"href="notices/2026-11-25-suspension-kodaira_tokyo.html""#))
        XCTAssertFalse(index.contains("notices/\(first.id).html"))
    }
}

/// More refused forms: the impersonation steps, the password, the Facebook page token, a flood alarm's notice.
final class MoreFormErrorPathsTests: KohoTestCase {
    override func adjust(_ config: inout KohoConfig) {
        config.platforms = .sandbox(url: "http://127.0.0.1:9")
        config.platformGateway = InMemoryPlatform(clock: { Date() }).gateway
        config.publisher.enabled = false
        config.comments.enabled = false
    }

    func testAnImpersonationWarningRefusedKeepsTheEditedText() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/impersonation")
        let reported = try await staff.post("/impersonation/reports", ["platform": "", "target": "https://x.com/k0daira__tokyo", "name": "プチ田舎 東京都小平巿",
                                                                      "bio": "小平市の公式アカウントです", "note": ""])
        let path = try XCTUnwrap(reported.headers.first(name: .location))
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get(path)
        let body = "このアカウント（@k0daira__tokyo）は小平市のものではありません。\n<b>ご注意</b>ください。"
        let r = try await chief.post(path + "/warn", ["title": " ", "body": body])
        XCTAssertEqual(r.status, .badRequest)
        let page = chief.lastBody
        XCTAssertTrue(page.contains("記録できませんでした: 題名を入力してください"), page)
        let title = try XCTUnwrap(page.range(of: #"id="f-title""#).map { String(page[$0.lowerBound...].prefix(600)) })
        XCTAssertTrue(title.contains(#"aria-invalid="true""#))
        XCTAssertTrue(title.contains("題名を入力してください"), "the reason beside the title")
        XCTAssertTrue(page.contains("このアカウント（@k0daira__tokyo）は小平市のものではありません。\n&lt;b&gt;ご注意&lt;/b&gt;ください。</textarea>"),
                      "the chief's edited text, escaped, not the generated one")
        let id = try XCTUnwrap(UUID(uuidString: String(path.split(separator: "/").last!)))
        let still = try await ImpersonationCaseService.find(app.db, id)
        XCTAssertEqual(still.step, .found)
        try await assertEqual(try await Notice.query(on: app.db).count(), 0)
        // Closing without a reason chosen: the note typed stays.
        _ = try await chief.post(path + "/close", ["outcome": "", "note": "運営者に削除された（１２月７日確認）"])
        XCTAssertTrue(chief.lastBody.contains(#"value="運営者に削除された（１２月７日確認）""#), chief.lastBody)
        XCTAssertTrue(chief.lastBody.contains("終了の理由（削除された・対応不要）を選んでください"))
    }

    func testAPasswordRefusedSaysWhichFieldAndSendsNothingBack() async throws {
        _ = try await addStandardUsers()
        let web = WebClient(app)
        try await web.login("tanaka", password)
        try await web.get("/password")
        var r = try await web.post("/password", ["current": password, "new": "a brand new secret", "confirm": "a brand new secre"])
        XCTAssertEqual(r.status, .badRequest)
        let confirm = try XCTUnwrap(web.lastBody.range(of: #"id="f-confirm""#).map { String(web.lastBody[$0.lowerBound...].prefix(400)) })
        XCTAssertTrue(confirm.contains(#"aria-invalid="true""#))
        XCTAssertTrue(confirm.contains("確認用のパスワードが一致しません"))
        XCTAssertFalse(web.lastBody.contains("a brand new secret"))
        XCTAssertFalse(web.lastBody.contains(password))
        r = try await web.post("/password", ["current": password, "new": "short", "confirm": "short"])
        XCTAssertEqual(r.status, .badRequest)
        XCTAssertTrue(web.lastBody.contains("パスワードは10文字以上にしてください"))
    }

    func testAFacebookTokenRefusedKeepsThePageIDButNotTheToken() async throws {
        _ = try await addStandardUsers()
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/accounts")
        let connectsBefore = try await AuditEntry.query(on: app.db).filter(\.$action == "account.connect").count()
        let r = try await chief.post("/accounts/koho.kodairacity/facebook", ["pageId": "１２３<ページ>", "accessToken": "   "])
        XCTAssertEqual(r.status, .badRequest)
        let page = chief.lastBody
        XCTAssertTrue(page.contains("<h1>アカウント</h1>"), "the accounts page, not an error page")
        XCTAssertTrue(page.contains(#"value="１２３&lt;ページ&gt;""#), page)
        let token = try XCTUnwrap(page.range(of: #"id="f-accessToken""#).map { String(page[$0.lowerBound...].prefix(600)) })
        XCTAssertTrue(token.contains(#"aria-invalid="true""#))
        XCTAssertTrue(token.contains("ページのアクセストークンを入力してください"))
        let connects = try await AuditEntry.query(on: app.db).filter(\.$action == "account.connect").count()
        XCTAssertEqual(connects, connectsBefore, "nothing connected")
    }

    func testAFloodAlarmsNoticeRefusedKeepsItsText() async throws {
        _ = try await addStandardUsers()
        let alarm = CommentAlarm()
        alarm.id = UUID()
        alarm.account = "koho.kodairacity"
        alarm.reason = .surge
        alarm.raisedAt = clock.now
        alarm.inWindow = 400
        alarm.usualPerWindow = 3
        alarm.misleadingInWindow = 0
        alarm.peak = 400
        alarm.updatedAt = clock.now
        try await alarm.create(on: app.db)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/")
        let typed = String(repeating: "不適切なコメントが大量に投稿されているため停止します。", count: 800)
        let r = try await chief.post("/comments/alarms/\(alarm.id!.uuidString.lowercased())/notice", ["title": "フェイスブックの運用を停止します", "body": typed])
        XCTAssertEqual(r.status, .badRequest, chief.lastBody)
        let page = chief.lastBody
        XCTAssertTrue(page.contains("<h1>ダッシュボード</h1>"))
        XCTAssertTrue(page.contains("掲載できませんでした: 本文は20000文字以内にしてください"), page)
        XCTAssertTrue(page.contains(typed + "</textarea>"), "the whole text kept")
        XCTAssertTrue(page.contains(#"value="フェイスブックの運用を停止します""#))
        try await assertEqual(try await Notice.query(on: app.db).count(), 0)
    }
}

/// A comment decision refused for its input comes back as the comment's page with the choice and the reason typed.
final class CommentDecisionFormTests: CommentTestCase {
    func testADeletionWithoutAGroundKeepsTheReasonTyped() async throws {
        let post = try await facebookPost()
        let written = try await residentComment(on: post, "市の対応が遅すぎる", author: "市民A")
        try await poller.pass(force: true)
        let rows = try await stored(try XCTUnwrap(written["id"] as? String))
        let id = try XCTUnwrap(rows.first?.id)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/comments/\(id.uuidString.lowercased())")
        let r = try await chief.post("/comments/\(id.uuidString.lowercased())/decide",
                                     ["action": "delete", "ground": "", "reason": "<b>不適切</b>と判断（１２月７日）"])
        XCTAssertNotEqual(r.status, .seeOther)
        XCTAssertTrue([.badRequest, .unprocessableEntity].contains(r.status), "\(r.status)")
        let page = chief.lastBody
        XCTAssertTrue(page.contains("<h1>コメント</h1>"), "the comment's page, not an error page")
        XCTAssertTrue(page.contains("決定できませんでした"), page)
        XCTAssertTrue(page.contains(#"<option value="delete" selected>"#))
        XCTAssertTrue(page.contains("&lt;b&gt;不適切&lt;/b&gt;と判断（１２月７日）</textarea>"), "the reason typed, escaped")
        XCTAssertTrue(page.contains(#"aria-invalid="true""#))
        let after = try await CommentService.find(app.db, id)
        XCTAssertNil(after.decision)
    }
}

/// The walk as each role found codes in the history's details: they are said in words, the stored detail a hover away.
final class AuditDetailWordsTests: KohoTestCase {
    func render(_ node: BodyNode) -> String { Node<HTML.BodyContext>.element(named: "div", nodes: [node]).render() }

    func testCodesInDetailsAreWords() async throws {
        XCTAssertEqual(render(AuditWords.detail("draft kodaira_tokyo ウ", action: "post.create")),
                       #"<div><span title="draft kodaira_tokyo ウ">下書き kodaira_tokyo ウ</span></div>"#)
        XCTAssertTrue(render(AuditWords.detail("published 偽アカウントにご注意", action: "notice.edit")).contains(">掲載中 偽アカウントにご注意<"))
        let url = render(AuditWords.detail("publishing → published https://x.com/draft/status/1", action: "post.publish.published"))
        XCTAssertTrue(url.contains("→ 発信済み https://x.com/draft/status/1"), "a code inside an address stays: \(url)")
        XCTAssertTrue(render(AuditWords.detail("found → warned x k0daira__tokyo", action: "impersonation.case.warned"))
            .contains("発見 → 市ホームページで注意喚起 x k0daira__tokyo"))
        XCTAssertTrue(render(AuditWords.detail("delete ⑤", action: "comment.decide")).contains(">削除 ⑤<"))
        XCTAssertEqual(render(AuditWords.detail("災害モードを開始", action: "disaster.on")), "<div>災害モードを開始</div>")

        let tokens = try await addStandardUsers()
        let created = try await createPost(tokens.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつり"}"#)
        let web = WebClient(app)
        try await web.login("tanaka", password)
        try await web.get("/posts/\(postID(created))")
        XCTAssertFalse(web.lastBody.contains(">draft kodaira_tokyo"), "the history says 下書き")
        XCTAssertTrue(web.lastBody.contains(">下書き kodaira_tokyo ウ<"))
    }
}

/// The users page: a refused role change and a refused new user come back with the reason beside the field.
final class UserFormErrorPathsTests: KohoTestCase {
    func testARoleChangeRefusedKeepsWhatWasSentForThatUser() async throws {
        _ = try await addStandardUsers()
        let me = try await User.query(on: app.db).filter(\.$name == "kacho").first()
        let id = try XCTUnwrap(me?.id)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/users")
        let r = try await chief.post("/users/\(id.uuidString.lowercased())", pairs: [("role", "viewer"), ("totpRequired", "1"),
                                                                                     ("reason", "異動のため（１２月７日）<至急>")])
        XCTAssertEqual(r.status, .badRequest)
        let page = chief.lastBody
        XCTAssertTrue(page.contains("<h1>利用者</h1>"), "the users page, not an error page")
        XCTAssertTrue(page.contains("変更できませんでした: 自分自身の秘書広報課長の役割は外せません"), page)
        let prefix = "u\(id.uuidString.prefix(8))"
        let role = try XCTUnwrap(page.range(of: #"id="\#(prefix)-role""#).map { String(page[$0.lowerBound...].prefix(900)) })
        XCTAssertTrue(role.contains(#"aria-invalid="true""#))
        XCTAssertTrue(role.contains(#"<option value="viewer" selected>"#), role)
        XCTAssertTrue(page.contains(#"value="異動のため（１２月７日）&lt;至急&gt;""#))
        let after = try await User.find(id, on: app.db)
        XCTAssertEqual(after?.role, .chief)
        XCTAssertEqual(after?.totpRequired, false)
        // A new user's short password: the reason beside the password.
        _ = try await chief.post("/users", pairs: [("name", "suzuki"), ("password", "short"), ("role", "staff")])
        let password = try XCTUnwrap(chief.lastBody.range(of: #"id="f-password""#).map { String(chief.lastBody[$0.lowerBound...].prefix(600)) })
        XCTAssertTrue(password.contains("パスワードは10文字以上にしてください"), password)
    }
}
