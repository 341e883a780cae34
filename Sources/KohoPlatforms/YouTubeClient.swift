import AsyncHTTPClient
import Foundation
import KohoCore
import Logging
import NIOCore
import NIOHTTP1

public enum YouTubePrivacyStatus: String, Sendable, Codable, CaseIterable {
    case `public`, unlisted, `private`
}

public enum YouTubeModerationStatus: String, Sendable, Codable, CaseIterable {
    case published, heldForReview, likelySpam, rejected
}

/// The `snippet` and `status` a video is inserted with.
public struct YouTubeVideoMetadata: Sendable, Equatable {
    public var title: String
    public var description: String
    public var tags: [String]
    public var categoryId: String?
    public var privacyStatus: YouTubePrivacyStatus
    /// Scheduled publication; YouTube accepts it only with `privacyStatus` private.
    public var publishAt: Date?
    public var selfDeclaredMadeForKids: Bool

    public init(
        title: String, description: String = "", tags: [String] = [], categoryId: String? = nil,
        privacyStatus: YouTubePrivacyStatus = .public, publishAt: Date? = nil, selfDeclaredMadeForKids: Bool = false
    ) {
        self.title = title
        self.description = description
        self.tags = tags
        self.categoryId = categoryId
        self.privacyStatus = privacyStatus
        self.publishAt = publishAt
        self.selfDeclaredMadeForKids = selfDeclaredMadeForKids
    }
}

public struct YouTubeVideo: Sendable, Equatable {
    public var id: String
    public var title: String
    public var description: String
    public var privacyStatus: String?
    public var publishAt: Date?
    public var uploadStatus: String?
    public var url: String { YouTubeClient.videoURL(id: id) }
    public var published: PublishedPost { PublishedPost(platform: .youtube, id: id, url: url) }
}

public enum YouTubeUploadProgress: Sendable, Equatable {
    case complete(YouTubeVideo)
    /// The session holds this many bytes; send the rest from there.
    case incomplete(receivedBytes: Int)
}

/// YouTube Data API v3 for one channel, on behalf of its OAuth access token.
public struct YouTubeClient: Sendable {
    public static let defaultBaseURL = "https://youtube.googleapis.com"
    let transport: PlatformTransport

    public init(
        httpClient: HTTPClient, accessToken: AccessToken, baseURL: String = YouTubeClient.defaultBaseURL,
        timeout: TimeAmount = .seconds(120), logger: Logger = Logger(label: "koho.platforms.youtube")
    ) {
        transport = PlatformTransport(http: httpClient, baseURL: baseURL, token: accessToken, timeout: timeout, logger: logger)
    }

    public static func videoURL(id: String) -> String { "https://www.youtube.com/watch?v=\(id)" }

    // MARK: Upload (resumable protocol)

    /// Starts a resumable session and uploads the bytes in one `PUT`.
    public func uploadVideo(_ metadata: YouTubeVideoMetadata, data: Data, contentType: String = "video/mp4") async throws -> YouTubeVideo {
        let session = try await startUpload(metadata, contentLength: data.count, contentType: contentType)
        return try await uploadBytes(session: session, data: data, contentType: contentType)
    }

    /// `POST /upload/youtube/v3/videos?uploadType=resumable&part=snippet,status` with the metadata; the session URI.
    /// Keep it: the session survives a lost answer and `uploadProgress` asks it what arrived.
    public func startUpload(_ metadata: YouTubeVideoMetadata, contentLength: Int, contentType: String) async throws -> String {
        struct Snippet: Encodable { var title: String; var description: String; var tags: [String]?; var categoryId: String? }
        struct Status: Encodable { var privacyStatus: String; var publishAt: String?; var selfDeclaredMadeForKids: Bool }
        struct Video: Encodable { var snippet: Snippet; var status: Status }
        let body = Video(
            snippet: Snippet(title: metadata.title, description: metadata.description,
                             tags: metadata.tags.isEmpty ? nil : metadata.tags, categoryId: metadata.categoryId),
            status: Status(privacyStatus: metadata.privacyStatus.rawValue,
                           publishAt: metadata.publishAt.map { PlatformDates.iso($0, fractional: true) },
                           selfDeclaredMadeForKids: metadata.selfDeclaredMadeForKids))
        let response = try await transport.send(
            .POST, "/upload/youtube/v3/videos",
            query: [("uploadType", "resumable"), ("part", "snippet,status")],
            body: .json(try JSONEncoder().encode(body)),
            headers: [("X-Upload-Content-Length", String(contentLength)), ("X-Upload-Content-Type", contentType)])
        _ = try Self.check(response)
        guard let location = response.headers.first(name: "Location") else {
            throw PlatformError.transient("no upload session in the answer")
        }
        return location.hasPrefix("http") ? location : transport.baseURL + location
    }

    /// `PUT` the video's bytes to the session URI.
    public func uploadBytes(session: String, data: Data, contentType: String = "video/mp4") async throws -> YouTubeVideo {
        let response = try await transport.send(.PUT, absoluteURL: session, body: .bytes(data, contentType: contentType))
        if response.status == 308 { throw PlatformError.transient("upload incomplete") }
        return try Self.video(Self.check(response))
    }

    /// `PUT` with `Content-Range: bytes */total` and no body: what the session has received.
    public func uploadProgress(session: String, totalBytes: Int) async throws -> YouTubeUploadProgress {
        let response = try await transport.send(.PUT, absoluteURL: session, headers: [("Content-Range", "bytes */\(totalBytes)")])
        if response.status == 308 {
            return .incomplete(receivedBytes: Self.receivedBytes(range: response.headers.first(name: "Range"), totalBytes: totalBytes))
        }
        return .complete(try Self.video(Self.check(response)))
    }

    /// `Range: bytes=0-N` means N+1 bytes arrived; no Range means none did. A last byte past the file (or Int.max,
    /// whose +1 would overflow) is not believed: none, and the whole file is sent again.
    static func receivedBytes(range: String?, totalBytes: Int) -> Int {
        guard let range, range.hasPrefix("bytes=0-"), let n = Int(range.dropFirst("bytes=0-".count)), n >= 0, n < totalBytes else { return 0 }
        return n + 1
    }

    private static func video(_ response: PlatformResponse) throws -> YouTubeVideo {
        struct Video: Decodable {
            struct Snippet: Decodable { var title: String?; var description: String? }
            struct Status: Decodable { var privacyStatus: String?; var publishAt: String?; var uploadStatus: String? }
            var id: String; var snippet: Snippet?; var status: Status?
        }
        let video = try response.decode(Video.self)
        return YouTubeVideo(id: video.id, title: video.snippet?.title ?? "", description: video.snippet?.description ?? "",
                            privacyStatus: video.status?.privacyStatus, publishAt: PlatformDates.parse(video.status?.publishAt),
                            uploadStatus: video.status?.uploadStatus)
    }

    // MARK: Reading

    /// The channel's uploads, newest first: `GET /youtube/v3/playlistItems` on its uploads playlist (UC… → UU…).
    public func recentVideos(channelId: String, maxResults: Int = 50) async throws -> [RecentPost] {
        struct Page: Decodable {
            struct Item: Decodable {
                struct Snippet: Decodable {
                    struct Resource: Decodable { var videoId: String? }
                    var title: String?; var description: String?; var publishedAt: String?; var resourceId: Resource?
                }
                var snippet: Snippet?
            }
            var items: [Item]
        }
        let uploads = channelId.hasPrefix("UC") ? "UU" + channelId.dropFirst(2) : channelId
        let response = try await transport.send(
            .GET, "/youtube/v3/playlistItems",
            query: [("part", "snippet"), ("playlistId", uploads), ("maxResults", String(min(maxResults, 50)))])
        return try Self.check(response).decode(Page.self).items.compactMap { item in
            guard let snippet = item.snippet, let id = snippet.resourceId?.videoId else { return nil }
            return RecentPost(platform: .youtube, id: id, text: snippet.title ?? "", description: snippet.description,
                              createdAt: PlatformDates.parse(snippet.publishedAt), url: Self.videoURL(id: id))
        }
    }

    /// `GET /youtube/v3/commentThreads?allThreadsRelatedToChannelId=…`: top-level comments with their replies.
    /// YouTube lists only published comments unless `moderationStatus` asks for another kind.
    public func commentThreads(
        channelId: String, moderationStatus: YouTubeModerationStatus? = nil, maxResults: Int = 100
    ) async throws -> [PlatformComment] {
        struct Page: Decodable {
            struct Comment: Decodable {
                struct Snippet: Decodable {
                    var authorDisplayName: String?; var textOriginal: String?; var textDisplay: String?
                    var publishedAt: String?; var moderationStatus: String?; var videoId: String?; var parentId: String?
                    struct ChannelRef: Decodable { var value: String? }
                    var authorChannelId: ChannelRef?
                    /// The image attached to the comment (the discovery document's `CommentSnippet.imageUrl`).
                    var imageUrl: String?
                }
                var id: String; var snippet: Snippet?
            }
            struct Thread: Decodable {
                struct Snippet: Decodable { var videoId: String?; var topLevelComment: Comment }
                struct Replies: Decodable { var comments: [Comment]? }
                var id: String; var snippet: Snippet; var replies: Replies?
            }
            var items: [Thread]
        }
        var query = [("part", "snippet,replies"), ("allThreadsRelatedToChannelId", channelId),
                     ("maxResults", String(min(maxResults, 100))), ("textFormat", "plainText")]
        if let moderationStatus { query.append(("moderationStatus", moderationStatus.rawValue)) }
        let response = try await transport.send(.GET, "/youtube/v3/commentThreads", query: query)
        func comment(_ c: Page.Comment, videoId: String?) -> PlatformComment {
            PlatformComment(platform: .youtube, id: c.id, authorName: c.snippet?.authorDisplayName ?? "",
                            text: c.snippet?.textOriginal ?? c.snippet?.textDisplay ?? "",
                            createdAt: PlatformDates.parse(c.snippet?.publishedAt), moderationStatus: c.snippet?.moderationStatus,
                            videoId: c.snippet?.videoId ?? videoId, parentId: c.snippet?.parentId,
                            authorId: c.snippet?.authorChannelId?.value,
                            image: c.snippet?.imageUrl.map { PlatformCommentImage(kind: "image", url: $0, width: nil, height: nil, alt: nil) })
        }
        return try Self.check(response).decode(Page.self).items.flatMap { thread in
            [comment(thread.snippet.topLevelComment, videoId: thread.snippet.videoId)]
                + (thread.replies?.comments ?? []).map { comment($0, videoId: thread.snippet.videoId) }
        }
    }

    // MARK: Moderation

    /// `POST /youtube/v3/comments/setModerationStatus`.
    public func setModerationStatus(commentIds: [String], status: YouTubeModerationStatus, banAuthor: Bool = false) async throws {
        var query = commentIds.map { ("id", $0) }
        query.append(("moderationStatus", status.rawValue))
        if banAuthor { query.append(("banAuthor", "true")) }
        let response = try await transport.send(.POST, "/youtube/v3/comments/setModerationStatus", query: query)
        _ = try Self.check(response)
    }

    /// `POST /youtube/v3/comments?part=snippet` with `parentId`: the channel's reply; its comment id.
    public func reply(toComment parentId: String, text: String) async throws -> String {
        struct Snippet: Encodable { var parentId: String; var textOriginal: String }
        struct Comment: Encodable { var snippet: Snippet }
        struct Created: Decodable { var id: String }
        let response = try await transport.send(
            .POST, "/youtube/v3/comments", query: [("part", "snippet")],
            body: .json(try JSONEncoder().encode(Comment(snippet: Snippet(parentId: parentId, textOriginal: text)))))
        return try Self.check(response).decode(Created.self).id
    }

    // MARK: Errors

    struct GoogleError: Decodable {
        struct Body: Decodable {
            struct Item: Decodable { var reason: String?; var message: String?; var domain: String? }
            var code: Int?
            var message: String?
            var errors: [Item]?
            var status: String?
        }
        var error: Body
    }

    static let throttleReasons: Set<String> = ["quotaExceeded", "rateLimitExceeded", "userRateLimitExceeded"]

    static func check(_ response: PlatformResponse) throws -> PlatformResponse {
        if (200..<300).contains(response.status) { return response }
        throw error(for: response)
    }

    static func error(for response: PlatformResponse, now: Date = Date()) -> PlatformError {
        let body = (try? JSONDecoder().decode(GoogleError.self, from: response.body))?.error
        let reasons = Set(body?.errors?.compactMap(\.reason) ?? [])
        let message = body?.message ?? body?.errors?.first?.message ?? "YouTube answered HTTP \(response.status)"
        if response.status == 429 || (response.status == 403 && !reasons.isDisjoint(with: throttleReasons)) {
            if let retry = response.headers.retryAfter(now: now) { return .rateLimited(resetAt: retry) }
            return .rateLimited(resetAt: reasons.contains("quotaExceeded") ? nextPacificMidnight(after: now) : nil)
        }
        if response.status == 401 { return .tokenExpiredOrRevoked }
        if response.status >= 500 { return .transient(message) }
        return .invalid(message: message)
    }

    /// The daily quota resets at midnight Pacific time.
    static func nextPacificMidnight(after now: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        guard let zone = TimeZone(identifier: "America/Los_Angeles") else { return nil }
        calendar.timeZone = zone
        return calendar.nextDate(after: now, matching: DateComponents(hour: 0, minute: 0, second: 0), matchingPolicy: .nextTime)
    }
}
