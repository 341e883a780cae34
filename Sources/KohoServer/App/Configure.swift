import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import SQLKit
import Vapor
import KohoCore
import KohoPlatforms

/// Builds the Koho application: database, migrations, policy in force, sessions and routes.
/// `koho serve`, the other commands and the tests all go through here.
public func makeApp(_ config: KohoConfig, migrate: Bool = true) async throws -> Application {
    let app = try await Application.make(config.environment)
    app.logger.logLevel = config.logLevel
    do {
        try await configure(app, config, migrate: migrate)
    } catch {
        try? await app.asyncShutdown()
        throw error
    }
    return app
}

func configure(_ app: Application, _ config: KohoConfig, migrate: Bool) async throws {
    var ctx = try await openContext(config, databases: app.databases, migrations: app.migrations, logger: app.logger, migrate: migrate)
    app.lifecycle.use(ContextLifecycle(ctx: ctx))
    let cache = try await ReadCache.open(app, sqliteFile: config.databaseURL == nil && config.readCache ? sqliteFile(config) : nil)
    app.storage[ReadCacheKey.self] = cache
    app.lifecycle.use(ReadCacheLifecycle(cache: cache))
    app.storage[KohoContextKey.self] = ctx

    app.passwords.use(.bcrypt(cost: config.bcryptCost))
    // A Facebook post may be 63,206 characters; Vapor's default body limit (16 kB) would refuse it.
    app.routes.defaultMaxBodySize = "1mb"
    app.sessions.use { _ in ChangedOnlySessionDriver(stored: HashedFluentSessions()) }
    app.sessions.configuration.cookieName = "koho_session"
    let secure = config.secureCookies
    app.sessions.configuration.cookieFactory = { id in
        HTTPCookies.Value(string: id.string, expires: nil, maxAge: nil, path: "/", isSecure: secure,
                          isHTTPOnly: true, sameSite: .lax)
    }
    app.http.server.configuration.hostname = config.hostname
    app.http.server.configuration.port = config.port
    app.middleware = Middlewares()
    // Outside the error middleware, so that error pages carry the headers too.
    app.middleware.use(SecurityHeadersMiddleware(secureCookies: config.secureCookies))
    app.middleware.use(KohoErrorMiddleware())
    app.middleware.use(MethodNotAllowedMiddleware())
    app.middleware.use(JSONBoundsMiddleware())
    try routes(app)
    if let platforms = config.platforms {
        let publishing = try await configurePublishing(app, ctx, platforms)
        ctx.platforms = publishing
        app.storage[KohoContextKey.self] = ctx
        app.storage[WorkersKey.self] = Workers(publisher: Publisher(ctx: ctx, publishing: publishing),
                                               poller: CommentPoller(ctx: ctx, publishing: publishing, settings: config.comments),
                                               actions: CommentActions(ctx: ctx, publishing: publishing, settings: config.comments))
        // Sandbox mode: the accounts are connected on first start, so that a fresh machine shows the whole flow.
        try await ConnectionService.connectSandboxAccounts(ctx: ctx)
    }
    configureJobs(app, ctx)
}

/// The database (migrated), the policy in force and everything the use cases need, on `databases`: the same for the
/// server (the app's databases) and for a command that needs no server (`StandaloneContext`).
func openContext(_ config: KohoConfig, databases: Databases, migrations: Migrations, logger: Logger, migrate: Bool) async throws -> KohoContext {
    try DataFolder.prepare(config.dataDirectory)
    let vault = try TokenVault.load(keyFile: config.dataDirectory.appendingPathComponent("secret.key"))
    if let url = config.databaseURL {
        databases.use(try .postgres(configuration: SQLPostgresConfiguration(url: url),
                                    maxConnectionsPerEventLoop: config.postgresConnectionsPerEventLoop), as: .psql)
    } else {
        databases.use(.sqlite(.file(sqliteFile(config))), as: .sqlite)
    }
    let database: @Sendable () -> any Database = { databases.database(logger: logger, on: databases.eventLoopGroup.any())! }
    let db = database()
    if config.databaseURL == nil, let sql = db as? SQLDatabase {
        // WAL: the publisher's polling reads must not make a concurrent write fail with "database is locked".
        try await sql.raw("PRAGMA journal_mode=WAL").run()
    }
    addMigrations(migrations, vault: vault)
    // Fluent logs each migration at info: sixty English lines before the one-time setup link. One line says it instead.
    var quiet = logger
    quiet.logLevel = max(logger.logLevel, .warning)
    let migrator = Migrator(databases: databases, migrations: migrations, logger: quiet, on: databases.eventLoopGroup.any())
    if config.resetDatabase { try await migrator.setupIfNeeded().flatMap { migrator.revertAllBatches() }.get() }
    if migrate {
        try await migrator.setupIfNeeded().get()
        let applied = try await migrator.previewPrepareBatch().get().count
        try await migrator.prepareBatch().get()
        if applied > 0 { logger.info("データベースを準備しました（\(applied)件の変更を適用）") }
    }
    try await SecretKeyCheck.verify(db, vault)

    let policy: Policy
    let yaml: String
    if let path = config.policyPath {
        policy = try PolicyLoader.load(path: path)
        yaml = try String(contentsOfFile: path, encoding: .utf8)
    } else {
        policy = PolicyLoader.builtIn()
        yaml = PolicyLoader.builtInYAML
    }
    let holidays = try HolidayStore(dataDirectory: config.dataDirectory).calendar()
    let lock = AuditTrail()
    let stored = try await PolicyStore.ensureInForce(yaml: yaml, policy: policy, db: db, now: config.clock(), lock: lock)
    let media = try MediaStore.configured(config, db: db)
    var ctx = KohoContext(config: config, policy: policy, policyVersionID: try stored.requireID(),
                          policyVersionLabel: stored.label, holidays: holidays, audit: lock, vault: vault, media: media,
                          dummyPasswordHash: try Bcrypt.hash(Secrets.randomToken(), cost: config.bcryptCost),
                          database: database, logger: logger, outbound: OutboundHTTP(proxy: config.proxy),
                          fetches: OutboundHTTP(proxy: config.proxy, configuration: BoundedFetch.configuration))
    ctx.intake = Intake(config, policy: policy, wakers: ctx.wakers)
    return ctx
}

/// The context's outbound clients close with the app.
struct ContextLifecycle: LifecycleHandler {
    let ctx: KohoContext
    func shutdownAsync(_ application: Application) async { await ctx.closeClients() }
    // The sync shutdown (the tests' `app.shutdown()`) must release the same resources.
    func shutdown(_ application: Application) {
        try? ctx.outbound.syncShutdown()
        try? ctx.fetches.syncShutdown()
    }
}

extension KohoContext {
    func closeClients() async {
        try? await outbound.shutdown()
        try? await fetches.shutdown()
    }
}

/// A context without a web server, for a command such as `koho intake mail`: its own databases on the shared event
/// loops. `close` must be called when done.
package struct StandaloneContext: Sendable {
    package let ctx: KohoContext
    private let databases: Databases

    package static func open(_ config: KohoConfig) async throws -> StandaloneContext {
        var logger = Logger(label: "koho")
        logger.logLevel = config.logLevel
        let databases = Databases(threadPool: NIOThreadPool.singleton, on: MultiThreadedEventLoopGroup.singleton)
        do {
            let ctx = try await openContext(config, databases: databases, migrations: Migrations(), logger: logger, migrate: true)
            return StandaloneContext(ctx: ctx, databases: databases)
        } catch {
            await databases.shutdownAsync()
            throw error
        }
    }

    package func close() async {
        await ctx.closeClients()
        await databases.shutdownAsync()
    }
}

func sqliteFile(_ config: KohoConfig) -> String { config.dataDirectory.appendingPathComponent("koho.sqlite").path }

func addMigrations(_ migrations: Migrations, vault: TokenVault) {
    migrations.add(CreatePolicyVersion())
    migrations.add(CreateUser())
    migrations.add(CreateAPIToken())
    migrations.add(CreateSetupToken())
    migrations.add(CreatePost())
    migrations.add(CreateAuditEntry())
    migrations.add(SessionRecord.migration)
    migrations.add(AddPublishingToPost())
    migrations.add(CreateAccountConnection())
    migrations.add(CreatePublishAttempt())
    migrations.add(AddQueryIndexes())
    migrations.add(AddMediaToPost())
    migrations.add(AddApprovedRenderingToPost())
    migrations.add(AddLastUsedToAPIToken())
    migrations.add(CreateLoginThrottle())
    migrations.add(SealTOTPSecrets(vault: vault))
    migrations.add(HashSessionKeys())
    migrations.add(StorePostActionInColumns())
    migrations.add(CreateNotice())
    migrations.add(CreateAccountSuspension())
    migrations.add(CreateImpersonationCase())
    migrations.add(CreateDisasterMode())
    migrations.add(CreateProfileCheck())
    migrations.add(CreateMailNotice())
    migrations.add(AddMediaNameToPost())
    migrations.add(CreateComments())
    migrations.add(CreateIntake())
    migrations.add(CreateCommentAlarm())
    migrations.add(AddVersionToNotice())
    migrations.add(AddWarningsToAlert())
    migrations.add(AddCommentDecisionsAndImages())
    migrations.add(CreateIntakeQuarantine())
    migrations.add(CreateWebhookReplayGuard())
    migrations.add(CreateMailAttempt())
    migrations.add(CreateSharedServerState())
    migrations.add(CreatePostVersion())
    migrations.add(CreatePlatformCallsAndLegalHolds())
    migrations.add(AddSlugToNotice())
    migrations.add(AddReadIndexes())
    migrations.add(AddDashboardIndexes())
}
