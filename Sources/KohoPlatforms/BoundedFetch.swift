import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// How long and how much one fetch from outside may take. AsyncHTTPClient's own deadline ends when the headers
/// arrive: a body sent slowly, or never ended, would hold the caller for ever without `whole`.
public struct FetchLimits: Sendable, Equatable {
    /// From the request to the response's headers.
    public var headers: Duration
    /// From the request to the body's last byte, redirects included.
    public var whole: Duration
    public var maxBytes: Int

    public init(headers: Duration = .seconds(15), whole: Duration = .seconds(30), maxBytes: Int) {
        self.headers = headers
        self.whole = whole
        self.maxBytes = maxBytes
    }
}

/// Why a fetch ended without an answer, in the words the dashboard shows.
public enum FetchFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case connect(String)
    case headersTimedOut(Duration)
    case bodyTimedOut(Duration, received: Int)
    case tooLarge(maxBytes: Int)
    case refusedLink(String)
    case tooManyRedirects(Int)

    public var description: String {
        switch self {
        case .connect(let why): return "接続できません（\(why)）"
        case .headersTimedOut(let d): return "\(seconds(d)) 秒以内に応答が始まりませんでした"
        case .bodyTimedOut(let d, let received):
            return "\(seconds(d)) 秒以内に本文が届き終わりませんでした（\(received) バイトで打ち切り）"
        case .tooLarge(let max): return "本文が大きすぎます（上限 \(max >= 1 << 20 ? "\(max >> 20) MB" : "\(max >> 10) KB")）"
        case .refusedLink(let why): return "取得しないリンクです: \(why)"
        case .tooManyRedirects(let n): return "転送が \(n) 回を超えました"
        }
    }
}

private func seconds(_ d: Duration) -> String {
    let (s, atto) = d.components
    return atto == 0 ? "\(s)" : String(format: "%.1f", Double(s) + Double(atto) / 1e18)
}

/// The hosts a source's links may lead to: only `http`/`https`, only these hosts. AsyncHTTPClient also speaks
/// `http+unix` and `unix` (a local socket), which no feed has reason to name.
public struct LinkPolicy: Sendable, Equatable {
    public let hosts: [String]

    public init(hosts: [String]) {
        self.hosts = hosts.map { $0.lowercased() }
    }

    /// The host of `url`, and the `extra` ones configured beside it.
    public init(hostOf url: String, extra: [String] = []) {
        self.init(hosts: (URL(string: url)?.host.map { [$0] } ?? []) + extra)
    }

    /// Nil when the link may be fetched, else why not.
    public func refusal(_ link: String) -> String? {
        guard let u = URL(string: link), let scheme = u.scheme?.lowercased() else { return "URL として読めません" }
        guard scheme == "http" || scheme == "https" else { return "http・https 以外のリンクです（\(String(scheme.prefix(40)))）" }
        guard u.user == nil, u.password == nil else { return "利用者名を含むリンクです" }
        guard let host = u.host?.lowercased(), !host.isEmpty else { return "ホストのないリンクです" }
        guard hosts.contains(host) else {
            return "設定されたホスト（\(hosts.joined(separator: "・"))）以外へのリンクです（\(String(host.prefix(100)))）"
        }
        return nil
    }
}

public enum BoundedFetch {
    public struct Answer: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        public var body: ByteBuffer
        /// The URL that answered, after redirects.
        public var url: String
    }

    public static let maxRedirects = 5

    /// The configuration of clients for fetches from outside: redirects are followed by `fetch`, hop by hop, not by
    /// the client; a connection must be made within 10 s and no read may stall 15 s.
    public static var configuration: HTTPClient.Configuration {
        var c = HTTPClient.Configuration()
        c.redirectConfiguration = .disallow
        c.timeout = .init(connect: .seconds(10), read: .seconds(15))
        return c
    }

    /// A direct client of that configuration. Never shut down: it lives as long as the process.
    public static let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)

    /// `request` and its whole body within `limits`, on `http`.
    public static func fetch(_ request: HTTPClientRequest, limits: FetchLimits, links: LinkPolicy? = nil,
                             using http: HTTPClient = client) async throws -> Answer {
        try await fetch(request, limits: limits, links: links, clients: { _ in http })
    }

    /// `request` and its whole body within `limits`, each hop on `clients(url)` (direct or through a proxy). With
    /// `links`, the request's URL and every redirect's target must pass it (and never go from https to http);
    /// without, a redirect is returned as it came.
    public static func fetch(_ request: HTTPClientRequest, limits: FetchLimits, links: LinkPolicy? = nil,
                             clients: @escaping @Sendable (String) -> HTTPClient) async throws -> Answer {
        if let links, let why = links.refusal(request.url) { throw FetchFailure.refusedLink(why) }
        let received = NIOLockedValueBox(0)
        return try await within(limits.whole, received: received) {
            var current = request
            var hops = 0
            while true {
                let response = try await head(clients(current.url), current, limits: limits)
                if let links, [301, 302, 303, 307, 308].contains(response.status.code),
                   let location = response.headers.first(name: "Location") {
                    guard hops < maxRedirects else { throw FetchFailure.tooManyRedirects(maxRedirects) }
                    hops += 1
                    guard let from = URL(string: current.url), let to = URL(string: location, relativeTo: from)?.absoluteURL else {
                        throw FetchFailure.refusedLink("転送先を読めません")
                    }
                    if let why = links.refusal(to.absoluteString) { throw FetchFailure.refusedLink("転送先: " + why) }
                    if from.scheme?.lowercased() == "https", to.scheme?.lowercased() != "https" {
                        throw FetchFailure.refusedLink("https から http への転送です")
                    }
                    current.url = to.absoluteString
                    continue
                }
                let body = try await collect(response.body, maxBytes: limits.maxBytes, received: received)
                return Answer(status: response.status, headers: response.headers, body: body, url: current.url)
            }
        }
    }

    private static func head(_ http: HTTPClient, _ request: HTTPClientRequest, limits: FetchLimits) async throws -> HTTPClientResponse {
        do {
            return try await http.execute(request, timeout: timeAmount(limits.headers))
        } catch let e as HTTPClientError where e == .deadlineExceeded {
            throw FetchFailure.headersTimedOut(limits.headers)
        } catch let e as HTTPClientError where e == .connectTimeout {
            throw FetchFailure.connect("接続が時間内にできません")
        } catch is CancellationError {
            throw CancellationError()
        } catch let e as FetchFailure {
            throw e
        } catch {
            throw FetchFailure.connect(String(String(describing: error).prefix(200)))
        }
    }

    private static func collect(_ body: HTTPClientResponse.Body, maxBytes: Int, received: NIOLockedValueBox<Int>) async throws -> ByteBuffer {
        var out = ByteBuffer()
        for try await chunk in body {
            guard chunk.readableBytes <= maxBytes - out.readableBytes else { throw FetchFailure.tooLarge(maxBytes: maxBytes) }
            var chunk = chunk
            out.writeBuffer(&chunk)
            let n = out.readableBytes
            received.withLockedValue { $0 = n }
        }
        return out
    }

    /// `work` raced against `limit`: past it, `work` is cancelled (AsyncHTTPClient then closes the connection).
    static func within<T: Sendable>(_ limit: Duration, received: NIOLockedValueBox<Int>,
                                    _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw FetchFailure.bodyTimedOut(limit, received: received.withLockedValue { $0 })
            }
            return value
        }
    }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        let (s, atto) = d.components
        return .nanoseconds(min(s, 86_400 * 365) * 1_000_000_000 + atto / 1_000_000_000)
    }
}
