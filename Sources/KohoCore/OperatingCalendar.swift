import Foundation

/// Answers when the city may post: the operating windows of one set of operating hours,
/// computed in the policy's time zone whatever the server's own zone is.
public struct OperatingCalendar: Sendable {
    public let hours: OperatingHours
    public let holidays: JapaneseHolidayCalendar

    public init(hours: OperatingHours, holidays: JapaneseHolidayCalendar = .shared) {
        self.hours = hours
        self.holidays = holidays
    }

    /// Why a day is closed, or nil when it is an operating day.
    public enum ClosedReason: Sendable, Equatable {
        case weekday
        case nationalHoliday(String)
        case closure(String)
    }

    public func closedReason(on date: CivilDate) -> ClosedReason? {
        if hours.closedOnNationalHolidays, let h = holidays.holiday(on: date) { return .nationalHoliday(h.name) }
        if let c = hours.closures.first(where: { $0.contains(date) }) { return .closure(c.name) }
        if !hours.weekdays.contains(date.weekday) { return .weekday }
        return nil
    }

    public func isOperatingDay(_ date: CivilDate) -> Bool { closedReason(on: date) == nil }

    public func localDate(of instant: Date) -> CivilDate { JapaneseTime.localDate(instant, in: hours.timeZone) }

    /// The instant at which `minutes` after local midnight of `date` falls.
    public func instant(_ date: CivilDate, minutes: Int) -> Date {
        JapaneseTime.instant(wallClock: Double(date.dayNumber * 86400 + minutes * 60), in: hours.timeZone)
    }

    public func window(on date: CivilDate) -> DateInterval? {
        guard isOperatingDay(date) else { return nil }
        return DateInterval(start: instant(date, minutes: hours.opens), end: instant(date, minutes: hours.closes))
    }

    /// The window open at `instant` (start inclusive, end exclusive), if any.
    public func currentWindow(at instant: Date) -> DateInterval? {
        guard let w = window(on: localDate(of: instant)), w.start <= instant, instant < w.end else { return nil }
        return w
    }

    public func isOpen(at instant: Date) -> Bool { currentWindow(at: instant) != nil }

    /// The first window that starts strictly after `instant`.
    public func nextOpening(after instant: Date) -> Date? {
        nextWindow(startingAfter: instant, inclusive: false)?.start
    }

    /// Where a post without a chosen time goes: now if open, else the next window's start.
    public func earliestPublishingTime(atOrAfter instant: Date) -> Date? {
        if isOpen(at: instant) { return instant }
        return nextWindow(startingAfter: instant, inclusive: true)?.start
    }

    private func nextWindow(startingAfter instant: Date, inclusive: Bool) -> DateInterval? {
        var day = localDate(of: instant)
        // The longest closed run is the year end plus weekends and holidays; 40 days leaves ample room.
        for _ in 0..<40 {
            if let w = window(on: day), inclusive ? w.start >= instant : w.start > instant { return w }
            day = day.adding(days: 1)
            if day.year > holidays.supportedYears.upperBound { return nil }
        }
        return nil
    }

    /// The windows that overlap `from..<to`, clipped to it.
    public func windows(from start: Date, to end: Date) -> [DateInterval] {
        guard start < end else { return [] }
        var result: [DateInterval] = []
        var day = localDate(of: start).adding(days: -1)
        let last = localDate(of: end).adding(days: 1)
        while day <= last {
            if let w = window(on: day) {
                let s = max(w.start, start), e = min(w.end, end)
                if s < e { result.append(DateInterval(start: s, end: e)) }
            }
            day = day.adding(days: 1)
        }
        return result
    }
}
