import Foundation

public enum HolidayKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A statutory day of the month (元日, 憲法記念日, …).
    case fixed
    /// A statutory "nth Monday" day (ハッピーマンデー制度).
    case happyMonday
    /// 春分の日 or 秋分の日.
    case equinox
    /// 振替休日.
    case substitute
    /// 国民の休日 (a weekday between two 祝日).
    case citizens
    /// A day set by its own law, or a holiday moved for one year.
    case special
}

public struct Holiday: Sendable, Hashable, Codable {
    public let date: CivilDate
    /// As the Cabinet Office list writes it; 振替休日 and 国民の休日 are both `休日`.
    public let name: String
    public let kind: HolidayKind
    /// True when the day was computed, not published, and depends on an equinox that the gazette
    /// announces only in February of the previous year.
    public let provisional: Bool

    public init(date: CivilDate, name: String, kind: HolidayKind, provisional: Bool = false) {
        self.date = date
        self.name = name
        self.kind = kind
        self.provisional = provisional
    }
}

public struct HolidayCSVError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Problem: Sendable, Equatable {
        case undecodable
        case missingHeader(found: String)
        case wrongFieldCount(Int)
        case invalidDate(String)
        case emptyName
        case duplicateDate(CivilDate, firstLine: Int)
        case yearOutOfRange(Int)
        case noRows
    }

    /// 1-based line in the file; nil when the problem is the file as a whole.
    public let line: Int?
    public let problem: Problem

    public init(line: Int?, problem: Problem) {
        self.line = line
        self.problem = problem
    }

    public var description: String {
        let message: String
        switch problem {
        case .undecodable:
            message = "文字コードを読み取れません（UTF-8 または Shift_JIS の CSV が必要です）"
        case let .missingHeader(found):
            message = "見出し行「\(JapaneseHolidayCalendar.csvHeader)」がありません（実際の内容:「\(found)」）"
        case let .wrongFieldCount(count):
            message = "列の数が \(count) です（「月日,名称」の 2 列が必要です）"
        case let .invalidDate(text):
            message = "日付「\(text)」が正しくありません（YYYY/M/D 形式の実在する日付が必要です）"
        case .emptyName:
            message = "祝日の名称が空です"
        case let .duplicateDate(date, firstLine):
            message = "日付 \(date) が重複しています（\(firstLine)行目と同じ日付です）"
        case let .yearOutOfRange(year):
            let range = JapaneseHolidayCalendar.supportedYearRange
            message = "\(year)年は対応範囲（\(range.lowerBound)〜\(range.upperBound)年）の外です"
        case .noRows:
            message = "祝日の行が 1 行もありません"
        }
        return line.map { "祝日CSV \($0)行目: \(message)" } ?? "祝日CSV: \(message)"
    }
}

/// Japanese national holidays for 1955–2099: published (or imported) lists where they exist, and the
/// law's rules for the other years.
public struct JapaneseHolidayCalendar: Sendable {
    public static let csvHeader = "国民の祝日・休日月日,国民の祝日・休日名称"
    static let supportedYearRange = HolidayRules.supportedYears

    /// The embedded Cabinet Office list, with the rules beyond it.
    public static let shared: JapaneseHolidayCalendar = {
        do {
            return JapaneseHolidayCalendar(published: try parseCSV(Data(PublishedHolidays.csv.utf8)))
        } catch {
            fatalError("embedded PublishedHolidays.csv is invalid: \(error)")
        }
    }()

    /// Holidays by year for the years some list covers; every other year comes from the rules.
    private let listed: [Int: [Holiday]]
    /// Every holiday of `supportedYears`, in date order.
    private let all: [Holiday]
    /// `all` indices where each year starts, plus the end index.
    private let yearStart: [Int]
    /// Per day from 1955-01-01 to 2099-12-31: 0, or 1 + the index in `all`. Makes lookups O(1).
    private let slots: [UInt16]
    private static let firstDayNumber = CivilDate(supportedYearRange.lowerBound, 1, 1).dayNumber

    public var supportedYears: ClosedRange<Int> { Self.supportedYearRange }

    /// The last year answered from a list rather than the rules; `supportedYears.lowerBound - 1` if none.
    public let publishedThroughYear: Int

    /// Years present in `published` are answered from it (out-of-range entries are dropped, and of two
    /// entries for one date the first is kept); all other years are computed.
    public init(published: [Holiday]) {
        self.init(listed: Self.byYear(published))
    }

    private init(listed: [Int: [Holiday]]) {
        self.listed = listed
        self.publishedThroughYear = listed.keys.max() ?? Self.supportedYearRange.lowerBound - 1
        var all: [Holiday] = []
        var yearStart: [Int] = []
        for year in Self.supportedYearRange {
            yearStart.append(all.count)
            all += listed[year] ?? HolidayRules.holidays(year: year)
        }
        yearStart.append(all.count)
        precondition(all.count < Int(UInt16.max), "too many holidays for the lookup table")

        let lastDayNumber = CivilDate(Self.supportedYearRange.upperBound, 12, 31).dayNumber
        var slots = [UInt16](repeating: 0, count: lastDayNumber - Self.firstDayNumber + 1)
        for (index, holiday) in all.enumerated() {
            slots[holiday.date.dayNumber - Self.firstDayNumber] = UInt16(index + 1)
        }
        self.all = all
        self.yearStart = yearStart
        self.slots = slots
    }

    /// A calendar where the years present in `imported` are answered from it, replacing whatever the
    /// published list or the rules said for those years.
    public func merging(imported: [Holiday]) -> JapaneseHolidayCalendar {
        JapaneseHolidayCalendar(listed: listed.merging(Self.byYear(imported)) { _, new in new })
    }

    private static func byYear(_ holidays: [Holiday]) -> [Int: [Holiday]] {
        var seen = Set<CivilDate>()
        var result: [Int: [Holiday]] = [:]
        for holiday in holidays
        where supportedYearRange.contains(holiday.date.year) && isValid(holiday.date) && seen.insert(holiday.date).inserted {
            result[holiday.date.year, default: []].append(holiday)
        }
        return result.mapValues { $0.sorted(by: { $0.date < $1.date }) }
    }

    // MARK: Queries

    public func holidays(year: Int) -> [Holiday] {
        guard supportedYears.contains(year) else { return [] }
        let index = year - supportedYears.lowerBound
        return Array(all[yearStart[index]..<yearStart[index + 1]])
    }

    /// Holidays with `from <= date <= through`, in date order.
    public func holidays(from: CivilDate, through: CivilDate) -> [Holiday] {
        guard from <= through else { return [] }
        let start = lowerBound(from)
        var end = start
        while end < all.count, all[end].date <= through { end += 1 }
        return Array(all[start..<end])
    }

    public func holiday(on date: CivilDate) -> Holiday? {
        guard let slot = slot(date), slots[slot] != 0 else { return nil }
        return all[Int(slots[slot]) - 1]
    }

    public func isHoliday(_ date: CivilDate) -> Bool {
        guard let slot = slot(date) else { return false }
        return slots[slot] != 0
    }

    private func slot(_ date: CivilDate) -> Int? {
        // Checked first so that nonsense dates can neither overflow dayNumber nor alias a real day.
        guard supportedYears.contains(date.year), Self.isValid(date) else { return nil }
        return date.dayNumber - Self.firstDayNumber
    }

    private static func isValid(_ date: CivilDate) -> Bool {
        (1...12).contains(date.month) && date.day >= 1 && date.day <= CivilDate.daysInMonth(year: date.year, month: date.month)
    }

    private func lowerBound(_ date: CivilDate) -> Int {
        var low = 0, high = all.count
        while low < high {
            let mid = (low + high) / 2
            if all[mid].date < date { low = mid + 1 } else { high = mid }
        }
        return low
    }

    // MARK: CSV

    /// Reads the Cabinet Office `syukujitsu.csv` (Shift_JIS as published, or UTF-8 with or without BOM;
    /// CRLF or LF). Rows may be in any order; the result is sorted. Kinds are recognised from the rules,
    /// and `provisional` is false for every row.
    public static func parseCSV(_ data: Data) throws -> [Holiday] {
        guard let text = decode(data) else { throw HolidayCSVError(line: nil, problem: .undecodable) }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)

        let header = fields(of: lines.first ?? "")
        guard header.prefix(2).elementsEqual(csvHeader.split(separator: ",").map(String.init)),
              header.dropFirst(2).allSatisfy(\.isEmpty) else {
            throw HolidayCSVError(line: 1, problem: .missingHeader(found: String(lines.first ?? "").trimmingCharacters(in: .whitespaces)))
        }

        var rows: [(date: CivilDate, name: String)] = []
        var lineOfDate: [CivilDate: Int] = [:]
        for (offset, line) in lines.enumerated().dropFirst() {
            let number = offset + 1
            var row = fields(of: line)
            if row.allSatisfy(\.isEmpty) { continue }
            while row.count > 2, row.last?.isEmpty == true { row.removeLast() }
            guard row.count == 2 else {
                throw HolidayCSVError(line: number, problem: .wrongFieldCount(row.count))
            }
            guard row[0].allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "/" || $0 == "-") }),
                  let date = CivilDate(string: row[0]) else {
                throw HolidayCSVError(line: number, problem: .invalidDate(row[0]))
            }
            guard supportedYearRange.contains(date.year) else {
                throw HolidayCSVError(line: number, problem: .yearOutOfRange(date.year))
            }
            guard !row[1].isEmpty else { throw HolidayCSVError(line: number, problem: .emptyName) }
            if let first = lineOfDate[date] {
                throw HolidayCSVError(line: number, problem: .duplicateDate(date, firstLine: first))
            }
            lineOfDate[date] = number
            rows.append((date, row[1]))
        }
        guard !rows.isEmpty else { throw HolidayCSVError(line: nil, problem: .noRows) }

        rows.sort { $0.date < $1.date }
        return classify(rows)
    }

    /// Strict UTF-8 first; Shift_JIS text is essentially never valid UTF-8.
    private static func decode(_ data: Data) -> String? {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        let utf8 = String(decoding: bytes, as: UTF8.self)
        // A lossy decode that round-trips exactly had nothing to repair.
        if utf8.utf8.elementsEqual(bytes) { return utf8 }
        return String(data: Data(bytes), encoding: .shiftJIS)
    }

    private static func fields(of line: Substring) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map { field in
            var text = field.trimmingCharacters(in: .whitespaces)
            if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
            return text
        }
    }

    /// A row takes the kind the rules give its date when they agree on the name; otherwise the kind is
    /// inferred from the list itself, so a newer list with an unforeseen day still reads sensibly.
    private static func classify(_ rows: [(date: CivilDate, name: String)]) -> [Holiday] {
        let listedDays = Dictionary(uniqueKeysWithValues: rows.map { ($0.date.dayNumber, $0.name) })
        var rulesByYear: [Int: [Int: Holiday]] = [:]
        return rows.map { row in
            let day = row.date.dayNumber
            let rules = rulesByYear[row.date.year] ?? {
                let computed = Dictionary(uniqueKeysWithValues: HolidayRules.holidays(year: row.date.year).map { ($0.date.dayNumber, $0) })
                rulesByYear[row.date.year] = computed
                return computed
            }()
            let kind: HolidayKind
            if let rule = rules[day], rule.name == row.name {
                kind = rule.kind
            } else if row.name == "春分の日" || row.name == "秋分の日" {
                kind = .equinox
            } else if row.name == HolidayRules.restDayName {
                // A Sunday 祝日 in the run of listed days just before this one makes it a 振替休日.
                var previous = day - 1
                var followsSundayHoliday = false
                while let name = listedDays[previous] {
                    if name != HolidayRules.restDayName && CivilDate(dayNumber: previous).weekday == 0 {
                        followsSundayHoliday = true
                        break
                    }
                    previous -= 1
                }
                if followsSundayHoliday {
                    kind = .substitute
                } else if listedDays[day - 1] != nil && listedDays[day + 1] != nil {
                    kind = .citizens
                } else {
                    kind = .special
                }
            } else {
                kind = .special
            }
            return Holiday(date: row.date, name: row.name, kind: kind, provisional: false)
        }
    }
}
