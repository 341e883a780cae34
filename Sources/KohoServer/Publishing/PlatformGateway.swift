import AsyncHTTPClient
import Foundation
import KohoCore
import KohoPlatforms
import Logging
import NIOCore

/// A connection's tokens, opened from the vault for one call and never stored or logged.
struct Credentials: Sendable {
    let account: String
    let platform: Platform
    let userID: String
    let username: String
    let accessToken: AccessToken
    let refreshToken: AccessToken?
    let expiresAt: Date?
}

/// Everything Koho asks of the platforms, as values: `live` reaches them (or a sandbox) over HTTP with the
/// KohoPlatforms clients; a test replaces the calls it is about and leaves the rest `failing`.
struct PlatformGateway: Sendable {
    /// Sends one post. A YouTube upload hands its session to `keepSession` before the bytes go, and resumes
    /// `uploadSession` when given one.
    var publish: @Sendable (_ payload: PublishPayload, _ credentials: Credentials, _ uploadSession: String?,
                            _ keepSession: @escaping @Sendable (String) async throws -> Void) async throws -> PublishedPost
    /// The account's recent posts, newest first: what settles an attempt whose answer was lost.
    var recentPosts: @Sendable (_ credentials: Credentials) async throws -> [RecentPost]
    /// How far a YouTube upload session got.
    var uploadProgress: @Sendable (_ session: String, _ totalBytes: Int, _ credentials: Credentials) async throws -> YouTubeUploadProgress
    /// The OAuth client of a platform, when Koho has a client id for it; Facebook uses pasted Page tokens.
    var oauth: @Sendable (_ platform: Platform) -> OAuthClient?
    /// Trades an authorization code for tokens.
    var exchangeCode: @Sendable (_ client: OAuthClient, _ code: String, _ redirectURI: String, _ pkce: PKCE) async throws -> OAuthTokens
    /// Renews an access token.
    var refresh: @Sendable (_ client: OAuthClient, _ refreshToken: AccessToken, _ now: Date) async throws -> OAuthTokens
    /// Checks a fresh token against the account it is for; the platform's id and name of the account.
    var identify: @Sendable (_ account: KohoCore.Account, _ token: AccessToken) async throws -> (id: String, username: String)
    /// Whether a pasted Page token can read the Page.
    var checkPageToken: @Sendable (_ pageID: String, _ token: AccessToken) async throws -> Void
    /// Facebook: the latest comments (up to `limit`, replies too) of one post, newest first.
    var facebookComments: @Sendable (_ credentials: Credentials, _ postID: String, _ limit: Int) async throws -> [PlatformComment] =
        { _, _, _ in throw UnexpectedPlatformCall(name: "facebookComments") }
    /// YouTube: the channel's comment threads (with replies) of one moderation status (nil: published).
    var youtubeComments: @Sendable (_ credentials: Credentials, _ status: YouTubeModerationStatus?) async throws -> [PlatformComment] =
        { _, _ in throw UnexpectedPlatformCall(name: "youtubeComments") }
    /// Hides (Facebook `is_hidden`), deletes (Facebook) or rejects (YouTube `setModerationStatus`) a resident's comment.
    var moderateComment: @Sendable (_ credentials: Credentials, _ commentID: String, _ delete: Bool) async throws -> Void =
        { _, _, _ in throw UnexpectedPlatformCall(name: "moderateComment") }
    /// The official account's public profile (X verification, the about/website fields), for the profile checks.
    var readProfile: @Sendable (_ credentials: Credentials, _ account: KohoCore.Account) async throws -> AccountProfile =
        { _, _ in throw UnexpectedPlatformCall(name: "readProfile") }
    /// The platform's user (X) or channel (YouTube) search for one query, for the impersonation search; Facebook has none.
    var searchProfiles: @Sendable (_ credentials: Credentials, _ query: String) async throws -> [PlatformProfile] =
        { _, _ in throw UnexpectedPlatformCall(name: "searchProfiles") }
    /// An image attached to a comment, from the platform's image server (an address `CommentImages` checked).
    var commentImage: @Sendable (_ url: String, _ maxBytes: Int) async throws -> (data: Data, status: Int) =
        { _, _ in throw UnexpectedPlatformCall(name: "commentImage") }
}

/// A gateway call that the test did not provide.
struct UnexpectedPlatformCall: Error, CustomStringConvertible {
    let name: String
    var description: String { "PlatformGateway.\(name) was called but this gateway does not provide it" }
}

extension PlatformGateway {
    /// Every call refused: the base a test overrides.
    static let failing = PlatformGateway(
        publish: { _, _, _, _ in throw UnexpectedPlatformCall(name: "publish") },
        recentPosts: { _ in throw UnexpectedPlatformCall(name: "recentPosts") },
        uploadProgress: { _, _, _ in throw UnexpectedPlatformCall(name: "uploadProgress") },
        oauth: { _ in nil },
        exchangeCode: { _, _, _, _ in throw UnexpectedPlatformCall(name: "exchangeCode") },
        refresh: { _, _, _ in throw UnexpectedPlatformCall(name: "refresh") },
        identify: { _, _ in throw UnexpectedPlatformCall(name: "identify") },
        checkPageToken: { _, _ in throw UnexpectedPlatformCall(name: "checkPageToken") })

    /// The three clients behind one face, on one HTTP client that the app shuts down.
    static func live(http outbound: OutboundHTTP, endpoints: PlatformEndpoints, timeout: TimeAmount, logger: Logger) -> PlatformGateway {
        @Sendable func x(_ token: AccessToken) -> XClient {
            XClient(httpClient: outbound.client(for: endpoints.xAPI), accessToken: token, baseURL: endpoints.xAPI, timeout: timeout, logger: logger)
        }
        @Sendable func facebook(_ token: AccessToken) -> FacebookClient {
            FacebookClient(httpClient: outbound.client(for: endpoints.facebookGraph), accessToken: token, baseURL: endpoints.facebookGraph,
                           timeout: timeout, logger: logger)
        }
        @Sendable func youtube(_ token: AccessToken) -> YouTubeClient {
            YouTubeClient(httpClient: outbound.client(for: endpoints.youtubeAPI), accessToken: token, baseURL: endpoints.youtubeAPI,
                          timeout: timeout, logger: logger)
        }
        return PlatformGateway(
            publish: { payload, c, uploadSession, keepSession in
                switch payload {
                case .x(var post, let image):
                    let client = x(c.accessToken)
                    // Uploaded again on each attempt: media nobody posts with lapses on X by itself, a post twice would not.
                    if let image { post.mediaIds = [try await client.uploadMedia(image.data, mediaType: image.mimeType, category: "tweet_image").id] }
                    return try await client.createPost(post, as: c.username)
                case .facebook(let message, let link):
                    return try await facebook(c.accessToken).publish(pageId: c.userID, message: message, link: link)
                case .youtube(let metadata, let video):
                    let client = youtube(c.accessToken)
                    var session = uploadSession
                    if session == nil {
                        let started = try await client.startUpload(metadata, contentLength: video.data.count, contentType: video.mimeType)
                        // Kept before the bytes go: whatever happens next, this session tells whether the video exists.
                        try await keepSession(started)
                        session = started
                    }
                    return try await client.uploadBytes(session: session!, data: video.data).published
                }
            },
            recentPosts: { c in
                switch c.platform {
                case .x:
                    return try await x(c.accessToken).recentPosts(of: XUser(id: c.userID, username: c.username, name: c.username), maxResults: 100)
                case .facebook:
                    return try await facebook(c.accessToken).recentPosts(pageId: c.userID, limit: 100)
                case .youtube:
                    return try await youtube(c.accessToken).recentVideos(channelId: c.userID, maxResults: 50)
                }
            },
            uploadProgress: { session, totalBytes, c in
                try await youtube(c.accessToken).uploadProgress(session: session, totalBytes: totalBytes)
            },
            oauth: { platform in
                switch platform {
                case .x:
                    guard let id = endpoints.xClientID else { return nil }
                    return OAuthClient(provider: .x, clientID: id, clientSecret: endpoints.xClientSecret.map(AccessToken.init),
                                       authorizeURL: endpoints.xAuthorize, tokenURL: endpoints.xToken,
                                       scopes: OAuthClient.x(clientID: id, clientSecret: nil).scopes)
                case .youtube:
                    guard let id = endpoints.googleClientID else { return nil }
                    return OAuthClient(provider: .google, clientID: id, clientSecret: endpoints.googleClientSecret.map(AccessToken.init),
                                       authorizeURL: endpoints.googleAuthorize, tokenURL: endpoints.googleToken,
                                       scopes: OAuthClient.google(clientID: id, clientSecret: nil).scopes)
                case .facebook:
                    return nil
                }
            },
            exchangeCode: { client, code, redirectURI, pkce in
                try await client.exchange(code: code, redirectURI: redirectURI, pkce: pkce, http: outbound.client(for: client.tokenURL))
            },
            refresh: { client, token, now in
                try await client.refresh(token, http: outbound.client(for: client.tokenURL), now: now)
            },
            identify: { account, token in
                switch account.platform {
                case .x:
                    // The token's own user: the policy's username may be one X cannot look up (over 15 characters).
                    let user = try await x(token).me()
                    return (user.id, user.username)
                case .facebook:
                    _ = try await facebook(token).recentPosts(pageId: account.handle, limit: 1)
                    return (account.handle, account.handle)
                case .youtube:
                    _ = try await youtube(token).recentVideos(channelId: account.handle, maxResults: 1)
                    return (account.handle, account.handle)
                }
            },
            checkPageToken: { pageID, token in
                _ = try await facebook(token).recentPosts(pageId: pageID, limit: 1)
            },
            facebookComments: { c, postID, limit in
                try await facebook(c.accessToken).comments(postId: postID, limit: limit, newestFirst: true)
            },
            youtubeComments: { c, status in
                try await youtube(c.accessToken).commentThreads(channelId: c.userID, moderationStatus: status, maxResults: 100)
            },
            moderateComment: { c, commentID, delete in
                switch c.platform {
                case .facebook:
                    if delete { try await facebook(c.accessToken).deleteComment(commentId: commentID) }
                    else { try await facebook(c.accessToken).setCommentHidden(commentId: commentID, hidden: true) }
                case .youtube:
                    // The API deletes only the channel's own comments; rejecting hides a resident's from the public.
                    try await youtube(c.accessToken).setModerationStatus(commentIds: [commentID], status: .rejected)
                case .x:
                    throw PlatformError.invalid(message: "X のコメントは Koho から非表示・削除しません（3(6)）")
                }
            },
            readProfile: { c, account in
                switch account.platform {
                case .x:
                    let client = x(c.accessToken)
                    return try await c.userID.isEmpty ? client.profile(username: account.handle) : client.profile(userID: c.userID)
                case .facebook: return try await facebook(c.accessToken).pageProfile(pageId: c.userID.isEmpty ? account.handle : c.userID)
                case .youtube: return try await youtube(c.accessToken).channelProfile(id: account.handle)
                }
            },
            searchProfiles: { c, query in
                switch c.platform {
                case .x: return try await x(c.accessToken).searchUsers(query: query, maxResults: 100)
                case .youtube: return try await youtube(c.accessToken).searchChannels(query: query, maxResults: 50)
                case .facebook: return []
                }
            })
    }
}
