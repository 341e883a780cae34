import AsyncHTTPClient
import Fluent
import Foundation
import NIOCore
import XCTVapor
import XCTest
import Yams
import KohoCore
import KohoPlatforms
import KohoSandbox
@testable import KohoServer
@testable import KohoTools

/// Comments against the sandbox: the poller and the webhook, the API, decisions carried out exactly once.
class CommentTestCase: KohoTestCase {
    var sandbox: PlatformSandbox!
    let appSecret = "test-app-secret-0123456789"
    let verifyToken = "koho-verify-token"
    var tokens: (chief: String, staff: String, fbStaff: String, viewer: String)!
    var http: HTTPClient!

    override func setUp() async throws {
        http = HTTPClient(eventLoopGroupProvider: .singleton)
        sandbox = try await startSandbox()
        try await super.setUp()
        tokens = try await addStandardUsers()
    }

    override func adjust(_ config: inout KohoConfig) {
        config.platforms = .sandbox(url: sandbox.baseURL)
        config.publisher.enabled = false
        config.publisher.callTimeoutSeconds = 3
        config.publisher.leaseSeconds = 5
        var comments = CommentSettings(environment: [:])
        // The tests drive the rounds themselves.
        comments.enabled = false
        comments.facebookVerifyToken = verifyToken
        comments.facebookAppSecret = appSecret
        comments.actionRetryBaseSeconds = 0
        comments.actionRetryMaxSeconds = 0
        config.comments = comments
    }

    override func tearDown() async throws {
        try await super.tearDown()
        try await sandbox?.shutdown()
        sandbox = nil
        try await http?.shutdown()
        http = nil
    }

    var poller: CommentPoller { app.workers!.poller }
    var actions: CommentActions { app.workers!.actions }

    /// A post on the city's Facebook Page, made on the sandbox as if published earlier; its id.
    func facebookPost(_ message: String = "市民まつりを開催します") async throws -> String {
        let fb = FacebookClient(httpClient: http, accessToken: AccessToken(SandboxAccounts.facebookKoho.accessToken),
                                baseURL: sandbox.baseURL, timeout: .seconds(5))
        return try await fb.publish(pageId: SandboxAccounts.facebookKoho.platformId, message: message).id
    }

    func youtubeVideo() async throws -> String {
        let yt = YouTubeClient(httpClient: http, accessToken: AccessToken(SandboxAccounts.youtubeKodaira.accessToken),
                               baseURL: sandbox.baseURL, timeout: .seconds(5))
        return try await yt.uploadVideo(YouTubeVideoMetadata(title: "小平の風景", description: "市内の風景"), data: Self.sampleVideo).id
    }

    /// A resident writes through `POST /_sandbox/comments`; the sandbox's record.
    func residentComment(on postID: String, _ text: String, author: String = "市民A") async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: ["postId": postID, "text": text, "author": author])
        let r = try await sandboxCall(.POST, "/_sandbox/comments", body: body)
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
        return try JSONSerialization.jsonObject(with: r.body) as? [String: Any] ?? [:]
    }

    func sandboxComments() async throws -> [[String: Any]] {
        let r = try await sandboxCall(.GET, "/_sandbox/comments", body: nil)
        return try JSONSerialization.jsonObject(with: r.body) as? [[String: Any]] ?? []
    }

    func sandboxCall(_ method: HTTPMethod, _ path: String, body: Data?) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: sandbox.baseURL + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response = try await http.execute(request, timeout: .seconds(10))
        let data = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), Data(data.readableBytesView))
    }

    /// A feed delivery as Meta sends it.
    func delivery(verb: String, commentID: String, postID: String, message: String?, from: String = "市民A") -> Data {
        var value: [String: Any] = ["item": "comment", "verb": verb, "comment_id": commentID, "post_id": postID, "parent_id": postID,
                                    "from": ["id": "10001", "name": from], "created_time": Int(Date().timeIntervalSince1970)]
        if let message { value["message"] = message }
        let body: [String: Any] = ["object": "page", "entry": [["id": SandboxAccounts.facebookKoho.platformId, "time": 1,
                                                                "changes": [["field": "feed", "value": value]]]]]
        return try! JSONSerialization.data(withJSONObject: body)
    }

    @discardableResult
    func webhook(_ body: Data, signature: String?) async throws -> HTTPStatus {
        let res = try await app.testable().sendRequest(.POST, "/webhooks/facebook", beforeRequest: { (req: inout XCTHTTPRequest) async throws in
            req.headers.contentType = .json
            if let signature { req.headers.replaceOrAdd(name: "X-Hub-Signature-256", value: signature) }
            req.body = ByteBuffer(data: body)
        })
        return res.status
    }

    func signed(_ body: Data) -> String { FacebookWebhook.signature(body, secret: appSecret) }

    func stored(_ platformID: String) async throws -> [Comment] {
        try await Comment.query(on: app.db).filter(\.$platformCommentID == platformID).all()
    }

    func listed(_ query: String = "", token: String? = nil) async throws -> [[String: Any]] {
        let r = try await api(.GET, "/comments" + query, token: token ?? tokens.chief)
        XCTAssertEqual(r.status, .ok, r.body)
        return r.json["comments"] as? [[String: Any]] ?? []
    }
}

final class CommentIngestTests: CommentTestCase {
    func testACommentSeenByPollAndWebhookInEitherOrderAndTwiceIsStoredOnce() async throws {
        let post = try await facebookPost()
        // Poll first, then the webhook, then both again.
        let first = try await residentComment(on: post, "駐車場はありますか")
        let firstID = try XCTUnwrap(first["id"] as? String)
        try await poller.pass(force: true)
        let body1 = delivery(verb: "add", commentID: firstID, postID: post, message: "駐車場はありますか")
        try await assertEqual(try await webhook(body1, signature: signed(body1)), .ok)
        try await poller.pass(force: true)
        try await assertEqual(try await webhook(body1, signature: signed(body1)), .ok)
        // The webhook first, then the poll, each twice.
        let second = try await residentComment(on: post, "会場まで駅から何分ですか")
        let secondID = try XCTUnwrap(second["id"] as? String)
        let body2 = delivery(verb: "add", commentID: secondID, postID: post, message: "会場まで駅から何分ですか")
        try await assertEqual(try await webhook(body2, signature: signed(body2)), .ok)
        try await assertEqual(try await webhook(body2, signature: signed(body2)), .ok)
        try await poller.pass(force: true)
        try await poller.pass(force: true)

        for id in [firstID, secondID] {
            let rows = try await stored(id)
            XCTAssertEqual(rows.count, 1, "one row for \(id)")
            let events = try await CommentService.events(app.db, try XCTUnwrap(rows.first?.id))
            XCTAssertEqual(events.map(\.kind), ["received"], "nothing changed, nothing more recorded")
            XCTAssertEqual(rows.first?.account, "koho.kodairacity")
            XCTAssertEqual(rows.first?.platformPostID, post)
            XCTAssertEqual(rows.first?.authorName, "市民A")
        }
        try await assertEqual(try await Comment.query(on: app.db).count(), 2)
        let api = try await listed("?account=koho.kodairacity")
        XCTAssertEqual(api.count, 2)
        XCTAssertEqual(api.first?["text"] as? String, "会場まで駅から何分ですか", "newest first")
        XCTAssertEqual(api.first?["platform"] as? String, "facebook")
        XCTAssertEqual(api.first?["state"] as? String, "visible")
        XCTAssertTrue(api.first?["decision"] is NSNull)
    }

    func testTheSameCommentTwiceInOneDeliveryIsOneRowWithEachChange() async throws {
        func seen(_ id: String, text: String? = nil, hidden: Bool? = nil, removed: Bool = false) -> ObservedComment {
            ObservedComment(account: "koho.kodairacity", platform: .facebook, platformCommentID: id, platformPostID: "p1",
                            authorName: text == nil ? nil : "市民A", text: text, hidden: hidden, removed: removed)
        }
        // A new comment and then the same hidden; a removal notice first and then the text a poll still had.
        let delivery = [seen("p1_c1", text: "会場はどこですか"), seen("p1_c2", removed: true), seen("p1_c1", text: "会場はどこですか", hidden: true),
                        seen("p1_c2", text: "山田さんの電話は090-1234-5678です")]
        var result = try await CommentIngest.ingest(delivery, source: "test", db: app.db, ctx: app.koho)
        XCTAssertEqual(result, .init(new: 2, changed: 2))
        result = try await CommentIngest.ingest(delivery, source: "test", db: app.db, ctx: app.koho)
        XCTAssertEqual(result, .init(new: 0, changed: 0), "nothing new the second time")

        let first = try await stored("p1_c1")
        XCTAssertEqual(first.count, 1)
        XCTAssertEqual(first.first?.state, .hidden)
        XCTAssertEqual(first.first?.text, "会場はどこですか")
        XCTAssertEqual(first.first?.suggestion, "keep")
        let firstEvents = try await CommentService.events(app.db, try XCTUnwrap(first.first?.id)).map(\.kind)
        XCTAssertEqual(firstEvents.sorted(), ["hidden", "received"])
        let second = try await stored("p1_c2")
        XCTAssertEqual(second.count, 1)
        XCTAssertEqual(second.first?.state, .deleted)
        XCTAssertEqual(second.first?.text, "山田さんの電話は090-1234-5678です", "the late text is kept")
        XCTAssertEqual(second.first?.authorName, "市民A")
        XCTAssertTrue(second.first?.grounds.contains("③") ?? false, "classified on the late text")
        let secondEvents = try await CommentService.events(app.db, try XCTUnwrap(second.first?.id)).map(\.kind)
        XCTAssertEqual(secondEvents.sorted(), ["edited", "received", "removed"])
        try await assertEqual(try await Comment.query(on: app.db).count(), 2)
    }

    func testAWebhookWithAWrongOrMissingSignatureStoresNothing() async throws {
        let post = try await facebookPost()
        let body = delivery(verb: "add", commentID: "\(post)_999", postID: post, message: "署名のない配信")
        try await assertEqual(try await webhook(body, signature: nil), .forbidden)
        try await assertEqual(try await webhook(body, signature: FacebookWebhook.signature(body, secret: "another-secret")), .forbidden)
        try await assertEqual(try await webhook(body, signature: "sha256=" + String(repeating: "0", count: 64)), .forbidden)
        try await assertEqual(try await webhook(body, signature: "sha1=abc"), .forbidden)
        // Signed for a different body: the text was changed on the way.
        let tampered = delivery(verb: "add", commentID: "\(post)_999", postID: post, message: "改ざんされた配信")
        try await assertEqual(try await webhook(tampered, signature: signed(body)), .forbidden)
        try await assertEqual(try await Comment.query(on: app.db).count(), 0)
        try await assertEqual(try await webhook(body, signature: signed(body)), .ok)
        try await assertEqual(try await Comment.query(on: app.db).count(), 1)
    }

    func testTheSubscriptionCheckEchoesTheChallengeOnlyForTheRightToken() async throws {
        let ok = try await app.testable().sendRequest(.GET, "/webhooks/facebook?hub.mode=subscribe&hub.verify_token=\(verifyToken)&hub.challenge=1158201444")
        XCTAssertEqual(ok.status, .ok)
        XCTAssertEqual(ok.body.string, "1158201444")
        let wrong = try await app.testable().sendRequest(.GET, "/webhooks/facebook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444")
        XCTAssertEqual(wrong.status, .forbidden)
        XCTAssertFalse(wrong.body.string.contains("1158201444"))
    }

    func testEditsHidesAndRemovalsAreEventsAndTheTextAsReceivedStays() async throws {
        let post = try await facebookPost()
        let c = try await residentComment(on: post, "最初の文面です")
        let id = try XCTUnwrap(c["id"] as? String)
        try await poller.pass(force: true)
        let edited = delivery(verb: "edited", commentID: id, postID: post, message: "書き直した文面です")
        try await assertEqual(try await webhook(edited, signature: signed(edited)), .ok)
        let hidden = delivery(verb: "hide", commentID: id, postID: post, message: nil)
        try await assertEqual(try await webhook(hidden, signature: signed(hidden)), .ok)
        // Deleted on the platform (by its author): the next poll no longer lists it.
        try await FacebookClient(httpClient: http, accessToken: AccessToken(SandboxAccounts.facebookKoho.accessToken),
                                 baseURL: sandbox.baseURL, timeout: .seconds(5)).deleteComment(commentId: id)
        try await poller.pass(force: true)
        let rows = try await stored(id)
        let row = try XCTUnwrap(rows.first)
        XCTAssertEqual(row.text, "最初の文面です", "the text as received is kept")
        XCTAssertEqual(row.currentText, "書き直した文面です")
        XCTAssertEqual(row.state, .deleted)
        let kinds = try await CommentService.events(app.db, row.id!).map(\.kind)
        XCTAssertEqual(kinds, ["received", "edited", "hidden", "removed"])
        let api = try await listed("?state=deleted")
        XCTAssertEqual(api.first?["text"] as? String, "最初の文面です", "a records request still finds it")
    }

    func testYouTubeThreadsAreReadHeldForReviewToo() async throws {
        let video = try await youtubeVideo()
        _ = try await residentComment(on: video, "素敵な動画です")
        let held = try JSONSerialization.data(withJSONObject: ["postId": video, "text": "審査待ちのコメント", "moderationStatus": "heldForReview"])
        _ = try await sandboxCall(.POST, "/_sandbox/comments", body: held)
        try await poller.pass(force: true)
        let rows = try await Comment.query(on: app.db).filter(\.$account == "UCp9YZtjCNcG0q3fQ1ln31Xg").all()
        XCTAssertEqual(Set(rows.map(\.text)), ["素敵な動画です", "審査待ちのコメント"])
        XCTAssertEqual(rows.first { $0.text == "審査待ちのコメント" }?.moderationStatus, "heldForReview")
        XCTAssertTrue(rows.allSatisfy { $0.platformPostID == video })
    }
}

final class CommentDecisionTests: CommentTestCase {
    func commentID(on post: String, _ text: String) async throws -> (koho: String, platform: String) {
        let c = try await residentComment(on: post, text)
        let platformID = try XCTUnwrap(c["id"] as? String)
        try await poller.pass(force: true)
        let rows = try await stored(platformID)
        let row = try XCTUnwrap(rows.first)
        return (row.id!.uuidString.lowercased(), platformID)
    }

    func decide(_ id: String, _ json: String, token: String? = nil) async throws -> APIResult {
        try await api(.POST, "/comments/\(id)/decision", token: token ?? tokens.chief, json: json)
    }

    func testTheChiefHidesAPhoneNumberAndTheTextStaysReadable() async throws {
        let post = try await facebookPost()
        let text = "この人の電話番号は090-1234-5678です"
        let (id, platformID) = try await commentID(on: post, text)
        // With the classifier in place the number is flagged as ③ (privacy) with its evidence.
        if !CommentClassifier().assess("090-1234-5678").grounds.isEmpty {
            let shown = try await listed("?account=koho.kodairacity")
            let grounds = shown.first?["grounds"] as? [[String: Any]] ?? []
            XCTAssertEqual(grounds.first?["ground"] as? String, "③")
            let evidence = grounds.first?["evidence"] as? [[String: Any]] ?? []
            XCTAssertTrue(evidence.contains { ($0["text"] as? String)?.contains("1234") == true })
        }
        for token in [tokens.fbStaff, tokens.staff, tokens.viewer] {
            let refused = try await decide(id, #"{"action":"hide","ground":"③","reason":"電話番号"}"#, token: token)
            XCTAssertEqual(refused.status, .forbidden, refused.body)
        }
        let r = try await decide(id, #"{"action":"hide","ground":"③","reason":"個人の電話番号が書かれている"}"#)
        XCTAssertEqual(r.status, .ok, r.body)
        XCTAssertEqual((r.json["decision"] as? [String: Any])?["action"] as? String, "hide")
        XCTAssertEqual((r.json["decision"] as? [String: Any])?["ground"] as? String, "③")
        XCTAssertEqual((r.json["decision"] as? [String: Any])?["status"] as? String, "queued")
        try await actions.pass()
        let onSandbox = try await sandboxComments().first { $0["id"] as? String == platformID }
        XCTAssertEqual(onSandbox?["isHidden"] as? Bool, true, "hidden on the platform")
        let after = try await api(.GET, "/comments?state=hidden", token: tokens.viewer)
        let listed = after.json["comments"] as? [[String: Any]] ?? []
        XCTAssertEqual(listed.first?["text"] as? String, text, "the text is still readable in Koho")
        XCTAssertEqual((listed.first?["decision"] as? [String: Any])?["status"] as? String, "done")
        let audit = try await AuditEntry.query(on: app.db).filter(\.$subject == "comment:\(id)").all().map(\.action)
        XCTAssertEqual(audit, ["comment.decide", "comment.hide"])
        let (_, broken) = try await AuditLog.verify(on: app.db)
        XCTAssertNil(broken)
    }

    func testDeleteOrHideWithoutAGroundOrOnAnAccountTheClauseDoesNotCoverIs422() async throws {
        let post = try await facebookPost()
        let (id, _) = try await commentID(on: post, "普通のコメント")
        let noGround = try await decide(id, #"{"action":"delete","reason":"理由"}"#)
        XCTAssertEqual(noGround.status, .unprocessableEntity)
        XCTAssertEqual(noGround.violations.first?["code"] as? String, "commentDeletion.groundRequired")
        XCTAssertEqual(noGround.rules, ["4(8)"])
        let unknown = try await decide(id, #"{"action":"hide","ground":"⑥","reason":"理由"}"#)
        XCTAssertEqual(unknown.status, .unprocessableEntity)
        XCTAssertEqual(unknown.violations.first?["code"] as? String, "commentDeletion.unknownGround")
        let noReason = try await decide(id, #"{"action":"hide","ground":"②","reason":"  "}"#)
        XCTAssertEqual(noReason.status, .unprocessableEntity)
        XCTAssertEqual(noReason.violations.first?["code"] as? String, "commentDeletion.reasonRequired")
        // A comment on the X account (which 3(6) gives no deletion clause), stored as a webhook or an import would.
        try await CommentIngest.ingest([ObservedComment(account: "kodaira_tokyo", platform: .x, platformCommentID: "1900000000000000001",
                                                        platformPostID: "1800000000000000001", authorName: "resident", text: "返信です")],
                                       source: "test", db: app.db, ctx: app.koho)
        let xs = try await stored("1900000000000000001")
        let x = try XCTUnwrap(xs.first)
        let onX = try await decide(x.id!.uuidString, #"{"action":"delete","ground":"②","reason":"中傷"}"#)
        XCTAssertEqual(onX.status, .unprocessableEntity)
        XCTAssertEqual(onX.violations.first?["code"] as? String, "commentDeletion.notApplicable")
        let correctOnX = try await decide(x.id!.uuidString, #"{"action":"correct"}"#)
        XCTAssertEqual(correctOnX.status, .unprocessableEntity, "3(6): no reply on X, nothing to send")
        XCTAssertEqual(correctOnX.violations.first?["code"] as? String, "reply.notAllowed")
        try await assertEqual(try await Post.query(on: app.db).count(), 0)
        try await assertEqual(try await Comment.query(on: app.db).filter(\.$decision != nil).count(), 0, "nothing recorded")
    }

    func testKeepAndCorrect() async throws {
        let post = try await facebookPost()
        let (id, platformID) = try await commentID(on: post, "このイベントは中止になったらしい")
        let keep = try await decide(id, #"{"action":"keep","reason":"意見として残す"}"#)
        XCTAssertEqual(keep.status, .ok, keep.body)
        let correct = try await decide(id, #"{"action":"correct","reason":"中止ではない"}"#)
        XCTAssertEqual(correct.status, .ok, correct.body)
        let replyID = try XCTUnwrap((correct.json["decision"] as? [String: Any])?["replyPostId"] as? String)
        let reply = try await api(.GET, "/posts/\(replyID)", token: tokens.chief)
        XCTAssertEqual(reply.json["kind"] as? String, "reply")
        XCTAssertEqual(reply.json["state"] as? String, "draft", "it goes through the chief's approval like any post")
        let stored = try await Post.find(UUID(uuidString: replyID), on: app.db)
        XCTAssertEqual(stored?.replyPurpose, "correction")
        XCTAssertEqual(stored?.inReplyTo, platformID)
    }

    func testAFailedCallIsRetriedAndDoneOnce() async throws {
        let post = try await facebookPost()
        let (lostID, lostPlatform) = try await commentID(on: post, "ばかやろう、死ね")
        let (failID, failPlatform) = try await commentID(on: post, "ふざけるな、死ね")
        // The call is carried out but its answer lost: the retry looks first and does not call again.
        await sandbox.setFaults(SandboxFaults(lostResponseRate: 1))
        let d1 = try await decide(lostID, #"{"action":"delete","ground":"②","reason":"脅迫的な中傷"}"#)
        XCTAssertEqual(d1.status, .ok, d1.body)
        try await actions.pass()
        await sandbox.setFaults(SandboxFaults(errorRate: 1))
        let d2 = try await decide(failID, #"{"action":"hide","ground":"②","reason":"脅迫的な中傷"}"#)
        XCTAssertEqual(d2.status, .ok, d2.body)
        try await actions.pass()
        var shown = try await listed()
        XCTAssertEqual(shown.compactMap { ($0["decision"] as? [String: Any])?["status"] as? String }, ["queued", "queued"], "shown as not yet done")
        await sandbox.setFaults(SandboxFaults())
        try await actions.pass()
        try await actions.pass()
        let onSandbox = try await sandboxComments()
        XCTAssertNil(onSandbox.first { $0["id"] as? String == lostPlatform }, "deleted")
        XCTAssertEqual(onSandbox.first { $0["id"] as? String == failPlatform }?["isHidden"] as? Bool, true)
        let lost = try await CommentAction.query(on: app.db).filter(\.$commentID == UUID(uuidString: lostID)!).sort(\.$number).all()
        XCTAssertEqual(lost.map(\.outcome), [.found], "one call; its lost answer settled by looking, not by calling again")
        let failed = try await CommentAction.query(on: app.db).filter(\.$commentID == UUID(uuidString: failID)!).sort(\.$number).all()
        XCTAssertEqual(failed.map(\.outcome), [.absent, .published], "not done the first time, done once the second")
        shown = try await listed()
        XCTAssertEqual(Set(shown.compactMap { ($0["decision"] as? [String: Any])?["status"] as? String }), ["done"])
        XCTAssertEqual(Set(shown.compactMap { $0["state"] as? String }), ["deleted", "hidden"])
        let audit = try await AuditEntry.query(on: app.db).filter(\.$action ~~ ["comment.delete", "comment.hide"]).count()
        XCTAssertEqual(audit, 2)
    }
}

final class CommentContractTests: CommentTestCase {
    /// The documented Comment and CommentDecision are what the API answers: no field missing, none extra.
    func testTheCommentSchemaIsWhatTheAPIAnswers() async throws {
        let doc = try XCTUnwrap(try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any])
        let schemas = try XCTUnwrap((doc["components"] as? [String: Any])?["schemas"] as? [String: Any])
        func props(_ name: String) -> Set<String> { Set(((schemas[name] as? [String: Any])?["properties"] as? [String: Any] ?? [:]).keys) }
        let post = try await facebookPost()
        let c = try await residentComment(on: post, "市民まつりは中止になったそうです")
        try await poller.pass(force: true)
        let rows = try await stored(try XCTUnwrap(c["id"] as? String))
        let id = try XCTUnwrap(rows.first?.id).uuidString
        let decided = try await api(.POST, "/comments/\(id)/decision", token: tokens.chief, json: #"{"action":"hide","ground":"④","reason":"宣伝","confirmAgainstSuggestion":true}"#)
        XCTAssertEqual(decided.status, .ok, decided.body)
        XCTAssertEqual(Set(decided.json.keys), props("Comment"))
        XCTAssertEqual(Set((decided.json["decision"] as? [String: Any] ?? [:]).keys), props("CommentDecision"))
        let list = try await listed()
        XCTAssertEqual(Set(list.first?.keys ?? [String: Any]().keys), props("Comment"))
        for flag in list.flatMap({ $0["grounds"] as? [[String: Any]] ?? [] }) {
            XCTAssertEqual(Set(flag.keys), props("GroundFlag"))
            for e in flag["evidence"] as? [[String: Any]] ?? [] { XCTAssertEqual(Set(e.keys), props("Evidence")) }
        }
    }
}
