import AsyncHTTPClient
import Foundation
import KohoCore
import Logging
import NIOCore
import NIOHTTP1

/// The Facebook Graph API for one Page, on behalf of its Page access token.
public struct FacebookClient: Sendable {
    public static let defaultBaseURL = "https://graph.facebook.com"
    public static let defaultAPIVersion = "v26.0"
    let transport: PlatformTransport
    let version: String

    public init(
        httpClient: HTTPClient, accessToken: AccessToken, baseURL: String = FacebookClient.defaultBaseURL,
        apiVersion: String = FacebookClient.defaultAPIVersion, timeout: TimeAmount = .seconds(30),
        logger: Logger = Logger(label: "koho.platforms.facebook")
    ) {
        transport = PlatformTransport(http: httpClient, baseURL: baseURL, token: accessToken, timeout: timeout, logger: logger)
        version = apiVersion
    }

    public static func postURL(id: String) -> String { "https://www.facebook.com/\(id)" }

    private func path(_ parts: String...) -> String {
        "/\(version)/" + parts.map(percentEncode).joined(separator: "/")
    }

    /// `POST /{page-id}/feed` with `message` and optionally `link`.
    public func publish(pageId: String, message: String, link: String? = nil) async throws -> PublishedPost {
        struct Created: Decodable { var id: String }
        var fields = [("message", message)]
        if let link { fields.append(("link", link)) }
        let response = try await transport.send(.POST, path(pageId, "feed"), body: .form(fields))
        let created = try Self.check(response).decode(Created.self)
        return PublishedPost(platform: .facebook, id: created.id, url: Self.postURL(id: created.id))
    }

    /// `POST /{page-id}/photos` with `url` and `caption`: a photo post on the Page's feed.
    public func publishPhoto(pageId: String, imageURL: String, caption: String) async throws -> PublishedPost {
        struct Created: Decodable { var id: String; var post_id: String? }
        let response = try await transport.send(
            .POST, path(pageId, "photos"), body: .form([("url", imageURL), ("caption", caption)]))
        let created = try Self.check(response).decode(Created.self)
        let postId = created.post_id ?? created.id
        return PublishedPost(platform: .facebook, id: postId, url: Self.postURL(id: postId))
    }

    /// `GET /{page-id}/posts`, newest first.
    public func recentPosts(pageId: String, limit: Int = 100) async throws -> [RecentPost] {
        struct Page: Decodable {
            struct Post: Decodable { var id: String; var message: String?; var created_time: String?; var permalink_url: String? }
            var data: [Post]
        }
        let response = try await transport.send(
            .GET, path(pageId, "posts"),
            query: [("fields", "id,message,created_time,permalink_url"), ("limit", String(limit))])
        return try Self.check(response).decode(Page.self).data.map {
            RecentPost(platform: .facebook, id: $0.id, text: $0.message ?? "", createdAt: PlatformDates.parse($0.created_time),
                       url: Self.postURL(id: $0.id))
        }
    }

    /// `GET /{post-id}/comments` in stream order (replies too), oldest first; `newestFirst` for the latest `limit`.
    public func comments(postId: String, limit: Int = 100, newestFirst: Bool = false) async throws -> [PlatformComment] {
        struct Page: Decodable {
            struct From: Decodable { var name: String?; var id: String? }
            struct Parent: Decodable { var id: String }
            struct Attachment: Decodable {
                struct Media: Decodable {
                    struct Image: Decodable { var src: String?; var width: Int?; var height: Int? }
                    var image: Image?
                }
                var type: String?; var media: Media?; var description: String?
            }
            struct Comment: Decodable {
                var id: String; var message: String?; var created_time: String?; var from: From?
                var is_hidden: Bool?; var parent: Parent?; var attachment: Attachment?
            }
            var data: [Comment]
        }
        let response = try await transport.send(
            .GET, path(postId, "comments"),
            query: [("fields", "id,message,created_time,from,is_hidden,parent,attachment"), ("filter", "stream"),
                    ("order", newestFirst ? "reverse_chronological" : "chronological"), ("limit", String(limit))])
        return try Self.check(response).decode(Page.self).data.map {
            PlatformComment(platform: .facebook, id: $0.id, authorName: $0.from?.name ?? "", text: $0.message ?? "",
                            createdAt: PlatformDates.parse($0.created_time), isHidden: $0.is_hidden, parentId: $0.parent?.id,
                            authorId: $0.from?.id,
                            image: $0.attachment.map { a in
                                PlatformCommentImage(kind: a.type ?? "unknown", url: a.media?.image?.src, width: a.media?.image?.width,
                                                     height: a.media?.image?.height, alt: a.description)
                            })
        }
    }

    /// `POST /{comment-id}` with `is_hidden`.
    public func setCommentHidden(commentId: String, hidden: Bool = true) async throws {
        let response = try await transport.send(.POST, path(commentId), body: .form([("is_hidden", hidden ? "true" : "false")]))
        try Self.requireSuccess(Self.check(response))
    }

    /// `DELETE /{comment-id}`.
    public func deleteComment(commentId: String) async throws {
        let response = try await transport.send(.DELETE, path(commentId))
        try Self.requireSuccess(Self.check(response))
    }

    /// `POST /{comment-id}/comments` with `message`: the Page's reply; its comment id.
    public func reply(toComment commentId: String, message: String) async throws -> String {
        struct Created: Decodable { var id: String }
        let response = try await transport.send(.POST, path(commentId, "comments"), body: .form([("message", message)]))
        return try Self.check(response).decode(Created.self).id
    }

    // MARK: Errors

    struct GraphError: Decodable {
        struct Body: Decodable {
            var message: String?
            var type: String?
            var code: Int?
            var error_subcode: Int?
            var is_transient: Bool?
            var error_user_msg: String?
            var fbtrace_id: String?
        }
        var error: Body
    }

    /// Codes Meta documents as throttling: app (4), user (17), page (32), custom-rate (613), policy block (368),
    /// and the Pages business-use-case limit (80001).
    static let throttleCodes: Set<Int> = [4, 17, 32, 613, 368, 80001]
    static let tokenCodes: Set<Int> = [190, 102]

    private static func requireSuccess(_ response: PlatformResponse) throws {
        struct Success: Decodable { var success: Bool }
        guard try response.decode(Success.self).success else {
            throw PlatformError.invalid(message: "Graph answered success: false")
        }
    }

    static func check(_ response: PlatformResponse) throws -> PlatformResponse {
        if (200..<300).contains(response.status) { return response }
        throw error(for: response)
    }

    static func error(for response: PlatformResponse, now: Date = Date()) -> PlatformError {
        guard let body = try? JSONDecoder().decode(GraphError.self, from: response.body).error, let code = body.code else {
            if response.status >= 500 { return .transient("Graph answered HTTP \(response.status)") }
            if response.status == 401 { return .tokenExpiredOrRevoked }
            return .invalid(message: "Graph answered HTTP \(response.status)")
        }
        let message = body.message ?? body.error_user_msg ?? "Graph error \(code)"
        if throttleCodes.contains(code) { return .rateLimited(resetAt: regainAccess(response.headers, now: now)) }
        if tokenCodes.contains(code) { return .tokenExpiredOrRevoked }
        if code == 1 || code == 2 || body.is_transient == true || response.status >= 500 { return .transient(message) }
        return .invalid(message: message)
    }

    /// The longest `estimated_time_to_regain_access` (minutes) in `X-Business-Use-Case-Usage`, else `Retry-After`.
    static func regainAccess(_ headers: HTTPHeaders, now: Date) -> Date? {
        struct Usage: Decodable { var estimated_time_to_regain_access: Int? }
        if let raw = headers.first(name: "X-Business-Use-Case-Usage"),
           let usage = try? JSONDecoder().decode([String: [Usage]].self, from: Data(raw.utf8)) {
            let minutes = usage.values.flatMap { $0 }.compactMap(\.estimated_time_to_regain_access).max() ?? 0
            // Held to a day: a value near Int.max would overflow the multiplication.
            if minutes > 0 { return now.addingTimeInterval(TimeInterval(min(minutes, Int(maxResetWait) / 60) * 60)) }
        }
        return headers.retryAfter(now: now)
    }
}
