import Foundation
import Testing
@testable import KohoCore

private func at(_ s: String) -> Date { JapaneseTime.parseISO8601(s)! }

@Suite struct ReportMonthTests {
    @Test func readsYearAndMonthAndRefusesTheRest() {
        #expect(ReportMonth("2026-11")?.description == "2026-11")
        #expect(ReportMonth("２０２６－１２")?.description == "2026-12", "full-width digits and hyphen")
        for bad in ["2026-13", "2026-00", "2026-1", "26-11", "2026/11", "2026-11-01", "november", "", "2026-1１x", "٢٠٢٦-١١"] {
            #expect(ReportMonth(bad) == nil, "\(bad)")
        }
    }

    @Test func theMonthRunsFromMidnightInTokyo() throws {
        let dec = try #require(ReportMonth("2026-12"))
        #expect(dec.start == at("2026-11-30T15:00:00Z"))
        #expect(dec.end == at("2026-12-31T15:00:00Z"))
        #expect(dec.contains(at("2026-11-30T15:30:00Z")), "00:30 on 1 December in Tokyo")
        #expect(!dec.contains(at("2026-11-30T14:59:59Z")))
        #expect(ReportMonth.containing(at("2026-11-30T15:30:00Z")) == dec)
        #expect(dec.next.description == "2027-01")
        #expect(try #require(ReportMonth("2027-01")).previous == dec)
    }
}

@Suite struct CommentReportTallyTests {
    let accounts = [(id: "fb", name: "フェイスブック 市"), (id: "yt", name: "ユーチューブ 市")]
    let grounds = [(mark: "①", description: "法令違反"), (mark: "③", description: "プライバシー")]

    @Test func countsWhatWasReceivedAndDecidedInTheMonth() throws {
        let nov = try #require(ReportMonth("2026-11"))
        let rows = [
            CommentReport.CommentRow(account: "fb", receivedAt: at("2026-11-01T00:00:00+09:00"), grounds: ["③", "①"], misleading: false,
                                     decision: "delete", decisionGround: "③", decidedAt: at("2026-11-01T03:00:00+09:00")),
            CommentReport.CommentRow(account: "fb", receivedAt: at("2026-11-02T00:00:00+09:00"), grounds: [], misleading: true,
                                     decision: "correct", decidedAt: at("2026-11-02T00:10:00+09:00")),
            // Received in October, decided in November: a decision of November, not a comment of it.
            CommentReport.CommentRow(account: "yt", receivedAt: at("2026-10-31T23:00:00+09:00"), grounds: ["①"], misleading: false,
                                     decision: "hide", decisionGround: "①", decidedAt: at("2026-11-03T23:00:00+09:00")),
            // Received in November, decided in December.
            CommentReport.CommentRow(account: "yt", receivedAt: at("2026-11-30T23:59:00+09:00"), grounds: [], misleading: false,
                                     decision: "keep", decidedAt: at("2026-12-01T00:01:00+09:00")),
            CommentReport.CommentRow(account: "unknown<&>", receivedAt: at("2026-11-15T12:00:00+09:00"), grounds: ["⑨"], misleading: false),
        ]
        let r = CommentReport.tally(month: nov, comments: rows,
                                    corrections: [.init(account: "fb", publishedAt: at("2026-11-02T09:00:00+09:00")),
                                                  .init(account: "fb", publishedAt: at("2026-12-01T09:00:00+09:00"))],
                                    accounts: accounts, grounds: grounds)
        #expect(r.received == 4)
        #expect(r.flagged == 3)
        #expect(r.misleading == 1)
        #expect(r.decided == 3)
        #expect(r.correctionsPublished == 1)
        #expect(r.accounts.map(\.account) == ["fb", "yt", "unknown<&>"])
        #expect(r.accounts.map(\.received) == [2, 1, 1])
        #expect(r.accounts.map(\.decided) == [2, 1, 0])
        #expect(r.accounts.map(\.corrections) == [1, 0, 0])
        #expect(r.grounds.map(\.mark) == ["①", "③", "⑨"])
        #expect(r.grounds.map(\.flagged) == [1, 1, 1])
        #expect(r.grounds.map(\.decided) == [1, 1, 0])
        #expect(r.decisions.map(\.count) == [1, 1, 0, 1])
        // 10 minutes, 3 hours, 3 days: the middle one, and the longest.
        #expect(r.decisionMedian.map { abs($0 - 10_800) < 0.001 } == true, "\(String(describing: r.decisionMedian))")
        #expect(r.decisionMax.map { abs($0 - 259_200) < 0.001 } == true, "\(String(describing: r.decisionMax))")
        #expect(r.decisionTimes.map(\.count) == [1, 1, 0, 0, 1, 0])
    }

    @Test func anEmptyMonthHasNoMedian() throws {
        let r = CommentReport.tally(month: try #require(ReportMonth("2026-01")), comments: [], corrections: [], accounts: accounts, grounds: grounds)
        #expect(r.received == 0 && r.decided == 0)
        #expect(r.decisionMedian == nil && r.decisionMax == nil)
        #expect(r.accounts.count == 2 && r.grounds.count == 2 && r.decisions.count == 4)
        #expect(r.text.contains("この月の決定はありません"))
        #expect(r.csv.hasPrefix("\u{FEFF}月,区分,項目,名称,指標,値\r\n"))
    }

    @Test func durationsAreWrittenInTheTwoLargestUnits() {
        #expect(CommentReport.duration(30) == "30秒")
        #expect(CommentReport.duration(600) == "10分")
        #expect(CommentReport.duration(7200) == "2時間")
        #expect(CommentReport.duration(63030) == "17時間30分")
        #expect(CommentReport.duration(118_860) == "1日9時間")
        #expect(CommentReport.duration(432_000) == "5日")
    }

    @Test func csvCellsCannotBecomeFormulasAndAreQuotedWhereNeeded() {
        #expect(CommentReport.csvCell("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(CommentReport.csvCell("@acct") == "'@acct")
        #expect(CommentReport.csvCell("＝1＋1") == "'＝1＋1")
        #expect(CommentReport.csvCell("＠acct") == "'＠acct")
        #expect(CommentReport.csvCell("-1") == "'-1")
        #expect(CommentReport.csvCell("a,b") == "\"a,b\"")
        #expect(CommentReport.csvCell("行1\n行2") == "\"行1\n行2\"")
        #expect(CommentReport.csvCell("12") == "12")
    }

    @Test func theTextAlignsJapaneseColumnsAndShowsControlCharacters() {
        let rows = CommentReport.columns(["アカウント", "受信"], [["X 市", "12"], ["a\u{1B}[2J", "3"]].map { [CommentReport.visible($0[0]), $0[1]] })
        #expect(rows[0] == "アカウント  受信")
        #expect(rows[1] == "X 市" + String(repeating: " ", count: 10) + "12")
        #expect(rows[2] == "a\\u{1B}[2J" + String(repeating: " ", count: 5) + "3")
        #expect(CommentReport.width("アカウント") == 10)
    }
}
