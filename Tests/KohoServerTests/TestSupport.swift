import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

final class TestClock: @unchecked Sendable {
    private let lock = NIOLock()
    private var value: Date
    init(_ d: Date) { value = d }
    var now: Date {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
    func advance(_ t: TimeInterval) { now = now.addingTimeInterval(t) }
}

func jst(_ s: String) -> Date { JapaneseTime.parseISO8601(s + ":00+09:00")! }

/// Each test gets the real configuration on a fresh database: SQLite in a temporary folder, or the
/// PostgreSQL of `DATABASE_URL` with every migration reverted first.
class KohoTestCase: XCTestCase {
    var app: Application!
    var clock: TestClock!
    var dir: URL!
    let password = "correct horse battery"

    var startTime: Date { jst("2026-11-25T10:00") }

    override func setUp() async throws {
        clock = TestClock(startTime)
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("koho-test-\(UUID().uuidString)")
        let c = clock!
        var config = KohoConfig(dataDirectory: dir, clock: { c.now }, bcryptCost: 4, loginDelayPerFailure: .zero,
                                environment: .testing)
        config.resetDatabase = config.databaseURL != nil
        // The tests' files are made up; a test that wants ffprobe or ffmpeg asks for them.
        config.mediaTools = .none
        adjust(&config)
        app = try await makeApp(config)
    }

    /// A test case's own settings on top of the shared ones.
    func adjust(_ config: inout KohoConfig) {}

    override func tearDown() async throws {
        if let app, app.http.server.shared.localAddress != nil { await app.server.shutdown() }
        try await app?.asyncShutdown()
        app = nil
        try? FileManager.default.removeItem(at: dir)
    }

    @discardableResult
    func addUser(_ name: String, _ role: UserRole, accounts: [String] = []) async throws -> User {
        try await Setup.createUser(on: app.db, ctx: app.koho, name: name, password: password, role: role, accounts: accounts, actor: "test", reason: "")
    }

    func token(_ name: String) async throws -> String { try await Setup.createToken(app.koho, userName: name, tokenName: "test") }

    /// Chief `kacho`, staff `tanaka` for the city X account, staff `sato` for Facebook, viewer `kansa`.
    func addStandardUsers() async throws -> (chief: String, staff: String, fbStaff: String, viewer: String) {
        try await addUser("kacho", .chief)
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo", "hisyo_kodaira_tokyo"])
        try await addUser("sato", .staff, accounts: ["koho.kodairacity"])
        try await addUser("kansa", .viewer)
        return (try await token("kacho"), try await token("tanaka"), try await token("sato"), try await token("kansa"))
    }

    struct APIResult {
        let status: HTTPStatus
        let json: [String: Any]
        let body: String
        var violations: [[String: Any]] { json["violations"] as? [[String: Any]] ?? [] }
        var rules: [String] { violations.compactMap { $0["rule"] as? String } }
    }

    @discardableResult
    func api(_ method: HTTPMethod, _ path: String, token: String?, json: String? = nil, headers extra: HTTPHeaders = [:]) async throws -> APIResult {
        let res = try await app.testable().sendRequest(method, "/api/v1" + path, beforeRequest: { (req: inout XCTHTTPRequest) async throws in
            if let token { req.headers.bearerAuthorization = BearerAuthorization(token: token) }
            for (k, v) in extra { req.headers.replaceOrAdd(name: k, value: v) }
            if let json {
                req.headers.contentType = .json
                req.body = ByteBuffer(string: json)
            }
        })
        let body = res.body.string
        let obj = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        return APIResult(status: res.status, json: obj, body: body)
    }

    static func box(_ type: String, _ body: Data) -> Data {
        let n = 8 + body.count
        return Data([UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]) + Data(type.utf8) + body
    }

    /// A well-formed MP4: `ftyp`, `moov` with its header, and `mdat` of `payload` bytes.
    static func minimalMP4(payload: Int = 4096, fill: UInt8 = 7) -> Data {
        box("ftyp", Data("mp42".utf8) + Data(count: 4) + Data("mp42isom".utf8)) + box("moov", box("mvhd", Data(count: 100)))
            + box("mdat", Data(repeating: fill, count: payload))
    }

    static let sampleVideo = minimalMP4()

    /// A 1×1 PNG.
    static let sampleImage = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A,
                                   0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
                                   0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B, 0x55,
                                   0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
                                   0x48, 0xAF, 0xA4, 0x71, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])

    /// `PUT /api/v1/posts/{id}/media` with the file as the body.
    @discardableResult
    func attachMedia(_ token: String, _ id: String, version: Int?, data: Data = sampleVideo) async throws -> APIResult {
        let res = try await app.testable().sendRequest(.PUT, "/api/v1/posts/\(id)/media", beforeRequest: { (req: inout XCTHTTPRequest) async throws in
            req.headers.bearerAuthorization = BearerAuthorization(token: token)
            if let version { req.headers.replaceOrAdd(name: .ifMatch, value: "\"\(version)\"") }
            req.headers.contentType = HTTPMediaType(type: "video", subType: "mp4")
            req.body = ByteBuffer(data: data)
        })
        let body = res.body.string
        let obj = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        return APIResult(status: res.status, json: obj, body: body)
    }

    func createPost(_ token: String, _ fields: String) async throws -> APIResult {
        try await api(.POST, "/posts", token: token, json: fields)
    }

    func postID(_ r: APIResult) -> String { r.json["id"] as? String ?? "" }

    /// `POST /api/v1/notices/{id}/publish` with `If-Match` naming the notice's current version, as a chief who
    /// has just read it would send.
    @discardableResult
    func publishNotice(_ id: String, token: String?) async throws -> APIResult {
        let version = (try? await Notice.find(UUID(uuidString: id), on: app.db))??.lockVersion ?? 1
        return try await api(.POST, "/notices/\(id)/publish", token: token, headers: ["If-Match": "\"\(version)\""])
    }
}

/// What a page request answered, in memory or over a real connection.
struct WebResponse {
    let status: HTTPStatus
    let headers: HTTPHeaders
    let body: ByteBuffer
}

/// A browser: keeps the session cookie and reads the CSRF token from the last page.
final class WebClient {
    let app: Application
    /// Nil: requests go to the app in memory. Set (`startLive`): over a real HTTP connection to the running app,
    /// where a body larger than the first packet arrives after the head, as from a browser.
    var liveBaseURL: String?
    var cookie: String?
    var csrf: String?
    var lastBody = ""

    /// Sent with every request (an `X-Forwarded-For` standing for the client's address).
    var extraHeaders = HTTPHeaders()

    init(_ app: Application, from address: String? = nil) {
        self.app = app
        if let address { extraHeaders.add(name: .xForwardedFor, value: address) }
    }

    /// Starts the app's HTTP server on a free loopback port (once per app; stopped when the app shuts down).
    static func startLive(_ app: Application) async throws -> String {
        if let port = app.http.server.shared.localAddress?.port { return "http://127.0.0.1:\(port)" }
        try await app.asyncBoot()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else { throw SocketError(what: "no port") }
        return "http://127.0.0.1:\(port)"
    }

    private func send(_ method: HTTPMethod, _ path: String, contentType: String? = nil, body: ByteBuffer? = nil) async throws -> WebResponse {
        var headers = extraHeaders
        if let c = cookie { headers.replaceOrAdd(name: .cookie, value: "koho_session=\(c)") }
        if let contentType { headers.replaceOrAdd(name: .contentType, value: contentType) }
        let res: WebResponse
        if let base = liveBaseURL {
            // Redirects are not followed, as in the in-memory tests: the test sees the 303 and its cookie.
            let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                                    configuration: .init(redirectConfiguration: .disallow))
            do {
                var request = HTTPClientRequest(url: base + path)
                request.method = method
                request.headers = headers
                if let body { request.body = .bytes(body) }
                let answer = try await client.execute(request, timeout: .seconds(30))
                let bytes = try await answer.body.collect(upTo: 16 * 1024 * 1024)
                res = WebResponse(status: answer.status, headers: answer.headers, body: bytes)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        } else {
            let answer = try await app.testable().sendRequest(method, path, headers: headers, body: body)
            res = WebResponse(status: answer.status, headers: answer.headers, body: answer.body)
        }
        take(res)
        return res
    }

    @discardableResult
    func get(_ path: String) async throws -> WebResponse {
        try await send(.GET, path)
    }

    @discardableResult
    func post(_ path: String, _ form: [String: String], withCSRF: Bool = true) async throws -> WebResponse {
        var fields = form
        if withCSRF, let csrf { fields["csrf"] = csrf }
        let body = fields.map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }.joined(separator: "&")
        return try await send(.POST, path, contentType: "application/x-www-form-urlencoded; charset=utf-8", body: ByteBuffer(string: body))
    }

    /// A form with repeated names (`ids[]` of checked boxes), in order.
    @discardableResult
    func post(_ path: String, pairs: [(String, String)], withCSRF: Bool = true) async throws -> WebResponse {
        var fields = pairs
        if withCSRF, let csrf { fields.append(("csrf", csrf)) }
        let body = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await send(.POST, path, contentType: "application/x-www-form-urlencoded; charset=utf-8", body: ByteBuffer(string: body))
    }

    /// A `multipart/form-data` form, as a browser sends a file input.
    @discardableResult
    func postFile(_ path: String, _ form: [String: String], file: (name: String, filename: String, data: Data), withCSRF: Bool = true) async throws -> WebResponse {
        var fields = form
        if withCSRF, let csrf { fields["csrf"] = csrf }
        let boundary = "----koho-test-\(UUID().uuidString)"
        var body = Data()
        for (k, v) in fields {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".utf8)
        }
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        body += file.data + Data("\r\n--\(boundary)--\r\n".utf8)
        return try await send(.POST, path, contentType: "multipart/form-data; boundary=\(boundary)", body: ByteBuffer(data: body))
    }

    private func take(_ res: WebResponse) {
        if let c = res.headers.setCookie?["koho_session"] { cookie = c.string }
        let body = res.body.string
        lastBody = body
        if let r = body.range(of: #"name="csrf" value="([^"]+)""#, options: .regularExpression) {
            let m = String(body[r])
            csrf = String(m.dropFirst(#"name="csrf" value=""#.count).dropLast())
        }
    }

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return s.addingPercentEncoding(withAllowedCharacters: allowed)!
    }

    @discardableResult
    func login(_ name: String, _ password: String, totp: String = "") async throws -> WebResponse {
        try await get("/login")
        return try await post("/login", ["name": name, "password": password, "totp": totp])
    }
}

/// XCTest's assertions take synchronous autoclosures; these take the awaited value.
func assertEqual<T: Equatable>(_ a: @autoclosure () async throws -> T, _ b: @autoclosure () throws -> T, _ message: String = "",
                               file: StaticString = #filePath, line: UInt = #line) async throws {
    let x = try await a()
    XCTAssertEqual(x, try b(), message, file: file, line: line)
}

func assertNil<T>(_ a: @autoclosure () async throws -> T?, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) async throws {
    let x = try await a()
    XCTAssertNil(x, message, file: file, line: line)
}

/// The policy files of the tests: the second city's lives with KohoCore's fixtures.
enum PolicyFixtures {
    static let midoridai = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("KohoCoreTests/Fixtures/midoridai-city.yaml").path
}
