import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// Comments across November and December 2026 on three of the city's accounts and one the policy does not know,
/// with their grounds, decisions and decision times, and one published correction. The expected figures below were
/// counted by hand from this list.
enum CommentReportFixtures {
    static let fb = "koho.kodairacity", yt = "UCp9YZtjCNcG0q3fQ1ln31Xg", x = "kodaira_tokyo"
    /// Not in the policy, with markup in its name: the page must show it as text.
    static let odd = "<b>偽&アカウント</b>"

    static func t(_ s: String) -> Date { JapaneseTime.parseISO8601(s)! }

    static func comment(_ db: Database, _ account: String, _ received: String, grounds: String = "", misleading: Bool = false,
                        decision: CommentDecisionAction? = nil, ground: String? = nil, decided: String? = nil,
                        againstSuggestion: Bool? = nil) async throws {
        let c = Comment()
        c.id = UUID()
        c.account = account
        c.platform = account == yt ? "youtube" : account == x ? "x" : "facebook"
        c.platformCommentID = UUID().uuidString
        c.platformPostID = "post-1"
        c.authorName = "市民"
        c.createdAt = t(received)
        c.receivedAt = t(received)
        c.text = "コメント"
        c.currentText = "コメント"
        c.state = .visible
        c.assessmentJSON = "{}"
        c.suggestion = grounds.isEmpty ? (misleading ? "correct" : "keep") : "review"
        c.grounds = grounds
        c.misleading = misleading
        c.decision = decision
        c.decisionGround = ground
        c.decidedBy = decision == nil ? nil : "kacho"
        c.decidedAt = decided.map(t)
        c.decisionAgainstSuggestion = againstSuggestion
        c.updatedAt = t(received)
        try await c.create(on: db)
    }

    static func load(_ app: Application) async throws {
        let db = app.db
        // November (Tokyo time).
        try await comment(db, fb, "2026-11-02T10:00:00+09:00", grounds: "③", decision: .delete, ground: "③", decided: "2026-11-02T12:00:00+09:00") // 2 h
        // Koho marked it as criticism of the city; the chief confirmed hiding it (「提案に反する削除」).
        try await comment(db, fb, "2026-11-05T09:00:00+09:00", grounds: "②", decision: .hide, ground: "②", decided: "2026-11-06T09:00:00+09:00",
                          againstSuggestion: true) // 24 h
        try await comment(db, fb, "2026-11-10T08:00:00+09:00", misleading: true, decision: .correct, decided: "2026-11-10T08:30:00+09:00") // 30 min
        try await comment(db, fb, "2026-11-12T15:00:00+09:00")
        try await comment(db, yt, "2026-11-15T10:00:00+09:00", grounds: "①③", decision: .delete, ground: "①", decided: "2026-11-20T10:00:00+09:00") // 5 days
        try await comment(db, yt, "2026-11-20T10:00:00+09:00", decision: .keep, decided: "2026-11-20T10:10:00+09:00") // 10 min
        try await comment(db, x, "2026-11-25T11:00:00+09:00", grounds: "④")
        try await comment(db, odd, "2026-11-28T11:00:00+09:00", grounds: "⑤")
        // 23:59 on 30 November in Tokyo: November; decided in December after 33 h 1 min.
        try await comment(db, fb, "2026-11-30T14:59:00Z", decision: .keep, decided: "2026-12-02T09:00:00+09:00")
        // Received in October, decided in November after 2 h.
        try await comment(db, yt, "2026-10-31T23:00:00+09:00", grounds: "⑤", decision: .hide, ground: "⑤", decided: "2026-11-01T01:00:00+09:00")
        // 15:30 UTC on 30 November is 00:30 on 1 December in Tokyo: December; decided after 2 h.
        try await comment(db, fb, "2026-11-30T15:30:00Z", grounds: "③", decision: .delete, ground: "③", decided: "2026-12-01T02:30:00+09:00")
        try await comment(db, fb, "2026-12-10T10:00:00+09:00", misleading: true)

        // The correction for the misleading comment of 10 November went out on the 11th; another is still a draft.
        let chief = try await Setup.createUser(on: db, ctx: app.koho, name: "kacho", password: "correct horse battery", role: .chief,
                                               accounts: [], actor: "test", reason: "")
        let reply = PlannedAction(account: fb, kind: .reply, text: "イベントは予定どおり開催します。", replyPurpose: PlannedAction.correctionPurpose,
                                  inReplyTo: "post-1_1")
        let published = try await PostService.create(app.workflow, chief, reply, asDraftDespiteViolations: true)
        published.state = .published
        try await published.update(on: db)
        let attempt = PublishAttempt()
        attempt.id = UUID()
        attempt.postID = published.id!
        attempt.number = 1
        attempt.startedAt = t("2026-11-11T10:00:00+09:00")
        attempt.finishedAt = t("2026-11-11T10:00:01+09:00")
        attempt.outcome = .published
        attempt.message = ""
        attempt.worker = "test"
        try await attempt.create(on: db)
        _ = try await PostService.create(app.workflow, chief, reply, asDraftDespiteViolations: true)
    }
}

final class CommentReportTests: KohoTestCase {
    func report(_ month: String) async throws -> CommentReport {
        try await CommentReportQuery.load(app.db, month: ReportMonth(month)!, policy: app.koho.policy)
    }

    func testTheFiguresAreTheHandCountOfTheFixtures() async throws {
        try await CommentReportFixtures.load(app)
        let nov = try await report("2026-11")
        XCTAssertEqual(nov.received, 9)
        XCTAssertEqual(nov.flagged, 6)
        XCTAssertEqual(nov.misleading, 1)
        XCTAssertEqual(nov.decided, 6)
        XCTAssertEqual(nov.correctionsPublished, 1)
        XCTAssertEqual(nov.accounts.map(\.account), ["kodaira_tokyo", "hisyo_kodaira_tokyo", "koho.kodairacity", "UCp9YZtjCNcG0q3fQ1ln31Xg",
                                                      CommentReportFixtures.odd])
        XCTAssertEqual(nov.accounts.map(\.received), [1, 0, 5, 2, 1])
        XCTAssertEqual(nov.accounts.map(\.flagged), [1, 0, 3, 1, 1])
        XCTAssertEqual(nov.accounts.map(\.decided), [0, 0, 3, 3, 0])
        XCTAssertEqual(nov.accounts.map(\.corrections), [0, 0, 1, 0, 0])
        XCTAssertEqual(nov.grounds.map(\.mark), ["①", "②", "③", "④", "⑤"])
        XCTAssertEqual(nov.grounds.map(\.flagged), [1, 1, 2, 1, 1])
        XCTAssertEqual(nov.grounds.map(\.decided), [1, 1, 1, 0, 1])
        XCTAssertEqual(nov.decisions.map(\.action), ["delete", "hide", "keep", "correct"])
        XCTAssertEqual(nov.decisions.map(\.count), [2, 2, 1, 1])
        // 10 min, 30 min, 2 h, 2 h, 24 h, 5 days.
        XCTAssertEqual(nov.decisionMedian, 7200)
        XCTAssertEqual(nov.decisionMax, 432_000)
        XCTAssertEqual(nov.decisionTimes.map(\.count), [2, 2, 0, 1, 1, 0])

        let dec = try await report("2026-12")
        XCTAssertEqual(dec.received, 2)
        XCTAssertEqual(dec.flagged, 2)
        XCTAssertEqual(dec.misleading, 1)
        XCTAssertEqual(dec.decided, 2)
        XCTAssertEqual(dec.correctionsPublished, 0)
        XCTAssertEqual(dec.accounts.map(\.received), [0, 0, 2, 0])
        XCTAssertEqual(dec.grounds.map(\.flagged), [0, 0, 1, 0, 0])
        XCTAssertEqual(dec.decisions.map(\.count), [1, 0, 1, 0])
        // 2 h and 33 h 1 min.
        XCTAssertEqual(dec.decisionMedian, 63_030)
        XCTAssertEqual(dec.decisionMax, 118_860)

        let oct = try await report("2026-10")
        XCTAssertEqual(oct.received, 1)
        XCTAssertEqual(oct.decided, 0)
    }

    func testThePageDrawsTheChartsWithTheFiguresInTablesAndEscapesNames() async throws {
        try await CommentReportFixtures.load(app)
        try await addUser("kansa", .viewer)
        let web = WebClient(app)
        let anonymous = try await web.get("/reports/comments?month=2026-11")
        XCTAssertNotEqual(anonymous.status, .ok, "login required")
        XCTAssertFalse(anonymous.body.string.contains("受信"))
        try await web.login("kansa", password)
        let page = try await web.get("/reports/comments?month=2026-11")
        XCTAssertEqual(page.status, .ok)
        let html = page.body.string
        XCTAssertTrue(html.contains("&lt;b&gt;偽&amp;アカウント&lt;/b&gt;"))
        XCTAssertFalse(html.contains("<b>偽"))
        XCTAssertFalse(html.contains("<script"))
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 4)
        XCTAssertEqual(html.components(separatedBy: "role=\"img\"").count - 1, 4)
        XCTAssertTrue(html.contains("<desc id=\"chart-decisions-desc\">削除: 件数 2件。非表示: 件数 2件。そのまま: 件数 1件。訂正の返信: 件数 1件。</desc>"))
        XCTAssertTrue(html.contains("<td>受信</td><td>9件</td>"))
        XCTAssertTrue(html.contains("中央値 2時間、最長 5日（6件）"))
        XCTAssertTrue(html.contains("<td>フェイスブック プチ田舎東京都小平市</td><td>5</td><td>3</td><td>3</td><td>1</td>"))
        XCTAssertTrue(html.contains("href=\"/reports/comments?month=2026-10\""), "previous month")
        XCTAssertTrue(html.contains("href=\"/reports/comments.csv?month=2026-11\""))

        let csv = try await web.get("/reports/comments.csv?month=2026-11")
        XCTAssertEqual(csv.status, .ok)
        XCTAssertEqual(csv.headers.first(name: .contentType), "text/csv; charset=utf-8")
        let text = csv.body.string
        XCTAssertTrue(text.hasPrefix("\u{FEFF}月,区分,項目,名称,指標,値\r\n2026-11,合計,,,受信,9\r\n"))
        XCTAssertTrue(text.contains("\r\n2026-11,アカウント別,<b>偽&アカウント</b>,<b>偽&アカウント</b>,受信,1\r\n"))
        XCTAssertTrue(text.contains("\r\n2026-11,決定までの時間,,,中央値（秒）,7200\r\n"))

        let empty = try await web.get("/reports/comments?month=2025-01")
        XCTAssertEqual(empty.status, .ok)
        XCTAssertTrue(empty.body.string.contains("この月の決定はありません"))
        XCTAssertTrue(empty.body.string.contains("<desc id=\"chart-times-desc\">1時間未満: 件数 0件。"))
        let bad = try await web.get("/reports/comments?month=2026-13")
        XCTAssertEqual(bad.status, .badRequest)
    }

    func testThePageRendersWithNoData() async throws {
        try await addUser("kacho", .chief)
        let web = WebClient(app)
        try await web.login("kacho", password)
        // This month by the city's clock (25 November 2026).
        let page = try await web.get("/reports/comments")
        XCTAssertEqual(page.status, .ok)
        let html = page.body.string
        XCTAssertTrue(html.contains("コメントの月次報告 2026年11月"))
        XCTAssertTrue(html.contains("<td>受信</td><td>0件</td>"))
        XCTAssertTrue(html.contains("この月の決定はありません"))
        XCTAssertFalse(html.contains("href=\"/reports/comments?month=2026-12\""), "no link into the future")
    }
}

/// `koho report comments` on the fixtures' data folder: the same figures as the page, as text or CSV.
final class CommentReportCLITests: KohoTestCase {
    func testTheCommandPrintsTheMonthAndRefusesABadOne() async throws {
        try await CommentReportFixtures.load(app)
        let d = ["--data-dir", dir.path]
        let text = try KohoProcess.run(["report", "comments", "--month", "2026-11"] + d)
        XCTAssertEqual(text.status, 0, text.stderr)
        let lines = text.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.first, "コメントの月次報告 2026年11月（2026-11-01〜2026-11-30、日本時間）")
        XCTAssertTrue(lines.contains("受信 9件　印 6件（うち誤解のおそれ 1件）　課長の決定 6件　訂正の返信の発信 1件"), text.stdout)
        XCTAssertTrue(lines.contains("決定までの時間（受信から課長の決定まで、6件）: 中央値 2時間、最長 5日"), text.stdout)
        XCTAssertTrue(lines.contains("提案に反する削除（Koho が「そのまま」を提案した、または市への批判と判定したものの削除・非表示）: 1件"), text.stdout)
        func numbers(after name: String) -> [String]? {
            lines.first { $0.hasPrefix(name + " ") }.map { $0.dropFirst(name.count).split(separator: " ").map(String.init) }
        }
        XCTAssertEqual(numbers(after: "フェイスブック プチ田舎東京都小平市"), ["5", "3", "3", "1"])
        XCTAssertEqual(numbers(after: CommentReportFixtures.odd), ["1", "1", "0", "0"])
        XCTAssertEqual(numbers(after: "③ 個人のプライバシーを侵害するおそれのある"), ["2", "1"])
        XCTAssertEqual(numbers(after: "1時間未満"), ["2"])
        // The columns line up: every row of the account table is as wide as its header (a kanji counts two).
        let table = lines.drop { !$0.hasPrefix("■ アカウント別") }.dropFirst().prefix { !$0.isEmpty }
        XCTAssertEqual(table.count, 6)
        XCTAssertEqual(Set(table.map { CommentReport.width($0) }).count, 1, table.joined(separator: "\n"))

        let csv = try KohoProcess.run(["report", "comments", "--month", "2026-11", "--csv"] + d)
        XCTAssertEqual(csv.status, 0, csv.stderr)
        let expected = try await CommentReportQuery.load(app.db, month: ReportMonth("2026-11")!, policy: app.koho.policy).csv
        XCTAssertEqual(csv.stdout, expected)
        XCTAssertTrue(csv.stdout.hasPrefix("\u{FEFF}月,区分,項目,名称,指標,値\r\n"))
        XCTAssertTrue(csv.stdout.contains("\r\n2026-11,合計,,,提案に反する削除,1\r\n"))

        let december = try KohoProcess.run(["report", "comments", "--month", "２０２６－１２"] + d)
        XCTAssertEqual(december.status, 0, december.stderr)
        XCTAssertTrue(december.stdout.contains("受信 2件　印 2件（うち誤解のおそれ 1件）　課長の決定 2件　訂正の返信の発信 0件"))

        for bad in [["--month", "2026-13"], ["--month", "2026/11"], ["--month", "\u{1B}[2J"], []] {
            let r = try KohoProcess.run(["report", "comments"] + bad + d)
            XCTAssertEqual(r.status, 2, "\(bad)")
            XCTAssertTrue(r.stdout.isEmpty, "\(bad)")
            XCTAssertFalse(r.stderr.contains("\u{1B}"), "a control character is shown, not sent to the terminal")
        }
        let refused = try KohoProcess.run(["report", "comments", "--month", "2026-13"] + d)
        XCTAssertTrue(refused.stderr.contains("YYYY-MM"), refused.stderr)
        XCTAssertEqual(try KohoProcess.run(["report", "comments", "--help"]).status, 0)
    }
}
