import KohoSandbox
import KohoServer

extension EmbeddedSandbox {
    /// KohoSandbox's stand-in for the three platforms, started in this process by `koho serve` (no credentials set).
    package static let inProcess = EmbeddedSandbox { host, port in
        let sandbox = try await PlatformSandbox()
        do {
            _ = try await sandbox.start(host: host, port: port)
        } catch {
            try? await sandbox.shutdown()
            throw error
        }
        return Running(baseURL: sandbox.baseURL, stop: { try? await sandbox.shutdown() })
    }
}
