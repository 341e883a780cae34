import Foundation
import KohoCore
import Testing
@testable import KohoPlatforms
import KohoSandbox
import KohoTestSupport

@Suite("Every client call against the sandbox over HTTP")
struct ClientCallTests {
    @Test func xPostQuoteReadAndDelete() async throws {
        try await Harness.run { h in
            let x = h.x()
            let user = try await x.user(username: "kodaira_tokyo")
            #expect(user.id == SandboxAccounts.xKodaira.platformId)
            #expect(user.username == "kodaira_tokyo")

            let first = try await x.createPost(XNewPost(text: "小平市からのお知らせです。"), as: user.username)
            #expect(first.id.count >= 18 && first.id.allSatisfy(\.isNumber))
            #expect(first.url == "https://x.com/kodaira_tokyo/status/\(first.id)")

            let quote = try await x.createPost(XNewPost(text: "引用します", quoteTweetId: first.id), as: user.username)
            let listed = try await h.listedPosts()
            let quoteRecord = listed.first { $0["id"] as? String == quote.id }
            #expect(quoteRecord?["quoteTweetId"] as? String == first.id)
            #expect(quoteRecord?["replySettings"] as? String == "mentionedUsers")
            #expect(quoteRecord?["platform"] as? String == "x")
            #expect(quoteRecord?["account"] as? String == "kodaira_tokyo")
            #expect(quoteRecord?["createdAt"] is String)

            let recent = try await x.recentPosts(of: user)
            #expect(recent.map(\.id) == [quote.id, first.id])
            #expect(recent.first?.createdAt != nil)
            #expect(recent.last?.text == "小平市からのお知らせです。")

            #expect(try await x.deletePost(id: first.id))
            #expect(try await x.recentPosts(username: "kodaira_tokyo").map(\.id) == [quote.id])
            // The other account's timeline is its own.
            let hisyo = h.x(SandboxAccounts.xHisyo)
            // By id: X looks up no username of more than 15 characters (the policy's mayor's-office name has 19).
            let hisyoUser = XUser(id: SandboxAccounts.xHisyo.platformId, username: SandboxAccounts.xHisyo.username, name: SandboxAccounts.xHisyo.name)
            #expect(try await hisyo.recentPosts(of: hisyoUser).isEmpty)
            await #expect(throws: PlatformError.self) { try await hisyo.recentPosts(username: "hisyo_kodaira_tokyo") }
        }
    }

    @Test func xChunkedMediaUpload() async throws {
        try await Harness.run { h in
            let x = h.x()
            let image = Data((0..<5000).map { UInt8($0 % 251) })
            let photo = try await x.uploadMedia(image, mediaType: "image/png", category: "tweet_image", chunkSize: 2048)
            #expect(photo.id.allSatisfy { $0.isNumber })
            #expect(photo.mediaKey == "3_\(photo.id)")
            #expect(photo.state == nil)

            let video = try await x.uploadMedia(Data(count: 3000), mediaType: "video/mp4", category: "tweet_video",
                                                chunkSize: 1000, pollInterval: .milliseconds(10))
            #expect(video.state == "succeeded")
            #expect(try await x.uploadStatus(id: video.id).state == "succeeded")

            let post = try await x.createPost(XNewPost(text: "写真と動画", mediaIds: [photo.id, video.id]), as: "kodaira_tokyo")
            let record = try await h.listedPosts().first { $0["id"] as? String == post.id }
            #expect(record?["mediaIds"] as? [String] == [photo.id, video.id])

            // FINALIZE before every byte arrived is refused.
            let partial = try await x.initializeUpload(totalBytes: 100, mediaType: "image/jpeg", category: "tweet_image")
            try await x.appendUpload(id: partial, segmentIndex: 0, chunk: Data(count: 10))
            let error = await platformError { try await x.finalizeUpload(id: partial) }
            guard case .invalid(let message)? = error else { Issue.record("expected invalid, got \(String(describing: error))"); return }
            #expect(message.contains("File size mismatch"))
        }
    }

    @Test func facebookPageFeedPhotoAndComments() async throws {
        try await Harness.run { h in
            let fb = h.facebook()
            let page = SandboxAccounts.facebookKoho.platformId
            let post = try await fb.publish(pageId: page, message: "市報こだいら 4月号", link: "https://www.city.kodaira.tokyo.jp/")
            #expect(post.id.hasPrefix("\(page)_"))
            #expect(post.id.split(separator: "_").allSatisfy { $0.allSatisfy(\.isNumber) })
            #expect(post.url == "https://www.facebook.com/\(post.id)")

            let photo = try await fb.publishPhoto(pageId: "koho.kodairacity", imageURL: "https://example.org/sakura.jpg", caption: "桜が見頃です")
            #expect(photo.id.hasPrefix("\(page)_"))

            let recent = try await fb.recentPosts(pageId: page)
            #expect(recent.map(\.id) == [photo.id, post.id])
            #expect(recent.last?.text == "市報こだいら 4月号")
            #expect(recent.last?.createdAt != nil)

            let residentId = try await h.residentComment(on: post.id, text: "ありがとうございます")
            let spamId = try await h.residentComment(on: post.id, text: "広告です")
            #expect(residentId.hasPrefix(post.id.split(separator: "_")[1] + "_"))

            let replyId = try await fb.reply(toComment: residentId, message: "ご覧いただきありがとうございます。")
            var comments = try await fb.comments(postId: post.id)
            #expect(comments.map(\.id) == [residentId, spamId, replyId])
            #expect(comments.last?.parentId == residentId)
            #expect(comments.last?.authorName == SandboxAccounts.facebookKoho.name)
            #expect(comments.first?.authorName == "市民A")

            try await fb.setCommentHidden(commentId: spamId, hidden: true)
            comments = try await fb.comments(postId: post.id)
            #expect(comments.first { $0.id == spamId }?.isHidden == true)
            #expect(comments.first { $0.id == residentId }?.isHidden == false)

            try await fb.deleteComment(commentId: spamId)
            comments = try await fb.comments(postId: post.id)
            #expect(!comments.contains { $0.id == spamId })
        }
    }

    @Test func youTubeResumableUploadAndComments() async throws {
        try await Harness.run { h in
            let yt = h.youtube()
            let channel = SandboxAccounts.youtubeKodaira.platformId
            let publishAt = Date().addingTimeInterval(3600).rounded()
            let metadata = YouTubeVideoMetadata(title: "小平市長 定例記者会見", description: "令和7年4月", tags: ["小平市"],
                                                privacyStatus: .private, publishAt: publishAt)
            let bytes = Data(count: 4096)
            let session = try await yt.startUpload(metadata, contentLength: bytes.count, contentType: "video/mp4")
            #expect(session.hasPrefix(h.base + "/upload/youtube/v3/videos?"))
            #expect(try await yt.uploadProgress(session: session, totalBytes: bytes.count) == .incomplete(receivedBytes: 0))
            let video = try await yt.uploadBytes(session: session, data: bytes)
            #expect(video.id.count == 11)
            #expect(video.id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            #expect(video.privacyStatus == "private")
            #expect(video.publishAt == publishAt)
            #expect(video.url == "https://www.youtube.com/watch?v=\(video.id)")
            // Asking the session again after the answer is what recovers a lost one.
            #expect(try await yt.uploadProgress(session: session, totalBytes: bytes.count) == .complete(video))

            let second = try await yt.uploadVideo(YouTubeVideoMetadata(title: "ごみの出し方"), data: Data(count: 10))
            let recent = try await yt.recentVideos(channelId: channel)
            #expect(recent.map(\.id) == [second.id, video.id])
            #expect(recent.last?.text == "小平市長 定例記者会見")
            #expect(recent.last?.description == "令和7年4月")

            let top = try await h.residentComment(on: video.id, text: "楽しみです")
            let held = try await h.residentComment(on: video.id, text: "保留中", extra: ",\"moderationStatus\":\"heldForReview\"")
            let replyId = try await yt.reply(toComment: top, text: "ありがとうございます")
            #expect(replyId.hasPrefix(top + "."))

            var threads = try await yt.commentThreads(channelId: channel)
            #expect(threads.map(\.id) == [top, replyId])
            #expect(threads.first?.videoId == video.id)
            #expect(threads.last?.parentId == top)
            #expect(try await yt.commentThreads(channelId: channel, moderationStatus: .heldForReview).map(\.id) == [held])

            try await yt.setModerationStatus(commentIds: [held], status: .published)
            try await yt.setModerationStatus(commentIds: [top], status: .rejected, banAuthor: true)
            threads = try await yt.commentThreads(channelId: channel)
            #expect(threads.map(\.id) == [held])
            #expect(try await yt.commentThreads(channelId: channel, moderationStatus: .rejected).first?.id == top)
        }
    }
}

extension Date {
    /// Whole seconds, as the platforms write times.
    func rounded() -> Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down)) }
}
