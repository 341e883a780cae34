import AsyncHTTPClient
import Foundation
import KohoCore
import Logging
import NIOCore
import NIOHTTP1

/// Who may reply to a post (`reply_settings` of `POST /2/tweets`).
public enum XReplySettings: String, Sendable, Codable, CaseIterable {
    case following, mentionedUsers, subscribers, verified

    /// The city's posts mention nobody, so "only mentioned users" means no one can reply.
    public static let noReplies = XReplySettings.mentionedUsers
}

public struct XNewPost: Sendable, Equatable {
    public var text: String
    public var replySettings: XReplySettings?
    public var quoteTweetId: String?
    public var mediaIds: [String]

    public init(text: String, replySettings: XReplySettings? = .noReplies, quoteTweetId: String? = nil, mediaIds: [String] = []) {
        self.text = text
        self.replySettings = replySettings
        self.quoteTweetId = quoteTweetId
        self.mediaIds = mediaIds
    }
}

public struct XUser: Sendable, Equatable {
    public var id: String
    public var username: String
    public var name: String

    public init(id: String, username: String, name: String) {
        self.id = id
        self.username = username
        self.name = name
    }
}

public struct XMediaUpload: Sendable, Equatable {
    public var id: String
    public var mediaKey: String?
    /// `processing_info.state`: pending, in_progress, succeeded or failed; nil when there is nothing to process.
    public var state: String?
    public var checkAfterSeconds: Int?
}

/// X API v2 on behalf of one account's user access token.
public struct XClient: Sendable {
    public static let defaultBaseURL = "https://api.x.com"
    let transport: PlatformTransport

    public init(
        httpClient: HTTPClient, accessToken: AccessToken, baseURL: String = XClient.defaultBaseURL,
        timeout: TimeAmount = .seconds(30), logger: Logger = Logger(label: "koho.platforms.x")
    ) {
        transport = PlatformTransport(http: httpClient, baseURL: baseURL, token: accessToken, timeout: timeout, logger: logger)
    }

    public static func postURL(username: String, id: String) -> String { "https://x.com/\(username)/status/\(id)" }

    // MARK: Posts

    /// `POST /2/tweets`. `username` is the posting account's, for the post's URL.
    public func createPost(_ post: XNewPost, as username: String) async throws -> PublishedPost {
        struct Media: Encodable { var media_ids: [String] }
        struct Body: Encodable {
            var text: String
            var reply_settings: String?
            var quote_tweet_id: String?
            var media: Media?
        }
        struct Created: Decodable { struct Data: Decodable { var id: String; var text: String }; var data: Data? }
        let body = Body(
            text: post.text, reply_settings: post.replySettings?.rawValue, quote_tweet_id: post.quoteTweetId,
            media: post.mediaIds.isEmpty ? nil : Media(media_ids: post.mediaIds))
        let response = try await transport.send(.POST, "/2/tweets", body: .json(try JSONEncoder().encode(body)))
        let created = try Self.check(response).decode(Created.self)
        guard let data = created.data else { throw Self.problem(response) }
        return PublishedPost(platform: .x, id: data.id, url: Self.postURL(username: username, id: data.id))
    }

    /// `DELETE /2/tweets/{id}`; whether X says the post is deleted.
    public func deletePost(id: String) async throws -> Bool {
        struct Deleted: Decodable { struct Data: Decodable { var deleted: Bool }; var data: Data? }
        let response = try await transport.send(.DELETE, "/2/tweets/\(percentEncode(id))")
        guard let data = try Self.check(response).decode(Deleted.self).data else { throw Self.problem(response) }
        return data.deleted
    }

    /// `GET /2/users/by/username/{username}`.
    public func user(username: String) async throws -> XUser {
        struct Found: Decodable { struct Data: Decodable { var id: String; var username: String; var name: String }; var data: Data? }
        let response = try await transport.send(.GET, "/2/users/by/username/\(percentEncode(username))")
        guard let data = try Self.check(response).decode(Found.self).data else { throw Self.problem(response) }
        return XUser(id: data.id, username: data.username, name: data.name)
    }

    /// `GET /2/users/me`: the user the access token acts for. Connecting an account identifies it so, whatever the
    /// policy names it (X refuses to look up a username of more than 15 characters, such as `hisyo_kodaira_tokyo`).
    public func me() async throws -> XUser {
        struct Found: Decodable { struct Data: Decodable { var id: String; var username: String; var name: String }; var data: Data? }
        let response = try await transport.send(.GET, "/2/users/me")
        guard let data = try Self.check(response).decode(Found.self).data else { throw Self.problem(response) }
        return XUser(id: data.id, username: data.username, name: data.name)
    }

    /// `GET /2/users/{id}/tweets`, newest first, with `created_at`.
    public func recentPosts(of user: XUser, maxResults: Int = 100, sinceId: String? = nil) async throws -> [RecentPost] {
        struct Page: Decodable {
            struct Post: Decodable { var id: String; var text: String; var created_at: String? }
            var data: [Post]?
        }
        var query = [("max_results", String(min(max(maxResults, 5), 100))), ("post.fields", "created_at")]
        if let sinceId { query.append(("since_id", sinceId)) }
        let response = try await transport.send(.GET, "/2/users/\(percentEncode(user.id))/tweets", query: query)
        let page = try Self.check(response).decode(Page.self)
        return (page.data ?? []).map {
            RecentPost(platform: .x, id: $0.id, text: $0.text, createdAt: PlatformDates.parse($0.created_at),
                       url: Self.postURL(username: user.username, id: $0.id))
        }
    }

    /// Looks the account up by username and reads its recent posts.
    public func recentPosts(username: String, maxResults: Int = 100) async throws -> [RecentPost] {
        try await recentPosts(of: user(username: username), maxResults: maxResults)
    }

    // MARK: Media (chunked upload)

    /// INIT, APPEND in chunks, FINALIZE, then STATUS until processing ends; the media id to attach.
    public func uploadMedia(
        _ data: Data, mediaType: String, category: String, chunkSize: Int = 1 << 20,
        pollInterval: Duration? = nil, processingLimit: Duration = .seconds(900)
    ) async throws -> XMediaUpload {
        let id = try await initializeUpload(totalBytes: data.count, mediaType: mediaType, category: category)
        var index = 0
        var offset = data.startIndex
        repeat {
            let end = data.index(offset, offsetBy: chunkSize, limitedBy: data.endIndex) ?? data.endIndex
            try await appendUpload(id: id, segmentIndex: index, chunk: data[offset..<end])
            offset = end
            index += 1
        } while offset < data.endIndex
        var media = try await finalizeUpload(id: id)
        // X's `check_after_secs` is believed between 1 s and a minute, and the processing as a whole for
        // `processingLimit`: an answer of Int.max (or one that stays pending) would hold the publisher for ever.
        let clock = ContinuousClock(), deadline = clock.now + processingLimit
        while let state = media.state, state == "pending" || state == "in_progress" {
            let remaining = deadline - clock.now
            guard remaining > .zero else { throw PlatformError.transient("media processing not finished after \(processingLimit)") }
            let asked = Duration.seconds(min(max(media.checkAfterSeconds ?? 1, 1), 60))
            try await Task.sleep(for: min(pollInterval ?? asked, remaining))
            media = try await uploadStatus(id: id)
        }
        if media.state == "failed" { throw PlatformError.invalid(message: "media processing failed") }
        return media
    }

    /// `POST /2/media/upload/initialize`; the media id.
    public func initializeUpload(totalBytes: Int, mediaType: String, category: String) async throws -> String {
        struct Body: Encodable { var media_type: String; var total_bytes: Int; var media_category: String }
        struct Answer: Decodable { struct Data: Decodable { var id: String }; var data: Data? }
        let body = Body(media_type: mediaType, total_bytes: totalBytes, media_category: category)
        let response = try await transport.send(.POST, "/2/media/upload/initialize", body: .json(try JSONEncoder().encode(body)))
        guard let data = try Self.check(response).decode(Answer.self).data else { throw Self.problem(response) }
        return data.id
    }

    /// `POST /2/media/upload/{id}/append` with the chunk base64-encoded in JSON.
    public func appendUpload(id: String, segmentIndex: Int, chunk: Data) async throws {
        struct Body: Encodable { var media: String; var segment_index: Int }
        let body = Body(media: chunk.base64EncodedString(), segment_index: segmentIndex)
        let response = try await transport.send(
            .POST, "/2/media/upload/\(percentEncode(id))/append", body: .json(try JSONEncoder().encode(body)))
        _ = try Self.check(response)
    }

    /// `POST /2/media/upload/{id}/finalize`.
    public func finalizeUpload(id: String) async throws -> XMediaUpload {
        let response = try await transport.send(.POST, "/2/media/upload/\(percentEncode(id))/finalize")
        return try Self.media(Self.check(response))
    }

    /// `GET /2/media/upload?media_id=…&command=STATUS`.
    public func uploadStatus(id: String) async throws -> XMediaUpload {
        let response = try await transport.send(.GET, "/2/media/upload", query: [("media_id", id), ("command", "STATUS")])
        return try Self.media(Self.check(response))
    }

    private static func media(_ response: PlatformResponse) throws -> XMediaUpload {
        struct Answer: Decodable {
            struct Info: Decodable { var state: String?; var check_after_secs: Int? }
            struct Data: Decodable { var id: String; var media_key: String?; var processing_info: Info? }
            var data: Data?
        }
        guard let data = try response.decode(Answer.self).data else { throw problem(response) }
        return XMediaUpload(id: data.id, mediaKey: data.media_key, state: data.processing_info?.state,
                            checkAfterSeconds: data.processing_info?.check_after_secs)
    }

    // MARK: Errors

    private struct ProblemBody: Decodable {
        struct Item: Decodable { var detail: String?; var title: String?; var message: String? }
        var detail: String?
        var title: String?
        var errors: [Item]?
        var message: String? {
            let first = errors?.first.flatMap { $0.message ?? $0.detail ?? $0.title }
            switch (detail, first) {
            case let (detail?, first?) where detail != first: return "\(detail) \(first)"
            case let (detail?, _): return detail
            case let (nil, first?): return first
            default: return title
            }
        }
    }

    static func check(_ response: PlatformResponse) throws -> PlatformResponse {
        if (200..<300).contains(response.status) { return response }
        throw error(for: response)
    }

    static func problem(_ response: PlatformResponse) -> PlatformError {
        let body = try? JSONDecoder().decode(ProblemBody.self, from: response.body)
        return .invalid(message: body?.message ?? "X answered HTTP \(response.status) without data")
    }

    static func error(for response: PlatformResponse) -> PlatformError {
        let message = (try? JSONDecoder().decode(ProblemBody.self, from: response.body))?.message
        switch response.status {
        case 429:
            let now = Date()
            let reset = response.headers.first(name: "x-rate-limit-reset").flatMap(TimeInterval.init)
                .flatMap { plausibleReset(Date(timeIntervalSince1970: $0), now: now) } ?? response.headers.retryAfter(now: now)
            return .rateLimited(resetAt: reset)
        case 401:
            return .tokenExpiredOrRevoked
        case 500...:
            return .transient("X answered HTTP \(response.status)" + (message.map { ": \($0)" } ?? ""))
        default:
            return .invalid(message: message ?? "X answered HTTP \(response.status)")
        }
    }
}
