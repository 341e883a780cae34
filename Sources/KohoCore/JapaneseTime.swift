import Foundation

/// How Koho writes instants for its users and for other tools.
public enum JapaneseTime {
    public static let tokyo = TimeZone(identifier: "Asia/Tokyo")!
    static let weekdayKanji = ["日", "月", "火", "水", "木", "金", "土"]

    /// `2026年11月25日(水) 09:00`, in the given zone (Tokyo unless a policy says otherwise).
    public static func display(_ instant: Date, in zone: TimeZone = tokyo) -> String {
        let (d, minutes) = local(instant, zone)
        return "\(d.year)年\(d.month)月\(d.day)日(\(weekdayKanji[d.weekday])) " + String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }

    /// `2026年11月25日(水)`.
    public static func displayDate(_ d: CivilDate) -> String {
        "\(d.year)年\(d.month)月\(d.day)日(\(weekdayKanji[d.weekday]))"
    }

    /// ISO 8601 with the zone's offset, e.g. `2026-11-26T08:30:00+09:00`.
    public static func iso8601(_ instant: Date, in zone: TimeZone = tokyo) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = zone
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: instant)
    }

    /// Accepts ISO 8601 with an offset or `Z`, with or without fractional seconds. A time without
    /// an offset is read in `zone`, since staff write local times.
    public static func parseISO8601(_ s: String, defaultZone zone: TimeZone = tokyo) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.timeZone = zone
        f.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate]
        return f.date(from: s)
    }

    static func local(_ instant: Date, _ zone: TimeZone) -> (CivilDate, Int) {
        let secs = Int((instant.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: instant))).rounded(.down))
        let day = Int((Double(secs) / 86400).rounded(.down))
        return (CivilDate(dayNumber: day), (secs - day * 86400) / 60)
    }
}
