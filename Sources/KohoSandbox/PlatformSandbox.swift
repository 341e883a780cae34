import Foundation
import KohoCore
import KohoPlatforms
import Logging
import NIOCore
import Vapor

/// A local stand-in for X, Facebook and YouTube: their paths, JSON, ids and errors, with posts kept in memory,
/// faults on demand (`POST /_sandbox/faults`) and a page at `/_sandbox` showing each account's timeline.
public final class PlatformSandbox: Sendable {
    public let app: Application
    let state: SandboxState

    /// `logger` receives Vapor's own logging; by default only warnings and worse.
    /// `accessTokenLifetime`: how long a token the token endpoint hands out works (Google's last an hour).
    public init(accounts: [SandboxAccount] = SandboxAccounts.all, logger: Logger? = nil, accessTokenLifetime: TimeInterval = 3600) async throws {
        var appLogger = logger ?? Logger(label: "koho.sandbox")
        if logger == nil { appLogger.logLevel = .warning }
        // Fixed arguments: Vapor must not read the host process's command line.
        app = try await Application.make(Environment(name: "sandbox", arguments: ["sandbox"]), .singleton, logger: appLogger)
        state = SandboxState(accounts: accounts, accessTokenLifetime: accessTokenLifetime)
        app.routes.defaultMaxBodySize = "512mb"
        app.middleware = Middlewares()
        app.middleware.use(ErrorMiddleware.default(environment: app.environment))
        registerControlRoutes()
        registerOAuthRoutes()
        registerTokenRoutes()
        registerConsentRoutes()
        registerXRoutes(app.grouped(SandboxFaultMiddleware(platform: .x, state: state)))
        registerFacebookRoutes(app.grouped(SandboxFaultMiddleware(platform: .facebook, state: state)))
        registerYouTubeRoutes(app.grouped(SandboxFaultMiddleware(platform: .youtube, state: state)))
        registerDirectoryRoutes(x: app.grouped(SandboxFaultMiddleware(platform: .x, state: state)),
                                youtube: app.grouped(SandboxFaultMiddleware(platform: .youtube, state: state)))
        registerProfileRoutes(x: app.grouped(SandboxFaultMiddleware(platform: .x, state: state)),
                              facebook: app.grouped(SandboxFaultMiddleware(platform: .facebook, state: state)),
                              youtube: app.grouped(SandboxFaultMiddleware(platform: .youtube, state: state)))
    }

    /// Binds and serves; `port` 0 takes any free port. Returns the port bound.
    @discardableResult
    public func start(host: String = "127.0.0.1", port: Int = 0) async throws -> Int {
        app.http.server.configuration.hostname = host
        app.http.server.configuration.port = port
        try await app.asyncBoot()
        try await app.server.start(address: .hostname(host, port: port))
        guard let bound = app.http.server.shared.localAddress?.port else {
            throw PlatformError.transient("sandbox did not bind")
        }
        return bound
    }

    public var port: Int? { app.http.server.shared.localAddress?.port }

    /// `http://host:port` of the running sandbox, for the clients' base URL.
    public var baseURL: String {
        let host = app.http.server.configuration.hostname
        return "http://\(host):\(port ?? app.http.server.configuration.port)"
    }

    public func shutdown() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    // MARK: Direct access (for the server's own use and tests)

    /// The latest platform calls received (200), oldest first, with their bodies (cut at 128 KB, so that the sandbox
    /// of a long-running `koho serve` stays small).
    public func receivedRequests() async -> [SandboxReceivedRequest] { await state.received }

    /// Every post on every platform, as `GET /_sandbox/posts` lists them.
    public func allPosts() async -> [SandboxPostRecord] {
        await state.posts.filter { !$0.deleted }.map(SandboxPostRecord.init)
    }

    /// How many posts `allPosts` would list, without copying them (for a loop that waits for posts to appear).
    public func postCount() async -> Int {
        await state.livePostCount()
    }

    public func reset() async { await state.reset() }

    public func setFaults(_ faults: SandboxFaults) async { await state.setFaults { $0 = faults } }

    // MARK: Control

    private func registerControlRoutes() {
        let state = self.state
        app.post("_sandbox", "faults") { req async throws -> Response in
            let update = try req.content.decode(FaultsUpdate.self)
            if let rate = update.errorRate, !(0...1).contains(rate) { throw Abort(.badRequest, reason: "errorRate must be 0…1") }
            if let rate = update.lostResponseRate, !(0...1).contains(rate) { throw Abort(.badRequest, reason: "lostResponseRate must be 0…1") }
            await state.setFaults { faults in
                if let value = update.errorRate { faults.errorRate = value }
                if let value = update.lostResponseRate { faults.lostResponseRate = value }
                if let value = update.latencyMs { faults.latencyMs = max(0, value) }
                if update.throttleSet { faults.throttle = update.throttle }
            }
            switch update.revokeToken {
            case .token(let token): await state.revoke(token: token)
            case .all: await state.revokeAll()
            case .none_: await state.restoreTokens()
            case nil: break
            }
            return try await Self.faultsAnswer(state)
        }
        app.get("_sandbox", "faults") { _ async throws -> Response in try await Self.faultsAnswer(state) }
        app.post("_sandbox", "reset") { _ async throws -> Response in
            await state.reset()
            return SandboxReply.json(.ok, ["reset": true])
        }
        app.get("_sandbox", "posts") { _ async throws -> Response in
            let records = await state.posts.filter { !$0.deleted }.map(SandboxPostRecord.init)
            return try Self.encoded(records)
        }
        app.get("_sandbox", "comments") { _ async throws -> Response in
            let records = await state.comments.filter { !$0.deleted }.map(SandboxCommentRecord.init)
            return try Self.encoded(records)
        }
        app.post("_sandbox", "comments") { req async throws -> Response in
            let input = try req.content.decode(NewResidentComment.self)
            guard let post = await state.post(id: input.postId) else {
                throw Abort(.notFound, reason: "no post \(input.postId)")
            }
            if let parent = input.parentId, await state.comment(id: parent) == nil {
                throw Abort(.notFound, reason: "no comment \(parent)")
            }
            var comment = await Self.makeComment(
                state: state, post: post, parentId: input.parentId, authorName: input.author ?? "小平 太郎",
                authorId: input.authorId, text: input.text)
            if let status = input.moderationStatus { comment.moderationStatus = status }
            if let image = input.image {
                var attached = SandboxCommentImage(kind: image.kind ?? (post.platform == .youtube ? "image" : "photo"), url: image.url,
                                                   width: image.width, height: image.height, alt: image.alt)
                if let b64 = image.base64 {
                    guard let data = Data(base64Encoded: b64), data.count <= 16 << 20 else { throw Abort(.badRequest, reason: "image.base64 is not base64") }
                    let id = await state.addCommentImage(data, contentType: image.contentType ?? "application/octet-stream")
                    attached.path = "/_sandbox/images/\(id)"
                } else if let location = image.redirectTo {
                    attached.path = "/_sandbox/images/\(await state.addCommentImageRedirect(to: location))"
                }
                comment.image = attached
            }
            await state.add(comment)
            return try Self.encoded(SandboxCommentRecord(comment), status: .created)
        }
        // The platforms' image servers: an attached image's bytes, with the content type it was given.
        app.get("_sandbox", "images", ":id") { req async throws -> Response in
            let id = req.parameters.get("id") ?? ""
            if let location = await state.commentImageRedirects[id] {
                return Response(status: .found, headers: ["Location": location])
            }
            guard let image = await state.commentImages[id] else { throw Abort(.notFound) }
            return Response(status: .ok, headers: ["Content-Type": image.contentType], body: .init(data: image.data))
        }
        app.get("_sandbox") { _ async throws -> Response in
            let html = await SandboxPage.render(state: state)
            return Response(status: .ok, headers: ["Content-Type": "text/html; charset=utf-8"], body: .init(string: html))
        }
    }

    static func makeComment(state: SandboxState, post: SandboxPost, parentId: String?, authorName: String,
                            authorId: String?, text: String, now: Date = Date()) async -> SandboxComment {
        let id: String
        switch post.platform {
        case .x: id = await state.snowflake()
        case .facebook:
            let postObject = post.id.split(separator: "_").last.map(String.init) ?? post.id
            id = "\(postObject)_\(await state.graphObjectId())"
        case .youtube: id = parentId.map { SandboxIds.replyId(parent: $0) } ?? SandboxIds.commentId()
        }
        let generated = post.platform == .youtube ? "UC" + SandboxIds.random(22) : await state.graphObjectId()
        let author = authorId ?? generated
        return SandboxComment(platform: post.platform, postId: post.id, id: id, parentId: parentId, authorName: authorName,
                              authorId: author, text: text, createdAt: now)
    }

    private static func faultsAnswer(_ state: SandboxState) async throws -> Response {
        struct Answer: Encodable { var faults: SandboxFaults; var revokedTokens: [String] }
        return try encoded(Answer(faults: await state.faults, revokedTokens: await state.revokedTokens.sorted()))
    }

    static func encoded(_ value: some Encodable, status: HTTPResponseStatus = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: status, headers: ["Content-Type": "application/json; charset=utf-8"],
                        body: .init(data: try encoder.encode(value)))
    }
}

/// One post as `GET /_sandbox/posts` lists it.
public struct SandboxPostRecord: Sendable, Equatable, Codable {
    public var platform: Platform
    public var account: String
    public var id: String
    /// X text, Facebook message or caption, YouTube title.
    public var text: String
    public var createdAt: Date
    public var url: String
    public var description: String?
    public var link: String?
    public var quoteTweetId: String?
    public var replySettings: String?
    public var mediaIds: [String]?
    public var privacyStatus: String?
    /// The size of an uploaded YouTube video.
    public var videoBytes: Int?
    public var publishAt: Date?

    init(_ post: SandboxPost) {
        platform = post.platform
        account = post.account
        id = post.id
        text = post.text
        createdAt = post.createdAt
        switch post.platform {
        case .x: url = XClient.postURL(username: post.account, id: post.id)
        case .facebook: url = FacebookClient.postURL(id: post.id)
        case .youtube: url = YouTubeClient.videoURL(id: post.id)
        }
        description = post.description
        link = post.link ?? post.imageURL
        quoteTweetId = post.quoteTweetId
        replySettings = post.replySettings
        mediaIds = post.mediaIds.isEmpty ? nil : post.mediaIds
        privacyStatus = post.privacyStatus
        videoBytes = post.videoBytes
        publishAt = post.publishAt
    }
}

struct SandboxCommentRecord: Codable {
    var platform: Platform
    var postId: String
    var id: String
    var parentId: String?
    var author: String
    var text: String
    var createdAt: Date
    var isHidden: Bool
    var moderationStatus: String

    init(_ comment: SandboxComment) {
        platform = comment.platform
        postId = comment.postId
        id = comment.id
        parentId = comment.parentId
        author = comment.authorName
        text = comment.text
        createdAt = comment.createdAt
        isHidden = comment.isHidden
        moderationStatus = comment.moderationStatus
    }
}

struct NewResidentComment: Content {
    var postId: String
    var text: String
    var author: String?
    var authorId: String?
    var parentId: String?
    /// YouTube: published (default), heldForReview or likelySpam.
    var moderationStatus: String?
    /// Accepted for clarity; the post id already names the platform.
    var platform: String?
    /// An attached image: its bytes (`base64`, served by the sandbox) or an address given as is (`url`).
    var image: Image?

    struct Image: Content {
        var kind: String?
        var base64: String?
        var contentType: String?
        var url: String?
        /// Served by the sandbox as a redirect to this address.
        var redirectTo: String?
        var width: Int?
        var height: Int?
        var alt: String?
    }
}

/// `POST /_sandbox/faults`: only the fields present change.
struct FaultsUpdate: Decodable {
    enum Revoke { case token(String), all, none_ }

    var errorRate: Double?
    var lostResponseRate: Double?
    var latencyMs: Int?
    var throttleSet = false
    var throttle: SandboxThrottle?
    var revokeToken: Revoke?

    enum CodingKeys: String, CodingKey { case errorRate, lostResponseRate, latencyMs, throttle, revokeToken }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        errorRate = try c.decodeIfPresent(Double.self, forKey: .errorRate)
        lostResponseRate = try c.decodeIfPresent(Double.self, forKey: .lostResponseRate)
        latencyMs = try c.decodeIfPresent(Int.self, forKey: .latencyMs)
        if c.contains(.throttle) {
            throttleSet = true
            if try c.decodeNil(forKey: .throttle) {
                throttle = nil
            } else if let flag = try? c.decode(Bool.self, forKey: .throttle) {
                throttle = flag ? SandboxThrottle(resetSeconds: 60) : nil
            } else {
                throttle = try c.decode(ThrottleInput.self, forKey: .throttle).rule
            }
        }
        if c.contains(.revokeToken) {
            if try c.decodeNil(forKey: .revokeToken) {
                revokeToken = .none_
            } else if let flag = try? c.decode(Bool.self, forKey: .revokeToken) {
                revokeToken = flag ? .all : .none_
            } else {
                revokeToken = .token(try c.decode(String.self, forKey: .revokeToken))
            }
        }
    }

    /// `{"resetSeconds": N}` (also `resetAfterSeconds`, `seconds`), optional `rate` and `platforms` or `platform`.
    struct ThrottleInput: Decodable {
        var resetSeconds: Double?
        var resetAfterSeconds: Double?
        var seconds: Double?
        var rate: Double?
        var platforms: [Platform]?
        var platform: Platform?
        var enabled: Bool?

        var rule: SandboxThrottle? {
            if enabled == false { return nil }
            let platforms = self.platforms ?? platform.map { [$0] }
            return SandboxThrottle(resetSeconds: resetSeconds ?? resetAfterSeconds ?? seconds ?? 60, rate: rate, platforms: platforms)
        }
    }
}

/// Applies the configured faults to one platform's calls.
struct SandboxFaultMiddleware: AsyncMiddleware {
    let platform: Platform
    let state: SandboxState

    func respond(to request: Request, chainingTo next: AsyncResponder) async throws -> Response {
        let latency = await state.faults.latencyMs
        if latency > 0 { try await Task.sleep(for: .milliseconds(latency)) }
        switch await state.decide(for: platform) {
        case .fail:
            return SandboxReply.serverError(platform)
        case .throttled(let until):
            return SandboxReply.throttled(platform, until: until)
        case .proceed(let loseAnswer):
            let response = try await next.respond(to: request)
            // Read after the route: only then has the body been collected.
            let body = request.body.data.map { Data($0.readableBytesView.prefix(128 << 10)) } ?? Data()
            await state.receive(SandboxReceivedRequest(method: request.method.rawValue, uri: request.url.string,
                                                       headers: request.headers.map { ($0.name, $0.value) }, body: body))
            return loseAnswer ? SandboxReply.dropped() : response
        }
    }
}

extension Request {
    var sandboxToken: String? { headers.bearerAuthorization?.token }

    /// Graph also takes the token as an `access_token` parameter, in the query or the form.
    var graphToken: String? {
        if let token = sandboxToken { return token }
        if let token = query[String.self, at: "access_token"] { return token }
        guard body.data != nil else { return nil }
        return try? content.get(String.self, at: "access_token")
    }
}
