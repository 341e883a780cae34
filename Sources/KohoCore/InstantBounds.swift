import Foundation

/// The instants Koho accepts from outside and can write: the years 1900 to 9999. A date outside them in a mail,
/// a feed, a webhook or a platform's answer is refused where it is read; a stored one is shown at the nearest bound,
/// since the date arithmetic of the pages overflows far beyond (a year of 999999999999 trapped the server).
public enum InstantBounds {
    public static let years = 1900...9999
    /// 1900-01-01T00:00:00Z.
    public static let earliest = Date(timeIntervalSince1970: -2_208_988_800)
    /// 9999-12-31T23:59:59Z.
    public static let latest = Date(timeIntervalSince1970: 253_402_300_799)

    public static func contains(_ date: Date) -> Bool {
        let t = date.timeIntervalSince1970
        return t.isFinite && t >= earliest.timeIntervalSince1970 && t <= latest.timeIntervalSince1970
    }

    /// The date itself when within the bounds, else the nearest bound (NaN: the earliest).
    public static func clamped(_ date: Date) -> Date {
        let t = date.timeIntervalSince1970
        guard !t.isNaN else { return earliest }
        if t < earliest.timeIntervalSince1970 { return earliest }
        if t > latest.timeIntervalSince1970 { return latest }
        return date
    }

    /// Seconds since 1970 as sent by a platform (a webhook's `created_time`): nil when not finite or outside the bounds.
    public static func instant(secondsSince1970 seconds: Double) -> Date? {
        let date = Date(timeIntervalSince1970: seconds)
        return contains(date) ? date : nil
    }

    /// The Japanese reason a date was refused, for status lines and errors.
    public static func refusal(_ what: String) -> String {
        "\(what)は受け付ける範囲（\(years.lowerBound)〜\(years.upperBound)年）の外です"
    }
}
