import AsyncHTTPClient
import Foundation
import KohoCore
import NIOCore
import NIOHTTP1
import Testing
@testable import KohoPlatforms
import KohoSandbox
import KohoTestSupport

/// Every call the three clients make, in the flows Koho runs (publishing with media, reading back, comments polled,
/// hidden, deleted, rejected and answered, the impersonation search, the profile checks, OAuth), recorded by the
/// sandbox and held against the platforms' own descriptions in `../shared/platform-specs/`.
@Suite("The platforms' own descriptions as the sandbox's contract")
struct PlatformContractTests {
    /// A minimal PNG: signature, IHDR, IDAT, IEND (the sandbox does not decode it; X is told its type).
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(repeating: 0x42, count: 5000)

    static func recordFlows() async throws -> [SandboxCall] {
        var log: SandboxCallLog!
        try await Harness.run(recording: { log = $0 }) { h in
            // X: connect (identify by the token), publish with an image and a video, quote, read back, delete.
            let x = h.x()
            let me = try await x.me()
            let photo = try await x.uploadMedia(png, mediaType: "image/png", category: "tweet_image", chunkSize: 2048)
            let post = try await x.createPost(XNewPost(text: "小平市からのお知らせです。https://www.city.kodaira.tokyo.jp/", mediaIds: [photo.id]), as: me.username)
            let video = try await x.uploadMedia(Data(count: 3000), mediaType: "video/mp4", category: "tweet_video",
                                                chunkSize: 1024, pollInterval: .milliseconds(1))
            _ = try await x.createPost(XNewPost(text: "動画のお知らせ", mediaIds: [video.id]), as: me.username)
            _ = try await x.createPost(XNewPost(text: "引用します", quoteTweetId: post.id), as: me.username)
            _ = try await x.recentPosts(of: me, maxResults: 100)
            _ = try await x.recentPosts(of: me, maxResults: 5, sinceId: post.id)
            #expect(try await x.deletePost(id: post.id))
            // The mayor's office: 19 characters, which X cannot look up by name; by token and by id it can.
            let hisyo = h.x(SandboxAccounts.xHisyo)
            let hisyoUser = try await hisyo.me()
            #expect(hisyoUser.username == "hisyo_kodaira_tokyo")
            _ = try await hisyo.createPost(XNewPost(text: "市長メッセージ"), as: hisyoUser.username)
            _ = try await hisyo.profile(userID: hisyoUser.id)
            _ = try await x.profile(username: "kodaira_tokyo")
            // X answers a user or post it does not have with 200 and `errors` (a resource-not-found problem).
            #expect(await platformError { try await x.profile(userID: "1") } != nil)
            #expect(await platformError { try await x.deletePost(id: "1") } != nil)
            // The impersonation scan: ASCII queries, and the look-alike handles by name.
            for query in ["kodaira tokyo", "kodaira", "tokyo", "hisyo kodaira tokyo"] { _ = try await x.searchUsers(query: query) }
            _ = try await x.users(usernames: ["k0daira__tokyo", "kodairatokyo_jp", "obira_town"])

            // Facebook: publish, a photo post, read back, comments polled (newest first and in order), hidden,
            // answered and deleted; the Page's profile.
            let fb = h.facebook()
            let page = SandboxAccounts.facebookKoho.platformId
            let fbPost = try await fb.publish(pageId: page, message: "催しのお知らせ", link: "https://www.city.kodaira.tokyo.jp/event/1.html")
            _ = try await fb.publishPhoto(pageId: page, imageURL: "https://www.city.kodaira.tokyo.jp/img/1.png", caption: "写真のお知らせ")
            _ = try await fb.recentPosts(pageId: page, limit: 25)
            let rude = try await h.residentComment(on: fbPost.id, text: "０９０ー１２３４ー５６７８に電話して")
            let question = try await h.residentComment(on: fbPost.id, text: "何時からですか")
            _ = try await fb.comments(postId: fbPost.id, limit: 100, newestFirst: true)
            _ = try await fb.comments(postId: fbPost.id)
            try await fb.setCommentHidden(commentId: rude)
            _ = try await fb.reply(toComment: question, message: "10時からです。")
            try await fb.deleteComment(commentId: rude)
            _ = try await fb.pageProfile(pageId: page)

            // YouTube: a scheduled private upload, asking the session what arrived, the uploads, comment threads of
            // each kind, rejecting one, answering one; the channel search and the channel's profile.
            let yt = h.youtube()
            let channel = SandboxAccounts.youtubeKodaira.platformId
            let bytes = Data(repeating: 7, count: 4096)
            let metadata = YouTubeVideoMetadata(title: "小平の風景", description: "市内の風景を紹介します", tags: ["小平市"],
                                                categoryId: "25", privacyStatus: .private, publishAt: Date().addingTimeInterval(86_400))
            let session = try await yt.startUpload(metadata, contentLength: bytes.count, contentType: "video/mp4")
            _ = try await yt.uploadProgress(session: session, totalBytes: bytes.count)
            let uploaded = try await yt.uploadBytes(session: session, data: bytes)
            _ = try await yt.uploadProgress(session: session, totalBytes: bytes.count)
            _ = try await yt.recentVideos(channelId: channel, maxResults: 50)
            let top = try await h.residentComment(on: uploaded.id, text: "楽しみです")
            _ = try await h.residentComment(on: uploaded.id, text: "会場の写真です",
                                            extra: ",\"image\":{\"base64\":\"\(png.base64EncodedString())\",\"contentType\":\"image/png\"}")
            _ = try await h.residentComment(on: fbPost.id, text: "会場の写真です",
                                            extra: ",\"image\":{\"base64\":\"\(png.base64EncodedString())\",\"contentType\":\"image/png\",\"alt\":\"テント\"}")
            let images = try await yt.commentThreads(channelId: channel).compactMap(\.image?.url)
            #expect(images.count == 1, "the image's address from snippet.imageUrl")
            _ = try await fb.comments(postId: fbPost.id)
            _ = try await h.residentComment(on: uploaded.id, text: "保留中", extra: ",\"moderationStatus\":\"heldForReview\"")
            for status in [nil, YouTubeModerationStatus.heldForReview, .likelySpam] {
                _ = try await yt.commentThreads(channelId: channel, moderationStatus: status)
            }
            try await yt.setModerationStatus(commentIds: [top], status: .rejected)
            _ = try await yt.reply(toComment: top, text: "ありがとうございます")
            for query in ["小平市", "小平市公式チャンネル"] { _ = try await yt.searchChannels(query: query) }
            _ = try await yt.channelProfile(id: channel)

            // OAuth: X's code with PKCE and its refresh; Google's code.
            let pkce = PKCE.make()
            let xOAuth = OAuthClient.x(clientID: "koho-client", clientSecret: nil, apiBaseURL: h.base)
            let tokens = try await xOAuth.exchange(code: PlatformSandbox.authorizationCode(for: "kodaira_tokyo"),
                                                   redirectURI: "http://127.0.0.1/accounts/oauth/callback", pkce: pkce, http: h.http)
            _ = try await xOAuth.refresh(try #require(tokens.refreshToken), http: h.http)
            let google = OAuthClient.google(clientID: "koho-client", clientSecret: AccessToken("secret"), tokenURL: h.base + "/token")
            _ = try await google.exchange(code: PlatformSandbox.authorizationCode(for: channel),
                                          redirectURI: "http://127.0.0.1/accounts/oauth/callback", pkce: pkce, http: h.http)
        }
        return await log.calls
    }

    @Test func everyCallKeepsThePlatformsOwnDescriptions() async throws {
        let contract = try PlatformContract.shared()
        let calls = try await Self.recordFlows()
        let checked = calls.filter { PlatformContract.target(of: $0.path) != .control }
        for target in [PlatformContract.Target.x, .facebook, .youtube, .oauth] {
            #expect(checked.contains { PlatformContract.target(of: $0.path) == target }, "no \(target) call was recorded")
        }
        #expect(checked.count >= 50, "only \(checked.count) calls recorded")
        #expect(checked.allSatisfy { (200..<400).contains($0.status) }, "\(checked.filter { $0.status >= 400 }.map(\.summary))")
        let problems = contract.problems(checked)
        #expect(problems.isEmpty, "\(problems.count) calls the platforms would refuse or answer otherwise:\n\(problems.joined(separator: "\n"))")
    }

    /// Calls the platforms would refuse, sent to the recording sandbox: each must be caught, with the reason.
    @Test func aCallThePlatformWouldRefuseFailsTheContract() async throws {
        let contract = try PlatformContract.shared()
        var log: SandboxCallLog!
        let x = "Bearer " + SandboxAccounts.xKodaira.accessToken, yt = "Bearer " + SandboxAccounts.youtubeKodaira.accessToken
        let fb = "Bearer " + SandboxAccounts.facebookKoho.accessToken
        let wrong: [(HTTPMethod, String, String?, String, String)] = [
            (.GET, "/2/users/search?query=" + percentEncode("小平市"), nil, x, "does not match"),
            (.GET, "/2/users/by/username/hisyo_kodaira_tokyo", nil, x, "does not match"),
            (.POST, "/2/tweets", #"{"text":"お知らせ","reply_settings":"everyone"}"#, x, "is not one of"),
            (.POST, "/2/tweets", #"{"txt":"お知らせ"}"#, x, "unknown property \"txt\""),
            (.POST, "/2/tweets", #"{"text":"お知らせ","media":{"media_ids":[12345]}}"#, x, "expected string"),
            (.GET, "/2/users/2979486402/tweets?max_results=500", nil, x, "more than"),
            (.GET, "/2/users/2979486402/tweets?post.fields=created_at,colour", nil, x, "is not one of"),
            (.GET, "/2/users/2979486402/tweets?tweet.fields=created_at", nil, x, "unknown query parameter tweet.fields"),
            (.GET, "/2/timeline", nil, x, "X has no operation"),
            (.POST, "/2/media/upload/initialize", #"{"total_bytes":10,"media_type":"image/svg+xml"}"#, x, "is not one of"),
            (.GET, "/youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId=UCp9YZtjCNcG0q3fQ1ln31Xg&moderationStatus=hidden", nil, yt, "is not one of"),
            (.GET, "/youtube/v3/commentThreads?allThreadsRelatedToChannelId=UCp9YZtjCNcG0q3fQ1ln31Xg", nil, yt, "required parameter part"),
            (.GET, "/youtube/v3/search?part=snippet&q=kodaira&maxResults=100", nil, yt, "more than 50"),
            (.POST, "/youtube/v3/comments?part=snippet", #"{"snippet":{"parentId":"x","text":"hi"}}"#, yt, "unknown property \"text\""),
            (.GET, "/v26.0/100064708426154_1/comments?filter=all", nil, fb, "filter=all is not one of"),
            (.POST, "/v26.0/100064708426154/feed", "message=hi&visibility=public", fb, "has no parameter visibility"),
            (.GET, "/v26.0/100064708426154?fields=id,homepage", nil, fb, "no field homepage"),
        ]
        try await Harness.run(recording: { log = $0 }) { h in
            for (method, path, body, auth, _) in wrong {
                var request = HTTPClientRequest(url: h.base + path)
                request.method = method
                request.headers.add(name: "Authorization", value: auth)
                if let body {
                    request.headers.add(name: "Content-Type", value: body.hasPrefix("{") ? "application/json" : "application/x-www-form-urlencoded")
                    request.body = .bytes(ByteBuffer(string: body))
                }
                _ = try await h.http.execute(request, timeout: .seconds(10)).body.collect(upTo: 1 << 20)
            }
        }
        let calls = await log.calls
        #expect(calls.count == wrong.count)
        for (call, expected) in zip(calls, wrong) {
            let problems = contract.problems(call)
            #expect(problems.contains { $0.contains(expected.4) }, "\(call.summary) was not caught for “\(expected.4)”: \(problems)")
        }
    }

    /// An answer X's schema does not allow is caught too: a post id that is not a number, and no text.
    @Test func anAnswerOutsideXsSchemaFailsTheContract() throws {
        let contract = try PlatformContract.shared()
        let call = SandboxCall(method: "POST", path: "/2/tweets", query: nil,
                               requestHeaders: [("Content-Type", "application/json")], requestBody: Data(#"{"text":"お知らせ"}"#.utf8),
                               status: 201, responseHeaders: [("Content-Type", "application/json")],
                               responseBody: Data(#"{"data":{"id":"post-1"}}"#.utf8))
        let problems = contract.problems(call)
        #expect(problems.contains { $0.contains("answer $.data.id") && $0.contains("does not match") }, "\(problems)")
        #expect(problems.contains { $0.contains("required property \"text\"") }, "\(problems)")
        let undocumented = SandboxCall(method: "GET", path: "/2/users/me", query: nil, requestHeaders: [], requestBody: Data(),
                                       status: 200, responseHeaders: [("Content-Type", "text/html")], responseBody: Data("<p>".utf8))
        #expect(contract.problems(undocumented).contains { $0.contains("the sandbox as text/html") })
        // YouTube's answers are held against its discovery document: a comment's image is `snippet.imageUrl`, and
        // the invented `attachedImage` the sandbox once wrote is caught.
        let thread = #"{"kind":"youtube#commentThreadListResponse","items":[{"kind":"youtube#commentThread","id":"Ug1","snippet":{"topLevelComment":{"id":"Ug1","snippet":{"textOriginal":"写真","attachedImage":{"url":"https://yt3.ggpht.com/a.png"}}}}}]}"#
        let youtube = SandboxCall(method: "GET", path: "/youtube/v3/commentThreads",
                                  query: "part=snippet&allThreadsRelatedToChannelId=UCp9YZtjCNcG0q3fQ1ln31Xg", requestHeaders: [],
                                  requestBody: Data(), status: 200, responseHeaders: [("Content-Type", "application/json")],
                                  responseBody: Data(thread.utf8))
        #expect(contract.problems(youtube).contains { $0.contains("unknown property \"attachedImage\"") }, "\(contract.problems(youtube))")
    }

    /// Without the descriptions the contract cannot be checked: that is a failure with the folder named, not a skip.
    @Test func missingDescriptionsFailWithTheFolderNamed() throws {
        let nowhere = URL(fileURLWithPath: "/nonexistent/platform-specs")
        #expect {
            _ = try PlatformContract.load(from: nowhere)
        } throws: { error in
            "\(error)".contains("/nonexistent/platform-specs/x-api-v2-openapi.json") && "\(error)".contains("../shared")
        }
    }
}
