import Foundation

/// How long comments and platform attempts are kept (`records:` in the policy file); nil: for ever, the default.
/// What a legal hold protects is kept whatever these say.
public struct RecordsRetention: Sendable, Equatable {
    public var commentsKeptFor: KeepPeriod?
    public var attemptsKeptFor: KeepPeriod?

    public init(commentsKeptFor: KeepPeriod? = nil, attemptsKeptFor: KeepPeriod? = nil) {
        self.commentsKeptFor = commentsKeptFor
        self.attemptsKeptFor = attemptsKeptFor
    }

    public var keepsEverything: Bool { commentsKeptFor == nil && attemptsKeptFor == nil }
}

/// An ISO 8601 period of whole years, months, weeks and days (`P5Y`, `P18M`, `P1Y6M`, `P90D`).
public struct KeepPeriod: Sendable, Equatable, CustomStringConvertible {
    public var years = 0
    public var months = 0
    public var days = 0

    public init(years: Int = 0, months: Int = 0, days: Int = 0) {
        self.years = years
        self.months = months
        self.days = days
    }

    public var description: String {
        "P" + (years > 0 ? "\(years)Y" : "") + (months > 0 ? "\(months)M" : "") + (days > 0 ? "\(days)D" : "")
    }

    /// In words, for the pages: 「5年」「1年6か月」「90日」.
    public var japanese: String {
        (years > 0 ? "\(years)年" : "") + (months > 0 ? "\(months)か月" : "") + (days > 0 ? "\(days)日" : "")
    }

    /// At most a century: a longer period is a typing slip, and "for ever" is written `forever`.
    static let maxDays = 36_525

    /// Nil with the reason when `text` is not such a period.
    public static func parse(_ text: String) -> Result<KeepPeriod, Problem> {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "P"), bytes.count >= 3, bytes.count <= 20 else { return .failure(.form) }
        var period = KeepPeriod(), number = 0, digits = 0, seen = Set<UInt8>(), order = 0
        for b in bytes.dropFirst() {
            if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                number = number * 10 + Int(b - UInt8(ascii: "0"))
                digits += 1
                guard digits <= 6 else { return .failure(.tooLong) }
                continue
            }
            let rank: Int
            switch b {
            case UInt8(ascii: "Y"): rank = 1; period.years = number
            case UInt8(ascii: "M"): rank = 2; period.months = number
            case UInt8(ascii: "W"): rank = 3; period.days += number * 7
            case UInt8(ascii: "D"): rank = 4; period.days += number
            default: return .failure(.form)
            }
            guard digits > 0, seen.insert(b).inserted, rank > order else { return .failure(.form) }
            order = rank
            number = 0
            digits = 0
        }
        guard digits == 0 else { return .failure(.form) }
        let approximateDays = period.years * 366 + period.months * 31 + period.days
        guard approximateDays > 0 else { return .failure(.zero) }
        guard approximateDays <= maxDays + 100 else { return .failure(.tooLong) }
        return .success(period)
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case form, zero, tooLong
        public var description: String {
            switch self {
            case .form: return "期間は ISO 8601 の形で、半角で書いてください（例: P5Y は5年、P18M は18か月、P90D は90日）。無期限なら forever"
            case .zero: return "0 の期間は指定できません（無期限なら forever）"
            case .tooLong: return "期間が長すぎます（100年まで。無期限なら forever）"
            }
        }
    }

    /// The moment `self` before `now`, on the calendar of `zone` (a month back from 31 March is the end of February).
    public func before(_ now: Date, in zone: TimeZone = TimeZone(identifier: "Asia/Tokyo")!) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(byAdding: DateComponents(year: -years, month: -months, day: -days), to: now) ?? now
    }
}
