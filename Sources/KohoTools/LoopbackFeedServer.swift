import Crypto
import Foundation
import KohoServer
import KohoCore
import NIOConcurrencyHelpers
import Vapor

/// A feed server on loopback, for tests and `koho bench intake`: serves documents set in memory, answers
/// `If-None-Match` and `If-Modified-Since` with 304 where the document has not changed (or plain 200 when
/// `validators` is off), and can be taken down (503) or made to answer garbage, slowly, never to the end, or with a
/// redirect.
final class LoopbackFeedServer: Sendable {
    /// How a document's body is sent after its headers.
    enum Pace: Sendable {
        case whole
        /// `bytes` at a time, one piece every `every`.
        case dribble(bytes: Int, every: Duration)
        /// The first `bytes`, then nothing, the connection held open (until the server stops).
        case stall(after: Int)
    }

    struct Document: Sendable {
        var body: Data
        var contentType: String
        var etag: String
        var modified: Date
    }

    let app: Application
    private let documents = NIOLockedValueBox<[String: Document]>([:])
    private let down = NIOLockedValueBox(false)
    private let requests = NIOLockedValueBox<[(path: String, conditional: Bool)]>([])
    private let paces = NIOLockedValueBox<[String: Pace]>([:])
    private let redirects = NIOLockedValueBox<[String: String]>([:])
    private let stopping = NIOLockedValueBox(false)
    let validators: Bool

    init(validators: Bool = true) async throws {
        var logger = Logger(label: "koho.loopback-feeds")
        logger.logLevel = .warning
        app = try await Application.make(Environment(name: "feeds", arguments: ["feeds"]), .singleton, logger: logger)
        self.validators = validators
        app.middleware = Middlewares()
        app.get("**", use: { [self] req in self.answer(req) })
        // For a platform's answers to POST (a test of the platform clients): the same documents.
        app.on(.POST, "**", body: .collect(maxSize: "16mb"), use: { [self] req in self.answer(req) })
    }

    func start() async throws -> String {
        try await app.asyncBoot()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        return "http://127.0.0.1:\(port)"
    }

    /// On a local UNIX socket instead (a test that no feed link reaches one).
    func startOnSocket(_ path: String) async throws {
        try await app.asyncBoot()
        try await app.server.start(address: .unixDomainSocket(path: path))
    }

    func shutdown() async throws {
        stopping.withLockedValue { $0 = true }
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    private static let httpDate: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f
    }()

    func set(_ path: String, _ body: String, contentType: String = "application/xml", modified: Date = Date()) {
        set(path, Data(body.utf8), contentType: contentType, modified: modified)
    }

    func set(_ path: String, _ body: Data, contentType: String = "application/xml", modified: Date = Date()) {
        // From the whole body: `Data.hashValue` reads only its first bytes, so two feeds of one length could share a tag.
        let tag = "\"" + SHA256.hash(data: body).prefix(12).lowercaseHex + "\""
        documents.withLockedValue { $0[path] = Document(body: body, contentType: contentType, etag: tag, modified: modified) }
    }

    func setPace(_ path: String, _ pace: Pace) { paces.withLockedValue { $0[path] = pace } }

    /// `path` answers 302 with `Location: location`.
    func redirect(_ path: String, to location: String) { redirects.withLockedValue { $0[path] = location } }

    func clearRequests() { requests.withLockedValue { $0 = [] } }

    func setDown(_ isDown: Bool) { down.withLockedValue { $0 = isDown } }

    /// The requests served for `path`, and whether each carried a validator.
    func requests(for path: String) -> [Bool] { requests.withLockedValue { $0.filter { $0.path == path }.map(\.conditional) } }

    private func answer(_ req: Request) -> Response {
        let path = req.url.path
        let conditional = req.headers.first(name: "If-None-Match") != nil || req.headers.first(name: "If-Modified-Since") != nil
        requests.withLockedValue { $0.append((path, conditional)) }
        if down.withLockedValue({ $0 }) { return Response(status: .serviceUnavailable) }
        if let location = redirects.withLockedValue({ $0[path] }) {
            return Response(status: .found, headers: ["Location": location])
        }
        guard let doc = documents.withLockedValue({ $0[path] }) else { return Response(status: .notFound) }
        var headers = HTTPHeaders()
        if validators {
            let modified = Self.httpDate.string(from: doc.modified)
            headers.add(name: "ETag", value: doc.etag)
            headers.add(name: "Last-Modified", value: modified)
            if let tags = req.headers.first(name: "If-None-Match") {
                if tags.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }).contains(doc.etag) {
                    return Response(status: .notModified, headers: headers)
                }
            } else if let since = req.headers.first(name: "If-Modified-Since"), let d = Self.httpDate.date(from: since),
                      Int(doc.modified.timeIntervalSince1970) <= Int(d.timeIntervalSince1970) {
                return Response(status: .notModified, headers: headers)
            }
        }
        headers.add(name: .contentType, value: doc.contentType)
        let pace = paces.withLockedValue { $0[path] } ?? .whole
        guard case .whole = pace else {
            let body = doc.body, stopping = self.stopping
            return Response(status: .ok, headers: headers, body: .init(managedAsyncStream: { writer in
                var sent = 0
                switch pace {
                case .whole: break
                case .dribble(let n, let every):
                    while sent < body.count, !stopping.withLockedValue({ $0 }) {
                        let piece = body[body.startIndex + sent ..< body.startIndex + min(sent + n, body.count)]
                        try await writer.write(.buffer(ByteBuffer(bytes: piece)))
                        sent += piece.count
                        try await Task.sleep(for: every)
                    }
                case .stall(let n):
                    try await writer.write(.buffer(ByteBuffer(bytes: body.prefix(n))))
                    let t0 = ContinuousClock.now
                    while !stopping.withLockedValue({ $0 }), ContinuousClock.now - t0 < .seconds(120) {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
            }))
        }
        return Response(status: .ok, headers: headers, body: .init(data: doc.body))
    }
}
