import AsyncHTTPClient
import Fluent
import Foundation
import KohoCore
import KohoPlatforms
import NIOCore
import Vapor

struct WorkersKey: StorageKey { typealias Value = Workers }

extension Application {
    package var workers: Workers? { storage[WorkersKey.self] }
}

extension Application {
    var publishing: Publishing? { koho.platforms }
}

/// Called by `configure` when the config names platforms: starts a sandbox if asked and builds the clients, tied to
/// the app's shutdown. The caller puts the result into the context and builds the workers on it.
func configurePublishing(_ app: Application, _ ctx: KohoContext, _ mode: PlatformMode) async throws -> Publishing {
    let config = ctx.config, vault = ctx.vault
    var sandbox: EmbeddedSandbox.Running?
    let endpoints: PlatformEndpoints
    switch mode {
    case .embeddedSandbox:
        guard let embedded = config.embeddedSandbox else {
            throw CLIInputError("この koho には内蔵のサンドボックスがありません。--sandbox-url で別に起動したサンドボックス（koho sandbox）を指定してください")
        }
        // A fixed port, so that its address stays the same from one start to the next; another Koho on the machine
        // holding it leaves this one on any free port (the start line names it).
        let s: EmbeddedSandbox.Running
        do { s = try await embedded.start("127.0.0.1", config.embeddedSandboxPort) } catch {
            s = try await embedded.start("127.0.0.1", 0)
        }
        sandbox = s
        endpoints = .sandbox(s.baseURL)
    case .sandbox(let url):
        endpoints = .sandbox(url)
    case .live(let e):
        endpoints = e
    }
    // A test's gateway stands in for the platforms; otherwise the clients, on one HTTP client the app shuts down.
    let gateway: PlatformGateway
    if let given = config.platformGateway {
        gateway = given
    } else {
        var logger = app.logger
        logger[metadataKey: "component"] = "platforms"
        let timeout = TimeAmount.milliseconds(Int64(config.publisher.callTimeoutSeconds * 1000))
        gateway = .live(http: ctx.outbound, endpoints: endpoints, timeout: timeout, logger: logger)
            // Comment images come from addresses in platform answers: checked before the call, and no redirect may
            // take the call anywhere else.
            .withCommentImages(from: ctx.fetches, timeout: timeout)
    }
    let publishing = Publishing(mode: mode, endpoints: endpoints, gateway: gateway, vault: vault, settings: config.publisher,
                                ownerTitle: ctx.policy.ownerRole.title, db: ctx.db, ctx: ctx)
    app.lifecycle.use(PublishingLifecycle(sandbox: sandbox))
    return publishing
}

struct PublishingLifecycle: LifecycleHandler {
    let sandbox: EmbeddedSandbox.Running?

    func shutdownAsync(_ application: Application) async {
        await sandbox?.stop()
    }
}
