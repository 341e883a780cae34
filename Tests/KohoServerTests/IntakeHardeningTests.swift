import AsyncHTTPClient
import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SQLKit
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
import KohoSandbox
import KohoTestSupport
@testable import KohoServer
@testable import KohoTools

extension IntakeTestCase {
    /// An agency feed whose entries link where each says.
    func agencyFeed(_ entries: [(id: String, title: String, link: String)]) -> String {
        """
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom" lang="ja"><title>高頻度（随時）</title><id>urn:test</id><updated>2026-09-09T06:05:00+09:00</updated>
        \(entries.map { "<entry><title>\($0.title)</title><id>urn:koho:\($0.id)</id><updated>2026-09-08T21:05:12Z</updated><author><name>気象庁予報部</name></author><link type=\"application/xml\" href=\"\($0.link)\"/><content type=\"text\">【東京都気象警報・注意報】</content></entry>" }.joined())
        </feed>
        """
    }

    func setAside() async throws -> [QuarantinedItem] {
        try await QuarantinedItem.query(on: app.db).filter(\.$setAside == true).sort(\.$key).all()
    }

    func chiefDashboard() async throws -> String {
        let web = WebClient(app)
        try await web.login("kacho", password)
        try await web.get("/")
        return web.lastBody
    }

    /// The website feed's article, recent enough to be taken on the first fetch.
    func article(_ guid: String, _ title: String, minute: Int = 58, summary: String = "市内の避難所を開設しました。")
        -> (guid: String, title: String, link: String, date: String, summary: String) {
        (guid, title, "https://www.city.kodaira.tokyo.jp/kurashi/bousai/\(guid).html", "Wed, 25 Nov 2026 09:\(minute):00 +0900", summary)
    }
}

/// Finding 4: a feed or one agency message that sends its body slowly, or never ends it, is cut at the limit with an
/// error the dashboard shows; the other sources go on meanwhile.
final class IntakeTimeLimitTests: IntakeTestCase {
    override func adjustIntake(_ intake: inout IntakeSettings, _ config: inout KohoConfig) {
        intake.limits = .init(headers: .seconds(2), whole: .seconds(3))
    }

    func testAFeedThatDribblesItsBodyIsCutAtTheLimitWhileTheAgencyGoesOn() async throws {
        // 8 KB sent 100 bytes every 100 ms would take 8 s.
        let long = String(repeating: "避難所の開設状況は市のホームページでお知らせします。", count: 60)
        feeds.set("/bousai.xml", rss([article("slow-1", "避難所を開設しました", summary: long)]))
        feeds.setPace("/bousai.xml", .dribble(bytes: 100, every: .milliseconds(100)))
        try serve("koho_VPWW53_1321100_warning.xml", at: "w1.xml")
        feeds.set("/extra.xml", feed([("w1.xml", "気象特別警報・警報・注意報")]))

        let website = try job("intake-website"), agency = try job("intake-agency")
        let t0 = ContinuousClock.now
        let websiteDone = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
        let slow = Task {
            _ = try await website.runOnce()
            websiteDone.withLockedValue { $0 = ContinuousClock.now }
        }
        try await Task.sleep(for: .milliseconds(200))
        try await agency.runOnce()
        let agencyDone = ContinuousClock.now
        try await assertEqual(try await Alert.query(on: self.app.db).count(), 1)
        try await slow.value
        let websiteEnded = try XCTUnwrap(websiteDone.withLockedValue { $0 })
        XCTAssertLessThan(agencyDone, websiteEnded, "the agency's round did not wait for the slow feed")
        XCTAssertLessThan(websiteEnded - t0, .seconds(6), "cut at the 3 s limit, not after the 8 s the body takes")

        let state = try await sourceState("website:")
        XCTAssertEqual(state?.lastError?.hasPrefix("3 秒以内に本文が届き終わりませんでした"), true, state?.lastError ?? "")
        try await assertEqual(try await self.intakePosts().filter { $0.sourceURL?.contains("slow-1") == true }.count, 0)
        let page = try await chiefDashboard()
        XCTAssertTrue(page.contains("3 秒以内に本文が届き終わりませんでした"), "the dashboard shows the source's error")

        // Sent at once again: taken.
        feeds.setPace("/bousai.xml", .whole)
        try await website.runOnce()
        try await assertEqual(try await self.intakePosts().filter { $0.sourceURL?.contains("slow-1") == true }.count, 2)
        try await assertEqual(try await self.sourceState("website:")?.lastError, nil)
    }

    func testAnAgencyMessageThatNeverEndsIsCutTheNextEntryIsReadAndAfterThreeRoundsItIsSetAside() async throws {
        try serve("koho_VPWW53_1321100_warning.xml", at: "stall.xml")
        feeds.setPace("/stall.xml", .stall(after: 200))
        try serve("koho_VPWW53_1321100_warning.xml", at: "w1.xml")
        feeds.set("/extra.xml", agencyFeed([("w1", "気象特別警報・警報・注意報", feedBase + "/w1.xml"),
                                             ("stall", "気象特別警報・警報・注意報", feedBase + "/stall.xml")]))
        let agency = try job("intake-agency")
        var t0 = ContinuousClock.now
        try await agency.runOnce()
        XCTAssertLessThan(ContinuousClock.now - t0, .seconds(7), "the stalled message is cut at the limit")
        try await assertEqual(try await Alert.query(on: self.app.db).count(), 1, "the other entry was read")
        let state = try await sourceState("agency:")
        XCTAssertTrue(state?.lastError?.contains("3 秒以内に本文が届き終わりませんでした（200 バイトで打ち切り）") == true, state?.lastError ?? "")

        // Tried on the next rounds, then set aside: the round no longer spends its time on it.
        try await agency.runOnce()
        try await assertEqual(try await self.setAside().count, 0)
        try await agency.runOnce()
        let aside = try await setAside()
        XCTAssertEqual(aside.map(\.key), ["urn:koho:stall"])
        XCTAssertEqual(aside.first?.attempts, 3)
        XCTAssertEqual(feeds.requests(for: "/stall.xml").count, 3)
        t0 = ContinuousClock.now
        try await agency.runOnce()
        XCTAssertLessThan(ContinuousClock.now - t0, .seconds(2))
        XCTAssertEqual(feeds.requests(for: "/stall.xml").count, 3, "not fetched again")
        try await assertEqual(try await self.sourceState("agency:")?.lastError, nil)

        let page = try await chiefDashboard()
        XCTAssertTrue(page.contains("取り込めずに除けた項目（1件）"), page)
        XCTAssertTrue(page.contains("電文を取得できません"), page)
        let audited = try await AuditEntry.query(on: app.db).filter(\.$action == "intake.quarantine").all()
        XCTAssertEqual(audited.count, 1)
        XCTAssertTrue(audited.first?.detail.contains("urn:koho:stall") == true)
    }
}

/// Finding 11: the agency's entry links are fetched only over http(s) from the feed's own host (or the configured
/// ones), and redirects only within them.
final class IntakeLinkTests: IntakeTestCase {
    var socketServer: LoopbackFeedServer?
    var socketPath = ""

    override func tearDown() async throws {
        try? await socketServer?.shutdown()
        try await super.tearDown()
        if !socketPath.isEmpty { try? FileManager.default.removeItem(atPath: socketPath) }
    }

    func testLinksToAUnixSocketOrAnotherHostAndRedirectsElsewhereAreNeverFetched() async throws {
        // A server on a local UNIX socket, serving a warning: the old intake fetched it through `http+unix:`.
        socketPath = FileManager.default.temporaryDirectory.appendingPathComponent("koho-\(UUID().uuidString.prefix(8)).sock").path
        let local = try await LoopbackFeedServer()
        socketServer = local
        try await local.startOnSocket(socketPath)
        let warning = try String(contentsOf: fixtures.appendingPathComponent("jma/koho_VPWW53_1321100_warning.xml"), encoding: .utf8)
        local.set("/w.xml", warning)
        let encoded = socketPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? socketPath
        let port = URL(string: feedBase)!.port!
        // The same loopback server under another name: a request to it would be recorded.
        let elsewhere = "http://localhost:\(port)"
        try serve("koho_VPWW53_1321100_warning.xml", at: "other-host.xml")
        try serve("koho_VPWW53_1321100_warning.xml", at: "target.xml")
        feeds.redirect("/moved-away.xml", to: elsewhere + "/target.xml")
        feeds.set("/extra.xml", agencyFeed([
            ("unix", "気象特別警報・警報・注意報", "http+unix://\(encoded)/w.xml"),
            ("other", "気象特別警報・警報・注意報", elsewhere + "/other-host.xml"),
            ("file", "気象特別警報・警報・注意報", "file:///etc/passwd"),
            ("redirect", "気象特別警報・警報・注意報", feedBase + "/moved-away.xml"),
        ]))
        try await job("intake-agency").runOnce()

        XCTAssertEqual(local.requests(for: "/w.xml"), [], "nothing was sent over the local socket")
        XCTAssertEqual(feeds.requests(for: "/other-host.xml"), [], "another host is not asked")
        XCTAssertEqual(feeds.requests(for: "/moved-away.xml").count, 1)
        XCTAssertEqual(feeds.requests(for: "/target.xml"), [], "the redirect to another host is not followed")
        try await assertEqual(try await Alert.query(on: self.app.db).count(), 0)
        let aside = Dictionary(uniqueKeysWithValues: try await setAside().map { ($0.key, $0.reason) })
        XCTAssertEqual(aside.count, 4, "\(aside)")
        XCTAssertTrue(aside["urn:koho:unix"]?.contains("http・https 以外のリンクです（http+unix）") == true, "\(aside)")
        XCTAssertTrue(aside["urn:koho:file"]?.contains("http・https 以外のリンクです（file）") == true, "\(aside)")
        XCTAssertTrue(aside["urn:koho:other"]?.contains("設定されたホスト（127.0.0.1）以外へのリンクです（localhost）") == true, "\(aside)")
        XCTAssertTrue(aside["urn:koho:redirect"]?.contains("転送先: 設定されたホスト（127.0.0.1）以外へのリンクです（localhost）") == true, "\(aside)")

        // A redirect within the feed's host is followed.
        feeds.redirect("/moved-here.xml", to: "/target.xml")
        feeds.set("/extra.xml", agencyFeed([("here", "気象特別警報・警報・注意報", feedBase + "/moved-here.xml")]))
        try await job("intake-agency").runOnce()
        XCTAssertEqual(feeds.requests(for: "/target.xml").count, 1)
        try await assertEqual(try await Alert.query(on: self.app.db).count(), 1)
    }

    func testTheCityFeedRedirectedToAnotherHostIsAnErrorOnTheDashboard() async throws {
        let port = URL(string: feedBase)!.port!
        feeds.set("/elsewhere.xml", rss([article("r-1", "避難指示を発令しました")]))
        feeds.redirect("/bousai.xml", to: "http://localhost:\(port)/elsewhere.xml")
        try await job("intake-website").runOnce()
        XCTAssertEqual(feeds.requests(for: "/elsewhere.xml"), [])
        let state = try await sourceState("website:")
        XCTAssertEqual(state?.lastError, "取得しないリンクです: 転送先: 設定されたホスト（127.0.0.1）以外へのリンクです（localhost）")
        try await assertEqual(try await self.intakePosts().count, 0)
    }
}

/// The hosts a feeds file names are allowed beside the feed's own.
final class IntakeConfiguredHostsTests: IntakeTestCase {
    override func adjustIntake(_ intake: inout IntakeSettings, _ config: inout KohoConfig) {
        intake.agency?.hosts = ["localhost"]
    }

    func testAConfiguredHostIsFetched() async throws {
        let port = URL(string: feedBase)!.port!
        try serve("koho_VPWW53_1321100_warning.xml", at: "mirror.xml")
        feeds.set("/extra.xml", agencyFeed([("m", "気象特別警報・警報・注意報", "http://localhost:\(port)/mirror.xml")]))
        try await job("intake-agency").runOnce()
        XCTAssertEqual(feeds.requests(for: "/mirror.xml").count, 1)
        try await assertEqual(try await Alert.query(on: self.app.db).count(), 1)
    }

    func testTheFeedsFileReadsHostsAndLimits() throws {
        let s = try IntakeSettings.load(yaml: """
            limits: {headers: 5, body: 20}
            website:
              - {url: "https://www.city.kodaira.tokyo.jp/rss/bousai.xml", categories: [ア], hosts: [Cms.City.Kodaira.Tokyo.jp]}
            agency:
              feeds: ["https://www.data.jma.go.jp/developer/xml/feed/extra.xml"]
              hosts: [xml.kishou.go.jp]
            """, file: "feeds.yaml")
        XCTAssertEqual(s.limits, .init(headers: .seconds(5), whole: .seconds(20)))
        XCTAssertEqual(s.website.first?.hosts, ["cms.city.kodaira.tokyo.jp"])
        XCTAssertEqual(s.agency?.hosts, ["xml.kishou.go.jp"])
        XCTAssertThrowsError(try IntakeSettings.load(yaml: "agency: {feeds: [\"https://a.example/f.xml\"], hosts: [\"http://b.example/\"]}", file: "f.yaml")) {
            XCTAssertTrue("\($0)".contains("hosts にはホスト名だけを書いてください"), "\($0)")
        }
        XCTAssertThrowsError(try IntakeSettings.load(yaml: "limits: {headers: 30, body: 10}", file: "f.yaml")) {
            XCTAssertTrue("\($0)".contains("headers 以上"), "\($0)")
        }
    }
}

/// Poison items: one that fails is set aside with its reason for the chief, and the job goes on with the next.
final class IntakePoisonTests: IntakeTestCase {
    func deliver(_ fixture: String, as name: String) throws {
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("mail/\(fixture)"), to: maildir.appendingPathComponent("new/\(name)"))
    }

    func testAPoisonMailBesideAGoodOneIsFlaggedInCurShownAndNeverReadAgain() async throws {
        // A delivery agent's mess: a folder where a message should be (cannot be read as a file), sorted first.
        let poison = maildir.appendingPathComponent("new/1700000000.1.koho")
        try FileManager.default.createDirectory(at: poison, withIntermediateDirectories: true)
        try Data("half a message".utf8).write(to: poison.appendingPathComponent("part"))
        try Data("これはメールではありません\r\n".utf8).write(to: maildir.appendingPathComponent("new/1700000001.2.koho"))
        try deliver("iso2022jp-7bit.eml", as: "1700000002.3.koho")
        try await job("intake-maildir").runOnce()

        try await assertEqual(try await self.intakePosts().count, 2, "the good mail became drafts")
        let cur = try FileManager.default.contentsOfDirectory(atPath: maildir.appendingPathComponent("cur").path).sorted()
        XCTAssertEqual(cur, ["1700000000.1.koho:2,F", "1700000001.2.koho:2,F", "1700000002.3.koho:2,S"])
        try await assertEqual(try FileManager.default.contentsOfDirectory(atPath: self.maildir.appendingPathComponent("new").path), [])
        let aside = try await setAside()
        XCTAssertEqual(aside.map(\.key), ["1700000000.1.koho", "1700000001.2.koho"])
        XCTAssertEqual(aside.first?.reason, "ファイルを読めません")
        XCTAssertEqual(aside.last?.reason, "メールとして読めません（ヘッダーがありません）")
        let page = try await chiefDashboard()
        XCTAssertTrue(page.contains("取り込めずに除けた項目（2件）"), page)
        XCTAssertTrue(page.contains("メールとして読めません（ヘッダーがありません）"), page)
        let staff = WebClient(app)
        _ = try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        try await staff.login("tanaka", password)
        try await staff.get("/")
        XCTAssertFalse(staff.lastBody.contains("取り込めずに除けた項目"), "the chief's")

        // A restart reads neither again.
        await app.backgroundJobs?.stop()
        try await app.asyncShutdown()
        try await makeIntakeApp(smtpPort: smtpPort, reset: false)
        try await job("intake-maildir").runOnce()
        try await assertEqual(try await self.intakePosts().count, 2)
        try await assertEqual(try await self.setAside().map(\.attempts), [1, 1])
        try await assertEqual(try await AuditEntry.query(on: self.app.db).filter(\.$action == "intake.quarantine").count(), 2)
        try await assertEqual(try await self.sourceState("mail")?.lastError, nil)
    }

    func testAFeedItemThatFailsIsSetAsideAndTheItemsAfterItAreTaken() async throws {
        // The database refuses the one item's drafts (as a full disk or a constraint would).
        guard let sql = app.db as? SQLDatabase, sql.dialect.name == "sqlite" else { throw XCTSkip("SQLite trigger") }
        try await sql.raw("""
            CREATE TRIGGER koho_test_poison BEFORE INSERT ON posts WHEN NEW.text LIKE '%毒入り%'
            BEGIN SELECT RAISE(ABORT, 'posts: 試験で拒否'); END
            """).run()
        feeds.set("/bousai.xml", rss([
            article("c-3", "給水所を開設しました", minute: 59),
            article("b-2", "毒入りの避難情報", minute: 58),
            article("a-1", "避難所を開設しました", minute: 57),
        ]))
        let website = try job("intake-website")
        try await website.runOnce()
        let posts = try await intakePosts()
        XCTAssertEqual(Set(posts.compactMap(\.sourceURL).map { URL(string: $0)!.lastPathComponent }), ["a-1.html", "c-3.html"],
                       "the items before and after it are taken")
        let aside = try await setAside()
        XCTAssertEqual(aside.map(\.key), ["b-2"])
        XCTAssertTrue(aside.first?.reason.hasPrefix("下書きを作れませんでした") == true, aside.first?.reason ?? "")
        let state = try await sourceState("website:")
        XCTAssertTrue(state?.lastError?.contains("毒入りの避難情報: 下書きを作れませんでした") == true, state?.lastError ?? "")

        // Not tried again: the next rounds leave it, and the source's error clears.
        feeds.set("/bousai.xml", rss([article("b-2", "毒入りの避難情報", minute: 58), article("d-4", "断水のお知らせ", minute: 59)]))
        try await website.runOnce()
        try await website.runOnce()
        try await assertEqual(try await self.intakePosts().count, 6)
        try await assertEqual(try await self.setAside().map(\.attempts), [1])
        try await assertEqual(try await self.sourceState("website:")?.lastError, nil)
        let page = try await chiefDashboard()
        XCTAssertTrue(page.contains("毒入りの避難情報（b-2）"), page)
    }
}

/// An item of the city's feed that cannot even be read (a date out of range) is set aside with its reason; the
/// feed's other items become drafts, and the next rounds leave it.
final class UnreadableFeedItemTests: IntakeTestCase {
    func testAnItemFromTheFarFutureIsSetAsideAndTheOthersAreTaken() async throws {
        var items = [article("a-1", "避難所を開設しました", minute: 57), article("c-3", "給水所を開設しました", minute: 59)]
        var future = article("b-2", "遠い未来の記事", minute: 58)
        future.date = "Wed, 25 Nov 999999999999 09:58:00 +0900"
        items.insert(future, at: 1)
        feeds.set("/bousai.xml", rss(items))
        let website = try job("intake-website")
        try await website.runOnce()
        let posts = try await intakePosts()
        XCTAssertEqual(Set(posts.compactMap(\.sourceURL).map { URL(string: $0)!.lastPathComponent }), ["a-1.html", "c-3.html"])
        let aside = try await setAside()
        XCTAssertEqual(aside.count, 1)
        XCTAssertTrue(aside.first?.reason.hasPrefix("項目を読めません") == true, aside.first?.reason ?? "")
        XCTAssertTrue(aside.first?.key.hasPrefix("unreadable:") == true)
        let state = try await sourceState("website:")
        XCTAssertTrue(state?.lastError?.contains("項目を読めません") == true, state?.lastError ?? "")
        try await website.runOnce()
        try await assertEqual(try await self.setAside().map(\.attempts), [1], "set aside once, not tried every round")
        try await assertEqual(try await self.intakePosts().count, posts.count)
        try await assertEqual(try await self.sourceState("website:")?.lastError, nil)
    }
}

/// An agency message whose alert cannot be saved is set aside; the entries after it are read.
final class AgencyPoisonTests: IntakeTestCase {
    func testAMessageThatFailsIsSetAsideAndTheNextOneRaisesItsAlert() async throws {
        guard let sql = app.db as? SQLDatabase, sql.dialect.name == "sqlite" else { throw XCTSkip("SQLite trigger") }
        try await sql.raw("CREATE TRIGGER koho_test_poison BEFORE INSERT ON posts WHEN NEW.text LIKE '%毒入り%' BEGIN SELECT RAISE(ABORT, 'posts: 試験で拒否'); END").run()
        try serve("koho_VPWW53_1321100_warning.xml", at: "poison.xml") {
            // The city's area name goes into the drafts (the prefecture's headline no longer does).
            $0.replacingOccurrences(of: "<Name>小平市</Name>", with: "<Name>毒入り小平市</Name>")
        }
        try serve("koho_VXSE51_drill_5minus.xml", at: "quake.xml") { $0.replacingOccurrences(of: "<Status>訓練</Status>", with: "<Status>通常</Status>") }
        feeds.set("/extra.xml", agencyFeed([("quake", "震度速報", feedBase + "/quake.xml"),
                                             ("poison", "気象特別警報・警報・注意報", feedBase + "/poison.xml")]))
        let agency = try job("intake-agency")
        try await agency.runOnce()
        let alerts = try await Alert.query(on: app.db).all()
        XCTAssertEqual(alerts.map(\.kind), ["earthquakeIntensity"], "the entry after the failing one raised its alert")
        let aside = try await setAside()
        XCTAssertEqual(aside.map(\.key), ["urn:koho:poison"])
        XCTAssertTrue(aside.first?.reason.hasPrefix("読めません: ") == true, aside.first?.reason ?? "")
        try await agency.runOnce()
        XCTAssertEqual(feeds.requests(for: "/poison.xml").count, 1, "not fetched again")
        try await assertEqual(try await self.setAside().map(\.attempts), [1])
    }
}

/// Platform calls are bounded as a whole too: a platform (or a proxy) that dribbles its answer is cut.
final class PlatformCallTimeLimitTests: XCTestCase {
    func testAnAnswerThatNeverEndsIsATransientFailureAtTheTimeout() async throws {
        let server = try await LoopbackFeedServer(validators: false)
        let base = try await server.start()
        server.set("/2/users/by/username/kodaira_tokyo", #"{"data":{"id":"1","username":"kodaira_tokyo","name":"小平市"}}"#, contentType: "application/json")
        server.setPace("/2/users/by/username/kodaira_tokyo", .stall(after: 10))
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let x = XClient(httpClient: http, accessToken: AccessToken("t"), baseURL: base, timeout: .seconds(1))
        let t0 = ContinuousClock.now
        do {
            _ = try await x.user(username: "kodaira_tokyo")
            XCTFail("answered")
        } catch let e as PlatformError {
            XCTAssertTrue(e.outcomeUnknown)
            XCTAssertTrue("\(e)".contains("1 秒以内に本文が届き終わりませんでした"), "\(e)")
        }
        XCTAssertLessThan(ContinuousClock.now - t0, .seconds(4))
        server.setPace("/2/users/by/username/kodaira_tokyo", .whole)
        let user = try await x.user(username: "kodaira_tokyo")
        XCTAssertEqual(user.name, "小平市")
        try await http.shutdown()
        try await server.shutdown()
    }

    func testMediaProcessingThatNeverEndsIsGivenUpAtTheLimit() async throws {
        let server = try await LoopbackFeedServer(validators: false)
        let base = try await server.start()
        server.set("/2/media/upload/initialize", #"{"data":{"id":"m1"}}"#, contentType: "application/json")
        server.set("/2/media/upload/m1/append", "{}", contentType: "application/json")
        // Int.max seconds, then a negative wait, and never done.
        server.set("/2/media/upload/m1/finalize", #"{"data":{"id":"m1","processing_info":{"state":"pending","check_after_secs":9223372036854775807}}}"#,
                   contentType: "application/json")
        server.set("/2/media/upload", #"{"data":{"id":"m1","processing_info":{"state":"in_progress","check_after_secs":-5}}}"#,
                   contentType: "application/json")
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let x = XClient(httpClient: http, accessToken: AccessToken("t"), baseURL: base, timeout: .seconds(5))
        let t0 = ContinuousClock.now
        do {
            _ = try await x.uploadMedia(Data(repeating: 0xFF, count: 4_000), mediaType: "image/png", category: "tweet_image",
                                        processingLimit: .seconds(3))
            XCTFail("processed")
        } catch let e as PlatformError {
            XCTAssertTrue("\(e)".contains("media processing not finished after 3"), "\(e)")
        }
        let took = ContinuousClock.now - t0
        XCTAssertGreaterThanOrEqual(took, .milliseconds(2900))
        XCTAssertLessThan(took, .seconds(6))
        // The negative wait was held to a second: a few status calls, not a busy loop.
        XCTAssertLessThanOrEqual(server.requests(for: "/2/media/upload").count, 3)
        try await http.shutdown()
        try await server.shutdown()
    }

    func testAnAnswerLargerThanTheCapIsRefused() async throws {
        let server = try await LoopbackFeedServer(validators: false)
        let base = try await server.start()
        server.set("/big", Data(repeating: 0x20, count: 200_000), contentType: "application/json")
        let limits = FetchLimits(headers: .seconds(5), whole: .seconds(5), maxBytes: 100_000)
        do {
            _ = try await BoundedFetch.fetch(HTTPClientRequest(url: base + "/big"), limits: limits)
            XCTFail("taken")
        } catch let f as FetchFailure {
            XCTAssertEqual(f, .tooLarge(maxBytes: 100_000))
            XCTAssertEqual(f.description, "本文が大きすぎます（上限 97 KB）")
        }
        try await server.shutdown()
    }
}

/// The feeds and the agency's messages are fetched through the configured proxy (`HTTP_PROXY`), as the platforms'
/// calls are.
final class IntakeThroughProxyTests: IntakeTestCase {
    var proxy: LoopbackConnectProxy!

    override func setUp() async throws {
        proxy = try await LoopbackConnectProxy.start()
        try await super.setUp()
    }

    override func tearDown() async throws {
        try await super.tearDown()
        await proxy?.shutdown()
    }

    override func adjustIntake(_ intake: inout IntakeSettings, _ config: inout KohoConfig) {
        config.proxy = OutboundProxy(http: .init(host: "127.0.0.1", port: proxy.port))
    }

    func testTheCityFeedAndTheAgencysMessagesGoThroughTheProxy() async throws {
        let target = "CONNECT " + feedBase.dropFirst("http://".count)
        feeds.set("/bousai.xml", rss([article("p-1", "避難所を開設しました")]))
        try await job("intake-website").runOnce()
        try await assertEqual(try await self.intakePosts().count, 2)
        try serve("koho_VPWW53_1321100_warning.xml", at: "w1.xml")
        feeds.set("/extra.xml", feed([("w1.xml", "気象特別警報・警報・注意報")]))
        try await job("intake-agency").runOnce()
        try await assertEqual(try await Alert.query(on: self.app.db).count(), 1)
        XCTAssertTrue(proxy.seen.contains { $0.hasPrefix(target) }, "\(proxy.seen)")
    }
}
