import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
import KohoSandbox
@testable import KohoServer
@testable import KohoTools

/// 3(2), 4(3), 5(3): the scheduled profile checks against the sandbox's profiles.
final class ProfileCheckTests: PublisherTestCase {
    let page = "https://www.city.kodaira.tokyo.jp/koho/accounts.html"

    func job() throws -> Job { try XCTUnwrap(app.backgroundJobs?.others.first { $0.name == "profile-check" }) }

    func record(_ account: String) async throws -> ProfileCheckRecord {
        let r = try await ProfileCheckRecord.query(on: app.db).filter(\.$account == account).first()
        return try XCTUnwrap(r)
    }

    func audits(_ action: String, _ account: String) async throws -> Int {
        try await AuditEntry.query(on: app.db).filter(\.$action == action).filter(\.$subject == "account:\(account)").count()
    }

    func testTheSeededProfilesKeepThePolicy() async throws {
        try await job().runOnce()
        for account in ["kodaira_tokyo", "hisyo_kodaira_tokyo"] {
            let r = try await record(account)
            XCTAssertEqual(r.verified, true, account)
            XCTAssertEqual(r.problem, "", account)
        }
        let fb = try await record("koho.kodairacity")
        XCTAssertEqual(fb.linksToCityPage, true)
        XCTAssertEqual(fb.website, page + "#account-koho-kodairacity")
        try await assertEqual(try await record("UCp9YZtjCNcG0q3fQ1ln31Xg").linksToCityPage, true)
        try await assertEqual(try await AuditEntry.query(on: app.db).filter(\.$action ~~ ["profile.problem.found", "profile.problem.fixed"]).count(), 0)
    }

    func testAMissingLinkIsFoundOnceShownToTheChiefAndItsFixAudited() async throws {
        _ = try await addUser("tanaka", .staff, accounts: ["koho.kodairacity"])
        // The website field points at the city's top page, the about text at another account's section.
        await sandbox.setProfile("koho.kodairacity", SandboxProfileFields(link: "https://www.city.kodaira.tokyo.jp/",
                                                                          about: "小平市の公式ページです。\(page)#account-kodaira_tokyo"))
        try await job().runOnce()
        try await job().runOnce()
        let r = try await record("koho.kodairacity")
        XCTAssertEqual(r.linksToCityPage, false)
        XCTAssertTrue(r.problem.contains("4(3)"), r.problem)
        XCTAssertTrue(r.problem.contains(page + "#account-koho-kodairacity"), r.problem)
        try await assertEqual(try await audits("profile.problem.found", "koho.kodairacity"), 1, "audited once, not each round")

        let chief = WebClient(app)
        try await chief.login("kacho", password)
        let dash = try await chief.get("/").body.string
        XCTAssertTrue(dash.contains("公式アカウントのプロフィールの問題（1件）"), dash)
        XCTAssertTrue(dash.contains("基本データ"), dash)
        let accounts = try await chief.get("/accounts").body.string
        XCTAssertTrue(accounts.contains("プロフィールの問題"), accounts)
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        let staffDash = try await staff.get("/").body.string
        XCTAssertFalse(staffDash.contains("プロフィールの問題"), "the dashboard notice is the chief's")

        // Fixed with full-width brackets around the link, as a Japanese about text writes it.
        await sandbox.setProfile("koho.kodairacity", SandboxProfileFields(about: "運用のきまり（\(page)#account-koho-kodairacity）をご覧ください。"))
        try await job().runOnce()
        try await job().runOnce()
        let fixed = try await record("koho.kodairacity")
        XCTAssertEqual(fixed.problem, "")
        XCTAssertEqual(fixed.linksToCityPage, true)
        try await assertEqual(try await audits("profile.problem.fixed", "koho.kodairacity"), 1)
        try await assertEqual(try await audits("profile.problem.found", "koho.kodairacity"), 1)
        let after = try await chief.get("/").body.string
        XCTAssertFalse(after.contains("プロフィールの問題"))
    }

    func testAYouTubeChannelWithoutTheLink() async throws {
        await sandbox.setProfile("UCp9YZtjCNcG0q3fQ1ln31Xg", SandboxProfileFields(about: "東京都小平市の公式チャンネルです。"))
        try await job().runOnce()
        let r = try await record("UCp9YZtjCNcG0q3fQ1ln31Xg")
        XCTAssertTrue(r.problem.contains("5(3)") && r.problem.contains("ユーチューブ"), r.problem)
        try await assertEqual(try await audits("profile.problem.found", "UCp9YZtjCNcG0q3fQ1ln31Xg"), 1)
    }

    func testVerificationLostAndRegained() async throws {
        try await job().runOnce()
        await sandbox.setProfile("kodaira_tokyo", SandboxProfileFields(verified: false, verifiedType: "none", about: "小平市の公式アカウント"))
        try await job().runOnce()
        var r = try await record("kodaira_tokyo")
        XCTAssertEqual(r.verified, false)
        XCTAssertTrue(r.problem.contains("3(2)"), r.problem)
        XCTAssertEqual(r.problemSince, clock.now)
        try await assertEqual(try await audits("profile.problem.found", "kodaira_tokyo"), 1)
        // The public accounts page says so, from the same record.
        let pub = try await app.testable().sendRequest(.GET, "/public/accounts").body.string
        XCTAssertTrue(pub.contains("Xの認証を確認できませんでした"), pub)

        clock.advance(3600)
        await sandbox.setProfile("kodaira_tokyo", SandboxProfileFields(verified: true, verifiedType: "government"))
        try await job().runOnce()
        r = try await record("kodaira_tokyo")
        XCTAssertEqual(r.verified, true)
        XCTAssertEqual(r.problem, "")
        XCTAssertNil(r.problemSince)
        try await assertEqual(try await audits("profile.problem.fixed", "kodaira_tokyo"), 1)
        try await assertEqual(try await audits("profile.problem.found", "hisyo_kodaira_tokyo"), 0)
    }

    func testAPlatformThatIsDownChangesNothingButSaysWhy() async throws {
        await sandbox.setProfile("kodaira_tokyo", SandboxProfileFields(verified: false))
        try await job().runOnce()
        await sandbox.setFaults(SandboxFaults(errorRate: 1))
        await sandbox.setProfile("kodaira_tokyo", SandboxProfileFields(verified: true))
        try await job().runOnce()
        let r = try await record("kodaira_tokyo")
        XCTAssertFalse(r.readError.isEmpty)
        XCTAssertFalse(r.problem.isEmpty, "the last reading stands until the platform answers")
        try await assertEqual(try await audits("profile.problem.fixed", "kodaira_tokyo"), 0)
        await sandbox.setFaults(SandboxFaults())
        try await job().runOnce()
        try await assertEqual(try await record("kodaira_tokyo").readError, "")
        try await assertEqual(try await audits("profile.problem.fixed", "kodaira_tokyo"), 1)
    }

    func testTwoRoundsAtOnceAuditAChangeOnce() async throws {
        await sandbox.setProfile("hisyo_kodaira_tokyo", SandboxProfileFields(verified: false))
        let app = self.app!
        async let a = ProfileCheckService.pass(app.koho)
        async let b = ProfileCheckService.pass(app.koho)
        _ = try await (a, b)
        try await assertEqual(try await audits("profile.problem.found", "hisyo_kodaira_tokyo"), 1)
    }

    func testTheJobStopsPromptlyMidRound() async throws {
        // Every profile read takes 3 s: the round is under way when the server stops.
        await sandbox.setFaults(SandboxFaults(latencyMs: 3_000))
        try job().wake()
        try await Task.sleep(for: .milliseconds(300))
        let t0 = ContinuousClock.now
        await app.backgroundJobs?.stop()
        XCTAssertLessThan(ContinuousClock.now - t0, .seconds(1))
        await sandbox.setFaults(SandboxFaults())
    }

    func testLinksAreReadFromJapaneseText() {
        let p = "https://www.city.kodaira.tokyo.jp/koho/accounts.html#account-koho-kodairacity"
        XCTAssertEqual(ProfileCheckService.links(in: ["詳しくは（\(p)）。", "ｈｔｔｐｓ：／／ｗｗｗ．ｃｉｔｙ．ｋｏｄａｉｒａ．ｔｏｋｙｏ．ｊｐ／"]),
                       [p, "https://www.city.kodaira.tokyo.jp/"])
        XCTAssertTrue(ProfileCheckService.leads("http://WWW.city.kodaira.tokyo.jp/koho/accounts.html", to: p))
        XCTAssertTrue(ProfileCheckService.leads("https://www.city.kodaira.tokyo.jp/koho/accounts#account-koho-kodairacity", to: p))
        XCTAssertFalse(ProfileCheckService.leads("https://www.city.kodaira.tokyo.jp/koho/accounts.html#account-kodaira_tokyo", to: p))
        XCTAssertFalse(ProfileCheckService.leads("https://www.city.kodaira.tokyo.jp.example.com/koho/accounts.html", to: p))
        XCTAssertFalse(ProfileCheckService.leads("javascript:alert(1)//www.city.kodaira.tokyo.jp/koho/accounts.html", to: p))
    }

    func testAPolicyThatAsksNothingChecksNothing() throws {
        let policy = try PolicyLoader.load(yaml: String(contentsOfFile: PolicyFixtures.midoridai, encoding: .utf8), file: "midoridai-city.yaml")
        for a in policy.accounts {
            XCTAssertNil(ProfileCheckService.requirement(a, policy: policy, siteURL: "https://example.jp/"), a.id)
        }
    }
}
