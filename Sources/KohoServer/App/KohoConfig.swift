import Foundation
import Vapor
import Fluent
import KohoCore
import KohoPlatforms
import NIOConcurrencyHelpers

/// Everything `makeApp` needs; `koho serve`, the other commands and the tests all build the app from one of these.
public struct KohoConfig: Sendable {
    public var dataDirectory: URL
    /// PostgreSQL when set (`DATABASE_URL`), SQLite in the data folder otherwise.
    public var databaseURL: String?
    /// A policy file; nil means the built-in Kodaira policy.
    public var policyPath: String?
    public var hostname: String
    public var port: Int
    /// The clock of the workflow (scheduling, expiry, lockouts); tests pass a fixed one.
    public var clock: @Sendable () -> Date
    public var bcryptCost: Int
    /// How long each earlier failure delays the next login answer.
    public var loginDelayPerFailure: Duration
    public var environment: Environment
    /// Reverts every migration before migrating: tests start each case on an empty database.
    public var resetDatabase = false
    /// A web session left unused this long is logged out (an office PC left signed in).
    public var sessionIdleLimit: TimeInterval = 2 * 3600
    /// Behind a reverse proxy every request comes from the proxy: take the client's address from the last
    /// `X-Forwarded-For` entry instead (only then, since a client can send the header itself).
    public var trustForwardedFor = false
    /// Marks the session cookie Secure, for a server reached over HTTPS (behind a TLS proxy).
    public var secureCookies = false
    /// The platforms to publish to; nil (the other commands, most tests) means no platforms and no publisher.
    public var platforms: PlatformMode?
    /// How often the audit chain's head is written as a checkpoint while entries are written (issue 24: every minute).
    public var checkpointInterval: Duration = .seconds(60)
    /// How often the audit-head mail job looks whether today's head is queued yet (once a Tokyo day it is).
    public var auditHeadMailInterval: Duration = .seconds(600)
    /// How often the records-retention job removes what the policy's `records:` periods no longer keep.
    public var retentionInterval: Duration = .seconds(86_400)
    /// Where the embedded sandbox listens (`--sandbox-port`); taken, it falls back to any free port. 0: any.
    public var embeddedSandboxPort = 8090
    /// What starts the embedded sandbox (`PlatformMode.embeddedSandbox`); the `koho` executable provides it.
    package var embeddedSandbox: EmbeddedSandbox? = EmbeddedSandbox.provided
    public var publisher = PublisherSettings()
    /// Reading comments, the Facebook webhook, carrying out decisions, and the flood alarm.
    public var comments = CommentSettings()
    /// The emergency sources (`koho serve --feeds FILE`); nil: no source runs.
    public var intake: IntakeSettings?
    /// Stands in for the platforms (tests without the HTTP sandbox); nil: the clients reach `platforms` over HTTP.
    var platformGateway: PlatformGateway?
    /// How often the approval-expiry job looks for approvals whose time has passed unused.
    public var expiryInterval: Duration = .seconds(30)
    /// The clock the background jobs wait on between rounds.
    public var jobClock: any Clock<Duration> = ContinuousClock()
    /// The leases by which a job runs on one server of several (`JobLeases`); tests shorten them.
    public var jobLeases = JobLeaseSettings()
    /// A media folder every server reaches (`koho serve --media-dir`); nil: the database with `DATABASE_URL`,
    /// else `<data-dir>/media` (see `MediaStore`).
    public var mediaDirectory: URL?
    /// Where the city website shows the exported public pages (`koho public export`), ending in `/`; nil means
    /// `<the policy's website>koho/`. A suspension notice's address there is what 3(7) checks.
    public var publicSiteURL: String?
    /// ffprobe and ffmpeg, where installed: a second check of uploaded files, and a frame of each video.
    public var mediaTools = MediaTools.detected
    /// The office's SMTP relay and who hears of an emergency waiting for approval; nil: no e-mail.
    public var mail: MailSettings?
    /// Where the audit chain's head goes once a day (`--audit-mail`), through the mail relay.
    public var auditMail: [String] = []
    /// The commands keep to warnings so that their output stays readable; `koho serve` logs more.
    public var logLevel: Logger.Level = .warning
    /// The proxy for everything fetched from outside (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, read by `koho serve`).
    public var proxy = OutboundProxy()
    /// X's user search in the impersonation scan: off unless the city's X plan allows it (`--x-user-search`). X's
    /// terms require its Enterprise plan where X content is shown to people acting for a government, and every call
    /// is charged.
    public var xUserSearch = false
    /// Keeps GET answers until the SQLite file changes (`ReadCache`); off, every request reads the database.
    public var readCache = true
    /// PostgreSQL connections per event loop (one loop per core). Fluent's default of one per loop queued every
    /// request behind the round trip of the one before it on a two-core server; the server has room for these
    /// (`max_connections` is 100 by default, two Koho servers on two cores take 16).
    public var postgresConnectionsPerEventLoop = 4

    public init(dataDirectory: URL = URL(fileURLWithPath: "./data", isDirectory: true),
                databaseURL: String? = ProcessInfo.processInfo.environment["DATABASE_URL"],
                policyPath: String? = nil, hostname: String = "127.0.0.1", port: Int = 8080,
                clock: @escaping @Sendable () -> Date = { Date() }, bcryptCost: Int = 12,
                loginDelayPerFailure: Duration = .milliseconds(300),
                environment: Environment = Environment(name: "production", arguments: ["koho"])) {
        self.dataDirectory = dataDirectory
        self.databaseURL = databaseURL.flatMap { $0.isEmpty ? nil : $0 }
        self.policyPath = policyPath
        self.hostname = hostname
        self.port = port
        self.clock = clock
        self.bcryptCost = bcryptCost
        self.loginDelayPerFailure = loginDelayPerFailure
        self.environment = environment
    }

    public var baseURL: String { "http://\(hostname):\(port)" }
}

/// The policy in force and what is derived from it, fixed when the app starts.
package struct KohoContext: Sendable {
    let config: KohoConfig
    package let policy: Policy
    let policyVersionID: UUID
    let policyVersionLabel: String
    package let holidays: JapaneseHolidayCalendar
    /// The audit trail, and with it the write lock every audited change runs under.
    let audit: AuditTrail
    var writeLock: AuditTrail { audit }
    /// Seals TOTP secrets and platform tokens.
    let vault: TokenVault
    /// Where attached files are kept (a folder or the database).
    let media: MediaStore
    /// Checked against when a login names nobody, so that the answer takes as long as for a real user.
    let dummyPasswordHash: String
    /// The database the context was built on; inside a write (`write(on:)`), that write's transaction instead.
    private let database: @Sendable () -> any Database
    let logger: Logger
    /// The platforms' calls go through these clients (and the configured proxy).
    let outbound: OutboundHTTP
    /// Fetches from addresses Koho was given (the intake's feeds and articles, comment images): through the proxy too,
    /// but following no redirect by themselves, so that each hop is checked before it is taken.
    let fetches: OutboundHTTP
    /// The platforms: their clients, the accounts' credentials and the publisher (nil where none are configured).
    var platforms: Publishing?
    /// The emergency intake's settings and fetch clients (nil without `--feeds`).
    var intake: Intake?
    /// Wakes a job at once instead of at its next round; nothing happens where the job does not run here.
    let wakers: Wakers
    /// What the last impersonation search found (nil where the search does not run on this server).
    let impersonationScan = NIOLockedValueBox<ImpersonationScanStatus?>(nil)

    init(config: KohoConfig, policy: Policy, policyVersionID: UUID, policyVersionLabel: String, holidays: JapaneseHolidayCalendar,
         audit: AuditTrail, vault: TokenVault, media: MediaStore, dummyPasswordHash: String,
         database: @escaping @Sendable () -> any Database, logger: Logger, outbound: OutboundHTTP, fetches: OutboundHTTP,
         wakers: Wakers = Wakers()) {
        self.config = config
        self.policy = policy
        self.policyVersionID = policyVersionID
        self.policyVersionLabel = policyVersionLabel
        self.holidays = holidays
        self.audit = audit
        self.vault = vault
        self.media = media
        self.dummyPasswordHash = dummyPasswordHash
        self.database = database
        self.logger = logger
        self.outbound = outbound
        self.fetches = fetches
        self.wakers = wakers
    }

    var db: any Database { WriteScope.transaction ?? database() }

    /// A password's bcrypt hash at the configured cost, off the event loops.
    func hashPassword(_ password: String) async throws -> String {
        let cost = config.bcryptCost
        return try await NIOThreadPool.singleton.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }
    /// The post workflow on this context's database (or on `db`, a request's).
    var workflow: Workflow { workflow(on: db) }
    func workflow(on db: any Database) -> Workflow {
        Workflow(db: db, ctx: self, scheduled: wakers.publisher, mailQueued: wakers.mail)
    }

    var checker: PolicyChecker { PolicyChecker(policy: policy, holidays: holidays) }
    var now: Date { config.clock() }

    func calendar(for account: String) -> OperatingCalendar? {
        policy.account(account).flatMap { checker.calendar(for: $0.platform) }
    }
    /// The X calendar stands for the city's operating hours where no account is in view (all platforms share them here).
    var cityCalendar: OperatingCalendar? {
        policy.platforms.first.map { OperatingCalendar(hours: $0.operatingHours, holidays: holidays) }
    }
}

/// The transaction of the write the current task is inside (`KohoContext.write`), if any.
enum WriteScope {
    @TaskLocal static var transaction: (any Database)?
}

extension KohoContext {
    /// The one way into a change: this process's write lock, then one transaction on `db`, both opened by the
    /// outermost call. Called again inside (an inner use case), it joins the outer transaction, so that use cases
    /// combine into one commit; the lock is never taken twice, so nothing waits on itself.
    func write<T: Sendable>(on db: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        if let tx = WriteScope.transaction { return try await body(tx) }
        return try await audit.run {
            try await db.transaction { tx in try await WriteScope.$transaction.withValue(tx) { try await body(tx) } }
        }
    }
}

struct KohoContextKey: StorageKey { typealias Value = KohoContext }

/// The jobs' doorbells, by name: filled in when the jobs are built (`configureJobs`), so that the use cases built
/// before them can wake them. A command that runs no jobs leaves them empty and a wake does nothing.
package final class Wakers: Sendable {
    private let bells = NIOLockedValueBox<[String: [@Sendable () -> Void]]>([:])

    package init() {}

    func fill(_ name: String, _ wake: @escaping @Sendable () -> Void) { bells.withLockedValue { $0[name, default: []].append(wake) } }
    func wake(_ name: String) { for ring in bells.withLockedValue({ $0[name] ?? [] }) { ring() } }
    func wake(prefix: String) {
        for ring in bells.withLockedValue({ $0.filter { $0.key.hasPrefix(prefix) }.flatMap(\.value) }) { ring() }
    }

    var publisher: @Sendable () -> Void { { [self] in wake(JobName.publisher) } }
    var mail: @Sendable () -> Void { { [self] in wake(JobName.mail) } }
    var commentActions: @Sendable () -> Void { { [self] in wake(JobName.commentActions) } }
    /// New comments arrived: the flood alarm looks at once.
    var commentAlarm: @Sendable () -> Void { { [self] in wake(JobName.commentAlarm) } }
}

/// The names of the jobs other parts wake or look up.
enum JobName {
    static let publisher = "publisher"
    static let mail = "mail"
    static let commentActions = "comment-actions"
    static let commentAlarm = "comment-alarm"
}

extension Application {
    package var intake: Intake? { koho.intake }

    package var koho: KohoContext {
        guard let c = storage[KohoContextKey.self] else { fatalError("makeApp did not run") }
        return c
    }
}

extension Application {
    package var workflow: Workflow { koho.workflow }
}

extension Request {
    package var koho: KohoContext { application.koho }
    /// The post workflow on this request's database connection.
    package var workflow: Workflow { koho.workflow(on: db) }
}

