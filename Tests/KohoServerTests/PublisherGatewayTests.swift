import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
@testable import KohoServer
@testable import KohoTools

/// A platform in memory behind the `PlatformGateway` seam: it keeps what was posted per account, and answers the next
/// publish calls as a test scripts them.
actor InMemoryPlatform {
    enum Answer {
        /// Posted, and the id answered.
        case ok
        /// Posted, but the answer never arrives (a timeout after the platform acted).
        case lostAnswer
        /// Nothing posted, this error answered.
        case refuse(PlatformError)
    }

    private var script: [Answer] = []
    private(set) var posts: [String: [RecentPost]] = [:]
    private(set) var publishCalls = 0
    private let clock: @Sendable () -> Date

    init(clock: @escaping @Sendable () -> Date) { self.clock = clock }

    func answerNext(_ answers: Answer...) { script += answers }
    var allPosts: [RecentPost] { posts.values.flatMap { $0 } }

    func publish(_ payload: PublishPayload, _ c: Credentials) async throws -> PublishedPost {
        publishCalls += 1
        let answer = script.isEmpty ? .ok : script.removeFirst()
        // A platform call takes a moment: other workers run meanwhile.
        try await Task.sleep(for: .milliseconds(2))
        if case .refuse(let e) = answer { throw e }
        let n = allPosts.count + 1
        let post = RecentPost(platform: c.platform, id: "mem-\(n)", text: payload.matchText, description: payload.matchDescription,
                              createdAt: clock(), url: "https://platform.invalid/\(c.userID)/\(n)")
        posts[c.userID, default: []].insert(post, at: 0)
        if case .lostAnswer = answer { throw PlatformError.transient("the answer was lost") }
        return PublishedPost(platform: post.platform, id: post.id, url: post.url)
    }

    func recent(_ c: Credentials) -> [RecentPost] { posts[c.userID] ?? [] }

    nonisolated var gateway: PlatformGateway {
        var g = PlatformGateway.failing
        g.publish = { payload, c, _, _ in try await self.publish(payload, c) }
        g.recentPosts = { c in await self.recent(c) }
        return g
    }
}

/// The publisher's logic on the in-memory platform, without the HTTP sandbox: the job is off and each test drives
/// the passes itself, on a wall clock of its own.
final class PublisherGatewayTests: KohoTestCase {
    var platform: InMemoryPlatform!
    var wall: TestClock!
    var chiefToken = ""
    var publisher: Publisher { app.workers!.publisher }

    override func adjust(_ config: inout KohoConfig) {
        let w = TestClock(Date(timeIntervalSince1970: 1_790_000_000))
        wall = w
        platform = InMemoryPlatform(clock: { w.now })
        config.platforms = .sandbox(url: "http://127.0.0.1:9")
        config.platformGateway = platform.gateway
        config.publisher.enabled = false
        config.publisher.wallClock = { w.now }
        config.publisher.retryBaseSeconds = 2
        config.publisher.retryMaxSeconds = 300
        config.publisher.concurrency = 4
    }

    override func setUp() async throws {
        try await super.setUp()
        try await addUser("kacho", .chief)
        chiefToken = try await token("kacho")
    }

    func schedule(_ fields: String) async throws -> UUID {
        let created = try await createPost(chiefToken, fields)
        XCTAssertEqual(created.status, .created, created.body)
        let id = postID(created)
        var r = try await api(.POST, "/posts/\(id)/submit", token: chiefToken)
        if r.json["state"] as? String == "submitted" { r = try await api(.POST, "/posts/\(id)/approve", token: chiefToken) }
        XCTAssertEqual(r.json["state"] as? String, "scheduled", r.body)
        return try XCTUnwrap(UUID(uuidString: id))
    }

    func post(_ id: UUID) async throws -> Post {
        let found = try await Post.find(id, on: app.db)
        return try XCTUnwrap(found)
    }
    func outcomes(_ id: UUID) async throws -> [AttemptOutcome] {
        try await PublishAttempt.query(on: app.db).filter(\.$postID == id).sort(\.$number).all().map(\.outcome)
    }

    func testTwoPassesAtOncePublishEachPostExactlyOnce() async throws {
        var ids: [UUID] = []
        for i in 0..<24 { ids.append(try await schedule(PostFactory.fields(i, account: i % 3))) }
        let publisher = self.publisher
        for _ in 0..<20 {
            async let a = publisher.pass()
            async let b = publisher.pass()
            let (x, y) = try await (a, b)
            if x + y == 0 { break }
        }
        let onPlatform = await platform.allPosts
        let calls = await platform.publishCalls
        XCTAssertEqual(onPlatform.count, 24)
        XCTAssertEqual(calls, 24, "one call per post")
        XCTAssertEqual(Set(onPlatform.map(\.text)).count, 24, "no text twice")
        for id in ids {
            let p = try await post(id)
            XCTAssertEqual(p.state, .published)
            let text = p.platformText
            XCTAssertTrue(onPlatform.contains { $0.id == p.platformPostID && $0.text == text })
            let o = try await outcomes(id)
            XCTAssertEqual(o, [.published])
        }
    }

    func testALostAnswerIsSettledAsFoundAndNotSentAgain() async throws {
        await platform.answerNext(.lostAnswer)
        let id = try await schedule(PostFactory.fields(1, account: 0))
        try await publisher.pass()
        var p = try await post(id)
        XCTAssertEqual(p.state, .publishing, "the outcome is not known yet")
        let first = try await outcomes(id)
        XCTAssertEqual(first, [.unknown])
        XCTAssertNotNil(p.retryAt)

        wall.advance(300)
        try await publisher.pass()
        p = try await post(id)
        let onPlatform = await platform.allPosts
        let calls = await platform.publishCalls
        XCTAssertEqual(p.state, .published)
        XCTAssertEqual(calls, 1, "settled by reading the account, not by posting again")
        XCTAssertEqual(onPlatform.map(\.id), [p.platformPostID].compactMap { $0 })
        let settled = try await outcomes(id)
        XCTAssertEqual(settled, [.found])
        let audit = try await AuditEntry.query(on: app.db).filter(\.$subject == PostService.subject(id)).all().map(\.action)
        XCTAssertTrue(audit.contains("post.publish.unknown"))
        XCTAssertTrue(audit.contains("post.published"))
    }

    /// Errors after which the platform has nothing: each is settled as absent, retried after a growing wait,
    /// and the post goes out once.
    func testATransientErrorIsRetriedAfterABackoffThatGrows() async throws {
        await platform.answerNext(.refuse(.transient("502")), .refuse(.transient("503")))
        let id = try await schedule(PostFactory.fields(2, account: 2))
        try await publisher.pass()
        var p = try await post(id)
        let firstWait = try XCTUnwrap(p.retryAt).timeIntervalSince(wall.now)
        XCTAssertTrue((1...2).contains(firstWait), "base 2 s with jitter: \(firstWait)")
        XCTAssertTrue(p.publishMessage?.contains("一時的な障害") ?? false, p.publishMessage ?? "")
        let early = try await publisher.pass()
        XCTAssertEqual(early, 0, "not before its time")

        wall.advance(firstWait + 0.01)
        try await publisher.pass()
        p = try await post(id)
        let secondWait = try XCTUnwrap(p.retryAt).timeIntervalSince(wall.now)
        XCTAssertTrue((2...4).contains(secondWait), "doubled: \(secondWait)")

        wall.advance(secondWait + 0.01)
        try await publisher.pass()
        p = try await post(id)
        XCTAssertEqual(p.state, .published)
        let calls = await platform.publishCalls
        let onPlatform = await platform.allPosts
        XCTAssertEqual(calls, 3)
        XCTAssertEqual(onPlatform.count, 1)
        let all = try await outcomes(id)
        XCTAssertEqual(all, [.absent, .absent, .published])
    }

    func testARateLimitWaitsForThePlatformsResetTime() async throws {
        let reset = wall.now.addingTimeInterval(90)
        await platform.answerNext(.refuse(.rateLimited(resetAt: reset)))
        let id = try await schedule(PostFactory.fields(3, account: 0))
        try await publisher.pass()
        var p = try await post(id)
        XCTAssertEqual(p.retryAt, reset)
        XCTAssertTrue(p.publishMessage?.contains("回数制限") ?? false, p.publishMessage ?? "")
        wall.advance(60)
        let early = try await publisher.pass()
        XCTAssertEqual(early, 0)
        wall.advance(31)
        try await publisher.pass()
        p = try await post(id)
        XCTAssertEqual(p.state, .published)
        let all = try await outcomes(id)
        XCTAssertEqual(all, [.notDone, .published], "a refused call is not settled: nothing was posted")
    }

    func testTheBackoffDoublesUpToItsCeiling() {
        let policy = RetryPolicy(baseSeconds: 2, maxSeconds: 300, jitter: { 1 })
        XCTAssertEqual((1...10).map(policy.backoff), [2, 4, 8, 16, 32, 64, 128, 256, 300, 300])
        let halved = RetryPolicy(baseSeconds: 2, maxSeconds: 300, jitter: { 0.5 })
        XCTAssertEqual(halved.backoff(3), 4)
        let now = Date(timeIntervalSince1970: 1_000)
        XCTAssertEqual(policy.retry(after: .rateLimited(resetAt: now.addingTimeInterval(-5)), attempts: 1, now: now).at,
                       now.addingTimeInterval(0.2), "a reset already past is not a busy loop")
        XCTAssertEqual(policy.retry(after: .rateLimited(resetAt: nil), attempts: 1, now: now).at, now.addingTimeInterval(60))
    }

    /// What the chief approved differs from what would go out now: nothing is sent and the post is back in the queue.
    func testAChangedRenderingIsHeldForApprovalAndNothingIsSent() async throws {
        let id = try await schedule(#"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ","scheduledAt":"2026-11-25T11:00:00+09:00"}"#)
        var p = try await post(id)
        var approved = try XCTUnwrap(p.approvedRendering.flatMap(Rendering.decode(canonicalJSON:)))
        approved.handle = "kodaira_city"
        p.approvedRendering = String(decoding: approved.canonicalJSON, as: UTF8.self)
        p.approvedRenderingSHA256 = approved.hash
        try await p.save(on: app.db)

        clock.now = jst("2026-11-25T11:00")
        try await publisher.pass()
        p = try await post(id)
        XCTAssertEqual(p.state, .submitted, "back with the chief")
        XCTAssertNil(p.approvedRenderingSHA256)
        let calls = await platform.publishCalls
        XCTAssertEqual(calls, 0, "nothing sent")
        let held = try await AuditEntry.query(on: app.db).filter(\.$action == "post.publish.heldForApproval").all()
        XCTAssertEqual(held.count, 1)
        XCTAssertTrue(held.first?.detail.contains(approved.hash) ?? false)

        let again = try await api(.POST, "/posts/\(id.uuidString.lowercased())/approve", token: chiefToken)
        XCTAssertEqual(again.json["state"] as? String, "scheduled", again.body)
        try await publisher.pass()
        p = try await post(id)
        XCTAssertEqual(p.state, .published)
        let sent = await platform.allPosts
        XCTAssertEqual(sent.map(\.text), [p.platformText].compactMap { $0 }, "what goes out is what was approved the second time")
    }
}
