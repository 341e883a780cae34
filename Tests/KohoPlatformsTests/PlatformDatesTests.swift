import Foundation
import Testing
@testable import KohoPlatforms

/// The hand-written reading and writing of the platforms' dates agrees with the formatters it replaced.
@Suite("Platform dates")
struct PlatformDatesTests {
    static func formatterParse(_ string: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: string) { return date }
        if let date = ISO8601DateFormatter().date(from: string) { return date }
        let graph = DateFormatter()
        graph.locale = Locale(identifier: "en_US_POSIX")
        graph.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        return graph.date(from: string)
    }

    static func formatterGraph(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        return formatter.string(from: date)
    }

    @Test func sameInstantsAsTheFormatters() throws {
        var generator = SystemRandomNumberGenerator()
        // Leap days, year ends and the centuries' rules among random instants from 1901 to 2099.
        var instants: [Double] = [0, 951_782_400, 951_868_800, 1_709_164_800, 4_107_456_000, -2_203_891_200, 1_767_225_599]
        for _ in 0..<300 { instants.append(Double(Int64.random(in: -2_000_000_000...4_000_000_000, using: &generator))) }
        for t in instants {
            let date = Date(timeIntervalSince1970: t)
            let graph = PlatformDates.graph(date)
            #expect(graph == Self.formatterGraph(date))
            let plain = ISO8601DateFormatter().string(from: date)
            let fractionalFormatter = ISO8601DateFormatter()
            fractionalFormatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let fractional = fractionalFormatter.string(from: date.addingTimeInterval(0.25))
            let tokyo = ISO8601DateFormatter()
            tokyo.timeZone = TimeZone(identifier: "Asia/Tokyo")
            for text in [graph, plain, fractional, tokyo.string(from: date)] {
                let fast = try #require(RFC3339.parse(text), "\(text)")
                let slow = try #require(Self.formatterParse(text), "\(text)")
                #expect(abs(fast.timeIntervalSince(slow)) < 0.001, "\(text)")
                #expect(PlatformDates.parse(text) == fast)
            }
        }
    }

    @Test func otherFormsGoToTheFormatters() {
        for text in ["2025-02-30T00:00:00Z", "2025-04-01 09:00:00Z", "2025-04-01T09:00:00", "2025-04-01T24:00:00Z",
                     "2025-13-01T09:00:00Z", "2025-04-01T09:00:00+09", "2025-04-01T09:00:00.Z", "20250401T090000Z", ""] {
            #expect(RFC3339.parse(text) == nil, "\(text)")
            #expect(PlatformDates.parse(text) == Self.formatterParse(text), "\(text)")
        }
        #expect(PlatformDates.parse("2025-04-01T09:00:00+0900") == Date(timeIntervalSince1970: 1_743_465_600))
        #expect(PlatformDates.parse("2025-04-01T00:00:00.5-01:30") == Date(timeIntervalSince1970: 1_743_471_000.5))
    }

    /// Issue 21: a platform's answer dated outside the years Koho can show is read as no date.
    @Test func datesOutsideTheBoundsAreNone() {
        for text in ["0001-01-01T00:00:00Z", "1899-12-31T23:59:59Z", "+999999999-01-01T00:00:00Z", "99999-01-01T00:00:00+0000",
                     "2025-04-01T09:00:00Z" + String(repeating: "0", count: 100)] {
            #expect(PlatformDates.parse(text) == nil, "\(text)")
        }
        #expect(PlatformDates.parse("9999-12-31T23:59:59Z") == Date(timeIntervalSince1970: 253_402_300_799))
    }
}
