import Foundation

/// How Koho writes instants for its users and for other tools.
public enum JapaneseTime {
    public static let tokyo = TimeZone(identifier: "Asia/Tokyo")!
    public static let weekdayKanji = ["日", "月", "火", "水", "木", "金", "土"]

    /// `2026年11月25日(水) 09:00`, in the given zone (Tokyo unless a policy says otherwise).
    public static func display(_ instant: Date, in zone: TimeZone = tokyo) -> String {
        let (d, minutes) = local(instant, zone)
        return "\(d.year)年\(d.month)月\(d.day)日(\(weekdayKanji[d.weekday])) " + pad(minutes / 60) + ":" + pad(minutes % 60)
    }

    /// `2026年11月25日(水)`.
    public static func displayDate(_ d: CivilDate) -> String {
        "\(d.year)年\(d.month)月\(d.day)日(\(weekdayKanji[d.weekday]))"
    }

    /// The eras since the Gregorian calendar was adopted (明治6年 = 1873), with the first day of each.
    static let eras: [(name: String, start: CivilDate)] = [
        ("令和", CivilDate(2019, 5, 1)), ("平成", CivilDate(1989, 1, 8)), ("昭和", CivilDate(1926, 12, 25)),
        ("大正", CivilDate(1912, 7, 30)), ("明治", CivilDate(1873, 1, 1)),
    ]

    /// `令和8年`, `令和元年` (the first year is 元年, as the city writes it); nil before 1873.
    public static func eraYear(_ d: CivilDate) -> String? {
        guard let era = eras.first(where: { d >= $0.start }) else { return nil }
        // 明治 counts from 1868 although its Gregorian days start in 1873.
        let first = era.name == "明治" ? 1868 : era.start.year
        let n = d.year - first + 1
        return era.name + (n == 1 ? "元" : String(n)) + "年"
    }

    /// `令和8年12月2日（水）`: the date as the policy and the city's documents write it.
    public static func wareki(_ d: CivilDate) -> String {
        guard let year = eraYear(d) else { return displayDate(d) }
        return "\(year)\(d.month)月\(d.day)日（\(weekdayKanji[d.weekday])）"
    }

    /// `令和8年（2026年）12月2日（水）09:00`: the era with the Western year beside it, where a table is sorted by it.
    public static func displayWithEra(_ instant: Date, in zone: TimeZone = tokyo) -> String {
        let (d, minutes) = local(instant, zone)
        let time = pad(minutes / 60) + ":" + pad(minutes % 60)
        guard let year = eraYear(d) else { return display(instant, in: zone) }
        return "\(year)（\(d.year)年）\(d.month)月\(d.day)日（\(weekdayKanji[d.weekday])）" + time
    }

    /// `令和8年12月7日（月）21:42`: an instant as an office writes it, on every staff page.
    public static func staff(_ instant: Date, in zone: TimeZone = tokyo) -> String {
        let (d, minutes) = local(instant, zone)
        return wareki(d) + pad(minutes / 60) + ":" + pad(minutes % 60)
    }

    /// `日本時間` for Tokyo; another zone by its identifier.
    public static func zoneName(_ zone: TimeZone) -> String {
        zone.identifier == tokyo.identifier ? "日本時間" : zone.identifier
    }

    /// ISO 8601 with the zone's offset, e.g. `2026-11-26T08:30:00+09:00`.
    /// A non-negative number in at least `width` digits, with leading zeros (String(format:) is slow on Linux).
    static func pad(_ n: Int, _ width: Int = 2) -> String {
        let digits = String(n)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    public static func iso8601(_ instant: Date, in zone: TimeZone = tokyo) -> String {
        // Written by hand into one buffer: a formatter per call, or strings joined, cost more than the rest of an
        // API answer (a list writes four times per post).
        let instant = InstantBounds.clamped(instant)
        let offset = secondsFromGMT(zone, instant)
        let secs = localSeconds(instant, offset)
        let day = Int((Double(secs) / 86400).rounded(.down))
        let d = CivilDate(dayNumber: day)
        let t = secs - day * 86400
        return String(unsafeUninitializedCapacity: 32) { out in
            var o = 0
            func put(_ c: UInt8) { out[o] = c; o += 1 }
            func digits(_ n: Int, _ width: Int) {
                var n = n, i = width
                while i > 0 { i -= 1; out[o + i] = UInt8(ascii: "0") + UInt8(n % 10); n /= 10 }
                o += width
            }
            digits(min(max(d.year, 0), 9999), 4); put(UInt8(ascii: "-")); digits(d.month, 2); put(UInt8(ascii: "-")); digits(d.day, 2)
            put(UInt8(ascii: "T")); digits(t / 3600, 2); put(UInt8(ascii: ":")); digits(t % 3600 / 60, 2); put(UInt8(ascii: ":")); digits(t % 60, 2)
            if offset == 0 {
                put(UInt8(ascii: "Z"))
            } else {
                put(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
                digits(abs(offset) / 3600 % 100, 2); put(UInt8(ascii: ":")); digits(abs(offset) % 3600 / 60, 2)
            }
            return o
        }
    }

    /// Japan has kept +09:00 since its last summer time ended in 1951; asking the zone database for Tokyo's offset
    /// was most of the cost of writing a time.
    private static let tokyoSince1952 = Date(timeIntervalSince1970: -568_080_000)
    private static let tokyoIdentifier = tokyo.identifier

    static func secondsFromGMT(_ zone: TimeZone, _ instant: Date) -> Int {
        if instant >= tokyoSince1952, zone.identifier == tokyoIdentifier { return 32_400 }
        return zone.secondsFromGMT(for: instant)
    }

    /// Accepts `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed by an offset, `Z`, or nothing: a time without
    /// an offset is read in `zone`, since staff write local times.
    public static func parseISO8601(_ s: String, defaultZone zone: TimeZone = tokyo) -> Date? {
        let c = Array(s.utf8)
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= c.count else { return nil }
            var n = 0
            for k in i..<(i + digits) {
                guard c[k] >= 48, c[k] <= 57 else { return nil }
                n = n * 10 + Int(c[k] - 48)
            }
            i += digits
            return n
        }
        func expect(_ ch: Character) -> Bool {
            guard i < c.count, c[i] == ch.asciiValue! else { return false }
            i += 1
            return true
        }
        guard let y = number(4), expect("-"), let mo = number(2), expect("-"), let d = number(2),
              i < c.count, c[i] == UInt8(ascii: "T") || c[i] == UInt8(ascii: "t") || c[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let h = number(2), expect(":"), let mi = number(2) else { return nil }
        var sec = 0.0
        if expect(":") {
            guard let whole = number(2) else { return nil }
            sec = Double(whole)
            if expect(".") {
                let startFraction = i
                while i < c.count, c[i] >= 48, c[i] <= 57 { i += 1 }
                guard i > startFraction, let f = Double("0." + String(decoding: c[startFraction..<i], as: UTF8.self)) else { return nil }
                sec += f
            }
        }
        guard (1...12).contains(mo), d >= 1, d <= CivilDate.daysInMonth(year: y, month: mo), h <= 23, mi <= 59, sec < 61 else { return nil }
        let date = CivilDate(y, mo, d)
        let wall = Double(date.dayNumber * 86400 + h * 3600 + mi * 60) + sec
        if i == c.count { return instant(wallClock: wall, in: zone) }
        if expect("Z") || expect("z") { return i == c.count ? Date(timeIntervalSince1970: wall) : nil }
        guard i < c.count, c[i] == UInt8(ascii: "+") || c[i] == UInt8(ascii: "-") else { return nil }
        let sign = c[i] == UInt8(ascii: "-") ? -1.0 : 1.0
        i += 1
        guard let oh = number(2), expect(":"), let om = number(2), i == c.count, oh <= 23, om <= 59 else { return nil }
        return Date(timeIntervalSince1970: wall - sign * Double(oh * 3600 + om * 60))
    }

    /// The calendar day of `instant` in `zone` (Tokyo unless a policy says otherwise).
    public static func localDate(_ instant: Date, in zone: TimeZone = tokyo) -> CivilDate { local(instant, zone).0 }

    /// The instant at which a wall clock in `zone` shows `seconds` since 1970-01-01 00:00 local time.
    static func instant(wallClock seconds: Double, in zone: TimeZone) -> Date {
        var offset = Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: seconds)))
        // A second pass settles days on which the zone's offset changes.
        offset = Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: seconds - offset)))
        return Date(timeIntervalSince1970: seconds - offset)
    }

    /// The wall clock's seconds since 1970, kept within the bounds too (the last instant in Tokyo is not in 10000).
    static func localSeconds(_ instant: Date, _ offset: Int) -> Int {
        let t = instant.timeIntervalSince1970 + Double(offset)
        return Int(min(max(t, InstantBounds.earliest.timeIntervalSince1970), InstantBounds.latest.timeIntervalSince1970).rounded(.down))
    }

    static func local(_ instant: Date, _ zone: TimeZone) -> (CivilDate, Int) {
        // A stored instant from outside may lie anywhere (1e300 seconds): shown at the bound rather than overflowing.
        let instant = InstantBounds.clamped(instant)
        let secs = localSeconds(instant, secondsFromGMT(zone, instant))
        let day = Int((Double(secs) / 86400).rounded(.down))
        return (CivilDate(dayNumber: day), (secs - day * 86400) / 60)
    }
}
