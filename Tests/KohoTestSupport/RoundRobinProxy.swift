import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Vapor

/// A reverse proxy on 127.0.0.1, as nginx's `upstream` in front of several Koho servers: each request goes to the
/// next backend in turn, with the client's address added to `X-Forwarded-For`. A request that could not reach a
/// backend (refused, closed) is tried on the next one only when it is a GET or HEAD (nginx's `proxy_next_upstream`
/// leaves other methods alone, since they may have been carried out). It counts what it forwarded, by method and
/// path, so that a test in front of a sandbox can count platform calls.
public final class RoundRobinProxy: Sendable {
    private let app: Application
    private let http: HTTPClient
    private let state: NIOLockedValueBox<State>
    public let baseURL: String

    struct State {
        var backends: [String]
        var next = 0
        var counts: [String: Int] = [:]
        var byBackend: [String: Int] = [:]
    }

    private init(app: Application, http: HTTPClient, state: NIOLockedValueBox<State>, baseURL: String) {
        self.app = app
        self.http = http
        self.state = state
        self.baseURL = baseURL
    }

    public static func start(backends: [String]) async throws -> RoundRobinProxy {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .critical
        app.routes.defaultMaxBodySize = "600mb"
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        let state = NIOLockedValueBox(State(backends: backends))
        for method in [HTTPMethod.GET, .POST, .PUT, .PATCH, .DELETE, .HEAD, .OPTIONS] {
            app.on(method, "**", body: .collect(maxSize: "600mb")) { req async throws -> Response in
                try await forward(req, http: http, state: state)
            }
        }
        try await app.asyncBoot()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = app.http.server.shared.localAddress?.port ?? 0
        return RoundRobinProxy(app: app, http: http, state: state, baseURL: "http://127.0.0.1:\(port)")
    }

    /// Takes a backend out of the rotation (a server being stopped) or puts the list back.
    public func setBackends(_ backends: [String]) { state.withLockedValue { $0.backends = backends } }

    /// How many requests were forwarded whose "METHOD /path" (without the query) satisfies `match`.
    public func count(_ match: (String) -> Bool) -> Int {
        state.withLockedValue { $0.counts.filter { match($0.key) }.values.reduce(0, +) }
    }

    /// How many requests each backend answered.
    public var answeredBy: [String: Int] { state.withLockedValue { $0.byBackend } }

    public func resetCounts() { state.withLockedValue { $0.counts = [:]; $0.byBackend = [:] } }

    public func shutdown() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
        try await http.shutdown()
    }

    private static func forward(_ req: Request, http: HTTPClient, state: NIOLockedValueBox<State>) async throws -> Response {
        let key = "\(req.method.rawValue) \(req.url.path)"
        let retriable = req.method == .GET || req.method == .HEAD
        var tries = 0
        while true {
            let backend = state.withLockedValue { s -> String? in
                guard !s.backends.isEmpty else { return nil }
                defer { s.next &+= 1 }
                return s.backends[s.next % s.backends.count]
            }
            guard let backend else { return Response(status: .badGateway) }
            var out = HTTPClientRequest(url: backend + req.url.string)
            out.method = req.method
            for (name, value) in req.headers where !["host", "content-length", "transfer-encoding", "connection"].contains(name.lowercased()) {
                out.headers.add(name: name, value: value)
            }
            let client = req.remoteAddress?.ipAddress ?? "127.0.0.1"
            if let earlier = req.headers.first(name: "X-Forwarded-For") {
                out.headers.replaceOrAdd(name: "X-Forwarded-For", value: earlier + ", " + client)
            } else {
                out.headers.replaceOrAdd(name: "X-Forwarded-For", value: client)
            }
            if let body = req.body.data { out.body = .bytes(body) }
            do {
                let answer = try await http.execute(out, timeout: .seconds(60))
                let body = try await answer.body.collect(upTo: 600 * 1024 * 1024)
                state.withLockedValue { s in
                    s.counts[key, default: 0] += 1
                    s.byBackend[backend, default: 0] += 1
                }
                var headers = HTTPHeaders()
                for (name, value) in answer.headers where !["content-length", "transfer-encoding", "connection"].contains(name.lowercased()) {
                    headers.add(name: name, value: value)
                }
                return Response(status: answer.status, headers: headers, body: .init(buffer: body))
            } catch {
                tries += 1
                let count = state.withLockedValue { $0.backends.count }
                if retriable, tries < max(2, count) { continue }
                return Response(status: .badGateway)
            }
        }
    }
}
