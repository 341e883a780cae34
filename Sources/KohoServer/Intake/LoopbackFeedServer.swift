import Crypto
import Foundation
import KohoCore
import NIOConcurrencyHelpers
import Vapor

/// A feed server on loopback, for tests and `koho bench intake`: serves documents set in memory, answers
/// `If-None-Match` and `If-Modified-Since` with 304 where the document has not changed (or plain 200 when
/// `validators` is off), and can be taken down (503) or made to answer garbage.
final class LoopbackFeedServer: Sendable {
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
    let validators: Bool

    init(validators: Bool = true) async throws {
        var logger = Logger(label: "koho.loopback-feeds")
        logger.logLevel = .warning
        app = try await Application.make(Environment(name: "feeds", arguments: ["feeds"]), .singleton, logger: logger)
        self.validators = validators
        app.middleware = Middlewares()
        app.get("**", use: { [self] req in self.answer(req) })
    }

    func start() async throws -> String {
        try await app.asyncBoot()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        return "http://127.0.0.1:\(port)"
    }

    func shutdown() async throws {
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

    func clearRequests() { requests.withLockedValue { $0 = [] } }

    func setDown(_ isDown: Bool) { down.withLockedValue { $0 = isDown } }

    /// The requests served for `path`, and whether each carried a validator.
    func requests(for path: String) -> [Bool] { requests.withLockedValue { $0.filter { $0.path == path }.map(\.conditional) } }

    private func answer(_ req: Request) -> Response {
        let path = req.url.path
        let conditional = req.headers.first(name: "If-None-Match") != nil || req.headers.first(name: "If-Modified-Since") != nil
        requests.withLockedValue { $0.append((path, conditional)) }
        if down.withLockedValue({ $0 }) { return Response(status: .serviceUnavailable) }
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
        return Response(status: .ok, headers: headers, body: .init(data: doc.body))
    }
}
