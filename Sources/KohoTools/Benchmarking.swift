import KohoServer
import KohoSandbox
import Vapor

/// What the `koho bench` measurements of the server share.
enum Benchmarking {
    /// The value at fraction `p` (0…1) of `values` in order, the nearest rank; 0 when there are none.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    /// The CPU time the whole process has used so far (user and system, every thread), in seconds: on a machine
    /// shared with other work, what a measurement costs steadies where its wall time does not.
    static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}

/// A benchmark's app on its own sandbox, both shut down however the measurement ends.
func withBenchmarkApp<T>(_ config: KohoConfig, sandbox: PlatformSandbox, _ measure: (Application) async throws -> T) async throws -> T {
    let app = try await makeApp(config)
    do {
        let result = try await measure(app)
        try await app.asyncShutdown()
        try await sandbox.shutdown()
        return result
    } catch {
        try? await app.asyncShutdown()
        try? await sandbox.shutdown()
        throw error
    }
}
