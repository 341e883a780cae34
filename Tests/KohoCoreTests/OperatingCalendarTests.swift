import Foundation
import Testing
@testable import KohoCore

@Suite struct OperatingCalendarTests {
    let calendar = OperatingCalendar(hours: kodaira.rules(for: .x)!.operatingHours)

    @Test func windowEdgesOnAWeekday() {
        #expect(!calendar.isOpen(at: tokyo("2026-11-25T08:29:59")))
        #expect(calendar.isOpen(at: tokyo("2026-11-25T08:30:00")))
        #expect(calendar.isOpen(at: tokyo("2026-11-25T17:14:59")))
        #expect(!calendar.isOpen(at: tokyo("2026-11-25T17:15:00")))
        #expect(calendar.currentWindow(at: tokyo("2026-11-25T12:00:00"))?.end == tokyo("2026-11-25T17:15:00"))
        #expect(calendar.nextOpening(after: tokyo("2026-11-25T08:29:59")) == tokyo("2026-11-25T08:30:00"))
        // While open, the next opening is tomorrow's.
        #expect(calendar.nextOpening(after: tokyo("2026-11-25T08:30:00")) == tokyo("2026-11-26T08:30:00"))
        #expect(calendar.nextOpening(after: tokyo("2026-11-25T17:15:00")) == tokyo("2026-11-26T08:30:00"))
        #expect(calendar.earliestPublishingTime(atOrAfter: tokyo("2026-11-25T10:00:00")) == tokyo("2026-11-25T10:00:00"))
        #expect(calendar.earliestPublishingTime(atOrAfter: tokyo("2026-11-25T08:30:00")) == tokyo("2026-11-25T08:30:00"))
    }

    @Test func yearEndClosure() {
        // Monday 12/28 is the last operating day; 12/29–1/3 is closed; Monday 1/4 opens.
        #expect(calendar.isOpen(at: tokyo("2026-12-28T17:00:00")))
        #expect(calendar.nextOpening(after: tokyo("2026-12-28T18:30:00")) == tokyo("2027-01-04T08:30:00"))
        #expect(!calendar.isOpen(at: tokyo("2026-12-29T10:00:00")))
        #expect(!calendar.isOpen(at: tokyo("2026-12-30T10:00:00")))
        #expect(calendar.closedReason(on: CivilDate(2026, 12, 30)) == .closure("年末年始"))
        #expect(calendar.closedReason(on: CivilDate(2027, 1, 1)) == .nationalHoliday("元日"))
        #expect(calendar.closedReason(on: CivilDate(2026, 12, 27)) == .weekday)
        #expect(calendar.isOpen(at: tokyo("2027-01-04T08:30:00")))
        #expect(calendar.windows(from: tokyo("2026-12-28T00:00:00"), to: tokyo("2027-01-05T00:00:00")).map(\.start)
                == [tokyo("2026-12-28T08:30:00"), tokyo("2027-01-04T08:30:00")])
    }

    @Test func fridayBeforeAMondayHoliday() {
        // 2026-11-23 (Mon) is 勤労感謝の日.
        #expect(calendar.nextOpening(after: tokyo("2026-11-20T17:15:00")) == tokyo("2026-11-24T08:30:00"))
        #expect(calendar.closedReason(on: CivilDate(2026, 11, 23)) == .nationalHoliday("勤労感謝の日"))
        // 2027-01-11 (Mon) is 成人の日.
        #expect(calendar.nextOpening(after: tokyo("2027-01-08T16:00:00")) == tokyo("2027-01-12T08:30:00"))
    }

    @Test func windowsBetweenTwoInstantsAreClipped() {
        let ws = calendar.windows(from: tokyo("2026-11-25T12:00:00"), to: tokyo("2026-11-30T09:00:00"))
        #expect(ws.count == 4)
        #expect(ws.first?.start == tokyo("2026-11-25T12:00:00"))
        #expect(ws.last == DateInterval(start: tokyo("2026-11-30T08:30:00"), end: tokyo("2026-11-30T09:00:00")))
        #expect(calendar.windows(from: tokyo("2026-11-28T00:00:00"), to: tokyo("2026-11-29T23:59:59")).isEmpty)
    }

    @Test func answersDoNotDependOnTheServerTimeZone() {
        let saved = NSTimeZone.default
        defer { NSTimeZone.default = saved }
        for zone in ["America/Los_Angeles", "Pacific/Kiritimati", "UTC", "Europe/London"] {
            NSTimeZone.default = TimeZone(identifier: zone)!
            #expect(!calendar.isOpen(at: tokyo("2026-11-25T08:29:59")), "\(zone)")
            #expect(calendar.isOpen(at: tokyo("2026-11-25T08:30:00")), "\(zone)")
            #expect(calendar.nextOpening(after: tokyo("2026-11-20T17:15:00")) == tokyo("2026-11-24T08:30:00"), "\(zone)")
            #expect(JapaneseTime.display(tokyo("2026-11-25T09:00:00")) == "2026年11月25日(水) 09:00", "\(zone)")
            #expect(JapaneseTime.iso8601(tokyo("2026-11-26T08:30:00")) == "2026-11-26T08:30:00+09:00", "\(zone)")
        }
    }

    @Test func instantsJustAroundMidnightUTC() {
        // 08:59 Tokyo is 23:59 UTC the previous day: the local date must be Tokyo's.
        #expect(calendar.localDate(of: tokyo("2026-11-25T08:59:00")) == CivilDate(2026, 11, 25))
        #expect(calendar.localDate(of: tokyo("2026-11-25T00:00:00")) == CivilDate(2026, 11, 25))
        #expect(calendar.localDate(of: tokyo("2026-11-24T23:59:59")) == CivilDate(2026, 11, 24))
    }

    @Test func iso8601AgreesWithFoundationsFormatter() {
        var rng = SystemRandomNumberGenerator()
        for zone in ["Asia/Tokyo", "UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"] {
            let tz = TimeZone(identifier: zone)!
            let f = ISO8601DateFormatter()
            f.timeZone = tz
            f.formatOptions = [.withInternetDateTime]
            for _ in 0..<500 {
                let instant = Date(timeIntervalSince1970: Double(Int.random(in: -500_000_000...4_100_000_000, using: &rng)) + 0.75)
                #expect(JapaneseTime.iso8601(instant, in: tz) == f.string(from: instant), "\(zone) \(instant)")
            }
        }
    }

    @Test func parsingTimes() {
        #expect(JapaneseTime.parseISO8601("2026-11-25T00:30:00Z") == tokyo("2026-11-25T09:30:00"))
        #expect(JapaneseTime.parseISO8601("2026-11-25T09:30:00.250+09:00")?.timeIntervalSince(tokyo("2026-11-25T09:30:00")) == 0.25)
        // Without an offset a time is read as Tokyo's.
        #expect(JapaneseTime.parseISO8601("2026-11-25T09:30:00") == tokyo("2026-11-25T09:30:00"))
        #expect(JapaneseTime.parseISO8601("2026-13-45T09:30:00+09:00") == nil)
        #expect(JapaneseTime.parseISO8601("soon") == nil)
        #expect(JapaneseTime.parseISO8601("2026-02-29T09:00:00+09:00") == nil)
        #expect(JapaneseTime.parseISO8601("2026-11-25T24:00:00+09:00") == nil)
        #expect(JapaneseTime.parseISO8601("2026-11-25T09:00:00+09:00x") == nil)
        #expect(JapaneseTime.parseISO8601("2026-11-25T09:00+09:00") == tokyo("2026-11-25T09:00:00"))
        #expect(JapaneseTime.parseISO8601("2026-11-25T09:00:00-05:00") == tokyo("2026-11-25T23:00:00"))
        // What a browser's datetime-local field sends.
        #expect(JapaneseTime.parseISO8601("2026-11-25T09:00") == tokyo("2026-11-25T09:00:00"))
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let instant = Date(timeIntervalSince1970: Double(Int.random(in: -500_000_000...4_100_000_000, using: &rng)))
            for zone in [JapaneseTime.tokyo, TimeZone(identifier: "America/New_York")!] {
                #expect(JapaneseTime.parseISO8601(JapaneseTime.iso8601(instant, in: zone)) == instant)
            }
        }
    }
}
