import AsyncHTTPClient
import Fluent
import Foundation
import NIOCore
import KohoCore
import KohoPlatforms
import KohoSandbox
import NIOConcurrencyHelpers
import Vapor

/// The server's side of the platforms: where they are, the token vault, and the publisher.
final class Publishing: Sendable {
    let mode: PlatformMode
    let endpoints: PlatformEndpoints
    let gateway: PlatformGateway
    let vault: TokenVault
    let settings: PublisherSettings
    /// The sandbox this server started itself, if any.
    let sandbox: PlatformSandbox?
    let dataDirectory: URL
    let ownerTitle: String
    /// The accounts' tokens, opened and renewed for every caller.
    let credentials: AccountCredentials
    private let publisherBox = NIOLockedValueBox<Publisher?>(nil)
    /// The publisher's writes, committed together when several posts write at once.
    let commits = GroupCommit()

    init(mode: PlatformMode, endpoints: PlatformEndpoints, gateway: PlatformGateway, vault: TokenVault, settings: PublisherSettings, sandbox: PlatformSandbox?,
         dataDirectory: URL, ownerTitle: String, db: Database, ctx: KohoContext) {
        self.mode = mode
        self.endpoints = endpoints
        self.gateway = gateway
        self.vault = vault
        self.settings = settings
        self.sandbox = sandbox
        self.dataDirectory = dataDirectory
        self.ownerTitle = ownerTitle
        credentials = AccountCredentials(db: db, ctx: ctx, gateway: gateway, vault: vault, environment: mode.isSandbox ? "sandbox" : "live",
                                         ownerTitle: ownerTitle, wallClock: settings.wallClock)
    }

    var environment: String { mode.isSandbox ? "sandbox" : "live" }
    var publisher: Publisher? { publisherBox.withLockedValue { $0 } }
    func setPublisher(_ p: Publisher) { publisherBox.withLockedValue { $0 = p } }
}

struct PublishingKey: StorageKey { typealias Value = Publishing }

extension Application {
    var publishing: Publishing? { storage[PublishingKey.self] }
}

/// Called by `configure` when the config names platforms: starts a sandbox if asked, opens the vault,
/// connects sandbox accounts, and ties the publisher to the app's boot and shutdown.
func configurePublishing(_ app: Application, _ config: KohoConfig, _ mode: PlatformMode) async throws {
    let vault = app.koho.vault
    var sandbox: PlatformSandbox?
    let endpoints: PlatformEndpoints
    switch mode {
    case .embeddedSandbox:
        // A fixed port, so that its address stays the same from one start to the next; another Koho on the machine
        // holding it leaves this one on any free port (the start line names it).
        var s = try await PlatformSandbox()
        do { _ = try await s.start(host: "127.0.0.1", port: config.embeddedSandboxPort) } catch {
            try? await s.shutdown()
            s = try await PlatformSandbox()
            _ = try await s.start(host: "127.0.0.1", port: 0)
        }
        sandbox = s
        endpoints = .sandbox(s.baseURL)
    case .sandbox(let url):
        endpoints = .sandbox(url)
    case .live(let e):
        endpoints = e
    }
    // A test's gateway stands in for the platforms; otherwise the clients, on one HTTP client the app shuts down.
    var images: OutboundHTTP?
    let gateway: PlatformGateway
    if let given = config.platformGateway {
        gateway = given
    } else {
        // Comment images come from addresses in platform answers: checked before the call, and no redirect may
        // take the call anywhere else.
        var imageConfiguration = HTTPClient.Configuration()
        imageConfiguration.redirectConfiguration = .disallow
        let imageClients = OutboundHTTP(proxy: config.proxy, configuration: imageConfiguration)
        images = imageClients
        var logger = app.logger
        logger[metadataKey: "component"] = "platforms"
        let timeout = TimeAmount.milliseconds(Int64(config.publisher.callTimeoutSeconds * 1000))
        gateway = .live(http: app.outbound, endpoints: endpoints, timeout: timeout, logger: logger)
            .withCommentImages(from: imageClients, timeout: timeout)
    }
    let publishing = Publishing(mode: mode, endpoints: endpoints, gateway: gateway, vault: vault, settings: config.publisher, sandbox: sandbox,
                                dataDirectory: config.dataDirectory, ownerTitle: app.koho.policy.ownerRole.title, db: app.db, ctx: app.koho)
    app.storage[PublishingKey.self] = publishing
    publishing.setPublisher(Publisher(app: app, publishing: publishing))
    app.lifecycle.use(PublishingLifecycle(publishing: publishing, images: images))
    do {
        try await ConnectionService.connectSandboxAccounts(app: app)
    } catch {
        try? await images?.shutdown()
        try? await sandbox?.shutdown()
        throw error
    }
}

struct PublishingLifecycle: LifecycleHandler {
    let publishing: Publishing
    let images: OutboundHTTP?

    func shutdownAsync(_ application: Application) async {
        try? await images?.shutdown()
        try? await publishing.sandbox?.shutdown()
    }

    // The sync shutdown (the tests' `app.shutdown()`) must release the same resources.
    func shutdown(_ application: Application) {
        try? images?.syncShutdown()
    }
}

struct OutboundHTTPKey: StorageKey { typealias Value = OutboundHTTP }

extension Application {
    /// The clients for everything fetched from outside, through the configured proxy (`KohoConfig.proxy`).
    var outbound: OutboundHTTP {
        guard let o = storage[OutboundHTTPKey.self] else { fatalError("configure did not run") }
        return o
    }
}

struct OutboundHTTPLifecycle: LifecycleHandler {
    let outbound: OutboundHTTP
    func shutdownAsync(_ application: Application) async { try? await outbound.shutdown() }
    // The sync shutdown (the tests' `app.shutdown()`) must release the same resources.
    func shutdown(_ application: Application) { try? outbound.syncShutdown() }
}
