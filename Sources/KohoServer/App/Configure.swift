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
    try DataFolder.prepare(config.dataDirectory)
    let vault = try TokenVault.load(keyFile: config.dataDirectory.appendingPathComponent("secret.key"))
    if let url = config.databaseURL {
        app.databases.use(try .postgres(configuration: SQLPostgresConfiguration(url: url)), as: .psql)
    } else {
        app.databases.use(.sqlite(.file(sqliteFile(config))), as: .sqlite)
    }
    if config.databaseURL == nil, let sql = app.db as? SQLDatabase {
        // WAL: the publisher's polling reads must not make a concurrent write fail with "database is locked".
        try await sql.raw("PRAGMA journal_mode=WAL").run()
    }
    addMigrations(app, vault: vault)
    // Fluent logs each migration at info: sixty English lines before the one-time setup link. One line says it instead.
    let level = app.logger.logLevel
    app.logger.logLevel = max(level, .warning)
    if config.resetDatabase { try await app.autoRevert() }
    var applied = 0
    if migrate {
        try await app.migrator.setupIfNeeded().get()
        applied = try await app.migrator.previewPrepareBatch().get().count
        try await app.autoMigrate()
    }
    app.logger.logLevel = level
    if applied > 0 { app.logger.info("データベースを準備しました（\(applied)件の変更を適用）") }
    try await SecretKeyCheck.verify(app.db, vault)
    let cache = try await ReadCache.open(app, sqliteFile: config.databaseURL == nil && config.readCache ? sqliteFile(config) : nil)
    app.storage[ReadCacheKey.self] = cache
    app.lifecycle.use(ReadCacheLifecycle(cache: cache))

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
    let stored = try await PolicyStore.ensureInForce(yaml: yaml, policy: policy, db: app.db, now: config.clock(), lock: lock)
    let media = try MediaStore.configured(config, db: app.db)
    app.storage[KohoContextKey.self] = KohoContext(config: config, policy: policy, policyVersionID: try stored.requireID(),
                                                   policyVersionLabel: stored.label, holidays: holidays, audit: lock, vault: vault, media: media,
                                                   dummyPasswordHash: try Bcrypt.hash(Secrets.randomToken(), cost: config.bcryptCost))

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
    app.storage[CommentServicesKey.self] = CommentServices(settings: config.comments)
    let outbound = OutboundHTTP(proxy: config.proxy)
    app.storage[OutboundHTTPKey.self] = outbound
    app.lifecycle.use(OutboundHTTPLifecycle(outbound: outbound))
    try routes(app)
    if let platforms = config.platforms { try await configurePublishing(app, config, platforms) }
    configureJobs(app, config)
}

func sqliteFile(_ config: KohoConfig) -> String { config.dataDirectory.appendingPathComponent("koho.sqlite").path }

func addMigrations(_ app: Application, vault: TokenVault) {
    app.migrations.add(CreatePolicyVersion())
    app.migrations.add(CreateUser())
    app.migrations.add(CreateAPIToken())
    app.migrations.add(CreateSetupToken())
    app.migrations.add(CreatePost())
    app.migrations.add(CreateAuditEntry())
    app.migrations.add(SessionRecord.migration)
    app.migrations.add(AddPublishingToPost())
    app.migrations.add(CreateAccountConnection())
    app.migrations.add(CreatePublishAttempt())
    app.migrations.add(AddQueryIndexes())
    app.migrations.add(AddMediaToPost())
    app.migrations.add(AddApprovedRenderingToPost())
    app.migrations.add(AddLastUsedToAPIToken())
    app.migrations.add(CreateLoginThrottle())
    app.migrations.add(SealTOTPSecrets(vault: vault))
    app.migrations.add(HashSessionKeys())
    app.migrations.add(StorePostActionInColumns())
    app.migrations.add(CreateNotice())
    app.migrations.add(CreateAccountSuspension())
    app.migrations.add(CreateImpersonationCase())
    app.migrations.add(CreateDisasterMode())
    app.migrations.add(CreateProfileCheck())
    app.migrations.add(CreateMailNotice())
    app.migrations.add(AddMediaNameToPost())
    app.migrations.add(CreateComments())
    app.migrations.add(CreateIntake())
    app.migrations.add(CreateCommentAlarm())
    app.migrations.add(AddVersionToNotice())
    app.migrations.add(AddWarningsToAlert())
    app.migrations.add(AddCommentDecisionsAndImages())
    app.migrations.add(CreateIntakeQuarantine())
    app.migrations.add(CreateWebhookReplayGuard())
    app.migrations.add(CreateMailAttempt())
    app.migrations.add(CreateSharedServerState())
    app.migrations.add(CreatePostVersion())
    app.migrations.add(AddReadIndexes())
}
