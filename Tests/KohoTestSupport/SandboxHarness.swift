import AsyncHTTPClient
import Foundation
import KohoCore
import NIOCore
import NIOHTTP1
import KohoPlatforms
import KohoSandbox

/// A sandbox on 127.0.0.1 with a free port, and clients for the four seeded accounts pointed at it.
public struct Harness {
    public let sandbox: PlatformSandbox
    public let http: HTTPClient
    public let base: String

    /// `record`: a log that receives every call made to the sandbox (see `PlatformContract`).
    public static func run(recording record: ((SandboxCallLog) -> Void)? = nil, _ body: (Harness) async throws -> Void) async throws {
        let sandbox = try await PlatformSandbox()
        if let record { record(sandbox.recordCalls()) }
        let port = try await sandbox.start(host: "127.0.0.1", port: 0)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let harness = Harness(sandbox: sandbox, http: http, base: "http://127.0.0.1:\(port)")
        do {
            try await body(harness)
        } catch {
            try? await http.shutdown()
            try? await sandbox.shutdown()
            throw error
        }
        try await http.shutdown()
        try await sandbox.shutdown()
    }

    public func x(_ account: SandboxAccount = SandboxAccounts.xKodaira, token: String? = nil, timeout: TimeAmount = .seconds(10)) -> XClient {
        XClient(httpClient: http, accessToken: AccessToken(token ?? account.accessToken), baseURL: base, timeout: timeout)
    }

    public func facebook(token: String? = nil, timeout: TimeAmount = .seconds(10)) -> FacebookClient {
        FacebookClient(httpClient: http, accessToken: AccessToken(token ?? SandboxAccounts.facebookKoho.accessToken),
                       baseURL: base, timeout: timeout)
    }

    public func youtube(token: String? = nil, timeout: TimeAmount = .seconds(10)) -> YouTubeClient {
        YouTubeClient(httpClient: http, accessToken: AccessToken(token ?? SandboxAccounts.youtubeKodaira.accessToken),
                      baseURL: base, timeout: timeout)
    }

    @discardableResult
    public func control(_ method: HTTPMethod, _ path: String, json: String? = nil) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), Data(body.readableBytesView))
    }

    public func faults(_ json: String) async throws {
        let answer = try await control(.POST, "/_sandbox/faults", json: json)
        precondition(answer.status == 200, String(decoding: answer.body, as: UTF8.self))
    }

    /// What `GET /_sandbox/posts` lists.
    public func listedPosts() async throws -> [[String: Any]] {
        let answer = try await control(.GET, "/_sandbox/posts")
        return try JSONSerialization.jsonObject(with: answer.body) as? [[String: Any]] ?? []
    }

    /// Adds a resident's comment through `POST /_sandbox/comments`; its id.
    public func residentComment(on postId: String, text: String, extra: String = "") async throws -> String {
        let json = "{\"postId\":\"\(postId)\",\"text\":\"\(text)\",\"author\":\"市民A\"\(extra)}"
        let answer = try await control(.POST, "/_sandbox/comments", json: json)
        precondition(answer.status == 201, String(decoding: answer.body, as: UTF8.self))
        let object = try JSONSerialization.jsonObject(with: answer.body) as? [String: Any]
        return object?["id"] as? String ?? ""
    }
}

/// The error a call threw, as a `PlatformError` (nil if it succeeded or threw something else).
public func platformError<T>(_ call: () async throws -> T) async -> PlatformError? {
    do {
        _ = try await call()
        return nil
    } catch let error as PlatformError {
        return error
    } catch {
        return nil
    }
}
