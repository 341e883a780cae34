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
