import Foundation

/// Dates as feeds and mail write them: RFC 822/5322 (`Wed, 02 Oct 2002 13:00:00 +0900`, with the old zone
/// names) and RFC 3339 (`2002-10-02T10:00:00+09:00`). Lenient where real feeds are sloppy; nil when the
/// text is not a date at all. A date whose year lies outside `InstantBounds.years` is refused with an error by
/// `read`, so that the item carrying it is treated as bad rather than dated somewhere the arithmetic overflows.
public enum InternetDates {
    /// The date, nil when the text is not a date; throws when it is one but its year is out of range.
    public static func read(_ text: String) throws -> Date? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !t.isEmpty else { return nil }
        if let first = t.unicodeScalars.first, ("0"..."9").contains(first), t.count >= 10,
           t.unicodeScalars.dropFirst(4).first == "-" {
            return try rfc3339Checked(t)
        }
        // RFC 3339 with a year of more than four digits (`99999-01-01T…`): a date, out of range.
        let digits = t.unicodeScalars.prefix { ("0"..."9").contains($0) }.count
        if digits > 4, t.unicodeScalars.dropFirst(digits).first == "-" {
            throw IntakeParseError(InstantBounds.refusal("日付「\(t.prefix(60))」の年 "))
        }
        return try readRFC822(t)
    }

    /// As `read`, with an out-of-range year read as no date.
    public static func parse(_ text: String) -> Date? { (try? read(text)) ?? nil }

    public static func rfc3339(_ text: String) -> Date? { (try? rfc3339Checked(text)) ?? nil }

    public static func rfc822(_ text: String) -> Date? { (try? readRFC822(text)) ?? nil }

    static func rfc3339Checked(_ text: String) throws -> Date? {
        let s = Array(text.utf8)
        var i = 0
        func number(_ n: Int) -> Int? {
            guard i + n <= s.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = s[i + k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < s.count, s[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = number(4), expect(45), let mo = number(2), expect(45), let d = number(2) else { return nil }
        var h = 0, mi = 0, sec = 0
        var fraction = 0.0
        var offset = 0
        if i < s.count {
            guard s[i] == 84 || s[i] == 116 || s[i] == 32 else { return nil } // T, t, space
            i += 1
            guard let hh = number(2), expect(58), let mm = number(2) else { return nil }
            h = hh; mi = mm
            if expect(58) {
                guard let ss = number(2) else { return nil }
                sec = ss
                if expect(46) || expect(44) {
                    var scale = 0.1
                    while i < s.count, s[i] >= 48, s[i] <= 57 {
                        fraction += Double(s[i] - 48) * scale
                        scale /= 10
                        i += 1
                    }
                }
            }
            if i < s.count {
                if s[i] == 90 || s[i] == 122 { i += 1 } // Z
                else if s[i] == 43 || s[i] == 45 {
                    let sign = s[i] == 45 ? -1 : 1
                    i += 1
                    guard let oh = number(2) else { return nil }
                    _ = expect(58)
                    let om = number(2) ?? 0
                    offset = sign * (oh * 3600 + om * 60)
                } else { return nil }
            }
            guard i == s.count else { return nil }
        }
        return try make(y, mo, d, h, mi, sec, offset: offset, text: text).map { $0.addingTimeInterval(fraction) }
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let zones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6,
        "pst": -8, "pdt": -7, "jst": 9,
    ]

    /// RFC 822/5322; nil when not a date, throws when the year is out of range.
    public static func readRFC822(_ text: String) throws -> Date? {
        // Comments such as "(JST)" and the day name carry nothing we need.
        var cleaned = ""
        var depth = 0
        for ch in text {
            if ch == "(" { depth += 1; continue }
            if ch == ")" { depth = max(0, depth - 1); continue }
            if depth == 0 { cleaned.append(ch == "," ? " " : ch) }
        }
        var tokens = cleaned.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }).map(String.init)
        if let f = tokens.first, ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].contains(String(f.lowercased().prefix(3))) {
            tokens.removeFirst()
        }
        guard tokens.count >= 4 else { return nil }
        var day: Int?, month: Int?, year: Int?
        // "02 Oct 2002" or, from some feeds, "Oct 02 2002".
        if let d = Int(tokens[0]) {
            day = d
            month = months.firstIndex(of: String(tokens[1].lowercased().prefix(3))).map { $0 + 1 }
        } else {
            month = months.firstIndex(of: String(tokens[0].lowercased().prefix(3))).map { $0 + 1 }
            day = Int(tokens[1])
        }
        let yearText = tokens[2]
        guard !yearText.isEmpty, yearText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        // A run of digits too long for an Int is a year out of range too, not "no date".
        year = Int(yearText) ?? Int.max
        guard let d = day, let m = month, var y = year else { return nil }
        if yearText.utf8.count <= 2 { y += y < 50 ? 2000 : 1900 }
        let timeParts = tokens[3].split(separator: ":")
        guard timeParts.count >= 2, let h = Int(timeParts[0]), let mi = Int(timeParts[1]) else { return nil }
        let sec = timeParts.count > 2 ? Int(timeParts[2]) ?? 0 : 0
        var offset = 0
        if tokens.count > 4 {
            let z = tokens[4]
            if let first = z.first, first == "+" || first == "-", z.count >= 5, let v = Int(z.dropFirst().prefix(4)) {
                offset = (first == "-" ? -1 : 1) * ((v / 100) * 3600 + (v % 100) * 60)
            } else if let hours = zones[z.lowercased()] {
                offset = hours * 3600
            }
        }
        return try make(y, m, d, h, mi, sec, offset: offset, text: text)
    }

    private static func make(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, offset: Int, text: String) throws -> Date? {
        guard InstantBounds.years.contains(y) else {
            let year = y == Int.max ? "（桁が多すぎます）" : String(y)
            throw IntakeParseError(InstantBounds.refusal("日付「\(text.prefix(60))」の年 \(year) "))
        }
        guard (1...12).contains(mo), d >= 1, d <= CivilDate.daysInMonth(year: y, month: mo),
              (0...24).contains(h), (0...59).contains(mi), (0...60).contains(s) else { return nil }
        let days = CivilDate(y, mo, d).dayNumber
        let seconds = days * 86400 + h * 3600 + mi * 60 + s - offset
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}
