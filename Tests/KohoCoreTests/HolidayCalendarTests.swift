import Foundation
import Testing
@testable import KohoCore
@testable import KohoHolidays

private func civilDate(_ text: String) -> CivilDate { CivilDate(string: text)! }

private func publishedList() throws -> [Holiday] {
    try JapaneseHolidayCalendar.parseCSV(Data(PublishedHolidays.csv.utf8))
}

private func holidayLine(_ holiday: Holiday) -> String { "\(holiday.date) \(holiday.name)" }

@Suite("Japanese holiday rules")
struct HolidayRuleTests {
    @Test("the rules reproduce every published date and name, 1955–2027")
    func rulesReproducePublishedList() throws {
        let list = try publishedList()
        #expect(list.count == 1067)
        #expect(list.first?.date == civilDate("1955-01-01") && list.last?.date == civilDate("2027-11-23"))

        let byYear = Dictionary(grouping: list, by: \.date.year)
        #expect(byYear.keys.sorted() == Array(1955...2027))
        var mismatches: [String] = []
        for year in 1955...2027 {
            let expected = Set((byYear[year] ?? []).map(holidayLine))
            let computed = Set(HolidayRules.holidays(year: year).map(holidayLine))
            mismatches += expected.subtracting(computed).sorted().map { "missing   \($0)" }
            mismatches += computed.subtracting(expected).sorted().map { "unexpected \($0)" }
        }
        #expect(mismatches.isEmpty, "first mismatches:\n\(mismatches.prefix(20).joined(separator: "\n"))")
    }

    @Test("every kind occurs, and the published rows get the kinds the rules give")
    func kindsOfPublishedRows() throws {
        let list = try publishedList()
        let ruleKinds = Dictionary(uniqueKeysWithValues: (1955...2027).flatMap(HolidayRules.holidays(year:)).map { ($0.date, $0.kind) })
        let wrong = list.filter { ruleKinds[$0.date] != $0.kind }.map { "\(holidayLine($0)) \($0.kind)" }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
        #expect(Set(list.map(\.kind)) == Set(HolidayKind.allCases))
        #expect(list.allSatisfy { !$0.provisional })
    }

    @Test("2026: 振替休日 5/6, 国民の休日 9/22, equinoxes 3/20 and 9/23")
    func kinds2026() {
        let calendar = JapaneseHolidayCalendar.shared
        let expected: [(String, String, HolidayKind)] = [
            ("2026-01-01", "元日", .fixed),
            ("2026-01-12", "成人の日", .happyMonday),
            ("2026-03-20", "春分の日", .equinox),
            ("2026-05-03", "憲法記念日", .fixed),
            ("2026-05-06", "休日", .substitute),
            ("2026-09-21", "敬老の日", .happyMonday),
            ("2026-09-22", "休日", .citizens),
            ("2026-09-23", "秋分の日", .equinox),
        ]
        for (date, name, kind) in expected {
            let holiday = calendar.holiday(on: civilDate(date))
            #expect(holiday?.name == name && holiday?.kind == kind && holiday?.provisional == false, "\(date): \(String(describing: holiday))")
        }
        #expect(civilDate("2026-05-03").weekday == 0)
        #expect(calendar.holidays(year: 2026).count == 18)
    }

    @Test("2019: golden week 4/27–5/6 is ten days off, with the enthronement day between two 国民の休日")
    func goldenWeek2019() {
        let calendar = JapaneseHolidayCalendar.shared
        let week = calendar.holidays(from: civilDate("2019-04-27"), through: civilDate("2019-05-06"))
        #expect(week.map(\.date) == (29...30).map { CivilDate(2019, 4, $0) } + (1...6).map { CivilDate(2019, 5, $0) })
        #expect(week.map(\.name) == ["昭和の日", "休日", "休日（祝日扱い）", "休日", "憲法記念日", "みどりの日", "こどもの日", "休日"])
        #expect(week.map(\.kind) == [.fixed, .citizens, .special, .citizens, .fixed, .fixed, .fixed, .substitute])
        for offset in 0..<10 {
            let date = civilDate("2019-04-27").adding(days: offset)
            #expect(calendar.isHoliday(date) || date.weekday == 0 || date.weekday == 6, "\(date)")
        }
        #expect(calendar.holiday(on: civilDate("2019-10-22"))?.name == "休日（祝日扱い）")
        #expect(calendar.holiday(on: civilDate("2019-10-14"))?.name == "体育の日（スポーツの日）")
        #expect(!calendar.holidays(year: 2019).contains { $0.name == "天皇誕生日" })
        #expect(HolidayRules.holidays(year: 2019).map(holidayLine) == calendar.holidays(year: 2019).map(holidayLine))
    }

    @Test("Olympic years move 海の日, スポーツの日 and 山の日", arguments: [
        (2020, ["2020-07-23 海の日", "2020-07-24 スポーツの日", "2020-08-10 山の日"]),
        (2021, ["2021-07-22 海の日", "2021-07-23 スポーツの日", "2021-08-08 山の日", "2021-08-09 休日"]),
    ])
    func olympicMoves(year: Int, expected: [String]) {
        let summer = HolidayRules.holidays(year: year).filter { (7...10).contains($0.date.month) }
        #expect(summer.filter { $0.date.month != 9 }.map(holidayLine) == expected)
        #expect(summer.filter { $0.date.month != 9 }.map(\.kind) == [.special, .special, .special] + (year == 2021 ? [.substitute] : []))
    }

    @Test("history: no 振替休日 before 1973-04-12, Monday-only until 2006, no 国民の休日 before 1985-12-27")
    func lawChanges() {
        let rules = { (year: Int) in Set(HolidayRules.holidays(year: year).map(holidayLine)) }
        // 1973-02-11 fell on a Sunday two months before substitution existed; 1973-04-29 just after.
        #expect(civilDate("1973-02-11").weekday == 0 && civilDate("1973-04-29").weekday == 0)
        #expect(!rules(1973).contains { $0.hasPrefix("1973-02-12") })
        #expect(rules(1973).contains("1973-04-30 休日"))
        #expect(!rules(1966).contains { $0.hasPrefix("1966-02-11") })
        #expect(rules(1967).contains("1967-02-11 建国記念の日"))
        // 1986-05-04 is a Sunday; 1988-05-04 is the first 国民の休日.
        #expect(!rules(1986).contains { $0.hasPrefix("1986-05-04") })
        #expect(HolidayRules.holidays(year: 1988).first { $0.date == civilDate("1988-05-04") }?.kind == .citizens)
        // 2001-09-23 秋分 on Sunday; before 2007 only the Monday is a 振替休日.
        #expect(civilDate("2001-09-23").weekday == 0 && civilDate("2008-05-04").weekday == 0)
        #expect(rules(2001).contains("2001-09-24 休日"))
        // 2008-05-04 (Sunday みどりの日) moves past 5/5 to 5/6.
        #expect(rules(2008).contains("2008-05-06 休日"))
        #expect(rules(1999).contains("1999-01-15 成人の日") && rules(2000).contains("2000-01-10 成人の日"))
        #expect(rules(2002).contains("2002-07-20 海の日") && rules(2003).contains("2003-07-21 海の日"))
        #expect(rules(2015).isDisjoint(with: ["2015-08-11 山の日"]) && rules(2016).contains("2016-08-11 山の日"))
        #expect(rules(2006).contains("2006-04-29 みどりの日") && rules(2007).contains("2007-04-29 昭和の日"))
        #expect(rules(2018).contains("2018-12-23 天皇誕生日") && rules(2020).contains("2020-02-23 天皇誕生日"))
    }

    @Test("equinox formula matches both constant sets")
    func equinoxes() {
        #expect(HolidayRules.date(of: .vernalEquinox, in: 1960) == civilDate("1960-03-20"))
        #expect(HolidayRules.date(of: .autumnalEquinox, in: 1979) == civilDate("1979-09-24"))
        #expect(HolidayRules.date(of: .vernalEquinox, in: 2099) == civilDate("2099-03-20"))
        #expect(HolidayRules.date(of: .autumnalEquinox, in: 2099) == civilDate("2099-09-23"))
    }
}

@Suite("Japanese holiday calendar")
struct JapaneseHolidayCalendarTests {
    let calendar = JapaneseHolidayCalendar.shared

    @Test("published years come from the list; later years from the rules")
    func publishedThenComputed() throws {
        #expect(calendar.supportedYears == 1955...2099)
        #expect(calendar.publishedThroughYear == 2027)
        let list = try publishedList()
        let listed = (1955...2027).flatMap(calendar.holidays(year:))
        #expect(listed == list)
        #expect(calendar.holidays(year: 2028).count >= 16)
        #expect(calendar.holidays(year: 2099).count >= 16)
    }

    @Test("2030, worked out by hand: 1/1 is a Tuesday")
    func computed2030() {
        // 5/5, 8/11 and 11/3 are Sundays; 2/23 and 11/23 are Saturdays (no substitute).
        let expected = [
            "2030-01-01 元日", "2030-01-14 成人の日", "2030-02-11 建国記念の日", "2030-02-23 天皇誕生日",
            "2030-03-20 春分の日", "2030-04-29 昭和の日", "2030-05-03 憲法記念日", "2030-05-04 みどりの日",
            "2030-05-05 こどもの日", "2030-05-06 休日", "2030-07-15 海の日", "2030-08-11 山の日",
            "2030-08-12 休日", "2030-09-16 敬老の日", "2030-09-23 秋分の日", "2030-10-14 スポーツの日",
            "2030-11-03 文化の日", "2030-11-04 休日", "2030-11-23 勤労感謝の日",
        ]
        let year = calendar.holidays(year: 2030)
        #expect(civilDate("2030-01-01").weekday == 2)
        #expect(year.map(holidayLine) == expected)
        #expect(year.filter(\.provisional).map(holidayLine) == ["2030-03-20 春分の日", "2030-09-23 秋分の日"])
        #expect(year.filter { $0.kind == .substitute }.count == 3)
    }

    @Test("computed years are provisional exactly for equinox-dependent days")
    func provisionalAfterPublished() {
        let computed = (2028...2099).flatMap(calendar.holidays(year:))
        var dependent = 0
        for holiday in computed {
            let dependsOnEquinox: Bool
            switch holiday.kind {
            case .equinox:
                dependsOnEquinox = true
            case .substitute:
                var previous = holiday.date.adding(days: -1)
                while let earlier = calendar.holiday(on: previous), earlier.kind != .equinox, previous.weekday != 0 {
                    previous = previous.adding(days: -1)
                }
                dependsOnEquinox = calendar.holiday(on: previous)?.kind == .equinox
            case .citizens:
                dependsOnEquinox = calendar.holiday(on: holiday.date.adding(days: -1))?.kind == .equinox
                    || calendar.holiday(on: holiday.date.adding(days: 1))?.kind == .equinox
            case .fixed, .happyMonday, .special:
                dependsOnEquinox = false
            }
            if dependsOnEquinox && holiday.kind != .equinox { dependent += 1 }
            #expect(holiday.provisional == dependsOnEquinox, "\(holidayLine(holiday)) \(holiday.kind)")
        }
        #expect(dependent > 0)
        #expect(computed.contains { $0.kind == .citizens && $0.provisional })
        #expect(computed.contains { $0.kind == .substitute && $0.provisional })
        #expect(!computed.contains { $0.kind == .special })
    }

    @Test("isHoliday and holiday(on:) agree with the per-year lists for every day")
    func lookupsAgree() {
        var listed = Set<CivilDate>()
        for year in calendar.supportedYears { listed.formUnion(calendar.holidays(year: year).map(\.date)) }
        var date = civilDate("1955-01-01")
        var count = 0
        while date.year <= 2099 {
            let holiday = calendar.holiday(on: date)
            #expect(calendar.isHoliday(date) == listed.contains(date))
            #expect(holiday?.date == (listed.contains(date) ? date : nil))
            count += holiday == nil ? 0 : 1
            date = date.adding(days: 1)
        }
        #expect(count == listed.count)
    }

    @Test("range queries are in date order, inclusive, and clipped to the supported years")
    func rangeQueries() {
        let turn = calendar.holidays(from: civilDate("2026-12-01"), through: civilDate("2027-01-11"))
        #expect(turn.map(holidayLine) == ["2027-01-01 元日", "2027-01-11 成人の日"])
        #expect(calendar.holidays(from: civilDate("2027-01-11"), through: civilDate("2027-01-11")).count == 1)
        #expect(calendar.holidays(from: civilDate("2027-01-12"), through: civilDate("2027-01-11")).isEmpty)
        let everything = calendar.holidays(from: CivilDate(1000, 1, 1), through: CivilDate(3000, 1, 1))
        #expect(everything == calendar.supportedYears.flatMap(calendar.holidays(year:)))
        #expect(zip(everything, everything.dropFirst()).allSatisfy { $0.date < $1.date })
        #expect(calendar.holidays(from: civilDate("1900-01-01"), through: civilDate("1954-12-31")).isEmpty)
    }

    @Test("dates and years outside 1955–2099, or not real, are not holidays")
    func outOfRange() {
        #expect(calendar.holidays(year: 1954).isEmpty)
        #expect(calendar.holidays(year: 2100).isEmpty)
        #expect(calendar.holidays(year: Int.min).isEmpty)
        #expect(!calendar.isHoliday(civilDate("1954-01-01")))
        #expect(!calendar.isHoliday(civilDate("2100-01-01")))
        #expect(calendar.holiday(on: CivilDate(Int.max, 1, 1)) == nil)
        #expect(calendar.holiday(on: CivilDate(2026, Int.max, 1)) == nil)
        #expect(calendar.holiday(on: CivilDate(2026, 1, Int.min)) == nil)
        // 2026-03-20 is 春分の日; 2026-02-48 must not alias it.
        #expect(!calendar.isHoliday(CivilDate(2026, 2, 48)))
        #expect(calendar.holidays(from: CivilDate(Int.min, 1, 1), through: CivilDate(Int.min, 2, 1)).isEmpty)
        #expect(HolidayRules.holidays(year: 1900).isEmpty)
    }

    @Test("Holiday round-trips through JSON")
    func codable() throws {
        let holiday = try #require(calendar.holiday(on: civilDate("2030-03-20")))
        let decoded = try JSONDecoder().decode(Holiday.self, from: JSONEncoder().encode(holiday))
        #expect(decoded == holiday)
        #expect(decoded.provisional)
    }
}

@Suite("Holiday CSV")
struct HolidayCSVTests {
    static let header = "国民の祝日・休日月日,国民の祝日・休日名称"

    @Test("UTF-8 with BOM and CRLF reads the same as plain UTF-8")
    func bomAndCRLF() throws {
        let plain = try publishedList()
        var bytes = Data([0xEF, 0xBB, 0xBF])
        bytes.append(Data(PublishedHolidays.csv.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        bytes.append(Data("\r\n".utf8))
        #expect(try JapaneseHolidayCalendar.parseCSV(bytes) == plain)
    }

    @Test("Shift_JIS fixture made with iconv (CRLF, as the Cabinet Office serves it)")
    func shiftJISFixture() throws {
        let url = try #require(Bundle.module.url(forResource: "holidays-sjis", withExtension: "csv", subdirectory: "Fixtures"))
        let data = try Data(contentsOf: url)
        #expect(String(decoding: data, as: UTF8.self).utf8.count != data.count, "fixture must not be UTF-8")
        let holidays = try JapaneseHolidayCalendar.parseCSV(data)
        let expected = try publishedList().filter { $0.date.year >= 2019 }
        #expect(holidays == expected)
        #expect(holidays.contains { $0.name == "体育の日（スポーツの日）" })
    }

    @Test("the whole list encoded to Shift_JIS by Foundation")
    func shiftJISWholeList() throws {
        let data = try #require(PublishedHolidays.csv.data(using: .shiftJIS))
        #expect(try JapaneseHolidayCalendar.parseCSV(data) == publishedList())
    }

    @Test("rows may come unsorted; blank lines and quoted fields are accepted")
    func lenientButChecked() throws {
        let text = "\(Self.header)\n2027/11/23,勤労感謝の日\n\n\"2027/1/1\",\"元日\"\n2027-03-22 , 休日 \n2027/3/21,春分の日\n"
        let holidays = try JapaneseHolidayCalendar.parseCSV(Data(text.utf8))
        #expect(holidays.map(holidayLine) == ["2027-01-01 元日", "2027-03-21 春分の日", "2027-03-22 休日", "2027-11-23 勤労感謝の日"])
        #expect(holidays.map(\.kind) == [.fixed, .equinox, .substitute, .fixed])
    }

    @Test("kinds of unforeseen rows are inferred from the list itself")
    func inferredKinds() throws {
        // A made-up 2040 list: 春分 gazetted on a Sunday the rules do not predict, a one-off day, and a day between two.
        let text = "\(Self.header)\n2040/3/18,春分の日\n2040/3/19,休日\n2040/6/5,記念の日\n2040/6/6,休日\n2040/6/7,別の記念日\n"
        let kinds = try JapaneseHolidayCalendar.parseCSV(Data(text.utf8)).map(\.kind)
        #expect(civilDate("2040-03-18").weekday == 0)
        #expect(kinds == [.equinox, .substitute, .special, .citizens, .special])
    }

    @Test("malformed files are refused, naming the line", arguments: [
        ("2026/1/1,元日\n", 1, HolidayCSVError.Problem.missingHeader(found: "2026/1/1,元日")),
        ("\(header)\n2026/1/1,元日\n2026/2/30,建国記念の日\n", 3, .invalidDate("2026/2/30")),
        ("\(header)\n2026/1/1,元日\n令和8/1/2,休日\n", 3, .invalidDate("令和8/1/2")),
        ("\(header)\n2026/1/1,元日\n2026/2/11,\n", 3, .emptyName),
        ("\(header)\n2026/1/1,元日\n2026/2/11,  ,\n", 3, .emptyName),
        ("\(header)\n2026/1/1,元日\n\n2026/1/12\n", 4, .wrongFieldCount(1)),
        ("\(header)\n2026/1/1,元日\n2026/1/12,成人の日,余分\n", 3, .wrongFieldCount(3)),
        ("\(header)\n2026/1/1,元日\n2026/1/12,成人の日\n2026/1/1,元日\n", 4, .duplicateDate(CivilDate(2026, 1, 1), firstLine: 2)),
        ("\(header)\n2100/1/1,元日\n", 2, .yearOutOfRange(2100)),
        ("\(header)\n1954/1/1,元日\n", 2, .yearOutOfRange(1954)),
    ])
    func malformed(text: String, line: Int, problem: HolidayCSVError.Problem) {
        do {
            _ = try JapaneseHolidayCalendar.parseCSV(Data(text.utf8))
            Issue.record("accepted: \(text)")
        } catch let error as HolidayCSVError {
            #expect(error.line == line)
            #expect(error.problem == problem)
            #expect(error.description.contains("\(line)行目"), "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("an empty name is refused, and the message says so in Japanese")
    func emptyName() {
        let text = "\(Self.header)\n2026/1/1,元日\n2026/2/11,\"\"\n"
        #expect(throws: HolidayCSVError(line: 3, problem: .emptyName)) { try JapaneseHolidayCalendar.parseCSV(Data(text.utf8)) }
        #expect(HolidayCSVError(line: 3, problem: .emptyName).description == "祝日CSV 3行目: 祝日の名称が空です")
    }

    @Test("whole-file problems: no rows, empty file, bytes that are neither UTF-8 nor Shift_JIS")
    func wholeFile() {
        #expect(throws: HolidayCSVError(line: nil, problem: .noRows)) { try JapaneseHolidayCalendar.parseCSV(Data("\(Self.header)\r\n".utf8)) }
        #expect(throws: HolidayCSVError(line: 1, problem: .missingHeader(found: ""))) { try JapaneseHolidayCalendar.parseCSV(Data()) }
        #expect(throws: HolidayCSVError(line: nil, problem: .undecodable)) { try JapaneseHolidayCalendar.parseCSV(Data([0x82, 0xFF, 0xFF, 0x80])) }
        #expect(HolidayCSVError(line: nil, problem: .undecodable).description.contains("Shift_JIS"))
    }
}

@Suite("Merging an imported list")
struct HolidayMergeTests {
    @Test("imported years replace published and computed ones; other years are untouched")
    func importedWins() throws {
        let base = JapaneseHolidayCalendar.shared
        let text = """
        国民の祝日・休日月日,国民の祝日・休日名称
        2027/1/1,元日
        2027/3/22,春分の日
        2028/1/1,元日
        2028/3/21,春分の日
        2028/9/22,秋分の日
        """
        let merged = base.merging(imported: try JapaneseHolidayCalendar.parseCSV(Data(text.utf8)))
        #expect(merged.publishedThroughYear == 2028)
        #expect(merged.holidays(year: 2027).map(holidayLine) == ["2027-01-01 元日", "2027-03-22 春分の日"])
        #expect(!merged.isHoliday(civilDate("2027-03-21")) && base.isHoliday(civilDate("2027-03-21")))
        #expect(merged.holidays(year: 2028).allSatisfy { !$0.provisional })
        #expect(merged.holiday(on: civilDate("2028-09-22"))?.kind == .equinox)
        #expect(merged.holidays(year: 2026) == base.holidays(year: 2026))
        #expect(merged.holidays(year: 2029) == base.holidays(year: 2029))
        #expect(base.holidays(year: 2029).contains { $0.provisional })

        let again = merged.merging(imported: [Holiday(date: civilDate("2027-05-03"), name: "憲法記念日", kind: .fixed)])
        #expect(again.holidays(year: 2027).map(holidayLine) == ["2027-05-03 憲法記念日"])
        #expect(again.holidays(year: 2028) == merged.holidays(year: 2028))
    }

    @Test("init(published:) answers only the listed years from the list; out-of-range entries are ignored")
    func customPublished() {
        let calendar = JapaneseHolidayCalendar(published: [
            Holiday(date: civilDate("2024-01-01"), name: "元日", kind: .fixed),
            Holiday(date: civilDate("2024-01-01"), name: "重複", kind: .special),
            Holiday(date: civilDate("2150-01-01"), name: "未来", kind: .fixed),
        ])
        #expect(calendar.publishedThroughYear == 2024)
        #expect(calendar.holidays(year: 2024).map(holidayLine) == ["2024-01-01 元日"])
        #expect(calendar.holidays(year: 2023).map(holidayLine) == JapaneseHolidayCalendar.shared.holidays(year: 2023).map(holidayLine))
        #expect(calendar.holidays(year: 2023).filter(\.provisional).map(\.kind) == [.equinox, .equinox])
        #expect(JapaneseHolidayCalendar(published: []).publishedThroughYear == 1954)
    }
}
