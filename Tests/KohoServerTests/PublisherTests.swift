import Fluent
import Foundation
import NIOCore
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
import KohoSandbox
@testable import KohoServer
@testable import KohoTools

/// A sandbox on loopback in the test process, as the platforms' stand-in.
func startSandbox() async throws -> PlatformSandbox {
    let sandbox = try await PlatformSandbox()
    _ = try await sandbox.start(host: "127.0.0.1", port: 0)
    return sandbox
}

func sandboxPosts(_ sandbox: PlatformSandbox) async -> [SandboxPostRecord] { await sandbox.allPosts() }

extension Post {
    /// What the sandbox lists as the post's text (`SandboxPostRecord.text`): the approved rendering's text, or a video's title.
    var platformText: String? {
        approvedRendering.flatMap(Rendering.decode(canonicalJSON:)).map { $0.kind == .youtubeVideo ? ($0.title ?? "") : $0.text }
    }
}

/// Posts through the API as the chief would: create, submit, approve when the check asks for it.
enum PostFactory {
    static func fields(_ i: Int, account: Int, emergency: Bool = false, tag: String = "") -> String {
        let n = "\(tag)\(i)"
        switch account % 4 {
        case 0:
            if emergency {
                return #"{"account":"kodaira_tokyo","category":"ア","text":"避難所を開設しました（\#(n)）","sourceURL":"https://www.city.kodaira.tokyo.jp/bousai/\#(i).html","emergency":true,"emergencyReason":"大雨"}"#
            }
            return #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ（\#(n)）"}"#
        case 1:
            if emergency { return fields(i, account: 0, emergency: true, tag: tag + "h") }
            return #"{"account":"hisyo_kodaira_tokyo","category":"市長","text":"市長メッセージ（\#(n)）"}"#
        case 2:
            if emergency {
                return #"{"account":"koho.kodairacity","category":"①","text":"緊急防災情報（\#(n)）","sourceURL":"https://www.city.kodaira.tokyo.jp/bousai/\#(i).html","emergency":true,"emergencyReason":"大雨","articleOrigin":"shiho"}"#
            }
            return #"{"account":"koho.kodairacity","category":"③","text":"催しのお知らせ（\#(n)）","articleOrigin":"shiho","links":["https://www.city.kodaira.tokyo.jp/event/\#(i).html"]}"#
        default:
            if emergency { return fields(i, account: 2, emergency: true, tag: tag + "y") }
            return #"{"account":"UCp9YZtjCNcG0q3fQ1ln31Xg","category":"①","title":"小平の風景 \#(n)","text":"市内の風景を紹介します（\#(n)）"}"#
        }
    }
}

class PublisherTestCase: KohoTestCase {
    var sandbox: PlatformSandbox!
    var chiefToken = ""

    func settings() -> PublisherSettings {
        var s = PublisherSettings()
        s.pollInterval = .milliseconds(20)
        s.leaseSeconds = 6
        s.callTimeoutSeconds = 3
        s.retryBaseSeconds = 0.05
        s.retryMaxSeconds = 0.4
        s.concurrency = 8
        return s
    }

    var dryRun: Bool { false }

    override func setUp() async throws {
        sandbox = try await startSandbox()
        clock = TestClock(startTime)
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("koho-test-\(UUID().uuidString)")
        let c = clock!
        var config = KohoConfig(dataDirectory: dir, clock: { c.now }, bcryptCost: 4, loginDelayPerFailure: .zero, environment: .testing)
        config.mediaTools = .none  // the tests' files are made up
        config.resetDatabase = config.databaseURL != nil
        config.platforms = .sandbox(url: sandbox.baseURL)
        config.publisher = settings()
        config.publisher.dryRun = dryRun
        adjust(&config)
        app = try await makeApp(config)
        try await addUser("kacho", .chief)
        chiefToken = try await token("kacho")
    }

    override func tearDown() async throws {
        try await super.tearDown()
        try await sandbox?.shutdown()
        sandbox = nil
    }

    /// Creates a post and takes it as far as scheduled; its id.
    func schedule(_ fields: String) async throws -> String {
        let created = try await createPost(chiefToken, fields)
        XCTAssertEqual(created.status, .created, created.body)
        let id = postID(created)
        if created.json["account"] as? String == "UCp9YZtjCNcG0q3fQ1ln31Xg" {
            let attached = try await attachMedia(chiefToken, id, version: created.json["version"] as? Int)
            XCTAssertEqual(attached.status, .ok, attached.body)
        }
        var r = try await api(.POST, "/posts/\(id)/submit", token: chiefToken)
        if r.json["state"] as? String == "submitted" { r = try await api(.POST, "/posts/\(id)/approve", token: chiefToken) }
        XCTAssertEqual(r.json["state"] as? String, "scheduled", r.body)
        return id
    }

    func states() async throws -> [PostState: Int] {
        var counts: [PostState: Int] = [:]
        for p in try await Post.query(on: app.db).all() { counts[p.state, default: 0] += 1 }
        return counts
    }

    func waitFor(seconds: Double = 20, _ condition: @escaping () async throws -> Bool) async throws {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits until no post is scheduled or publishing, or the time runs out.
    func waitUntilSettled(seconds: Double) async throws {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            let s = try await states()
            if (s[.scheduled] ?? 0) + (s[.publishing] ?? 0) == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

final class PublisherFaultTests: PublisherTestCase {
    /// 200 posts across the four accounts while the sandbox fails 20% of calls, loses the answer of 10% more and
    /// throttles: every post ends published, each exactly once, and (the clock standing inside a window) none outside it.
    func testEveryPostPublishedExactlyOnceDespiteFaults() async throws {
        await sandbox.setFaults(SandboxFaults(errorRate: 0.2, lostResponseRate: 0.1,
                                              throttle: SandboxThrottle(resetSeconds: 0.3, rate: 0.03)))
        let started = Date()
        var ids: [String] = []
        for i in 0..<200 { ids.append(try await schedule(PostFactory.fields(i, account: i))) }
        try await waitUntilSettled(seconds: 150)
        await sandbox.setFaults(SandboxFaults())
        for p in try await Post.query(on: app.db).filter(\.$state != .published).all() {
            // Shown only when something is left: what the publisher did with it.
            for a in try await PublishAttempt.query(on: app.db).filter(\.$postID == p.id!).sort(\.$number).all() {
                print("left: \(p.id!) \(p.state) lease=\(p.leaseUntil.map { "\($0)" } ?? "-") retry=\(p.retryAt.map { "\($0)" } ?? "-") attempt \(a.number) \(a.outcome) \(a.message)")
            }
        }
        print("fault test: 200 posts settled in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")

        let posts = try await Post.query(on: app.db).all()
        let counts = try await states()
        XCTAssertEqual(posts.filter { $0.state == .published }.count, 200, "\(counts)")
        let onPlatform = await sandboxPosts(sandbox)
        XCTAssertEqual(onPlatform.count, 200, "nothing posted twice, nothing missing")
        var byText: [String: [SandboxPostRecord]] = [:]
        for r in onPlatform { byText[r.text, default: []].append(r) }
        for p in posts {
            let key = try XCTUnwrap(p.platformText)
            XCTAssertEqual(byText[key]?.count, 1, "exactly once: \(key)")
            XCTAssertEqual(byText[key]?.first?.id, p.platformPostID, "the recorded id is the platform's")
        }
        let window = try XCTUnwrap(app.koho.cityCalendar?.currentWindow(at: clock.now))
        XCTAssertTrue(posts.allSatisfy { $0.scheduledAt.map { window.contains($0) } ?? false }, "none outside its window")

        let attempts = try await PublishAttempt.query(on: app.db).all()
        XCTAssertFalse(attempts.contains { $0.outcome == .pending }, "every attempt has an outcome")
        XCTAssertTrue(attempts.contains { $0.outcome == .unknown || $0.outcome == .absent || $0.outcome == .found },
                      "faults were met and settled")
        let shown = try await api(.GET, "/posts/\(ids[0])", token: chiefToken)
        XCTAssertEqual(shown.json["platformPostId"] as? String, posts.first { $0.id?.uuidString.lowercased() == ids[0] }?.platformPostID)
        XCTAssertNotNil(shown.json["platformURL"] as? String)
        XCTAssertFalse((shown.json["attempts"] as? [[String: Any]] ?? []).isEmpty)
        XCTAssertTrue((shown.json["history"] as? [[String: Any]] ?? []).contains { $0["action"] as? String == "post.published" })
        let (_, broken) = try await AuditLog.verify(on: app.db)
        XCTAssertNil(broken)
    }
}

final class PublisherBehaviourTests: PublisherTestCase {
    /// An X token that is about to lapse is renewed before the call, not after the platform refuses it.
    func testATokenNearItsExpiryIsRefreshedFirst() async throws {
        await sandbox.setFaults(SandboxFaults())
        let found = try await ConnectionService.find("kodaira_tokyo", on: app.db)
        let c = try XCTUnwrap(found)
        c.expiresAt = Date().addingTimeInterval(60)
        try await c.save(on: app.db)
        let id = try await schedule(PostFactory.fields(3, account: 0))
        try await waitFor { try await Post.find(UUID(uuidString: id)!, on: self.app.db)?.state == .published }
        let refreshed = try await AuditEntry.query(on: app.db).filter(\.$action == "account.refresh").all()
        XCTAssertEqual(refreshed.map(\.subject), ["account:kodaira_tokyo"])
        let renewed = try await ConnectionService.find("kodaira_tokyo", on: app.db)?.expiresAt
        XCTAssertGreaterThan(try XCTUnwrap(renewed), Date().addingTimeInterval(3000), "the sandbox gives an hour, as Google does")
        let attempts = try await PublishAttempt.query(on: app.db).filter(\.$postID == UUID(uuidString: id)!).all()
        XCTAssertEqual(attempts.map(\.outcome), [.published], "one call, not a refused one first")
    }

    func testRevokedTokenMarksTheAccountNeedsReconnecting() async throws {
        // Facebook has no refresh token: the revoke stops the account at once; X refreshes once, and the
        // refresh is refused too, so it stops as well.
        await sandbox.setFaults(SandboxFaults())
        // Only these two accounts' grants: every other caller (comments, profile checks) marks a revoked account too.
        for token in ["sandbox-token-koho.kodairacity", "sandbox-token-kodaira_tokyo"] {
            _ = try await app.client.post(URI(string: sandbox.baseURL + "/_sandbox/faults")) { req in
                try req.content.encode(["revokeToken": token])
            }
        }
        let fb = try await schedule(PostFactory.fields(1, account: 2))
        let x = try await schedule(PostFactory.fields(2, account: 0))
        let end = Date().addingTimeInterval(20)
        while Date() < end {
            let c = try await AccountConnection.query(on: app.db).filter(\.$status == .needsReconnecting).count()
            if c == 2 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        for account in ["koho.kodairacity", "kodaira_tokyo"] {
            let c = try await ConnectionService.find(account, on: app.db)
            XCTAssertEqual(c?.status, .needsReconnecting, account)
        }
        try await assertEqual(try await ConnectionService.find("hisyo_kodaira_tokyo", on: app.db)?.status, .connected)
        for id in [fb, x] {
            let shown = try await api(.GET, "/posts/\(id)", token: chiefToken)
            XCTAssertEqual(shown.json["state"] as? String, "publishing", "held, not failed")
            XCTAssertTrue((shown.json["publishMessage"] as? String ?? "").contains("要再接続"))
            XCTAssertFalse(shown.body.contains("sandbox-token"), "no token in an API answer")
        }
        try await assertEqual(try await AuditEntry.query(on: app.db).filter(\.$action == "account.needsReconnecting").count(), 2)
        let onPlatform = await sandboxPosts(sandbox)
        XCTAssertTrue(onPlatform.isEmpty)

        // The chief sees it, and reconnects Facebook by pasting a Page token.
        let web = WebClient(app)
        try await web.login("kacho", password)
        try await web.get("/")
        XCTAssertTrue(web.lastBody.contains("要再接続"), "the dashboard tells the chief")
        XCTAssertTrue(web.lastBody.contains("発信に対応が必要な投稿（2件）"), "and lists the posts it holds")
        try await web.get("/accounts")
        XCTAssertTrue(web.lastBody.contains("要再接続"))
        XCTAssertFalse(web.lastBody.contains("sandbox-token"), "no token on a page")
        _ = try await app.client.post(URI(string: sandbox.baseURL + "/_sandbox/faults")) { req in
            try req.content.encode(["revokeToken": false])
        }
        let denied = try await web.post("/accounts/koho.kodairacity/facebook", ["pageId": "koho.kodairacity", "accessToken": "sandbox-token-koho.kodairacity"],
                                        withCSRF: false)
        XCTAssertEqual(denied.status, .forbidden, "CSRF")
        try await web.get("/accounts")
        let res = try await web.post("/accounts/koho.kodairacity/facebook", ["pageId": "koho.kodairacity", "accessToken": "sandbox-token-koho.kodairacity"])
        XCTAssertEqual(res.status, .seeOther, web.lastBody)
        try await assertEqual(try await ConnectionService.find("koho.kodairacity", on: app.db)?.status, .connected)
        try await waitFor { try await Post.find(UUID(uuidString: fb)!, on: self.app.db)?.state == .published }
        try await assertEqual(try await Post.find(UUID(uuidString: fb)!, on: app.db)?.state, .published)

        // X through OAuth: start redirects to the platform with PKCE and state; the callback exchanges the code.
        let start = try await web.post("/accounts/kodaira_tokyo/oauth", [:])
        let location = try XCTUnwrap(start.headers.first(name: .location))
        XCTAssertTrue(location.contains("code_challenge="), location)
        let state = try XCTUnwrap(URLComponents(string: location)?.queryItems?.first { $0.name == "state" }?.value)
        let wrong = try await web.get("/accounts/oauth/callback?code=sandbox-code-kodaira_tokyo&state=forged")
        XCTAssertEqual(wrong.status, .forbidden, "a forged state is refused")
        let back = try await web.get("/accounts/oauth/callback?code=sandbox-code-kodaira_tokyo&state=\(state)")
        XCTAssertEqual(back.status, .seeOther, web.lastBody)
        try await assertEqual(try await ConnectionService.find("kodaira_tokyo", on: app.db)?.status, .connected)
        try await waitFor { try await Post.find(UUID(uuidString: x)!, on: self.app.db)?.state == .published }
        try await assertEqual(try await Post.find(UUID(uuidString: x)!, on: app.db)?.state, .published)

        // Staff may not connect accounts.
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/accounts")
        try await assertEqual(try await staff.post("/accounts/kodaira_tokyo/oauth", [:]).status, .forbidden)
    }

    func testTokensAreSealedAtRest() async throws {
        let rows = try await AccountConnection.query(on: app.db).all()
        XCTAssertEqual(rows.count, 4)
        for r in rows {
            XCTAssertEqual(r.status, .connected)
            XCTAssertFalse((r.sealedAccessToken ?? "").contains("sandbox-token"))
            XCTAssertTrue((r.sealedAccessToken ?? "").hasPrefix("v1:"))
        }
        let attrs = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("secret.key").path)
        XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }

    func testAQuoteThePlatformRefusesIsHeldWithAMessage() async throws {
        let quote = #"{"account":"kodaira_tokyo","kind":"quote","category":"ウ","text":"ぜひご覧ください","quotedAccount":"tokyo_bousai","links":["https://x.com/tokyo_bousai/status/1234567890"]}"#
        let created = try await createPost(chiefToken, quote)
        guard created.status == .created else {
            // The built-in policy may allow no quotes at all; then the check already refuses it.
            XCTAssertEqual(created.status, .unprocessableEntity, created.body)
            return
        }
        let id = postID(created)
        var r = try await api(.POST, "/posts/\(id)/submit", token: chiefToken)
        if r.json["state"] as? String == "submitted" { r = try await api(.POST, "/posts/\(id)/approve", token: chiefToken) }
        try await waitFor { try await Post.find(UUID(uuidString: id)!, on: self.app.db)?.state == .failed }
        let shown = try await api(.GET, "/posts/\(id)", token: chiefToken)
        XCTAssertEqual(shown.json["state"] as? String, "failed")
        XCTAssertTrue((shown.json["publishMessage"] as? String ?? "").contains("引用"), shown.body)
    }

    func testAPostWhoseWindowClosesWhileWaitingGoesToTheNextWindow() async throws {
        // Every call throttled (each for a second), however long the machine takes to get here.
        await sandbox.setFaults(SandboxFaults(throttle: SandboxThrottle(resetSeconds: 1, rate: 1)))
        let id = try await schedule(PostFactory.fields(7, account: 1))
        // Waiting: the platform has refused the first call for its rate limit (not merely an attempt begun).
        try await waitFor { try await PublishAttempt.query(on: self.app.db).filter(\.$outcome == .notDone).count() > 0 }
        clock.now = jst("2026-11-25T17:30")
        await sandbox.setFaults(SandboxFaults())
        try await waitFor { try await Post.find(UUID(uuidString: id)!, on: self.app.db)?.state == .scheduled }
        let post = try await Post.find(UUID(uuidString: id)!, on: app.db)
        XCTAssertEqual(post?.state, .scheduled)
        XCTAssertEqual(post?.scheduledAt, jst("2026-11-26T08:30"))
        let onPlatform = await sandboxPosts(sandbox)
        XCTAssertTrue(onPlatform.isEmpty)
        try await assertEqual(try await AuditEntry.query(on: app.db).filter(\.$action == "post.reschedule").count(), 1)
    }

}

final class PublisherDryRunTests: PublisherTestCase {
    override var dryRun: Bool { true }

    func testDryRunPublishesNothing() async throws {
        var ids: [String] = []
        for i in 0..<4 { ids.append(try await schedule(PostFactory.fields(i, account: i))) }
        try await waitUntilSettled(seconds: 20)
        let onPlatform = await sandboxPosts(sandbox)
        XCTAssertTrue(onPlatform.isEmpty, "a dry run makes no platform call")
        for id in ids {
            let shown = try await api(.GET, "/posts/\(id)", token: chiefToken)
            XCTAssertEqual(shown.json["state"] as? String, "published")
            XCTAssertNil(shown.json["platformPostId"] as? String)
            let attempts = shown.json["attempts"] as? [[String: Any]] ?? []
            XCTAssertEqual(attempts.compactMap { $0["outcome"] as? String }, ["dryRun"])
        }
        try await assertEqual(try await AuditEntry.query(on: app.db).filter(\.$action == "post.publish.dryRun").count(), 4)
    }
}

final class YouTubeVideoTests: PublisherTestCase {
    let youtube = #"{"account":"UCp9YZtjCNcG0q3fQ1ln31Xg","category":"①","title":"小平の紅葉","text":"市内の紅葉を紹介します"}"#

    /// A YouTube post is submitted, approved and uploaded only with its video; bad files and wrong people are refused
    /// and change nothing; a new video on an approved post sends it back to the chief.
    func testYouTubePostGoesOutOnlyWithTheVideoTheChiefApproved() async throws {
        try await addUser("yamada", .staff, accounts: ["UCp9YZtjCNcG0q3fQ1ln31Xg"])
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let staff = try await token("yamada"), other = try await token("tanaka")
        // Tomorrow 10:00, so that the approved post waits.
        let fields = youtube.dropLast() + #","scheduledAt":"2026-11-26T10:00:00+09:00"}"#
        let created = try await createPost(staff, String(fields))
        XCTAssertEqual(created.status, .created, created.body)
        let id = postID(created)
        var version = try XCTUnwrap(created.json["version"] as? Int)

        let bare = try await api(.POST, "/posts/\(id)/submit", token: staff)
        XCTAssertEqual(bare.status, .unprocessableEntity, bare.body)
        XCTAssertEqual(bare.violations.first?["code"] as? String, "youtube.videoMissing")

        let notVideo = try await attachMedia(staff, id, version: version, data: Data("これは動画ではありません".utf8))
        XCTAssertEqual(notVideo.status, .unprocessableEntity)
        XCTAssertTrue(notVideo.body.contains("このファイルは読めません"), notVideo.body)
        try await assertEqual(try await attachMedia(staff, id, version: version, data: Data()).status, .badRequest)
        try await assertEqual(try await attachMedia(other, id, version: version).status, .forbidden)
        try await assertEqual(try await attachMedia(staff, id, version: version + 5).status, .conflict)
        try await assertEqual(try await attachMedia(staff, id, version: nil).status, .preconditionRequired)
        let xPost = try await createPost(other, #"{"account":"kodaira_tokyo","category":"ウ","text":"お知らせ"}"#)
        try await assertEqual(try await attachMedia(other, postID(xPost), version: 1).status, .unprocessableEntity)
        var shown = try await api(.GET, "/posts/\(id)", token: staff)
        XCTAssertEqual(shown.json["version"] as? Int, version, "a refused upload changes nothing")
        XCTAssertNil(shown.json["mediaSHA256"] as? String)

        let attached = try await attachMedia(staff, id, version: version)
        XCTAssertEqual(attached.status, .ok, attached.body)
        XCTAssertEqual(attached.json["mediaSHA256"] as? String, Secrets.sha256Hex(Self.sampleVideo))
        XCTAssertEqual(attached.json["mediaBytes"] as? Int, Self.sampleVideo.count)
        XCTAssertTrue(attached.body.contains("動画を添付"), "the upload is on the post's history")
        var r = try await api(.POST, "/posts/\(id)/submit", token: staff)
        XCTAssertEqual(r.json["state"] as? String, "submitted", r.body)
        r = try await api(.POST, "/posts/\(id)/approve", token: chiefToken)
        XCTAssertEqual(r.json["state"] as? String, "scheduled", r.body)
        version = try XCTUnwrap(r.json["version"] as? Int)

        // Another video voids the approval.
        let second = Self.minimalMP4(payload: 4099, fill: 8)
        r = try await attachMedia(staff, id, version: version, data: second)
        XCTAssertEqual(r.json["state"] as? String, "submitted", r.body)
        r = try await api(.POST, "/posts/\(id)/approve", token: chiefToken)
        XCTAssertEqual(r.json["state"] as? String, "scheduled", r.body)

        clock.now = jst("2026-11-26T10:01")
        app.koho.wakers.publisher()
        try await waitUntilSettled(seconds: 20)
        shown = try await api(.GET, "/posts/\(id)", token: staff)
        XCTAssertEqual(shown.json["state"] as? String, "published", shown.body)
        let uploaded = await sandboxPosts(sandbox).filter { $0.platform == .youtube }
        XCTAssertEqual(uploaded.count, 1)
        XCTAssertEqual(uploaded.first?.videoBytes, second.count, "the video last approved went out")
    }

    /// An X post may carry one image: it is uploaded to X and attached to the post; a video, an oversized image,
    /// and any file on a Facebook post are refused.
    func testAnXPostGoesOutWithItsImage() async throws {
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo", "koho.kodairacity"])
        let staff = try await token("tanaka")
        let created = try await createPost(staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりの会場の様子です"}"#)
        let id = postID(created)
        try await assertEqual(try await attachMedia(staff, id, version: 1, data: Self.sampleVideo).status, .unprocessableEntity)
        var big = Self.sampleImage
        big.append(Data(repeating: 0, count: 5 * 1024 * 1024))
        try await assertEqual(try await attachMedia(staff, id, version: 1, data: big).status, .payloadTooLarge)
        let fb = try await createPost(staff, #"{"account":"koho.kodairacity","category":"③","text":"催し","articleOrigin":"shiho"}"#)
        try await assertEqual(try await attachMedia(staff, postID(fb), version: 1, data: Self.sampleImage).status, .unprocessableEntity)
        let yt = try await createPost(chiefToken, youtube)
        try await assertEqual(try await attachMedia(chiefToken, postID(yt), version: 1, data: Self.sampleImage).status, .unprocessableEntity)

        let attached = try await attachMedia(staff, id, version: 1, data: Self.sampleImage)
        XCTAssertEqual(attached.status, .ok, attached.body)
        XCTAssertEqual(attached.json["mediaType"] as? String, "image/png")
        var r = try await api(.POST, "/posts/\(id)/submit", token: staff)
        r = try await api(.POST, "/posts/\(id)/approve", token: chiefToken)
        XCTAssertEqual(r.json["state"] as? String, "scheduled", r.body)
        try await waitFor { try await Post.find(UUID(uuidString: id)!, on: self.app.db)?.state == .published }
        let onX = await sandboxPosts(sandbox).filter { $0.account == "kodaira_tokyo" }
        XCTAssertEqual(onX.count, 1)
        XCTAssertEqual(onX.first?.mediaIds?.count, 1, "the image went with the post")
    }

    /// The post's page offers the upload form to the designated staff; the form needs its CSRF token.
    func testUploadFromThePostPage() async throws {
        try await addUser("yamada", .staff, accounts: ["UCp9YZtjCNcG0q3fQ1ln31Xg"])
        let created = try await createPost(try await token("yamada"), youtube)
        let id = postID(created)
        let web = WebClient(app)
        try await web.login("yamada", password)
        try await web.get("/posts/\(id)")
        XCTAssertTrue(web.lastBody.contains("動画ファイルが添付されていません"))
        XCTAssertTrue(web.lastBody.contains(#"enctype="multipart/form-data""#))
        let file = (name: "media", filename: "C:\\Users\\tanaka\\令和8年 紅葉<まつり>.mp4", data: Self.sampleVideo)
        try await assertEqual(try await web.postFile("/posts/\(id)/media", ["version": "1"], file: file, withCSRF: false).status, .forbidden)
        try await web.get("/posts/\(id)")
        // A file that is no video comes back as the post's page with the reason beside the file field; nothing kept.
        let wrong = try await web.postFile("/posts/\(id)/media", ["version": "1"],
                                           file: (name: "media", filename: "メモ<b>.txt", data: Data("これは動画ではありません".utf8)))
        XCTAssertTrue([.badRequest, .unprocessableEntity, .unsupportedMediaType].contains(wrong.status), "\(wrong.status)")
        XCTAssertTrue(web.lastBody.contains(#"class="field-error""#) && web.lastBody.contains(#"aria-invalid="true""#), web.lastBody)
        XCTAssertTrue(web.lastBody.contains("動画ファイルが添付されていません"), "the post's own page, still without a file")
        XCTAssertFalse(web.lastBody.contains("<b>.txt"), "the name is never shown unescaped")
        let sent = try await web.postFile("/posts/\(id)/media", ["version": "1"], file: file)
        XCTAssertEqual(sent.status, .seeOther, sent.body.string)
        try await web.get("/posts/\(id)")
        XCTAssertTrue(web.lastBody.contains("添付済み: <strong>令和8年 紅葉&lt;まつり&gt;.mp4</strong>"), "the file's own name, escaped, without its folders")
        XCTAssertTrue(web.lastBody.contains("\(Self.sampleVideo.count.formatted(.number.locale(Locale(identifier: "ja_JP")))) バイト"), web.lastBody)
        XCTAssertTrue(web.lastBody.contains("ffmpeg がないため"), "says why no frame is shown")
    }
}
