import Foundation
import NIOHTTP1
import Testing
@testable import KohoPlatforms

/// Numbers in platform answers are read so that no value can trap: reset times, byte ranges, fractions of seconds.
@Suite("Platform answers cannot trap")
struct PlatformAnswerBoundsTests {
    func response(_ status: Int, _ headers: [(String, String)], body: String = "{}") -> PlatformResponse {
        PlatformResponse(status: status, headers: HTTPHeaders(headers), body: Data(body.utf8))
    }

    @Test func xResetTimesOutOfRangeAreHeldToADayOrDropped() {
        let now = Date()
        for raw in ["1e300", "99999999999999999999", "9.9e307"] {
            guard case .rateLimited(let reset?) = XClient.error(for: response(429, [("x-rate-limit-reset", raw)])) else {
                Issue.record("\(raw): not a reset time")
                continue
            }
            #expect(reset.timeIntervalSince(now) <= 86_401, "\(raw)")
            // What the publisher and the pages then do with it: shown, and subtracted.
            #expect(RFC3339.graph(reset) != nil)
        }
        for raw in ["nan", "inf", "-inf"] {
            guard case .rateLimited(let reset) = XClient.error(for: response(429, [("x-rate-limit-reset", raw)])) else {
                Issue.record("\(raw): not rate limited")
                continue
            }
            #expect(reset == nil, "\(raw)")
        }
        let real = now.addingTimeInterval(900).timeIntervalSince1970.rounded(.down)
        guard case .rateLimited(let reset?) = XClient.error(for: response(429, [("x-rate-limit-reset", String(Int(real)))])) else {
            Issue.record("a real reset")
            return
        }
        #expect(reset.timeIntervalSince1970 == real)
    }

    @Test func retryAfterIsAPlausibleMoment() {
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        #expect(HTTPHeaders([("Retry-After", "120")]).retryAfter(now: now) == now.addingTimeInterval(120))
        #expect(HTTPHeaders([("Retry-After", "1e300")]).retryAfter(now: now) == now.addingTimeInterval(86_400))
        #expect(HTTPHeaders([("Retry-After", "nan")]).retryAfter(now: now) == nil)
        #expect(HTTPHeaders([("Retry-After", "-5")]).retryAfter(now: now) == nil)
        #expect(HTTPHeaders([("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")]).retryAfter(now: now) == now.addingTimeInterval(86_400))
    }

    @Test func metasRegainTimeNearIntMaxDoesNotOverflow() {
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        let headers = HTTPHeaders([("X-Business-Use-Case-Usage", #"{"123":[{"estimated_time_to_regain_access":9223372036854775807}]}"#)])
        #expect(FacebookClient.regainAccess(headers, now: now) == now.addingTimeInterval(86_400))
        let thirty = HTTPHeaders([("X-Business-Use-Case-Usage", #"{"123":[{"estimated_time_to_regain_access":30}]}"#)])
        #expect(FacebookClient.regainAccess(thirty, now: now) == now.addingTimeInterval(1_800))
    }

    @Test func youTubesRangeIsBelievedOnlyWithinTheFile() {
        #expect(YouTubeClient.receivedBytes(range: "bytes=0-999", totalBytes: 5_000) == 1_000)
        #expect(YouTubeClient.receivedBytes(range: "bytes=0-9223372036854775807", totalBytes: 5_000) == 0)
        #expect(YouTubeClient.receivedBytes(range: "bytes=0-5000", totalBytes: 5_000) == 0)
        #expect(YouTubeClient.receivedBytes(range: "bytes=0--1", totalBytes: 5_000) == 0)
        #expect(YouTubeClient.receivedBytes(range: nil, totalBytes: 5_000) == 0)
    }

    @Test func aTimeWithHundredsOfFractionDigitsIsStillATime() throws {
        let date = try #require(RFC3339.parse("2026-11-25T01:00:00." + String(repeating: "9", count: 400) + "Z"))
        #expect(date.timeIntervalSince1970.isFinite)
        #expect(abs(date.timeIntervalSince1970 - 1_795_568_401) < 0.001)
        #expect(PlatformDates.parse("2026-11-25T01:00:00+0000") == Date(timeIntervalSince1970: 1_795_568_400))
        #expect(PlatformDates.parse("99999-01-01T00:00:00Z") == nil, "a five-digit year")
        #expect(PlatformDates.parse(String(repeating: "2", count: 100_000)) == nil)
        #expect(RFC3339.graph(Date(timeIntervalSince1970: 1e300)) == nil)
        #expect(RFC3339.graph(Date(timeIntervalSince1970: -1e300)) == nil)
    }
}
