import Foundation
import NIOCore
import Vapor

/// One HTTP exchange with the sandbox as it went over the wire: what Koho sent and what the sandbox answered.
public struct SandboxCall: Sendable {
    public var method: String
    /// The path as sent, percent-encoded, without the query.
    public var path: String
    /// The raw query string (no leading `?`), or nil.
    public var query: String?
    public var requestHeaders: [(String, String)]
    public var requestBody: Data
    public var status: Int
    public var responseHeaders: [(String, String)]
    public var responseBody: Data

    public init(method: String, path: String, query: String?, requestHeaders: [(String, String)], requestBody: Data,
                status: Int, responseHeaders: [(String, String)], responseBody: Data) {
        self.method = method
        self.path = path
        self.query = query
        self.requestHeaders = requestHeaders
        self.requestBody = requestBody
        self.status = status
        self.responseHeaders = responseHeaders
        self.responseBody = responseBody
    }

    public func requestHeader(_ name: String) -> String? {
        requestHeaders.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    public func responseHeader(_ name: String) -> String? {
        responseHeaders.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    public var summary: String { "\(method) \(path)\(query.map { "?" + $0 } ?? "") → \(status)" }
}

/// Every call the sandbox received since recording began, in order: what a contract test holds against the
/// platforms' own API descriptions.
public actor SandboxCallLog {
    public private(set) var calls: [SandboxCall] = []

    public init() {}

    func append(_ call: SandboxCall) { calls.append(call) }

    public func clear() { calls.removeAll() }
}

extension PlatformSandbox {
    /// Starts recording every request and answer into a new log. Call before `start`: the sandbox builds its chain
    /// of middleware when it starts serving.
    public func recordCalls() -> SandboxCallLog {
        let log = SandboxCallLog()
        app.middleware.use(SandboxRecordingMiddleware(log: log), at: .beginning)
        return log
    }
}

/// Records each exchange. Bodies are collected here (up to the sandbox's own limit), which the routes then read as usual.
struct SandboxRecordingMiddleware: AsyncMiddleware {
    let log: SandboxCallLog
    static let maxRecordedBody = 512 << 20

    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        var body = Data()
        if request.method != .GET, request.method != .HEAD,
           let buffer = try await request.body.collect(max: Self.maxRecordedBody).get() {
            body = Data(buffer.readableBytesView)
        }
        let response = try await next.respond(to: request)
        let answer: Data = response.body.buffer.map { Data($0.readableBytesView) } ?? response.body.data ?? Data()
        await log.append(SandboxCall(
            method: request.method.rawValue, path: request.url.path, query: request.url.query,
            requestHeaders: request.headers.map { ($0.name, $0.value) }, requestBody: body,
            status: Int(response.status.code), responseHeaders: response.headers.map { ($0.name, $0.value) },
            responseBody: answer))
        return response
    }
}
