import FluentSQLiteDriver
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// What GET requests read, kept until anything in the database changes.
///
/// The marker is SQLite's `PRAGMA data_version`, read on a connection of its own that never writes: it changes
/// whenever another connection commits, whether one of this server's pool or another server (or a `koho` command) on
/// the same file. A request reads the marker once, before its first cached query, and what it computes is kept under
/// that marker, so a kept answer is never older than its marker: a commit in between makes it newer, and the next
/// request reads a new marker and computes again. On PostgreSQL there is no marker and nothing is kept.
/// Kept values are shared by requests and only read.
final class ReadCache: Sendable {
    typealias Computation = Task<any Sendable, any Error>
    private let connection: SQLiteConnection?
    private let state = NIOLockedValueBox<(marker: Int64, entries: [String: Computation])>((-1, [:]))
    /// Bounded so that arbitrary query strings cannot grow it; past the bound it starts again.
    static let maxEntries = 256

    init(connection: SQLiteConnection?) {
        self.connection = connection
    }

    /// Opens the marker's connection on an SQLite file; nil for another database.
    static func open(_ app: Application, sqliteFile: String?) async throws -> ReadCache {
        guard let sqliteFile else { return ReadCache(connection: nil) }
        let c = try await SQLiteConnection.open(storage: .file(path: sqliteFile), threadPool: app.threadPool, logger: app.logger,
                                                on: app.eventLoopGroup.any())
        return ReadCache(connection: c)
    }

    func close() async {
        try? await connection?.close()
    }

    func closeNow() {
        try? connection?.close().wait()
    }

    func marker() async throws -> Int64? {
        guard let connection else { return nil }
        return try await connection.query("PRAGMA data_version").first?.column("data_version")?.integer.map(Int64.init)
    }

    /// The computation kept for `key` under `marker`, or `start`'s, kept. Requests that miss at the same moment wait
    /// for one computation instead of each making their own.
    func computation(_ key: String, at marker: Int64, start: () -> Computation) -> Computation {
        state.withLockedValue { s in
            if s.marker == marker, let kept = s.entries[key] { return kept }
            let new = start()
            // Under an older marker than the newest seen, it is used once and not kept: it may be older than what is kept.
            if marker < s.marker { return new }
            if marker > s.marker || s.entries.count >= Self.maxEntries { s = (marker, [:]) }
            s.entries[key] = new
            return new
        }
    }

    /// A computation that failed is not kept.
    func forget(_ key: String, at marker: Int64) {
        state.withLockedValue { s in if s.marker == marker { s.entries[key] = nil } }
    }
}

struct ReadCacheKey: StorageKey { typealias Value = ReadCache }

struct ReadCacheLifecycle: LifecycleHandler {
    let cache: ReadCache
    func shutdownAsync(_ application: Application) async { await cache.close() }
    func shutdown(_ application: Application) { cache.closeNow() }
}

private struct RequestMarker: StorageKey { typealias Value = Int64? }

extension Application {
    var readCache: ReadCache? { storage[ReadCacheKey.self] }
}

extension Request {
    /// The marker this request's cached reads go by, read once; nil when nothing may be cached (not a GET, or not SQLite).
    func readMarker() async throws -> Int64? {
        guard method == .GET || method == .HEAD, let cache = application.readCache else { return nil }
        if let m = storage[RequestMarker.self] { return m }
        let m = try await cache.marker()
        storage[RequestMarker.self] = .some(m)
        return m
    }

    /// `compute`'s value, kept while the database is unchanged; `key` must name everything else the value depends on.
    func cached<T: Sendable>(_ key: String, _ compute: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let marker = try await readMarker(), let cache = application.readCache else { return try await compute() }
        let computation = cache.computation(key, at: marker) { Task { try await compute() as any Sendable } }
        do {
            guard let value = try await computation.value as? T else { throw Abort(.internalServerError) }
            return value
        } catch {
            cache.forget(key, at: marker)
            throw error
        }
    }
}

/// A response kept as bytes and the headers its handler set.
struct CachedResponse: Sendable {
    let status: HTTPResponseStatus
    let headers: HTTPHeaders
    let body: ByteBuffer

    init(_ res: Response) {
        status = res.status
        headers = res.headers
        body = res.body.buffer ?? ByteBuffer()
    }

    var response: Response { Response(status: status, headers: headers, body: .init(buffer: body)) }
}
