import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// The proxy a city's servers reach the internet through, as the usual environment variables give it:
/// `HTTPS_PROXY` for `https://` URLs, `HTTP_PROXY` for `http://` ones (`ALL_PROXY` for both when those are unset,
/// lower-case names too), and `NO_PROXY`: hosts reached directly (`host`, `.domain` or `*.domain` for a domain and
/// its hosts, `host:port`, an IP address, or `*` for every host).
public struct OutboundProxy: Sendable, Equatable {
    public struct Server: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var user: String?
        public var password: String?

        public init(host: String, port: Int, user: String? = nil, password: String? = nil) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
        }

        /// Never shows the password: the proxy's address may be logged.
        public var description: String { "\(host):\(port)" + (user == nil ? "" : "（認証あり）") }

        var configuration: HTTPClient.Configuration.Proxy {
            .server(host: host, port: port, authorization: user.map { .basic(username: $0, password: password ?? "") })
        }
    }

    public var http: Server?
    public var https: Server?
    public var noProxy: [String]

    public init(http: Server? = nil, https: Server? = nil, noProxy: [String] = []) {
        self.http = http
        self.https = https
        self.noProxy = noProxy
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the variables; a value that is not a proxy URL is refused with its name (the password left out).
    public init(environment env: [String: String]) throws {
        func value(_ name: String) -> String? {
            let v = env[name] ?? env[name.lowercased()]
            return v.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        }
        let all = try value("ALL_PROXY").map { try Self.server($0, variable: "ALL_PROXY") }
        self.init(http: try value("HTTP_PROXY").map { try Self.server($0, variable: "HTTP_PROXY") } ?? all,
                  https: try value("HTTPS_PROXY").map { try Self.server($0, variable: "HTTPS_PROXY") } ?? all,
                  noProxy: (value("NO_PROXY") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                      .filter { !$0.isEmpty })
    }

    /// The environment's variables over the settings file's (given as the variables it stands for): a variable that
    /// is set wins, one by one, so that an operator can still change the city's file for one run.
    public init(environment env: [String: String], settings: [String: String]) throws {
        var merged = settings
        for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"] {
            if let v = env[name] ?? env[name.lowercased()], !v.trimmingCharacters(in: .whitespaces).isEmpty { merged[name] = v }
        }
        try self.init(environment: merged)
    }

    static func server(_ raw: String, variable: String) throws -> Server {
        let withScheme = raw.contains("://") ? raw : "http://" + raw
        guard let c = URLComponents(string: withScheme), let host = c.host, !host.isEmpty else {
            throw Invalid(description: "\(variable) をプロキシの URL（http://host:port）として読めません")
        }
        guard c.scheme?.lowercased() == "http" else {
            throw Invalid(description: "\(variable) のプロキシは http:// で指定してください（HTTPS の通信もそのプロキシを CONNECT で通ります）")
        }
        let port = c.port ?? 80
        guard (1...65535).contains(port) else { throw Invalid(description: "\(variable) のポートが正しくありません") }
        return Server(host: host, port: port, user: c.user?.removingPercentEncoding, password: c.password?.removingPercentEncoding)
    }

    /// The proxy for `url`, or nil when it is reached directly.
    public func server(for url: String) -> Server? {
        guard let c = URLComponents(string: url), let host = c.host?.lowercased() else { return nil }
        let scheme = c.scheme?.lowercased()
        guard let server = scheme == "https" ? https : scheme == "http" ? http : nil else { return nil }
        let port = c.port ?? (scheme == "https" ? 443 : 80)
        return bypasses(host: host, port: port) ? nil : server
    }

    public func bypasses(host rawHost: String, port: Int) -> Bool {
        let host = rawHost.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        for entry in noProxy {
            if entry == "*" { return true }
            var pattern = entry
            var wantPort: Int?
            // `host:port`, but not an IPv6 address's colons.
            if let colon = pattern.lastIndex(of: ":"), !pattern.hasPrefix("["), pattern.filter({ $0 == ":" }).count == 1,
               let p = Int(pattern[pattern.index(after: colon)...]) {
                wantPort = p
                pattern = String(pattern[..<colon])
            }
            pattern = pattern.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            if let wantPort, wantPort != port { continue }
            if pattern.hasPrefix("*.") { pattern.removeFirst() }
            if pattern.hasPrefix(".") {
                if host.hasSuffix(pattern) || host == String(pattern.dropFirst()) { return true }
            } else if host == pattern || host.hasSuffix("." + pattern) {
                return true
            }
        }
        return false
    }
}

/// Koho's HTTP clients for everything it fetches from outside (the platforms, the city's feeds, the agency): one
/// direct, and one per proxy, each URL on the right one. Shut down once, with the app.
public final class OutboundHTTP: Sendable {
    public let proxy: OutboundProxy
    public let direct: HTTPClient
    private let proxied: [OutboundProxy.Server: HTTPClient]

    public init(proxy: OutboundProxy, configuration: HTTPClient.Configuration = .init()) {
        self.proxy = proxy
        direct = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        var clients: [OutboundProxy.Server: HTTPClient] = [:]
        for server in Set([proxy.http, proxy.https].compactMap { $0 }) {
            var c = configuration
            c.proxy = server.configuration
            clients[server] = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: c)
        }
        proxied = clients
    }

    /// The client that reaches `url`: through its proxy, unless `NO_PROXY` names its host.
    public func client(for url: String) -> HTTPClient {
        proxy.server(for: url).flatMap { proxied[$0] } ?? direct
    }

    public func shutdown() async throws {
        for c in proxied.values { try await c.shutdown() }
        try await direct.shutdown()
    }

    public func syncShutdown() throws {
        for c in proxied.values { try c.syncShutdown() }
        try direct.syncShutdown()
    }
}
