import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
import KohoSandbox
@testable import KohoServer

/// Calls kept (issue 24): every HTTP call of a publish attempt or a comment action, as sent and as answered, with
/// the secrets removed, on the attempt; one click from the post's and the comment's page, in the API and the bundles.
final class PlatformCallsPublishTests: PublisherTestCase {
    func testTheBodyThatReachedTheSandboxIsTheOneKeptAndNoTokenIsAnywhere() async throws {
        // Text with markup, a full-width digit and an ampersand: kept byte for byte, shown escaped.
        let xID = try await schedule(#"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつり <b>１０月</b> & 花火のお知らせ"}"#)
        let fbID = try await schedule(PostFactory.fields(5, account: 2))
        try await waitFor {
            try await Post.query(on: self.app.db).filter(\.$state == .published).count() == 2
        }
        let received = await sandbox.receivedRequests()
        var tokens: Set<String> = []
        for r in received {
            if let auth = r.headers.first(where: { $0.name.lowercased() == "authorization" })?.value, auth.hasPrefix("Bearer ") {
                tokens.insert(String(auth.dropFirst(7)))
            }
        }
        XCTAssertFalse(tokens.isEmpty, "the sandbox saw the bearer tokens")

        for (id, path) in [(xID, "/2/tweets"), (fbID, "/feed")] {
            let calls = try await PlatformCallRecord.query(on: app.db).filter(\.$subject == "post:\(id)").sort(\.$sequence).all()
            XCTAssertEqual(calls.count, 1, id)
            let call = try XCTUnwrap(calls.first)
            XCTAssertEqual(call.attemptKind, "publish")
            let attempt = try await XCTUnwrapAsync(try await PublishAttempt.query(on: app.db).filter(\.$postID == UUID(uuidString: id)!).first())
            XCTAssertEqual(call.attemptID, attempt.id)
            XCTAssertEqual(call.method, "POST")
            XCTAssertTrue(call.url.hasSuffix(path), call.url)
            let sent = try XCTUnwrap(received.last { $0.method == "POST" && $0.uri.hasSuffix(path) && $0.body == call.requestBody },
                                     "the body that reached the sandbox, byte for byte: \(String(decoding: call.requestBody, as: UTF8.self))")
            XCTAssertFalse(sent.body.isEmpty)
            XCTAssertEqual(call.requestBodyBytes, sent.body.count)
            XCTAssertEqual(call.requestBodySHA256, Secrets.sha256Hex(sent.body))
            XCTAssertFalse(call.requestBodyCut)
            XCTAssertEqual(call.status, path == "/2/tweets" ? 201 : 200)
            XCTAssertTrue(String(decoding: call.responseBody, as: UTF8.self).contains(attempt.platformPostID ?? "—"), "the platform's answer with the id")
            XCTAssertGreaterThanOrEqual(call.finishedAt, call.startedAt)
            XCTAssertTrue(call.redacted)
            let auth = PlatformCallRecord.headers(call.requestHeaders).first { $0.name.lowercased() == "authorization" }
            XCTAssertEqual(auth?.value, PlatformCall.removed)
            // No token anywhere in what was kept.
            let everything = [call.url, call.requestHeaders, call.responseHeaders, call.error ?? "",
                              String(decoding: call.requestBody, as: UTF8.self), String(decoding: call.responseBody, as: UTF8.self)].joined(separator: "\n")
            for token in tokens { XCTAssertFalse(everything.contains(token), "a token was kept") }
        }
        let xCall = try await XCTUnwrapAsync(try await PlatformCallRecord.query(on: app.db).filter(\.$subject == "post:\(xID)").first())
        XCTAssertTrue(String(decoding: xCall.requestBody, as: UTF8.self).contains(#"市民まつり <b>１０月<\/b> & 花火"#),
                      String(decoding: xCall.requestBody, as: UTF8.self))

        // One click from the post's page, escaped; the same role check as the page (signed in).
        try await addUser("kansa", .viewer)
        let viewer = WebClient(app)
        _ = try await viewer.login("kansa", password)
        let page = String(buffer: try await viewer.get("/posts/\(xID)").body)
        XCTAssertTrue(page.contains("/posts/\(xID)/calls"))
        let callsPage = try await viewer.get("/posts/\(xID)/calls")
        XCTAssertEqual(callsPage.status, .ok)
        let html = String(buffer: callsPage.body)
        XCTAssertTrue(html.contains("<details"))
        XCTAssertTrue(html.contains(#"&lt;b&gt;１０月&lt;\/b&gt; &amp; 花火"#), "the body shown escaped")
        XCTAssertFalse(html.contains("<b>１０月"))
        XCTAssertTrue(html.contains("Authorization: \(PlatformCall.removed)"))
        for token in tokens { XCTAssertFalse(html.contains(token)) }
        let anonymous = WebClient(app)
        let refused = try await anonymous.get("/posts/\(xID)/calls")
        XCTAssertNotEqual(refused.status, .ok)
        XCTAssertFalse(String(buffer: refused.body).contains("１０月"))

        // The API.
        let api = try await self.api(.GET, "/posts/\(xID)/calls", token: chiefToken)
        XCTAssertEqual(api.status, .ok, api.body)
        let listed = try XCTUnwrap(api.json["calls"] as? [[String: Any]])
        XCTAssertEqual(listed.count, 1)
        let request = try XCTUnwrap(listed.first?["request"] as? [String: Any])
        XCTAssertEqual((request["body"] as? [String: Any])?["text"] as? String, String(decoding: xCall.requestBody, as: UTF8.self))
        XCTAssertEqual((listed.first?["response"] as? [String: Any])?["status"] as? Int, 201)
        let unauthenticated = try await self.api(.GET, "/posts/\(xID)/calls", token: nil)
        XCTAssertEqual(unauthenticated.status, .unauthorized)

        // The bundle: the calls in record.json, their count in the summary.
        let bundle = try await RecordBundle.post(UUID(uuidString: xID)!, db: app.db, policy: app.koho.policy, now: clock.now)
        let attempts = try XCTUnwrap(bundle.record["publishAttempts"] as? [[String: Any]])
        let bundled = try XCTUnwrap(attempts.first?["calls"] as? [[String: Any]])
        XCTAssertEqual(bundled.count, 1)
        XCTAssertEqual(((bundled.first?["request"] as? [String: Any])?["body"] as? [String: Any])?["text"] as? String,
                       String(decoding: xCall.requestBody, as: UTF8.self))
        XCTAssertTrue(bundle.html.contains("プラットフォームとの送受信: 1件"))
        let json = String(decoding: bundle.json, as: UTF8.self)
        for token in tokens { XCTAssertFalse(json.contains(token)) }
    }
}

final class PlatformCallsCommentTests: CommentTestCase {
    func testAHideKeepsItsCallOnTheActionAndTheCommentPageLinksIt() async throws {
        let post = try await facebookPost()
        let made = try await residentComment(on: post, "この人の電話番号は090-1234-5678です")
        let platformID = try XCTUnwrap(made["id"] as? String)
        try await poller.pass(force: true)
        let c = try await XCTUnwrapAsync(try await stored(platformID).first)
        let id = c.id!.uuidString.lowercased()
        let r = try await api(.POST, "/comments/\(id)/decision", token: tokens.chief,
                              json: #"{"action":"hide","ground":"③","reason":"個人の電話番号が書かれている"}"#)
        XCTAssertEqual(r.status, .ok, r.body)
        try await actions.pass()
        let calls = try await PlatformCallRecord.query(on: app.db).filter(\.$subject == "comment:\(id)").all()
        XCTAssertEqual(calls.count, 1)
        let call = try XCTUnwrap(calls.first)
        XCTAssertEqual(call.attemptKind, "comment")
        let action = try await XCTUnwrapAsync(try await CommentAction.query(on: app.db).filter(\.$commentID == c.id!).first())
        XCTAssertEqual(call.attemptID, action.id)
        XCTAssertEqual(String(decoding: call.requestBody, as: UTF8.self), "is_hidden=true")
        let sent = await sandbox.receivedRequests().last { $0.method == "POST" && $0.uri.contains(platformID) }
        XCTAssertEqual(sent?.body, call.requestBody)
        XCTAssertEqual(call.status, 200)
        XCTAssertFalse(call.requestHeaders.contains(SandboxAccounts.facebookKoho.accessToken))

        let viewer = WebClient(app)
        _ = try await viewer.login("kansa", password)
        let commentPage = String(buffer: try await viewer.get("/comments/\(id)").body)
        XCTAssertTrue(commentPage.contains("/comments/\(id)/calls"))
        let page = String(buffer: try await viewer.get("/comments/\(id)/calls").body)
        XCTAssertTrue(page.contains("is_hidden=true"))
        let bundle = try await RecordBundle.comment(c.id!, db: app.db, policy: app.koho.policy, now: Date())
        let actions = try XCTUnwrap(bundle.record["platformActions"] as? [[String: Any]])
        XCTAssertEqual((actions.first?["calls"] as? [[String: Any]])?.count, 1)
        XCTAssertTrue(bundle.html.contains("プラットフォームとの送受信: 1件"))
    }
}

extension PlatformCallsCommentTests {
    /// A call whose answer is lost is kept without an answer, and the read that settles it is kept after it.
    func testALostAnswerIsKeptAsSuchWithTheReadThatSettledIt() async throws {
        let post = try await facebookPost()
        let made = try await residentComment(on: post, "ばかやろう、死ね")
        let platformID = try XCTUnwrap(made["id"] as? String)
        try await poller.pass(force: true)
        let c = try await XCTUnwrapAsync(try await stored(platformID).first)
        let id = c.id!.uuidString.lowercased()
        await sandbox.setFaults(SandboxFaults(lostResponseRate: 1))
        let r = try await api(.POST, "/comments/\(id)/decision", token: tokens.chief, json: #"{"action":"delete","ground":"②","reason":"脅迫的な中傷"}"#)
        XCTAssertEqual(r.status, .ok, r.body)
        try await actions.pass()
        await sandbox.setFaults(SandboxFaults())
        try await actions.pass()
        let calls = try await PlatformCallRecord.query(on: app.db).filter(\.$subject == "comment:\(id)").sort(\.$sequence).all()
        XCTAssertEqual(calls.map(\.method), ["DELETE", "GET"], "the delete, then the read that found it done")
        XCTAssertNil(calls.first?.status, "no answer came")
        XCTAssertFalse((calls.first?.error ?? "").isEmpty)
        XCTAssertEqual(calls.last?.status, 200)
        XCTAssertEqual(Set(calls.map(\.attemptID)).count, 1, "both on the one attempt")
        let reached = await sandbox.receivedRequests().contains { $0.method == "DELETE" && $0.uri.contains(platformID) }
        XCTAssertTrue(reached, "the platform did receive the call whose answer was lost")
        let page = try await viewer()
        let html = String(buffer: try await page.get("/comments/\(id)/calls").body)
        XCTAssertTrue(html.contains("答えなし"))
    }

    func viewer() async throws -> WebClient {
        let w = WebClient(app)
        _ = try await w.login("kansa", password)
        return w
    }
}

/// What is taken out before a call is kept, and how big a kept body gets.
final class PlatformCallRedactionTests: XCTestCase {
    func testTokensInTheAddressAFormAJSONBodyAndAnywhereElseAreRemoved() {
        let secret = "EAAGm0PX4ZCpsBAKZAzZ" + String(repeating: "x", count: 40)
        let (url, r1) = PlatformCallRedaction.url(
            "https://graph.facebook.com/v26.0/me/feed?fields=id&access_token=\(secret)&appsecret_proof=abc123&pageToken=NEXT", secrets: [secret])
        XCTAssertTrue(r1)
        XCTAssertFalse(url.contains(secret))
        XCTAssertFalse(url.contains("abc123"))
        XCTAssertTrue(url.contains("fields=id"))
        XCTAssertTrue(url.contains("pageToken=NEXT"), "a page cursor is not a credential")
        let (form, r2) = PlatformCallRedaction.body(Data("message=%E5%B8%82&access_token=\(secret)".utf8),
                                                    contentType: "application/x-www-form-urlencoded", secrets: [secret])
        XCTAssertTrue(r2)
        XCTAssertEqual(String(decoding: form, as: UTF8.self), "message=%E5%B8%82&access_token=%5B%E5%89%8A%E9%99%A4%5D")
        let (json, r3) = PlatformCallRedaction.body(Data(#"{"text":"市","auth":{"refresh_token":"r-123","client_secret":"s-456"}}"#.utf8),
                                                    contentType: "application/json", secrets: [])
        XCTAssertTrue(r3)
        let text = String(decoding: json, as: UTF8.self)
        XCTAssertFalse(text.contains("r-123"))
        XCTAssertFalse(text.contains("s-456"))
        XCTAssertTrue(text.contains("市"))
        // The token itself, wherever it is (here inside a plain text body).
        let (plain, r4) = PlatformCallRedaction.body(Data("echo \(secret) back".utf8), contentType: "text/plain", secrets: [secret])
        XCTAssertTrue(r4)
        XCTAssertEqual(String(decoding: plain, as: UTF8.self), "echo \(PlatformCall.removed) back")
        // A body without secrets is untouched, byte for byte, control characters and all.
        let clean = Data(#"{"text":"お知らせ\u0007\n１２３"}"#.utf8)
        let (same, r5) = PlatformCallRedaction.body(clean, contentType: "application/json; charset=UTF-8", secrets: [secret])
        XCTAssertFalse(r5)
        XCTAssertEqual(same, clean)
    }

    func testABodyOverTheLimitIsCutWithANoteAndItsWholeSHA256() {
        let video = Data((0..<(300 * 1024)).map { UInt8($0 % 251) })
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer tok-1")
        headers.add(name: "Content-Type", value: "video/mp4")
        var answer = HTTPHeaders()
        answer.add(name: "Set-Cookie", value: "sid=1")
        answer.add(name: "Content-Type", value: "application/json")
        answer.add(name: "x-rate-limit-remaining", value: "42")
        let big = Data(repeating: 0x61, count: 100 * 1024)
        let call = PlatformCallRedaction.call(method: "PUT", url: "https://upload.example/upload?upload_id=SESSION-XYZ", headers: headers,
                                              body: video, status: 200, responseHeaders: answer, responseBody: big,
                                              startedAt: Date(), finishedAt: Date(), error: nil, secrets: ["tok-1"])
        XCTAssertEqual(call.requestBody.count, PlatformCall.maxBodyBytes)
        XCTAssertTrue(call.requestBodyCut)
        XCTAssertEqual(call.requestBodyBytes, video.count)
        XCTAssertEqual(call.requestBodySHA256, Secrets.sha256Hex(video))
        XCTAssertFalse(call.url.contains("SESSION-XYZ"), "an upload session is a bearer capability")
        XCTAssertEqual(call.requestHeaders.first { $0.name == "Authorization" }?.value, PlatformCall.removed)
        XCTAssertNil(call.responseHeaders.first { $0.name == "Set-Cookie" })
        XCTAssertEqual(call.responseHeaders.first { $0.name == "x-rate-limit-remaining" }?.value, "42")
        XCTAssertEqual(call.responseBody, big, "100 KB is kept whole")
        XCTAssertFalse(call.responseBodyCut)
    }
}
