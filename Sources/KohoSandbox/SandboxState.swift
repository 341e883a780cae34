import Foundation
import KohoCore
import KohoPlatforms

/// How the sandbox misbehaves, as set through `POST /_sandbox/faults`.
public struct SandboxFaults: Sendable, Equatable, Codable {
    /// Share of platform calls answered with a 5xx before anything is done.
    public var errorRate: Double = 0
    /// Share of platform calls carried out whose answer is then dropped (counted on top of `errorRate`).
    public var lostResponseRate: Double = 0
    public var latencyMs: Int = 0
    public var throttle: SandboxThrottle?

    public init(errorRate: Double = 0, lostResponseRate: Double = 0, latencyMs: Int = 0, throttle: SandboxThrottle? = nil) {
        self.errorRate = errorRate
        self.lostResponseRate = lostResponseRate
        self.latencyMs = latencyMs
        self.throttle = throttle
    }
}

/// Throttling: without `rate`, every call to the platforms is throttled from now for `resetSeconds`;
/// with `rate`, that share of calls starts such a window on its platform.
public struct SandboxThrottle: Sendable, Equatable, Codable {
    public var resetSeconds: Double
    public var rate: Double?
    /// The platforms throttled; all when absent.
    public var platforms: [Platform]?

    public init(resetSeconds: Double, rate: Double? = nil, platforms: [Platform]? = nil) {
        self.resetSeconds = resetSeconds
        self.rate = rate
        self.platforms = platforms
    }
}

struct SandboxPost: Sendable {
    var platform: Platform
    var account: String
    var id: String
    var text: String
    var description: String?
    var link: String?
    var imageURL: String?
    var createdAt: Date
    var replySettings: String?
    var quoteTweetId: String?
    var mediaIds: [String] = []
    var privacyStatus: String?
    var videoBytes: Int?
    var publishAt: Date?
    var tags: [String] = []
    var categoryId: String?
    var madeForKids: Bool = false
    var deleted = false
}

struct SandboxComment: Sendable {
    var platform: Platform
    var postId: String
    var id: String
    var parentId: String?
    var authorName: String
    var authorId: String
    var text: String
    var createdAt: Date
    var isHidden = false
    var moderationStatus = "published"
    var deleted = false
    var image: SandboxCommentImage?
}

/// An image a resident attached to a comment. `path` is served by the sandbox itself (as a platform's image
/// server would); `url` is an address given as is (a broken or foreign one, to see what Koho does with it).
struct SandboxCommentImage: Sendable {
    var kind: String
    var path: String?
    var url: String?
    var width: Int?
    var height: Int?
    var alt: String?

    /// The address as the platform's answer gives it, on the host the client reached the sandbox by.
    func address(host: String?) -> String? {
        if let url { return url }
        guard let path, let host else { return nil }
        return "http://\(host)\(path)"
    }
}

struct SandboxMedia: Sendable {
    var id: String
    var key: String
    var account: String
    var totalBytes: Int
    var mediaType: String
    var category: String
    var receivedBytes = 0
    var segments: Set<Int> = []
    var finalized = false
    var statusPolls = 0
    var isVideo: Bool { category.hasSuffix("video") || mediaType.hasPrefix("video/") }
}

struct SandboxUpload: Sendable {
    var id: String
    var account: String
    var post: SandboxPost
    var expectedBytes: Int?
    var receivedBytes = 0
    var videoId: String?
}

enum FaultDecision: Sendable {
    case fail
    case throttled(until: Date)
    case proceed(loseAnswer: Bool)
}

/// Everything the sandbox holds, in memory.
/// A platform call as it reached the sandbox: what a test compares with what Koho says it sent.
public struct SandboxReceivedRequest: Sendable {
    public var method: String
    /// Path and query.
    public var uri: String
    public var headers: [(name: String, value: String)]
    public var body: Data
}

actor SandboxState {
    private(set) var posts: [SandboxPost] = []
    /// The latest platform calls received (at most `maxReceived`).
    private(set) var received: [SandboxReceivedRequest] = []
    static let maxReceived = 200

    func receive(_ r: SandboxReceivedRequest) {
        if received.count >= Self.maxReceived { received.removeFirst(received.count - Self.maxReceived + 1) }
        received.append(r)
    }

    private(set) var comments: [SandboxComment] = []
    /// Where each comment is in `comments`, by id and by post: a poll of one post must not scan every comment.
    private var commentIndex: [String: Int] = [:]
    private var commentsByPost: [String: [Int]] = [:]
    private var media: [String: SandboxMedia] = [:]
    /// Images attached to comments: bytes and content type, by id.
    private(set) var commentImages: [String: (data: Data, contentType: String)] = [:]
    private(set) var commentImageRedirects: [String: String] = [:]
    private var uploads: [String: SandboxUpload] = [:]
    private(set) var revokedTokens: Set<String> = []
    /// When each access token lapses (see SandboxTokens.swift); a token without an entry does not.
    var tokenExpiry: [String: Date] = [:]
    var accessTokenLifetime: TimeInterval
    var tokenRenewals: [String: Int] = [:]
    private(set) var faults = SandboxFaults()
    private var throttledUntil: [Platform: Date] = [:]
    private var lastSnowflakeMillis: Int64 = 0
    private var snowflakeSequence: Int64 = 0
    private var nextGraphId = 1_220_000_000_000_000 + Int64.random(in: 0..<100_000_000_000)
    private(set) var profiles: [String: SandboxProfileFields] = [:]
    let accounts: [SandboxAccount]

    init(accounts: [SandboxAccount], accessTokenLifetime: TimeInterval = 3600) {
        self.accounts = accounts
        self.accessTokenLifetime = accessTokenLifetime
        profiles = Self.seededProfiles(accounts)
    }

    static func seededProfiles(_ accounts: [SandboxAccount]) -> [String: SandboxProfileFields] {
        Dictionary(accounts.map { ($0.account, SandboxProfileFields.seeded($0)) }, uniquingKeysWith: { a, _ in a })
    }

    func profile(_ account: String) -> SandboxProfileFields? { profiles[account] }
    func setProfile(_ account: String, _ fields: SandboxProfileFields) {
        guard accounts.contains(where: { $0.account == account }) else { return }
        profiles[account] = fields
    }

    func reset() {
        posts = []
        comments = []
        commentIndex = [:]
        commentsByPost = [:]
        media = [:]
        commentImages = [:]
        commentImageRedirects = [:]
        uploads = [:]
        revokedTokens = []
        tokenExpiry = [:]
        tokenRenewals = [:]
        faults = SandboxFaults()
        throttledUntil = [:]
        profiles = Self.seededProfiles(accounts)
    }

    // MARK: Faults

    func setFaults(_ update: (inout SandboxFaults) -> Void, now: Date = Date()) {
        update(&faults)
        throttledUntil = [:]
        if let throttle = faults.throttle, throttle.rate == nil {
            for platform in throttle.platforms ?? Platform.allCases {
                throttledUntil[platform] = now.addingTimeInterval(throttle.resetSeconds)
            }
        }
    }

    func revoke(token: String) { revokedTokens.insert(token) }
    func revokeAll() { revokedTokens.formUnion(accounts.map(\.accessToken)) }
    func restoreTokens() { revokedTokens = [] }
    func restore(token: String) { revokedTokens.remove(token) }

    func decide(for platform: Platform, now: Date = Date()) -> FaultDecision {
        let roll = Double.random(in: 0..<1)
        if roll < faults.errorRate { return .fail }
        if let until = throttledUntil[platform], until > now { return .throttled(until: until) }
        if let throttle = faults.throttle, let rate = throttle.rate,
           throttle.platforms?.contains(platform) ?? true, Double.random(in: 0..<1) < rate {
            let until = now.addingTimeInterval(throttle.resetSeconds)
            throttledUntil[platform] = until
            return .throttled(until: until)
        }
        return .proceed(loseAnswer: roll < faults.errorRate + faults.lostResponseRate)
    }

    // MARK: Tokens

    enum TokenCheck: Sendable { case valid(SandboxAccount), revoked, unknown }

    func check(token: String?, platform: Platform) -> TokenCheck {
        guard let token, let account = accounts.first(where: { $0.accessToken == token && $0.platform == platform }) else {
            return .unknown
        }
        return revokedTokens.contains(token) || isLapsed(token) ? .revoked : .valid(account)
    }

    // MARK: Ids

    /// X-style snowflake: milliseconds since X's epoch, then a 22-bit sequence.
    func snowflake(now: Date = Date()) -> String {
        var millis = Int64(now.timeIntervalSince1970 * 1000) - 1_288_834_974_657
        if millis <= lastSnowflakeMillis {
            millis = lastSnowflakeMillis
            snowflakeSequence += 1
        } else {
            snowflakeSequence = 0
        }
        lastSnowflakeMillis = millis
        return String((millis << 22) | (snowflakeSequence & 0x3F_FFFF))
    }

    /// A Graph-style numeric object id (16 digits, increasing).
    func graphObjectId() -> String {
        nextGraphId += Int64.random(in: 1...997)
        return String(nextGraphId)
    }

    // MARK: Posts

    func add(_ post: SandboxPost) { posts.append(post) }

    func livePostCount() -> Int { posts.reduce(0) { $1.deleted ? $0 : $0 + 1 } }

    func post(id: String) -> SandboxPost? { posts.first { $0.id == id && !$0.deleted } }

    func posts(account: String) -> [SandboxPost] {
        posts.filter { $0.account == account && !$0.deleted }.reversed()
    }

    func isDuplicate(account: String, text: String, within: TimeInterval, now: Date = Date()) -> Bool {
        posts.contains { $0.account == account && !$0.deleted && $0.text == text && now.timeIntervalSince($0.createdAt) < within }
    }

    func deletePost(id: String) -> Bool {
        guard let index = posts.firstIndex(where: { $0.id == id && !$0.deleted }) else { return false }
        posts[index].deleted = true
        return true
    }

    // MARK: Comments

    func add(_ comment: SandboxComment) {
        commentIndex[comment.id] = comments.count
        commentsByPost[comment.postId, default: []].append(comments.count)
        comments.append(comment)
    }

    func addCommentImage(_ data: Data, contentType: String) -> String {
        let id = SandboxIds.random(16)
        commentImages[id] = (data, contentType)
        return id
    }

    /// An image address that answers with a redirect (to see that Koho does not follow it).
    func addCommentImageRedirect(to location: String) -> String {
        let id = SandboxIds.random(16)
        commentImageRedirects[id] = location
        return id
    }

    func comment(id: String) -> SandboxComment? { commentIndex[id].map { comments[$0] }.flatMap { $0.deleted ? nil : $0 } }

    func comments(postId: String) -> [SandboxComment] {
        (commentsByPost[postId] ?? []).map { comments[$0] }.filter { !$0.deleted }
    }

    func comments(platform: Platform) -> [SandboxComment] { comments.filter { $0.platform == platform && !$0.deleted } }

    func updateComment(id: String, _ change: (inout SandboxComment) -> Void) -> Bool {
        guard let index = commentIndex[id], !comments[index].deleted else { return false }
        change(&comments[index])
        return true
    }

    // MARK: X media

    func addMedia(_ item: SandboxMedia) { media[item.id] = item }
    func media(id: String) -> SandboxMedia? { media[id] }
    func updateMedia(id: String, _ change: (inout SandboxMedia) -> Void) -> SandboxMedia? {
        guard var item = media[id] else { return nil }
        change(&item)
        media[id] = item
        return item
    }

    // MARK: YouTube uploads

    func addUpload(_ upload: SandboxUpload) { uploads[upload.id] = upload }
    func upload(id: String) -> SandboxUpload? { uploads[id] }
    func updateUpload(id: String, _ change: (inout SandboxUpload) -> Void) -> SandboxUpload? {
        guard var item = uploads[id] else { return nil }
        change(&item)
        uploads[id] = item
        return item
    }
}

enum SandboxIds {
    static let base64URL = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    static func random(_ count: Int, from alphabet: [Character] = base64URL) -> String {
        String((0..<count).map { _ in alphabet.randomElement()! })
    }

    /// 11 characters, the last one from the 16 YouTube ids can end with (they encode 64 bits).
    static func videoId() -> String {
        random(10) + String(Array("AEIMQUYcgkosw048").randomElement()!)
    }

    static func commentId() -> String { "Ugz" + random(19) + "4AaABAg" }
    static func replyId(parent: String) -> String { parent + "." + random(22) }
    static func fbtrace() -> String { random(11) }
}
