import Foundation
import KohoCore
import NIOCore
import NIOHTTP1
import Testing
@testable import KohoPlatforms
@testable import KohoSandbox
import KohoTestSupport

@Suite("The sandbox's own endpoints and the error mapping")
struct SandboxControlTests {
    @Test func pageShowsTimelinesWithTextEscaped() async throws {
        try await Harness.run { h in
            let post = try await h.facebook().publish(pageId: "koho.kodairacity", message: "<script>alert('x')</script> & お知らせ")
            _ = try await h.residentComment(on: post.id, text: "<b>太字</b>")
            let page = try await h.control(.GET, "/_sandbox")
            let html = String(decoding: page.body, as: UTF8.self)
            #expect(page.status == 200)
            #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; お知らせ"))
            #expect(html.contains("&lt;b&gt;太字&lt;/b&gt;"))
            #expect(!html.contains("<script>"))
            for account in SandboxAccounts.all { #expect(html.contains(account.username)) }
        }
    }

    @Test func resetClearsPostsAndFaults() async throws {
        try await Harness.run { h in
            _ = try await h.x().createPost(XNewPost(text: "消える"), as: "kodaira_tokyo")
            try await h.faults(#"{"errorRate":1,"revokeToken":true}"#)
            #expect(try await h.control(.POST, "/_sandbox/reset").status == 200)
            #expect(try await h.listedPosts().isEmpty)
            _ = try await h.x().createPost(XNewPost(text: "消える"), as: "kodaira_tokyo")
            #expect(try await h.listedPosts().count == 1)
        }
    }

    @Test func faultsAreValidated() async throws {
        try await Harness.run { h in
            #expect(try await h.control(.POST, "/_sandbox/faults", json: #"{"errorRate":2}"#).status == 400)
            let answer = try await h.control(.POST, "/_sandbox/faults", json: #"{"latencyMs":5,"throttle":{"resetSeconds":30,"rate":0.1}}"#)
            let object = try JSONSerialization.jsonObject(with: answer.body) as? [String: Any]
            let faults = object?["faults"] as? [String: Any]
            #expect(faults?["latencyMs"] as? Int == 5)
            #expect((faults?["throttle"] as? [String: Any])?["rate"] as? Double == 0.1)
        }
    }

    @Test func tokensNeverShowInDescriptions() {
        let token = AccessToken("very-secret-token")
        #expect(!"\(token)".contains("very-secret"))
        #expect(!String(reflecting: token).contains("very-secret"))
        var dumped = ""
        dump(token, to: &dumped)
        #expect(!dumped.contains("very-secret"))
    }

    static func response(_ status: Int, _ body: String, headers: [(String, String)] = []) -> PlatformResponse {
        PlatformResponse(status: status, headers: HTTPHeaders(headers), body: Data(body.utf8))
    }

    @Test(arguments: [4, 17, 32, 613, 368, 80001])
    func metaThrottleCodes(code: Int) {
        let now = Date()
        let usage = #"{"1":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":7}]}"#
        let error = FacebookClient.error(
            for: Self.response(400, #"{"error":{"message":"limit","type":"OAuthException","code":\#(code),"fbtrace_id":"A"}}"#,
                               headers: [("X-Business-Use-Case-Usage", usage)]), now: now)
        #expect(error == .rateLimited(resetAt: now.addingTimeInterval(7 * 60)))
        let bare = FacebookClient.error(for: Self.response(400, #"{"error":{"message":"limit","code":\#(code)}}"#), now: now)
        #expect(bare == .rateLimited(resetAt: nil))
    }

    @Test func metaTokenTransientAndInvalidCodes() {
        #expect(FacebookClient.error(for: Self.response(400, #"{"error":{"message":"s","code":102}}"#)) == .tokenExpiredOrRevoked)
        #expect(FacebookClient.error(for: Self.response(400, #"{"error":{"message":"e","code":190,"error_subcode":463}}"#)) == .tokenExpiredOrRevoked)
        #expect(FacebookClient.error(for: Self.response(500, #"{"error":{"message":"down","code":2,"is_transient":true}}"#)) == .transient("down"))
        #expect(FacebookClient.error(for: Self.response(400, #"{"error":{"message":"(#506) Duplicate status message","code":506}}"#))
                == .invalid(message: "(#506) Duplicate status message"))
        #expect(FacebookClient.error(for: Self.response(502, "<html>Bad Gateway</html>")) == .transient("Graph answered HTTP 502"))
    }

    @Test func youTubeQuotaReasons() {
        let now = Date(timeIntervalSince1970: 1_745_000_000)
        for reason in ["rateLimitExceeded", "userRateLimitExceeded"] {
            let body = #"{"error":{"code":403,"message":"m","errors":[{"reason":"\#(reason)","domain":"usageLimits"}]}}"#
            #expect(YouTubeClient.error(for: Self.response(403, body, headers: [("Retry-After", "30")]), now: now)
                    == .rateLimited(resetAt: now.addingTimeInterval(30)))
            #expect(YouTubeClient.error(for: Self.response(403, body), now: now) == .rateLimited(resetAt: nil))
        }
        // Without Retry-After the daily quota comes back at midnight Pacific.
        let quota = #"{"error":{"code":403,"message":"q","errors":[{"reason":"quotaExceeded","domain":"youtube.quota"}]}}"#
        guard case .rateLimited(let reset?) = YouTubeClient.error(for: Self.response(403, quota), now: now) else {
            Issue.record("expected a reset time"); return
        }
        var pacific = Calendar(identifier: .gregorian)
        pacific.timeZone = TimeZone(identifier: "America/Los_Angeles")!
        #expect(pacific.dateComponents([.hour, .minute], from: reset) == DateComponents(hour: 0, minute: 0))
        #expect(reset > now && reset.timeIntervalSince(now) <= 86_400)
        #expect(YouTubeClient.error(for: Self.response(429, "{}"), now: now) == .rateLimited(resetAt: nil))
        #expect(YouTubeClient.error(for: Self.response(403, #"{"error":{"code":403,"message":"Forbidden","errors":[{"reason":"forbidden"}]}}"#))
                == .invalid(message: "Forbidden"))
    }

    @Test func xStatusCodes() {
        #expect(XClient.error(for: Self.response(429, "{}", headers: [("x-rate-limit-reset", "1745000000")]))
                == .rateLimited(resetAt: Date(timeIntervalSince1970: 1_745_000_000)))
        #expect(XClient.error(for: Self.response(401, #"{"title":"Unauthorized","status":401}"#)) == .tokenExpiredOrRevoked)
        #expect(XClient.error(for: Self.response(503, "")) == .transient("X answered HTTP 503"))
        #expect(XClient.error(for: Self.response(400, #"{"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","errors":[{"message":"$.text: too long"}]}"#))
                == .invalid(message: "One or more parameters to your request was invalid. $.text: too long"))
    }
}
