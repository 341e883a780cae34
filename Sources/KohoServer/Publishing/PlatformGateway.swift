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

/// A post's attached file, read and checked, for the platform call.
struct MediaFile: Sendable {
    let data: Data
    let mimeType: String
}

/// What one post becomes on its platform.
enum PublishPayload: Sendable {
    case x(XNewPost, image: MediaFile?)
    case facebook(message: String, link: String?)
    case youtube(YouTubeVideoMetadata, video: MediaFile)

    /// The text an account's recent posts are matched against when an outcome is unknown.
    var matchText: String {
        switch self {
        case .x(let p, _): return p.text
        case .facebook(let message, _): return message
        case .youtube(let m, _): return m.title
        }
    }
    var matchDescription: String? {
        if case .youtube(let m, _) = self { return m.description }
        return nil
    }
}

/// The three clients behind one face, on one HTTP client that the app shuts down.
struct PlatformGateway: Sendable {
    let http: HTTPClient
    let endpoints: PlatformEndpoints
    let timeout: TimeAmount
    let logger: Logger

    func publish(_ payload: PublishPayload, as c: Credentials,
                 uploadSession: String?, keepSession: @Sendable (String) async throws -> Void) async throws -> PublishedPost {
        switch payload {
        case .x(var post, let image):
            let client = XClient(httpClient: http, accessToken: c.accessToken, baseURL: endpoints.xAPI, timeout: timeout, logger: logger)
            // Uploaded again on each attempt: media nobody posts with lapses on X by itself, a post twice would not.
            if let image { post.mediaIds = [try await client.uploadMedia(image.data, mediaType: image.mimeType, category: "tweet_image").id] }
            return try await client.createPost(post, as: c.username)
        case .facebook(let message, let link):
            return try await FacebookClient(httpClient: http, accessToken: c.accessToken, baseURL: endpoints.facebookGraph,
                                            timeout: timeout, logger: logger)
                .publish(pageId: c.userID, message: message, link: link)
        case .youtube(let metadata, let video):
            let client = youtube(c)
            var session = uploadSession
            if session == nil {
                let started = try await client.startUpload(metadata, contentLength: video.data.count, contentType: video.mimeType)
                // Kept before the bytes go: whatever happens next, this session tells whether the video exists.
                try await keepSession(started)
                session = started
            }
            return try await client.uploadBytes(session: session!, data: video.data).published
        }
    }

    /// Newest first.
    func recentPosts(_ c: Credentials) async throws -> [RecentPost] {
        switch c.platform {
        case .x:
            return try await XClient(httpClient: http, accessToken: c.accessToken, baseURL: endpoints.xAPI, timeout: timeout, logger: logger)
                .recentPosts(of: XUser(id: c.userID, username: c.username, name: c.username), maxResults: 100)
        case .facebook:
            return try await FacebookClient(httpClient: http, accessToken: c.accessToken, baseURL: endpoints.facebookGraph,
                                            timeout: timeout, logger: logger).recentPosts(pageId: c.userID, limit: 100)
        case .youtube:
            return try await youtube(c).recentVideos(channelId: c.userID, maxResults: 50)
        }
    }

    func uploadProgress(session: String, totalBytes: Int, _ c: Credentials) async throws -> YouTubeUploadProgress {
        try await youtube(c).uploadProgress(session: session, totalBytes: totalBytes)
    }

    private func youtube(_ c: Credentials) -> YouTubeClient {
        YouTubeClient(httpClient: http, accessToken: c.accessToken, baseURL: endpoints.youtubeAPI, timeout: timeout, logger: logger)
    }

    /// The OAuth client of a platform, when Koho has a client id for it; Facebook uses pasted Page tokens.
    func oauth(_ platform: Platform) -> OAuthClient? {
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
    }

    /// Checks a fresh token against the account it is for; the platform's id and name of the account.
    func identify(_ account: KohoCore.Account, token: AccessToken) async throws -> (id: String, username: String) {
        switch account.platform {
        case .x:
            let user = try await XClient(httpClient: http, accessToken: token, baseURL: endpoints.xAPI, timeout: timeout, logger: logger)
                .user(username: account.handle)
            return (user.id, user.username)
        case .facebook:
            _ = try await FacebookClient(httpClient: http, accessToken: token, baseURL: endpoints.facebookGraph, timeout: timeout, logger: logger)
                .recentPosts(pageId: account.handle, limit: 1)
            return (account.handle, account.handle)
        case .youtube:
            _ = try await YouTubeClient(httpClient: http, accessToken: token, baseURL: endpoints.youtubeAPI, timeout: timeout, logger: logger)
                .recentVideos(channelId: account.handle, maxResults: 1)
            return (account.handle, account.handle)
        }
    }
}
