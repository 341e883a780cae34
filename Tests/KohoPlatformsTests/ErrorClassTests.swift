import Foundation
import KohoCore
import NIOHTTP1
import Testing
@testable import KohoPlatforms
import KohoSandbox
import KohoTestSupport

@Suite("Every error class, per platform, over HTTP")
struct ErrorClassTests {
    static let fbPage = SandboxAccounts.facebookKoho.platformId
    static let channel = SandboxAccounts.youtubeKodaira.platformId

    @Test func rateLimitedWithResetTime() async throws {
        try await Harness.run { h in
            // The reset lies 150 s after the throttle began, somewhere between the moment before the fault was set and
            // the moment the answer came back (a loaded machine may take seconds in between); X gives whole seconds.
            let before = Date()
            try await h.faults(#"{"throttle":{"resetSeconds":150}}"#)
            func within(_ reset: Date, upTo now: Date, slack: TimeInterval = 2) -> Bool {
                reset >= before.addingTimeInterval(150 - slack) && reset <= now.addingTimeInterval(150 + slack)
            }

            let x = await platformError { try await h.x().createPost(XNewPost(text: "throttled"), as: "kodaira_tokyo") }
            guard case .rateLimited(let xReset?)? = x else { Issue.record("X: \(String(describing: x))"); return }
            #expect(within(xReset, upTo: Date()))

            // Meta gives the wait in whole minutes: 150 s reads as 3 minutes.
            let fb = await platformError { try await h.facebook().publish(pageId: Self.fbPage, message: "throttled") }
            guard case .rateLimited(let fbReset?)? = fb else { Issue.record("Facebook: \(String(describing: fb))"); return }
            #expect(fbReset.timeIntervalSince(before) >= 150 && fbReset <= Date().addingTimeInterval(185))

            let yt = await platformError { try await h.youtube().recentVideos(channelId: Self.channel) }
            guard case .rateLimited(let ytReset?)? = yt else { Issue.record("YouTube: \(String(describing: yt))"); return }
            #expect(within(ytReset, upTo: Date()))

            #expect(try await h.listedPosts().isEmpty)
            try await h.faults(#"{"throttle":false}"#)
            _ = try await h.x().createPost(XNewPost(text: "after the throttle"), as: "kodaira_tokyo")
        }
    }

    @Test func throttleEndsAtItsResetTime() async throws {
        try await Harness.run { h in
            try await h.faults(#"{"throttle":{"resetSeconds":1,"platforms":["x"]}}"#)
            let x = h.x()
            let outcome1 = await platformError { try await x.user(username: "kodaira_tokyo") }
            #expect(outcome1 != nil)
            _ = try await h.facebook().recentPosts(pageId: Self.fbPage)
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await x.user(username: "kodaira_tokyo").username == "kodaira_tokyo")
        }
    }

    @Test func revokedAndUnknownTokens() async throws {
        try await Harness.run { h in
            try await h.faults(#"{"revokeToken":"sandbox-token-kodaira_tokyo"}"#)
            let outcome2 = await platformError { try await h.x().createPost(XNewPost(text: "a"), as: "kodaira_tokyo") }
            #expect(outcome2 == .tokenExpiredOrRevoked)
            // Only that token: the other X account still posts.
            _ = try await h.x(SandboxAccounts.xHisyo).createPost(XNewPost(text: "a"), as: "hisyo_kodaira_tokyo")

            try await h.faults(#"{"revokeToken":"sandbox-token-koho.kodairacity"}"#)
            let outcome3 = await platformError { try await h.facebook().publish(pageId: Self.fbPage, message: "a") }
            #expect(outcome3 == .tokenExpiredOrRevoked)
            try await h.faults(#"{"revokeToken":"sandbox-token-UCp9YZtjCNcG0q3fQ1ln31Xg"}"#)
            let outcome4 = await platformError { try await h.youtube().uploadVideo(YouTubeVideoMetadata(title: "a"), data: Data(count: 1)) }
            #expect(outcome4 == .tokenExpiredOrRevoked)

            let outcome5 = await platformError { try await h.x(token: "nope").user(username: "kodaira_tokyo") }
            #expect(outcome5 == .tokenExpiredOrRevoked)
            let outcome6 = await platformError { try await h.facebook(token: "nope").recentPosts(pageId: Self.fbPage) }
            #expect(outcome6 == .tokenExpiredOrRevoked)
            let outcome7 = await platformError { try await h.youtube(token: "nope").commentThreads(channelId: Self.channel) }
            #expect(outcome7 == .tokenExpiredOrRevoked)

            // The answers are the platforms' own bodies.
            let graph = try await h.control(.GET, "/v26.0/\(Self.fbPage)/posts?access_token=sandbox-token-koho.kodairacity")
            let error = (try JSONSerialization.jsonObject(with: graph.body) as? [String: Any])?["error"] as? [String: Any]
            #expect(error?["code"] as? Int == 190)
            #expect(error?["type"] as? String == "OAuthException")
            #expect(error?["fbtrace_id"] is String)

            try await h.faults(#"{"revokeToken":false}"#)
            _ = try await h.x().user(username: "kodaira_tokyo")
        }
    }

    @Test func refusedAsInvalidWithThePlatformsMessage() async throws {
        try await Harness.run { h in
            let x = h.x()
            _ = try await x.createPost(XNewPost(text: "同じ文面"), as: "kodaira_tokyo")
            let duplicate = await platformError { try await x.createPost(XNewPost(text: "同じ文面"), as: "kodaira_tokyo") }
            #expect(duplicate == .invalid(message: "You are not allowed to create a Tweet with duplicate content."))
            // The same text from the other account is not a duplicate.
            _ = try await h.x(SandboxAccounts.xHisyo).createPost(XNewPost(text: "同じ文面"), as: "hisyo_kodaira_tokyo")
            let quote = await platformError { try await x.createPost(XNewPost(text: "q", quoteTweetId: "123"), as: "kodaira_tokyo") }
            guard case .invalid(let quoteMessage)? = quote else { Issue.record("\(String(describing: quote))"); return }
            #expect(quoteMessage.contains("quote_tweet_id"))

            let fb = await platformError { try await h.facebook().publish(pageId: Self.fbPage, message: "") }
            #expect(fb == .invalid(message: "(#100) Missing message or attachment"))

            let yt = await platformError {
                try await h.youtube().uploadVideo(YouTubeVideoMetadata(title: "予約", privacyStatus: .public, publishAt: Date().addingTimeInterval(3600)),
                                                  data: Data(count: 1))
            }
            #expect(yt == .invalid(message: "The request metadata specifies an invalid scheduled publishing time."))
            let ytReply = await platformError { try await h.youtube().reply(toComment: "Ugznothing", text: "x") }
            #expect(ytReply == .invalid(message: "The parent comment specified for the comment cannot be found."))

            #expect(try await h.listedPosts().count == 2)
        }
    }

    @Test func transientWhenEveryCallFails() async throws {
        try await Harness.run { h in
            try await h.faults(#"{"errorRate":1.0}"#)
            let x = await platformError { try await h.x().createPost(XNewPost(text: "a"), as: "kodaira_tokyo") }
            let fb = await platformError { try await h.facebook().publish(pageId: Self.fbPage, message: "a") }
            let yt = await platformError { try await h.youtube().uploadVideo(YouTubeVideoMetadata(title: "a"), data: Data(count: 1)) }
            for error in [x, fb, yt] {
                guard case .transient? = error else { Issue.record("expected transient, got \(String(describing: error))"); continue }
            }
            // A 5xx here came before anything was done.
            #expect(try await h.listedPosts().isEmpty)
        }
    }

    @Test func transientOnTimeout() async throws {
        try await Harness.run { h in
            try await h.faults(#"{"latencyMs":400}"#)
            let error = await platformError { try await h.x(timeout: .milliseconds(100)).user(username: "kodaira_tokyo") }
            guard case .transient? = error else { Issue.record("expected transient, got \(String(describing: error))"); return }
            _ = try await h.x().user(username: "kodaira_tokyo")
        }
    }

    /// The hard case: the platform did the work but the answer never came. The post is found afterwards, which is
    /// how the publisher settles an unknown outcome.
    @Test func lostAnswerButThePostLanded() async throws {
        try await Harness.run { h in
            let bytes = Data(count: 8)
            let session = try await h.youtube().startUpload(YouTubeVideoMetadata(title: "答えが消えた動画"), contentLength: bytes.count,
                                                            contentType: "video/mp4")
            try await h.faults(#"{"lostResponseRate":1.0}"#)
            let x = await platformError { try await h.x().createPost(XNewPost(text: "答えが消えた投稿"), as: "kodaira_tokyo") }
            let fb = await platformError { try await h.facebook().publish(pageId: Self.fbPage, message: "答えが消えた投稿") }
            let yt = await platformError { try await h.youtube().uploadBytes(session: session, data: bytes) }
            for error in [x, fb, yt] {
                guard case .transient? = error else { Issue.record("expected transient, got \(String(describing: error))"); continue }
                #expect(error?.outcomeUnknown == true)
            }
            try await h.faults(#"{"lostResponseRate":0}"#)

            let listed = try await h.listedPosts()
            #expect(Set(listed.compactMap { $0["platform"] as? String }) == ["x", "facebook", "youtube"])
            #expect(listed.contains { $0["account"] as? String == "kodaira_tokyo" && $0["text"] as? String == "答えが消えた投稿" })

            #expect(try await h.x().recentPosts(username: "kodaira_tokyo").map(\.text) == ["答えが消えた投稿"])
            #expect(try await h.facebook().recentPosts(pageId: Self.fbPage).map(\.text) == ["答えが消えた投稿"])
            let videos = try await h.youtube().recentVideos(channelId: Self.channel)
            #expect(videos.map(\.text) == ["答えが消えた動画"])
            // YouTube's own way to settle it: ask the upload session.
            guard case .complete(let video) = try await h.youtube().uploadProgress(session: session, totalBytes: bytes.count) else {
                Issue.record("the session should hold the finished video"); return
            }
            #expect(video.id == videos.first?.id)
            // Posting again blindly is what X refuses: the settle-by-reading step is needed.
            let outcome8 = await platformError { try await h.x().createPost(XNewPost(text: "答えが消えた投稿"), as: "kodaira_tokyo") }
            #expect(outcome8 == .invalid(message: "You are not allowed to create a Tweet with duplicate content."))
        }
    }

    @Test func shareOfFailuresFollowsTheRates() async throws {
        try await Harness.run { h in
            try await h.faults(#"{"errorRate":0.3,"lostResponseRate":0.2}"#)
            let x = h.x()
            var failed = 0
            for index in 0..<100 {
                if await platformError({ try await x.createPost(XNewPost(text: "お知らせ \(index)"), as: "kodaira_tokyo") }) != nil {
                    failed += 1
                }
            }
            try await h.faults(#"{"errorRate":0,"lostResponseRate":0}"#)
            let landed = try await h.listedPosts().count
            // About 30 failed untouched, about 20 landed unanswered.
            #expect((30...70).contains(failed))
            #expect(landed > 100 - failed)
            #expect((40...90).contains(landed))
        }
    }
}
