import Fluent
import Foundation
import NIOConcurrencyHelpers
import ServiceLifecycle
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
import KohoSandbox
@testable import KohoServer
@testable import KohoTools

/// The seam for background jobs: rounds while there is work, a wake-up instead of waiting, and a prompt stop.
final class JobTests: XCTestCase {
    func testAJobStopsWithinASecondOfShutdownMidRound() async throws {
        let started = NIOLockedValueBox(false)
        let job = Job(name: "slow", interval: .seconds(60), logger: Logger(label: "test")) {
            started.withLockedValue { $0 = true }
            try await Task.sleep(for: .seconds(60)) // a poll that hangs on the network
            return 1
        }
        let group = ServiceGroup(services: [job], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        while !started.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        let t0 = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        XCTAssertLessThan(ContinuousClock.now - t0, .seconds(1))
    }

    func testAJobWaitingForItsIntervalIsWokenAndStopsPromptly() async throws {
        let rounds = NIOLockedValueBox(0)
        let job = Job(name: "idle", interval: .seconds(3600), logger: Logger(label: "test")) {
            rounds.withLockedValue { $0 += 1 }
            return 0
        }
        let group = ServiceGroup(services: [job], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        while rounds.withLockedValue({ $0 }) < 1 { try await Task.sleep(for: .milliseconds(5)) }
        job.wake()
        let woken = ContinuousClock.now
        while rounds.withLockedValue({ $0 }) < 2 {
            try await Task.sleep(for: .milliseconds(5))
            if ContinuousClock.now - woken > .seconds(5) { break }
        }
        XCTAssertEqual(rounds.withLockedValue { $0 }, 2, "woken, not left to the hour")
        let t0 = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        XCTAssertLessThan(ContinuousClock.now - t0, .seconds(1))
    }

    func testARoundThatThrowsIsStartedAgainWithGrowingDelaysAndItsErrorKept() async throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "データベースに接続できません" } }
        let rounds = NIOLockedValueBox<[ContinuousClock.Instant]>([])
        // An hour's interval: without the guard a failed round would wait the hour.
        let job = Job(name: "flaky", interval: .seconds(3600), backoff: .init(first: .milliseconds(100), cap: .milliseconds(250)),
                      logger: Logger(label: "test")) {
            let n = rounds.withLockedValue { $0.append(ContinuousClock.now); return $0.count }
            if n <= 4 { throw Broken() }
            return 0
        }
        let group = ServiceGroup(services: [job], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        let t0 = ContinuousClock.now
        while rounds.withLockedValue({ $0.count }) < 3, ContinuousClock.now - t0 < .seconds(5) { try await Task.sleep(for: .milliseconds(5)) }
        let failing = job.status
        XCTAssertGreaterThanOrEqual(failing.failures, 2)
        XCTAssertEqual(failing.lastError, "データベースに接続できません")
        XCTAssertNotNil(failing.lastErrorAt)
        while rounds.withLockedValue({ $0.count }) < 5, ContinuousClock.now - t0 < .seconds(5) { try await Task.sleep(for: .milliseconds(5)) }
        let times = rounds.withLockedValue { $0 }
        XCTAssertEqual(times.count, 5, "started again after each failure, then a good round")
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        XCTAssertGreaterThanOrEqual(gaps[0], .milliseconds(95))
        XCTAssertGreaterThanOrEqual(gaps[1], .milliseconds(195), "the delay grows")
        XCTAssertGreaterThanOrEqual(gaps[2], .milliseconds(245))
        XCTAssertLessThan(gaps[3], .milliseconds(1000), "capped at 250 ms")
        try await Task.sleep(for: .milliseconds(50))
        let recovered = job.status
        XCTAssertEqual(recovered.failures, 0)
        XCTAssertNil(recovered.retryIn)
        XCTAssertEqual(recovered.lastError, "データベースに接続できません", "the last error is still shown")
        let t1 = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        XCTAssertLessThan(ContinuousClock.now - t1, .seconds(1))
    }

    func testTheBackoffDoublesUpToItsCap() {
        let b = Job.Backoff(first: .seconds(1), cap: .seconds(300))
        let daily = Duration.seconds(86_400)
        XCTAssertEqual((1...10).map { b.delay(afterFailures: $0, interval: daily) }, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300].map { Duration.seconds($0) })
        XCTAssertEqual(b.delay(afterFailures: Int.max, interval: daily), .seconds(300))
        // A job that runs every 5 s (the publisher, the mail) is not held back more than 30 s.
        XCTAssertEqual((1...7).map { b.delay(afterFailures: $0, interval: .seconds(5)) }, [1, 2, 4, 8, 16, 30, 30].map { Duration.seconds($0) })
    }

    func testAJobThatFindsWorkGoesAgainAtOnce() async throws {
        let left = NIOLockedValueBox(5)
        let job = Job(name: "busy", interval: .seconds(3600), logger: Logger(label: "test")) {
            left.withLockedValue { n in
                guard n > 0 else { return 0 }
                n -= 1
                return 1
            }
        }
        let group = ServiceGroup(services: [job], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        let t0 = ContinuousClock.now
        while left.withLockedValue({ $0 }) > 0, ContinuousClock.now - t0 < .seconds(5) { try await Task.sleep(for: .milliseconds(5)) }
        XCTAssertEqual(left.withLockedValue { $0 }, 0)
        await group.triggerGracefulShutdown()
        try await running.value
    }
}

/// The publisher as a job: stopped while a platform call hangs, it stops within a second, and the attempt it left is
/// settled by the next server, once.
final class PublisherJobTests: PublisherTestCase {
    func testThePublisherStopsWithinASecondMidCallAndTheNextServerSettles() async throws {
        // The platform takes 3 s to answer: the call is under way when the server stops, and lands after it stopped.
        await sandbox.setFaults(SandboxFaults(latencyMs: 3_000))
        let id = try await schedule(PostFactory.fields(1, account: 0))
        try await waitFor(seconds: 10) {
            try await PublishAttempt.query(on: self.app.db).filter(\.$postID == UUID(uuidString: id)!).filter(\.$outcome == .pending).count() > 0
        }
        let t0 = ContinuousClock.now
        await app.backgroundJobs?.stop()
        XCTAssertLessThan(ContinuousClock.now - t0, .seconds(1), "stopped mid-call")
        await sandbox.setFaults(SandboxFaults())
        try await app.asyncShutdown()
        try await Task.sleep(for: .seconds(3.5))
        let landed = await sandboxPosts(sandbox)
        XCTAssertEqual(landed.count, 1, "the platform has the post, though nobody heard its answer")

        let c = clock!
        var config = KohoConfig(dataDirectory: dir, clock: { c.now }, bcryptCost: 4, loginDelayPerFailure: .zero, environment: .testing)
        config.platforms = .sandbox(url: sandbox.baseURL)
        config.publisher = settings()
        config.publisher.leaseSeconds = 0.5
        app = try await makeApp(config)
        try await app.asyncBoot()
        try await waitFor(seconds: 20) { try await Post.find(UUID(uuidString: id)!, on: self.app.db)?.state == .published }
        let post = try await Post.find(UUID(uuidString: id)!, on: app.db)
        XCTAssertEqual(post?.state, .published)
        let onPlatform = await sandboxPosts(sandbox)
        XCTAssertEqual(onPlatform.count, 1, "settled as found, not sent again")
        XCTAssertEqual(post?.platformPostID, onPlatform.first?.id)
        let outcomes = try await PublishAttempt.query(on: app.db).filter(\.$postID == UUID(uuidString: id)!).all().map(\.outcome)
        XCTAssertEqual(outcomes, [.found])
    }
}

/// The process-level guard as the chief sees it: a job whose rounds fail is shown with its error, the server stays up,
/// and it recovers by itself once the cause is gone.
final class JobGuardDashboardTests: KohoTestCase {
    func testAFailingJobIsShownToTheChiefAndRecovers() async throws {
        _ = try await addUser("kacho", .chief)
        _ = try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        // The audit checkpoint file's place is taken by a folder: every round of its job fails.
        let checkpoints = dir.appendingPathComponent("audit-checkpoints.log")
        try? FileManager.default.removeItem(at: checkpoints)
        try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
        try await app.asyncBoot()
        let job = try XCTUnwrap(app.backgroundJobs?.job(named: "audit-checkpoint"))
        let t0 = ContinuousClock.now
        while job.status.failures < 2, ContinuousClock.now - t0 < .seconds(10) { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertGreaterThanOrEqual(job.status.failures, 2, "started again within seconds, not after its day")

        let web = WebClient(app)
        try await web.login("kacho", password)
        let page = try await web.get("/")
        XCTAssertEqual(page.status, .ok, "the server is up")
        XCTAssertTrue(web.lastBody.contains("バックグラウンド処理の誤り"), web.lastBody)
        XCTAssertTrue(web.lastBody.contains("監査記録の確認点"), web.lastBody)
        XCTAssertTrue(web.lastBody.contains("失敗中（"), web.lastBody)
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/")
        XCTAssertFalse(staff.lastBody.contains("バックグラウンド処理の誤り"), "the chief's")

        try FileManager.default.removeItem(at: checkpoints)
        let t1 = ContinuousClock.now
        while job.status.failures > 0, ContinuousClock.now - t1 < .seconds(20) { try await Task.sleep(for: .milliseconds(50)) }
        XCTAssertEqual(job.status.failures, 0, "recovered by itself")
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoints.path))
        try await web.get("/")
        XCTAssertTrue(web.lastBody.contains("回復しました"), web.lastBody)
    }
}
