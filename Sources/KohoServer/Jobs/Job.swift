import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// A background job under swift-service-lifecycle. `step` does one round of work and says how much it did; the job goes
/// again at once while there is work, and otherwise waits for `interval` on its clock or for `wake()` (an approval,
/// a reconnection). On graceful shutdown the round in progress is cancelled and `run` returns.
///
/// A round that throws never ends the job (nor the server): it is started again after a delay that doubles with each
/// failure in a row (see `Backoff`), and its error is kept in `status` for the chief's dashboard.
package final class Job: Service, Sendable {
    struct Backoff: Sendable {
        var first: Duration = .seconds(1)
        var cap: Duration = .seconds(300)

        /// Doubles from `first`, up to `cap`, and for a job that runs often up to its interval or 30 s: the publisher
        /// (every few seconds) is not left five minutes behind once its database is back.
        func delay(afterFailures n: Int, interval: Duration) -> Duration {
            let limit = min(cap, max(interval, .seconds(30)))
            var d = first
            for _ in 1..<max(1, min(n, 40)) where d < limit { d = d * 2 }
            return min(d, limit)
        }
    }

    /// What the dashboard shows of a job.
    struct Status: Sendable {
        var lastError: String?
        var lastErrorAt: Date?
        /// Failed rounds in a row; 0 once a round succeeds.
        var failures = 0
        var retryIn: Duration?
        /// Counts every change, so that a page kept in the read cache is not shown after one.
        var changes = 0
        /// Rounds finished by the loop (not by `runOnce`), failed ones included.
        var rounds = 0
    }

    let name: String
    let interval: Duration
    let backoff: Backoff
    private let clock: any Clock<Duration>
    private let step: @Sendable () async throws -> Int
    private let bell = Doorbell()
    private let logger: Logger
    private let state = NIOLockedValueBox(Status())
    private let leaseBox = NIOLockedValueBox<JobLeases?>(nil)

    var status: Status { state.withLockedValue { $0 } }

    /// Set for a job that runs once across servers: its rounds run only while this server holds its lease.
    var lease: JobLeases? {
        get { leaseBox.withLockedValue { $0 } }
        set { leaseBox.withLockedValue { $0 = newValue } }
    }

    init(name: String, interval: Duration, clock: any Clock<Duration> = ContinuousClock(), backoff: Backoff = Backoff(), logger: Logger,
         step: @escaping @Sendable () async throws -> Int) {
        self.name = name
        self.interval = interval
        self.backoff = backoff
        self.clock = clock
        self.step = step
        var logger = logger
        logger[metadataKey: "job"] = "\(name)"
        self.logger = logger
    }

    func wake() {
        let bell = self.bell
        Task { await bell.ring() }
    }

    /// One round, outside the loop (for `koho` commands and tests).
    @discardableResult
    func runOnce() async throws -> Int { try await step() }

    package func run() async throws {
        logger.debug("started")
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            if let lease, !lease.holds(name), await !lease.acquire(name) {
                // Another server runs it; the lease service rings when this one takes it over.
                await pause(min(interval, lease.settings.renewEvery))
                continue
            }
            var worked = 0
            var wait = self.interval
            do {
                let step = self.step
                worked = try await cancelWhenGracefulShutdown { try await step() }
                state.withLockedValue { s in
                    if s.failures > 0 || s.retryIn != nil { s.failures = 0; s.retryIn = nil; s.changes += 1 }
                }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                let said = String(String(describing: error).prefix(500))
                let backoff = self.backoff, interval = self.interval
                wait = state.withLockedValue { s in
                    s.failures += 1
                    s.lastError = said
                    s.lastErrorAt = Date()
                    let delay = backoff.delay(afterFailures: s.failures, interval: interval)
                    s.retryIn = delay
                    s.changes += 1
                    return delay
                }
                logger.error("round failed, again in \(wait): \(said)")
                worked = 0
            }
            state.withLockedValue { $0.rounds += 1 }
            if worked > 0 { continue }
            await pause(wait)
        }
        logger.debug("stopped")
    }

    private func pause(_ delay: Duration) async {
        let bell = self.bell, clock = self.clock
        await withGracefulShutdownHandler {
            await bell.wait(delay, clock: clock)
        } onGracefulShutdown: {
            Task { await bell.ring() }
        }
    }
}

/// Wakes a sleeping loop early; a ring with nobody waiting is kept for the next wait.
actor Doorbell {
    private var rung = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var generation = 0

    func ring() {
        if let w = waiter { waiter = nil; w.resume() } else { rung = true }
    }

    func wait(_ timeout: Duration, clock: any Clock<Duration> = ContinuousClock()) async {
        if rung { rung = false; return }
        if Task.isCancelled { return }
        generation += 1
        let mine = generation
        let timer = Task { [weak self] in
            try? await clock.sleep(for: timeout)
            await self?.expire(mine)
        }
        await withCheckedContinuation { waiter = $0 }
        timer.cancel()
    }

    private func expire(_ g: Int) {
        guard g == generation, let w = waiter else { return }
        waiter = nil
        w.resume()
    }
}

/// The server's background jobs, one service group from boot to shutdown.
package final class BackgroundJobs: Sendable {
    let expiry: Job
    package let publisher: Job?
    let others: [Job]
    /// The leases of the jobs that run once across servers; nil where every job runs here (tests of one job).
    let leases: JobLeases?
    private let logger: Logger
    private let running = NIOLockedValueBox<(group: ServiceGroup, task: Task<Void, Never>)?>(nil)

    init(expiry: Job, publisher: Job?, others: [Job] = [], leases: JobLeases? = nil, logger: Logger) {
        self.expiry = expiry
        self.publisher = publisher
        self.others = others
        self.leases = leases
        self.logger = logger
    }

    var all: [Job] { [expiry] + (publisher.map { [$0] } ?? []) + others }

    /// Changes whenever a job's status does (for the read cache's key).
    var statusChanges: Int { all.reduce(0) { $0 &+ $1.status.changes } }

    func job(named name: String) -> Job? { all.first { $0.name == name } }

    package func start() {
        running.withLockedValue { running in
            guard running == nil else { return }
            // The lease service first: a group stops in reverse order, so the leases are given up after the last round.
            let services: [any Service] = (leases.map { [$0] } ?? []) + all
            let group = ServiceGroup(services: services, logger: logger)
            let logger = self.logger, leases = self.leases
            let task = Task {
                // One statement claims what this server may run, so that each job's first round starts at once.
                await leases?.renew(wake: false)
                do { try await group.run() } catch { logger.error("background jobs stopped: \(String(describing: error))") }
            }
            running = (group, task)
        }
    }

    /// Asks every job to stop and waits until they have.
    package func stop() async {
        guard let (group, task) = running.withLockedValue({ r -> (ServiceGroup, Task<Void, Never>)? in defer { r = nil }; return r }) else { return }
        await group.triggerGracefulShutdown()
        await task.value
    }

    func cancel() {
        running.withLockedValue { $0?.task.cancel() }
    }

    /// Stops every job as a killed server would: the leases stay in the database until they expire (for tests).
    func halt() async {
        leases?.abandon()
        await stop()
    }
}
