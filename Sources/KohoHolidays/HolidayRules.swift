import Foundation

/// The national holidays as 国民の祝日に関する法律 defined them in each year from 1955 to 2099.
///
/// Statutory holidays and one-off days are tables; only the equinox formula, 振替休日 and 国民の休日
/// are computed. Names are spelled as the Cabinet Office CSV spells them.
enum HolidayRules {
    static let supportedYears = 1955...2099

    /// How both 振替休日 and 国民の休日 are written in the published list.
    static let restDayName = "休日"

    /// 昭和48年法律第10号 took effect on this day; the first 振替休日 was 1973-04-30.
    static let substituteStart = CivilDate(1973, 4, 12)
    /// 昭和60年法律第103号 took effect on this day; the first 国民の休日 was 1988-05-04.
    static let citizensStart = CivilDate(1985, 12, 27)
    /// 平成17年法律第43号: from here a 振替休日 skips over following 祝日 instead of being only the Monday.
    static let chainedSubstituteStart = CivilDate(2007, 1, 1)

    enum Day: Sendable {
        case fixed(month: Int, day: Int)
        case nthMonday(month: Int, n: Int)
        case vernalEquinox
        case autumnalEquinox
    }

    struct Statute: Sendable {
        let name: String
        let years: ClosedRange<Int>
        let day: Day
    }

    static let statutes: [Statute] = [
        Statute(name: "元日", years: 1955...2099, day: .fixed(month: 1, day: 1)),
        Statute(name: "成人の日", years: 1955...1999, day: .fixed(month: 1, day: 15)),
        Statute(name: "成人の日", years: 2000...2099, day: .nthMonday(month: 1, n: 2)),
        Statute(name: "建国記念の日", years: 1967...2099, day: .fixed(month: 2, day: 11)),
        Statute(name: "天皇誕生日", years: 2020...2099, day: .fixed(month: 2, day: 23)),
        Statute(name: "春分の日", years: 1955...2099, day: .vernalEquinox),
        Statute(name: "天皇誕生日", years: 1955...1988, day: .fixed(month: 4, day: 29)),
        Statute(name: "みどりの日", years: 1989...2006, day: .fixed(month: 4, day: 29)),
        Statute(name: "昭和の日", years: 2007...2099, day: .fixed(month: 4, day: 29)),
        Statute(name: "憲法記念日", years: 1955...2099, day: .fixed(month: 5, day: 3)),
        Statute(name: "みどりの日", years: 2007...2099, day: .fixed(month: 5, day: 4)),
        Statute(name: "こどもの日", years: 1955...2099, day: .fixed(month: 5, day: 5)),
        Statute(name: "海の日", years: 1996...2002, day: .fixed(month: 7, day: 20)),
        Statute(name: "海の日", years: 2003...2099, day: .nthMonday(month: 7, n: 3)),
        Statute(name: "山の日", years: 2016...2099, day: .fixed(month: 8, day: 11)),
        Statute(name: "敬老の日", years: 1966...2002, day: .fixed(month: 9, day: 15)),
        Statute(name: "敬老の日", years: 2003...2099, day: .nthMonday(month: 9, n: 3)),
        Statute(name: "秋分の日", years: 1955...2099, day: .autumnalEquinox),
        Statute(name: "体育の日", years: 1966...1999, day: .fixed(month: 10, day: 10)),
        Statute(name: "体育の日", years: 2000...2019, day: .nthMonday(month: 10, n: 2)),
        Statute(name: "スポーツの日", years: 2020...2099, day: .nthMonday(month: 10, n: 2)),
        Statute(name: "文化の日", years: 1955...2099, day: .fixed(month: 11, day: 3)),
        Statute(name: "勤労感謝の日", years: 1955...2099, day: .fixed(month: 11, day: 23)),
        Statute(name: "天皇誕生日", years: 1989...2018, day: .fixed(month: 12, day: 23)),
    ]

    struct Adjustment: Sendable {
        enum Change: Sendable {
            /// A day made a holiday by its own law (treated as a 祝日 for 振替 and 国民の休日).
            case oneOff
            /// This year's statutory holiday of the same name is held on this day instead.
            case moved
            /// The statutory holiday on this day is published under this name.
            case renamed
        }
        let date: CivilDate
        let name: String
        let change: Change

        init(_ year: Int, _ month: Int, _ day: Int, _ name: String, _ change: Change) {
            self.date = CivilDate(year, month, day)
            self.name = name
            self.change = change
        }
    }

    static let adjustments: [Adjustment] = [
        Adjustment(1959, 4, 10, "結婚の儀", .oneOff),
        Adjustment(1989, 2, 24, "大喪の礼", .oneOff),
        Adjustment(1990, 11, 12, "即位礼正殿の儀", .oneOff),
        Adjustment(1993, 6, 9, "結婚の儀", .oneOff),
        Adjustment(2019, 5, 1, "休日（祝日扱い）", .oneOff),
        Adjustment(2019, 10, 22, "休日（祝日扱い）", .oneOff),
        // The 2020 renaming took effect in January, but the published list already writes it so.
        Adjustment(2019, 10, 14, "体育の日（スポーツの日）", .renamed),
        Adjustment(2020, 7, 23, "海の日", .moved),
        Adjustment(2020, 7, 24, "スポーツの日", .moved),
        Adjustment(2020, 8, 10, "山の日", .moved),
        Adjustment(2021, 7, 22, "海の日", .moved),
        Adjustment(2021, 7, 23, "スポーツの日", .moved),
        Adjustment(2021, 8, 8, "山の日", .moved),
    ]

    /// The holidays of `year` in date order, empty outside `supportedYears`.
    ///
    /// Equinox days, and 振替休日 and 国民の休日 that exist because of one, are marked provisional:
    /// the formula is right for every published year, but only the gazette makes a date official.
    static func holidays(year: Int) -> [Holiday] {
        guard supportedYears.contains(year) else { return [] }

        var shukujitsu: [Int: Holiday] = [:]
        for statute in statutes where statute.years.contains(year) {
            let date = date(of: statute.day, in: year)
            let kind: HolidayKind
            switch statute.day {
            case .fixed: kind = .fixed
            case .nthMonday: kind = .happyMonday
            case .vernalEquinox, .autumnalEquinox: kind = .equinox
            }
            shukujitsu[date.dayNumber] = Holiday(date: date, name: statute.name, kind: kind, provisional: kind == .equinox)
        }
        for adjustment in adjustments where adjustment.date.year == year {
            let key = adjustment.date.dayNumber
            switch adjustment.change {
            case .oneOff:
                shukujitsu[key] = Holiday(date: adjustment.date, name: adjustment.name, kind: .special, provisional: false)
            case .moved:
                if let regular = shukujitsu.first(where: { $0.value.name == adjustment.name })?.key {
                    shukujitsu[regular] = nil
                }
                shukujitsu[key] = Holiday(date: adjustment.date, name: adjustment.name, kind: .special, provisional: false)
            case .renamed:
                if let regular = shukujitsu[key] {
                    shukujitsu[key] = Holiday(date: regular.date, name: adjustment.name, kind: regular.kind, provisional: regular.provisional)
                }
            }
        }

        var result = shukujitsu
        for holiday in shukujitsu.values.sorted(by: { $0.date < $1.date })
        where holiday.date.weekday == 0 && holiday.date >= substituteStart {
            var day = holiday.date.dayNumber + 1
            var provisional = holiday.provisional
            if holiday.date >= chainedSubstituteStart {
                while let next = shukujitsu[day] {
                    provisional = provisional || next.provisional
                    day += 1
                }
            } else if shukujitsu[day] != nil {
                continue
            }
            let date = CivilDate(dayNumber: day)
            result[day] = Holiday(date: date, name: restDayName, kind: .substitute, provisional: provisional)
        }

        for holiday in shukujitsu.values {
            let middle = holiday.date.dayNumber + 1
            guard let after = shukujitsu[middle + 1], result[middle] == nil else { continue }
            let date = CivilDate(dayNumber: middle)
            guard date >= citizensStart, date.weekday != 0 else { continue }
            result[middle] = Holiday(date: date, name: restDayName, kind: .citizens,
                                     provisional: holiday.provisional || after.provisional)
        }

        return result.values.sorted(by: { $0.date < $1.date })
    }

    static func date(of day: Day, in year: Int) -> CivilDate {
        switch day {
        case let .fixed(month, d):
            return CivilDate(year, month, d)
        case let .nthMonday(month, n):
            let first = CivilDate(year, month, 1)
            let toMonday = (8 - first.weekday) % 7
            return first.adding(days: toMonday + 7 * (n - 1))
        case .vernalEquinox:
            return CivilDate(year, 3, equinoxDay(year: year, base1980: 20.8431, base1900: 20.8357))
        case .autumnalEquinox:
            return CivilDate(year, 9, equinoxDay(year: year, base1980: 23.2488, base1900: 23.2588))
        }
    }

    /// The usual fit to the 国立天文台 ephemeris. Before 1980 it uses other constants and a 1983 leap
    /// offset whose quotient truncates toward zero (flooring it is a day late in every year before 1980).
    static func equinoxDay(year: Int, base1980: Double, base1900: Double) -> Int {
        let drift = 0.242194 * Double(year - 1980)
        let leapDays = year >= 1980 ? (year - 1980) / 4 : (year - 1983) / 4
        return Int(floor((year >= 1980 ? base1980 : base1900) + drift - Double(leapDays)))
    }
}
