import Fluent
import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import SQLKit

/// How long a job's lease lasts and how often its holder renews it. A server that stops without a word is
/// replaced by another within `duration` (plus one renewal round).
public struct JobLeaseSettings: Sendable {
    public var duration: Duration = .seconds(30)
    public var renewEvery: Duration = .seconds(10)
    public init() {}
    public init(duration: Duration, renewEvery: Duration) {
        self.duration = duration
        self.renewEvery = renewEvery
    }
}

/// The jobs that must run once across the servers on one database (the comment poller, the flood alarm, the scans,
/// the intake, the approval-expiry sweep, the checkpoints) each hold a row of `job_leases`: claimed by one
/// conditional INSERT … ON CONFLICT DO UPDATE (taken only when it is free, expired or already this server's), the
/// same statement on SQLite and PostgreSQL, and renewed every `renewEvery`. A registered job runs its rounds only
/// while this server holds its lease; the outboxes (publisher, comment actions, mail) claim per item and are not
/// registered.
final class JobLeases: Service, Sendable {
    static let schema = "job_leases"

    /// This process, as the `holder` column shows it: host, process id and a random part (a restart is a new holder).
    let holder: String
    let settings: JobLeaseSettings
    private let db: Database
    /// This process's one writer: on SQLite a lease's write waits its turn like every other write, so that it never
    /// meets another one with "database is locked".
    private let writeLock: AuditTrail?
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    private let bell = Doorbell()

    private struct State {
        var jobs: [String: Job] = [:]
        var heldUntil: [String: ContinuousClock.Instant] = [:]
        var failing = false
    }

    init(db: Database, settings: JobLeaseSettings, writeLock: AuditTrail? = nil, logger: Logger, holder: String = JobLeases.newHolder()) {
        self.db = db
        self.writeLock = (db as? SQLDatabase)?.dialect.name == "sqlite" ? writeLock : nil
        self.settings = settings
        self.logger = logger
        self.holder = holder
    }

    static func newHolder() -> String {
        let random = (0..<6).map { _ in String(UInt8.random(in: 0...15), radix: 16) }.joined()
        return "\(ProcessInfo.processInfo.hostName)#\(getpid())-\(random)"
    }

    func register(_ job: Job) {
        state.withLockedValue { $0.jobs[job.name] = job }
        job.lease = self
    }

    var names: [String] { state.withLockedValue { $0.jobs.keys.sorted() } }

    /// Whether this server may run the job now. Judged on this server's clock from when the last claim was sent,
    /// and a renewal round short of the lease, so that it lapses here before another server can take it.
    func holds(_ name: String) -> Bool {
        state.withLockedValue { $0.heldUntil[name].map { $0 > .now } ?? false }
    }

    /// Claims or renews every registered lease in one statement; a job whose lease this server has just taken is
    /// woken (`wake`: not at start, where the jobs are about to run their first round anyway).
    func renew(wake: Bool = true) async {
        let taken = await attempt(names)
        for job in taken {
            logger.info("ジョブ「\(job.name)」をこのサーバーで実行します（\(holder)）")
            if wake { job.wake() }
        }
    }

    /// Claims the lease now (a job about to run a round without it); whether this server holds it.
    func acquire(_ name: String) async -> Bool {
        for job in await attempt([name]) { logger.info("ジョブ「\(job.name)」をこのサーバーで実行します（\(holder)）") }
        return holds(name)
    }

    /// One claim, recorded; the jobs whose leases this server has just taken.
    private func attempt(_ names: [String]) async -> [Job] {
        guard !names.isEmpty else { return [] }
        let sent = ContinuousClock.now
        do {
            let mine = try await claim(names)
            let margin = min(settings.renewEvery, settings.duration / 2)
            let (taken, recovered) = state.withLockedValue { s -> ([Job], Bool) in
                var taken: [Job] = []
                for name in names {
                    let had = s.heldUntil[name].map { $0 > .now } ?? false
                    if mine.contains(name) {
                        s.heldUntil[name] = sent + settings.duration - margin
                        if !had, let job = s.jobs[name] { taken.append(job) }
                    } else {
                        s.heldUntil[name] = nil
                    }
                }
                defer { s.failing = false }
                return (taken, s.failing)
            }
            if recovered { logger.notice("ジョブの確保をまた更新できるようになりました") }
            return taken
        } catch {
            let first = state.withLockedValue { s -> Bool in defer { s.failing = true }; return !s.failing }
            if first { logger.warning("ジョブの確保を更新できません: \(String(describing: error))") }
            return []
        }
    }

    /// One statement: each row is inserted, or updated only where it is free (expired) or already ours; the rows
    /// that come back are the leases this server holds afterwards.
    func claim(_ names: [String]) async throws -> Set<String> {
        guard let sql = db as? SQLDatabase else { return Set(names) }
        let now = Self.databaseNow(sql)
        let seconds = Double(settings.duration.components.seconds) + Double(settings.duration.components.attoseconds) / 1e18
        let rows = names.map { name -> SQLQueryString in "(\(bind: name), \(bind: holder), \(unsafeRaw: now) + \(bind: seconds))" }
        let query: SQLQueryString = """
            INSERT INTO job_leases (name, holder, expires_at) VALUES \(rows.joined(separator: ", "))
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE job_leases.holder = excluded.holder OR job_leases.expires_at < \(unsafeRaw: now)
            RETURNING name
            """
        return try await writing { Set(try await sql.raw(query).all().map { try $0.decode(column: "name", as: String.self) }) }
    }

    func claim(_ name: String) async throws -> Bool { try await claim([name]).contains(name) }

    /// Gives up this server's leases, so that another server takes the jobs over at its next renewal.
    func release() async {
        state.withLockedValue { $0.heldUntil = [:] }
        guard let sql = db as? SQLDatabase else { return }
        do {
            let query: SQLQueryString = "DELETE FROM job_leases WHERE holder = \(bind: holder)"
            try await writing { try await sql.raw(query).run() }
        } catch {
            logger.warning("ジョブの確保を手放せませんでした（\(settings.duration) 後に切れます）: \(String(describing: error))")
        }
    }

    /// Forgets the leases without telling the database: what a server that is killed leaves behind (for tests).
    func abandon() {
        state.withLockedValue { $0.heldUntil = [:]; $0.jobs = [:] }
    }

    /// The holder of each lease that has not expired, by job name (for the tests and the operator's eye).
    func holders() async throws -> [String: String] {
        guard let sql = db as? SQLDatabase else { return [:] }
        let now = Self.databaseNow(sql)
        var out: [String: String] = [:]
        for row in try await sql.raw("SELECT name, holder FROM job_leases WHERE expires_at >= \(unsafeRaw: now)").all() {
            out[try row.decode(column: "name", as: String.self)] = try row.decode(column: "holder", as: String.self)
        }
        return out
    }

    private func writing<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        guard let writeLock else { return try await body() }
        // Another process on the same SQLite file (a command beside the server) may hold it for a moment.
        var tries = 0
        while true {
            do { return try await writeLock.run(body) } catch where tries < 5 && String(describing: error).contains("locked") {
                tries += 1
                try await Task.sleep(for: .milliseconds(20 * tries))
            }
        }
    }

    private static func databaseNow(_ sql: SQLDatabase) -> String {
        sql.dialect.name == "postgresql" ? "EXTRACT(EPOCH FROM clock_timestamp())::double precision"
            : "((julianday('now') - 2440587.5) * 86400.0)"
    }

    /// Renews every `renewEvery`; the first claim is made by `BackgroundJobs.start` before any job runs.
    func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let bell = self.bell, every = settings.renewEvery
            await withGracefulShutdownHandler {
                await bell.wait(every)
            } onGracefulShutdown: {
                Task { await bell.ring() }
            }
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            await renew()
        }
        // The jobs were stopped before this service (it is first in the group), so nobody runs a round any more.
        if state.withLockedValue({ !$0.jobs.isEmpty }) { await release() }
    }
}
