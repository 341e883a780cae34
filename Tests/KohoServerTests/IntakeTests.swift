import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import XCTVapor
import XCTest
import KohoCore
import KohoSandbox
@testable import KohoServer
@testable import KohoTools

func rss(_ items: [(guid: String, title: String, link: String, date: String, summary: String)]) -> String {
    """
    <?xml version="1.0" encoding="UTF-8"?>
    <rss version="2.0"><channel><title>小平市 緊急情報</title><link>https://www.city.kodaira.tokyo.jp/</link><description>緊急防災情報</description>
    \(items.map { "<item><guid>\($0.guid)</guid><title>\($0.title)</title><link>\($0.link)</link><pubDate>\($0.date)</pubDate><description>\($0.summary)</description></item>" }.joined(separator: "\n"))
    </channel></rss>
    """
}

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("KohoCoreTests/Fixtures")

class IntakeTestCase: PublisherTestCase {
    var feeds: LoopbackFeedServer!
    var feedBase = ""
    var smtp: LoopbackSMTPServer!
    var maildir: URL!
    var validators: Bool { true }
    /// The mail relay is down when the server starts (its port closed).
    var relayDown: Bool { false }

    func intakeSettings() -> IntakeSettings {
        var s = IntakeSettings()
        s.website = [.init(url: feedBase + "/bousai.xml", categories: ["ア", "①"], interval: .seconds(3600))]
        s.mail = .init(maildir: maildir.path, senders: ["mailmag@city.kodaira.tokyo.jp", "info@city.kodaira.tokyo.jp"], categories: ["ア", "①"], interval: .seconds(3600))
        s.agency = .init(feeds: [feedBase + "/extra.xml"], longTermFeeds: [], interval: .seconds(3600), longTermInterval: .seconds(3600),
                         municipality: "1321100", earthquakeRegion: "東京都多摩東部", earthquakeRegionCode: "351",
                         disasterModeWarnings: ["特別警報"], disasterModeIntensity: "5-")
        return s
    }

    override func setUp() async throws {
        sandbox = try await startSandbox()
        feeds = try await LoopbackFeedServer(validators: validators)
        feedBase = try await feeds.start()
        smtp = try await LoopbackSMTPServer.start()
        let smtpPort = smtp.port
        if relayDown { try await smtp.stop() }
        clock = TestClock(startTime)
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("koho-test-\(UUID().uuidString)")
        maildir = dir.appendingPathComponent("Maildir")
        for sub in ["new", "cur", "tmp"] { try FileManager.default.createDirectory(at: maildir.appendingPathComponent(sub), withIntermediateDirectories: true) }
        try await makeIntakeApp(smtpPort: smtpPort)
        try await addUser("kacho", .chief)
        chiefToken = try await token("kacho")
    }

    var smtpPort = 0

    /// A test class may change the feeds file's settings or the server's configuration.
    func adjustIntake(_ intake: inout IntakeSettings, _ config: inout KohoConfig) {}

    func makeIntakeApp(smtpPort: Int, reset: Bool = true) async throws {
        self.smtpPort = smtpPort
        let c = clock!
        var config = KohoConfig(dataDirectory: dir, clock: { c.now }, bcryptCost: 4, loginDelayPerFailure: .zero, environment: .testing)
        config.resetDatabase = reset && config.databaseURL != nil
        config.platforms = .sandbox(url: sandbox.baseURL)
        config.publisher = settings()
        var intake = intakeSettings()
        intake.smtp = .init(host: "127.0.0.1", port: smtpPort, from: "koho@city.kodaira.tokyo.jp",
                            to: ["kacho@city.kodaira.tokyo.jp", "tanaka@city.kodaira.tokyo.jp"], helo: "koho.test")
        adjustIntake(&intake, &config)
        config.intake = intake
        app = try await makeApp(config)
        // The jobs run when the app boots (a first round each), then wait an hour: the tests turn them by hand.
        try await app.asyncBoot()
        // Each source's first round done (after a restart the sources' records exist already, so they cannot tell).
        let deadline = Date().addingTimeInterval(10)
        let intakeJobs = app.backgroundJobs?.all.filter { $0.name.hasPrefix("intake-") } ?? []
        while Date() < deadline, intakeJobs.contains(where: { $0.status.rounds == 0 }) { try await Task.sleep(for: .milliseconds(20)) }
        while Date() < deadline, try await IntakeSourceState.query(on: app.db).count() < 3 { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(50))
        feeds.clearRequests()
    }

    override func tearDown() async throws {
        try await super.tearDown()
        try? await feeds?.shutdown()
        try? await smtp?.stop()
    }

    func feed(_ entries: [(id: String, title: String)]) -> String {
        """
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom" lang="ja"><title>高頻度（随時）</title><id>urn:test</id><updated>2026-09-09T06:05:00+09:00</updated>
        \(entries.map { "<entry><title>\($0.title)</title><id>\(feedBase)/\($0.id)</id><updated>2026-09-08T21:05:12Z</updated><author><name>気象庁予報部</name></author><link type=\"application/xml\" href=\"\(feedBase)/\($0.id)\"/><content type=\"text\">【東京都気象警報・注意報】</content></entry>" }.joined())
        </feed>
        """
    }

    func serve(_ fixture: String, at path: String, edit: (String) -> String = { $0 }) throws {
        let text = try String(contentsOf: fixtures.appendingPathComponent("jma/\(fixture)"), encoding: .utf8)
        feeds.set("/" + path, edit(text))
    }

    func job(_ name: String) throws -> Job { try XCTUnwrap(app.backgroundJobs?.job(named: name), name) }

    func intakePosts() async throws -> [Post] {
        try await Post.query(on: app.db).filter(\.$authorName == IntakeService.actorName).sort(\.$createdAt).all()
    }

    func sourceState(_ prefix: String) async throws -> IntakeSourceState? {
        try await IntakeSourceState.query(on: app.db).all().first { $0.name.hasPrefix(prefix) }
    }
}

final class WebsiteIntakeTests: IntakeTestCase {
    static let longSummary = "台風第１０号の接近に伴い、本日15時から市内の避難所（小平第一小学校、小平第三中学校ほか12か所）を開設しました。"
        + String(repeating: "避難の際は、1,000円程度の現金、常備薬、懐中電灯をお持ちください。", count: 6)

    func testAnArticleBecomesXAndFacebookDraftsThatGoOutAfterOneApproval() async throws {
        // A feed with an old article: the first fetch takes note of it and drafts nothing.
        feeds.set("/bousai.xml", rss([("old-1", "防災訓練のお知らせ", "https://www.city.kodaira.tokyo.jp/kurashi/1.html", "Mon, 23 Nov 2026 09:00:00 +0900", "訓練")]))
        try await job("intake-website").runOnce()
        try await assertEqual(try await self.intakePosts().count, 0)
        let first = try await sourceState("website:")
        XCTAssertNotNil(first?.lastFetchAt)
        XCTAssertNil(first?.lastError)

        // Unchanged: the next fetch is conditional and answered 304.
        try await job("intake-website").runOnce()
        XCTAssertEqual(feeds.requests(for: "/bousai.xml"), [false, true])

        feeds.set("/bousai.xml", rss([
            ("new-1", "避難所を開設しました", "https://www.city.kodaira.tokyo.jp/kurashi/bousai/123456.html", "Wed, 25 Nov 2026 09:58:00 +0900", Self.longSummary),
            ("old-1", "防災訓練のお知らせ", "https://www.city.kodaira.tokyo.jp/kurashi/1.html", "Mon, 23 Nov 2026 09:00:00 +0900", "訓練"),
        ]))
        app.intake?.wakeAll()
        // Each draft is made, then submitted: wait for both steps, not just the first.
        try await waitFor(seconds: 10) { try await self.intakePosts().filter { $0.state == .submitted }.count == 2 }
        let posts = try await intakePosts()
        XCTAssertEqual(posts.map(\.account).sorted(), ["kodaira_tokyo", "koho.kodairacity"])
        for p in posts {
            XCTAssertEqual(p.state, .submitted, "waits for the chief")
            XCTAssertTrue(p.emergency)
            XCTAssertEqual(p.sourceURL, "https://www.city.kodaira.tokyo.jp/kurashi/bousai/123456.html")
            XCTAssertEqual(try p.action.emergencyReason, "市ホームページの緊急情報「避難所を開設しました」")
            XCTAssertTrue(try p.action.text.hasPrefix("【緊急】避難所を開設しました\n台風第１０号"))
        }
        let x = try XCTUnwrap(posts.first { $0.account == "kodaira_tokyo" })
        let fb = try XCTUnwrap(posts.first { $0.account == "koho.kodairacity" })
        XCTAssertEqual(x.category, "ア")
        XCTAssertEqual(fb.category, "①")
        let rendering = try XCTUnwrap(try x.rendering(app.koho.policy)?.get())
        XCTAssertLessThanOrEqual(XTextCounter.parse(rendering.text).weightedLength, 280, rendering.text)
        XCTAssertTrue(try x.action.text.hasSuffix("…"), "shortened to fit with the link")
        XCTAssertTrue(try fb.action.text.contains(Self.longSummary), "Facebook takes the whole article")

        // The chief and the staff are told by e-mail.
        try await waitFor(seconds: 10) { self.smtp.messages.map(\.text).count == 1 }
        let mail = try XCTUnwrap(smtp.messages.map(\.text).first)
        XCTAssertTrue(mail.contains("記事: 避難所を開設しました"), mail)
        XCTAssertTrue(mail.contains("/posts/\(x.id!.uuidString.lowercased())"), mail)

        // The dashboard shows them at once.
        let web = WebClient(app)
        try await web.login("kacho", password)
        try await web.get("/")
        XCTAssertTrue(web.lastBody.contains("緊急情報から作った投稿（2件）"))
        XCTAssertTrue(web.lastBody.contains("緊急の投稿が2件、承認を待っています"))

        // Only the chief approves: not the staff of the account, not a viewer.
        _ = try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo", "koho.kodairacity"])
        _ = try await addUser("kansa", .viewer)
        for name in ["tanaka", "kansa"] {
            let refused = try await api(.POST, "/posts/\(x.id!.uuidString.lowercased())/approve", token: try await token(name))
            XCTAssertEqual(refused.status, .forbidden, "\(name): \(refused.body)")
        }
        try await assertEqual(try await Post.find(x.id, on: self.app.db)?.state, .submitted)

        // One approval each, and they go out at once — here at 22:00, outside the operating hours (3(5)).
        clock.now = jst("2026-11-25T22:00")
        for p in [x, fb] {
            let approved = try await api(.POST, "/posts/\(p.id!.uuidString.lowercased())/approve", token: chiefToken)
            XCTAssertEqual(approved.json["state"] as? String, "scheduled", approved.body)
        }
        try await waitFor(seconds: 10) { try await self.intakePosts().allSatisfy { $0.state == .published } }
        try await assertEqual(try await self.intakePosts().map(\.state), [.published, .published])
        let sent = await sandboxPosts(sandbox)
        XCTAssertEqual(sent.count, 2)
        XCTAssertTrue(sent.allSatisfy { $0.text.contains("避難所を開設しました") }, "\(sent.map(\.text))")
        XCTAssertTrue(sent.contains { $0.text.contains("https://www.city.kodaira.tokyo.jp/kurashi/bousai/123456.html") })

        // Taken once: another round finds nothing new.
        try await job("intake-website").runOnce()
        try await assertEqual(try await self.intakePosts().count, 2)
        let state = try await sourceState("website:")
        XCTAssertEqual(state?.lastItemTitle, "避難所を開設しました")
    }

    func testAFeedThatIsDownOrBadGetsAClearStatusAndLosesNothing() async throws {
        feeds.setDown(true)
        try await job("intake-website").runOnce()
        var state = try await sourceState("website:")
        XCTAssertEqual(state?.lastError, "HTTP 503 Service Unavailable")

        feeds.setDown(false)
        feeds.set("/bousai.xml", "<rss><channel><item><title>壊れた")
        try await job("intake-website").runOnce()
        state = try await sourceState("website:")
        XCTAssertTrue(state?.lastError?.hasPrefix("フィードとして読めません") == true, state?.lastError ?? "")

        let web = WebClient(app)
        try await web.login("kacho", password)
        try await web.get("/")
        XCTAssertTrue(web.lastBody.contains("フィードとして読めません"), "the dashboard shows the source's error")

        // Mended: the article published while it was broken is taken (the first good fetch after errors takes recent items).
        feeds.set("/bousai.xml", rss([("new-2", "断水のお知らせ", "https://www.city.kodaira.tokyo.jp/kurashi/bousai/2.html", "Wed, 25 Nov 2026 09:30:00 +0900", "市内の一部で断水しています。")]))
        try await job("intake-website").runOnce()
        try await assertEqual(try await self.intakePosts().count, 2)
        state = try await sourceState("website:")
        XCTAssertNil(state?.lastError)

        let sources = try await api(.GET, "/intake/sources", token: chiefToken)
        XCTAssertTrue(sources.body.contains("断水のお知らせ"), sources.body)
    }
}

/// A feed without ETag or Last-Modified: every fetch is whole, and what was taken stays taken across a restart.
final class WebsiteIntakeWithoutValidatorsTests: IntakeTestCase {
    override var validators: Bool { false }

    func testNothingIsTakenTwiceAcrossARestart() async throws {
        feeds.set("/bousai.xml", rss([("a-1", "避難指示", "https://www.city.kodaira.tokyo.jp/kurashi/bousai/9.html", "Wed, 25 Nov 2026 09:50:00 +0900", "避難指示を発令しました。")]))
        try await job("intake-website").runOnce()
        try await assertEqual(try await self.intakePosts().count, 2)
        XCTAssertEqual(feeds.requests(for: "/bousai.xml"), [false])

        await app.backgroundJobs?.stop()
        try await app.asyncShutdown()
        try await makeIntakeApp(smtpPort: smtpPort, reset: false)
        try await job("intake-website").runOnce()
        try await job("intake-website").runOnce()
        try await assertEqual(try await self.intakePosts().count, 2)
        XCTAssertEqual(feeds.requests(for: "/bousai.xml").count, 2, "fetched whole each time")
    }
}

final class MailIntakeTests: IntakeTestCase {
    func deliver(_ fixture: String, as name: String) throws {
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("mail/\(fixture)"), to: maildir.appendingPathComponent("new/\(name)"))
    }

    func testMaildirMessagesInISO2022JPAndShiftJISBecomeDrafts() async throws {
        try deliver("iso2022jp-7bit.eml", as: "1700000000.1.koho")
        try deliver("shiftjis-qp.eml", as: "1700000001.2.koho")
        try await job("intake-maildir").runOnce()
        let posts = try await intakePosts()
        XCTAssertEqual(posts.count, 4, "two messages, X and Facebook each")
        XCTAssertTrue(posts.allSatisfy { $0.emergency && $0.sourceURL?.hasPrefix("https://www.city.kodaira.tokyo.jp/") == true })
        let texts = try posts.map { try $0.action.text }
        XCTAssertTrue(texts.contains { $0.contains("台風") }, "\(texts)")
        let cur = try FileManager.default.contentsOfDirectory(atPath: maildir.appendingPathComponent("cur").path).sorted()
        XCTAssertEqual(cur, ["1700000000.1.koho:2,S", "1700000001.2.koho:2,S"])
        try await assertEqual(try FileManager.default.contentsOfDirectory(atPath: self.maildir.appendingPathComponent("new").path), [])

        // The same message again (a second delivery) is not taken twice.
        try deliver("iso2022jp-7bit.eml", as: "1700000002.3.koho")
        try await job("intake-maildir").runOnce()
        try await assertEqual(try await self.intakePosts().count, 4)
    }

    func testAStrangerOrABrokenMessageIsRefusedAndKept() async throws {
        let stranger = "From: someone@example.com\r\nSubject: =?UTF-8?B?57eK5oCl?=\r\nMessage-ID: <x@example.com>\r\n\r\nhttps://www.city.kodaira.tokyo.jp/a.html\r\n"
        try Data(stranger.utf8).write(to: maildir.appendingPathComponent("new/1700000003.4.koho"))
        try await job("intake-maildir").runOnce()
        try await assertEqual(try await self.intakePosts().count, 0)
        let state = try await sourceState("mail")
        XCTAssertTrue(state?.lastError?.contains("someone@example.com") == true, state?.lastError ?? "")
        XCTAssertTrue(FileManager.default.fileExists(atPath: maildir.appendingPathComponent("cur/1700000003.4.koho:2,F").path), "kept")

        // A message that is not mail: refused with the reason, kept.
        try Data("これはメールではありません\r\n".utf8).write(to: maildir.appendingPathComponent("new/1700000004.5.koho"))
        try await job("intake-maildir").runOnce()
        let broken = try await sourceState("mail")
        XCTAssertEqual(broken?.lastError, "1700000004.5.koho: メールとして読めません（ヘッダーがありません）")
        XCTAssertTrue(FileManager.default.fileExists(atPath: maildir.appendingPathComponent("cur/1700000004.5.koho:2,F").path), "kept")

        // The Maildir gone (an unmounted share): a clear status; a message delivered once it is back is taken.
        let moved = dir.appendingPathComponent("Maildir-away")
        try FileManager.default.moveItem(at: maildir, to: moved)
        try await job("intake-maildir").runOnce()
        let gone = try await sourceState("mail")
        XCTAssertEqual(gone?.lastError, "Maildir の new/ がありません: \(maildir.appendingPathComponent("new").path)")
        try FileManager.default.moveItem(at: moved, to: maildir)
        try deliver("shiftjis-qp.eml", as: "1700000005.6.koho")
        try await job("intake-maildir").runOnce()
        try await assertEqual(try await self.intakePosts().count, 2)
        try await assertEqual(try await self.sourceState("mail")?.lastError, nil)
    }
}

final class AgencyIntakeTests: IntakeTestCase {
    func testAWarningRaisesAnAlertADrillNothingAndACancellationWithdrawsIt() async throws {
        try serve("koho_VPWW53_1321100_warning.xml", at: "w1.xml")
        try serve("koho_VXSE51_drill_5minus.xml", at: "drill.xml")
        try serve("koho_VPWW53_1321100_warning.xml", at: "w-test.xml") { $0.replacingOccurrences(of: "<Status>通常</Status>", with: "<Status>試験</Status>") }
        feeds.set("/extra.xml", feed([("drill.xml", "震度速報"), ("w-test.xml", "気象特別警報・警報・注意報"), ("w1.xml", "気象特別警報・警報・注意報"), ("other.xml", "地方天候情報")]))
        try await job("intake-agency").runOnce()

        let alerts = try await Alert.query(on: app.db).all()
        XCTAssertEqual(alerts.count, 1, "the drill and the test make nothing")
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertEqual(alert.status, "active")
        XCTAssertEqual(alert.kind, "weatherWarning")
        XCTAssertEqual(alert.area, "1321100")
        let drafts = IntakeItem.decode(alert.draftIDs)
        XCTAssertEqual(drafts.count, 2)
        for id in drafts {
            let p = try await XCTUnwrapAsync(try await Post.find(id, on: app.db))
            XCTAssertEqual(p.state, .draft, "waits for the city's article")
            XCTAssertNil(p.sourceURL)
            let text = try p.action.text
            XCTAssertTrue(text.contains("気象庁の「気象特別警報・警報・注意報」（9月9日6時05分）"), text)
            XCTAssertFalse(text.contains("2026-09-09T"), "no raw timestamp in a text residents read")
            // The agency's words for the city's area, not the prefecture's headline (issue 22).
            XCTAssertTrue(text.contains("小平市: 大雨警報"), text)
            XCTAssertFalse(text.contains("東京地方では"), text)
        }
        // Never posted as such: without the city's article the draft cannot be submitted.
        let refused = try await api(.POST, "/posts/\(drafts[0].uuidString.lowercased())/submit", token: chiefToken)
        XCTAssertEqual(refused.status, .unprocessableEntity, refused.body)
        XCTAssertEqual(feeds.requests(for: "/other.xml"), [], "kinds Koho does not read are not fetched")

        let listed = try await api(.GET, "/alerts", token: chiefToken)
        XCTAssertTrue(listed.body.contains(#""messageId":"\#(feedBase)/w1.xml""#.replacingOccurrences(of: "/", with: "\\/")) || listed.body.contains("\(feedBase)/w1.xml"), listed.body)
        XCTAssertTrue(listed.body.contains(drafts[0].uuidString.lowercased()))
        let anonymous = try await api(.GET, "/alerts", token: nil)
        XCTAssertEqual(anonymous.status, .unauthorized)

        // The chief and the staff are told through the mail outbox.
        try await waitFor(seconds: 10) { self.smtp.messages.count == 1 }
        XCTAssertEqual(smtp.messages.first?.header("Subject"), "【Koho】気象庁の情報: 気象特別警報・警報・注意報")
        XCTAssertTrue(smtp.messages.first?.text.contains("大雨警報") == true, smtp.messages.first?.text ?? "")

        // Each entry's XML is fetched once.
        try await job("intake-agency").runOnce()
        XCTAssertEqual(feeds.requests(for: "/w1.xml").count, 1)

        // The cancellation withdraws the alert and its drafts.
        try serve("koho_VPWW53_cancel.xml", at: "cancel.xml")
        feeds.set("/extra.xml", feed([("cancel.xml", "気象特別警報・警報・注意報"), ("w1.xml", "気象特別警報・警報・注意報")]))
        try await job("intake-agency").runOnce()
        let after = try await XCTUnwrapAsync(try await Alert.find(alert.id, on: app.db))
        XCTAssertEqual(after.status, "withdrawn")
        for id in drafts { try await assertEqual(try await Post.find(id, on: self.app.db)?.state, .cancelled) }
        try await waitFor(seconds: 10) { self.smtp.messages.count == 2 }
        XCTAssertEqual(smtp.messages.last?.header("Subject"), "【Koho】取消: 気象特別警報・警報・注意報")
        try await waitFor(seconds: 5) {
            try await AuditEntry.query(on: self.app.db).filter(\.$action == "mail.sent").count() == 2
        }
        let trail = try await AuditEntry.query(on: app.db).filter(\.$subject == "alert:\(alert.id!.uuidString.lowercased())").all()
        XCTAssertEqual(trail.map(\.action).sorted(), ["alert.raise", "alert.withdraw", "mail.sent", "mail.sent"])
    }

    func testABadEntryAndAFeedThatIsDownGetAClearStatus() async throws {
        feeds.set("/bad.xml", "<Report><Control><Title>壊れ")
        feeds.set("/extra.xml", feed([("bad.xml", "気象警報・注意報"), ("missing.xml", "震度速報")]))
        try await job("intake-agency").runOnce()
        let state = try await sourceState("agency:")
        XCTAssertTrue(state?.lastError?.contains("読めません") == true, state?.lastError ?? "")
        XCTAssertTrue(state?.lastError?.contains("HTTP 404") == true, state?.lastError ?? "")
        try await assertEqual(try await Alert.query(on: self.app.db).count(), 0)
        feeds.setDown(true)
        try await job("intake-agency").runOnce()
        let down = try await sourceState("agency:")
        XCTAssertEqual(down?.lastError, "HTTP 503 Service Unavailable")
    }
}

func XCTUnwrapAsync<T>(_ value: @autoclosure () async throws -> T?, file: StaticString = #filePath, line: UInt = #line) async throws -> T {
    let v = try await value()
    return try XCTUnwrap(v, file: file, line: line)
}
