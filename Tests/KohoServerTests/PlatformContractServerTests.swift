import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
import KohoSandbox
import KohoTestSupport
@testable import KohoServer
@testable import KohoTools

/// The server's own flows against a recording sandbox: publishing on the four accounts (an image on X, a video on
/// YouTube), connecting the mayor's office through OAuth, comments polled and hidden or rejected (Koho sends no reply
/// by itself; the clients' replies are in `PlatformContractTests`), the impersonation search and the profile checks.
/// Every call it made is then held against the platforms' own descriptions.
final class PlatformContractServerTests: KohoTestCase {
    var sandbox: PlatformSandbox!
    var log: SandboxCallLog!
    var chiefToken = ""

    override func setUp() async throws {
        sandbox = try await PlatformSandbox()
        log = sandbox.recordCalls()
        _ = try await sandbox.start(host: "127.0.0.1", port: 0)
        try await super.setUp()
        try await addUser("kacho", .chief)
        chiefToken = try await token("kacho")
    }

    override func adjust(_ config: inout KohoConfig) {
        config.platforms = .sandbox(url: sandbox.baseURL)
        var publisher = PublisherSettings()
        publisher.pollInterval = .milliseconds(20)
        publisher.leaseSeconds = 6
        publisher.callTimeoutSeconds = 3
        publisher.retryBaseSeconds = 0.05
        publisher.retryMaxSeconds = 0.4
        config.publisher = publisher
        var comments = CommentSettings(environment: [:])
        comments.enabled = false
        comments.actionRetryBaseSeconds = 0
        comments.actionRetryMaxSeconds = 0
        config.comments = comments
        config.xUserSearch = true
    }

    override func tearDown() async throws {
        try await super.tearDown()
        try await sandbox?.shutdown()
        sandbox = nil
    }

    func publish(_ fields: String, media: Data? = nil) async throws -> Post {
        let created = try await createPost(chiefToken, fields)
        XCTAssertEqual(created.status, .created, created.body)
        let id = postID(created)
        if let media {
            let attached = try await attachMedia(chiefToken, id, version: created.json["version"] as? Int, data: media)
            XCTAssertEqual(attached.status, .ok, attached.body)
        }
        var r = try await api(.POST, "/posts/\(id)/submit", token: chiefToken)
        if r.json["state"] as? String == "submitted" { r = try await api(.POST, "/posts/\(id)/approve", token: chiefToken) }
        let end = Date().addingTimeInterval(20)
        while Date() < end {
            if let post = try await Post.find(UUID(uuidString: id)!, on: app.db), post.state == .published { return post }
            try await Task.sleep(for: .milliseconds(50))
        }
        let post = try await Post.find(UUID(uuidString: id)!, on: app.db)
        XCTFail("not published: \(post?.state.rawValue ?? "-") \(post?.publishMessage ?? "")")
        throw CancellationError()
    }

    /// The mayor's office (`hisyo_kodaira_tokyo`: 19 characters, a username X cannot look up) connects through OAuth:
    /// it is identified by its token (`GET /2/users/me`), not by the policy's username.
    func connectTheMayorsOffice() async throws {
        let web = WebClient(app)
        try await web.login("kacho", password)
        try await web.get("/accounts")
        let start = try await web.post("/accounts/hisyo_kodaira_tokyo/oauth", [:])
        let location = try XCTUnwrap(start.headers.first(name: .location))
        let state = try XCTUnwrap(URLComponents(string: location)?.queryItems?.first { $0.name == "state" }?.value)
        let back = try await web.get("/accounts/oauth/callback?code=\(PlatformSandbox.authorizationCode(for: "hisyo_kodaira_tokyo"))&state=\(state)")
        XCTAssertEqual(back.status, .seeOther, web.lastBody)
        let hisyo = try await ConnectionService.find("hisyo_kodaira_tokyo", on: app.db)
        XCTAssertEqual(hisyo?.status, .connected)
        XCTAssertEqual(hisyo?.platformUserID, SandboxAccounts.xHisyo.platformId)
        XCTAssertEqual(hisyo?.platformUsername, "hisyo_kodaira_tokyo")
    }

    func testAnAccountWhoseUsernameXCannotLookUpConnectsThroughOAuth() async throws {
        XCTAssertGreaterThan(SandboxAccounts.xHisyo.username.count, 15)
        try await connectTheMayorsOffice()
        let calls = await log.calls.map { "\($0.method) \($0.path)" }
        XCTAssertTrue(calls.contains("GET /2/users/me"), "\(calls)")
        XCTAssertFalse(calls.contains { $0.hasPrefix("GET /2/users/by/username/") }, "never by the policy's username: \(calls)")
        let audit = try await AuditEntry.query(on: app.db).filter(\.$subject == "account:hisyo_kodaira_tokyo")
            .filter(\.$action == "account.connect").all()
        XCTAssertTrue(audit.contains { $0.reason.contains("OAuth") }, "the connection through OAuth is in the audit trail")
    }

    func testTheServersCallsKeepThePlatformsOwnDescriptions() async throws {
        // Publishing on each account.
        var published: [String: Post] = [:]
        for account in 0..<4 {
            let post = try await publish(PostFactory.fields(1, account: account), media: account == 3 ? Self.sampleVideo : nil)
            published[post.account] = post
        }
        _ = try await publish(PostFactory.fields(2, account: 0), media: Self.sampleImage)

        try await connectTheMayorsOffice()

        // Comments: residents write on the Page's post and under the video; Koho reads them, the chief hides one and
        // rejects another.
        let fbPost = try XCTUnwrap(published["koho.kodairacity"]?.platformPostID)
        let video = try XCTUnwrap(published[SandboxAccounts.youtubeKodaira.account]?.platformPostID)
        var written: [String] = []
        for (post, text) in [(fbPost, "この人の電話番号は090-1234-5678です"), (video, "ばか市役所")] {
            let body = try JSONSerialization.data(withJSONObject: ["postId": post, "text": text, "author": "市民A"])
            let r = try await app.client.post(URI(string: sandbox.baseURL + "/_sandbox/comments")) { req in
                req.headers.contentType = .json
                req.body = .init(data: body)
            }
            XCTAssertEqual(r.status, .created)
            written.append(try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(buffer: r.body!)) as? [String: Any])?["id"] as? String))
        }
        _ = try await app.workers!.poller.pass(force: true)
        for (platformID, action) in zip(written, ["hide", "delete"]) {
            let row = try await Comment.query(on: app.db).filter(\.$platformCommentID == platformID).first()
            let id = try XCTUnwrap(row?.id).uuidString.lowercased()
            let r = try await api(.POST, "/comments/\(id)/decision", token: chiefToken,
                                  json: #"{"action":"\#(action)","ground":"②","reason":"特定の個人を誹謗中傷している","confirmAgainstSuggestion":true}"#)
            XCTAssertEqual(r.status, .ok, r.body)
        }
        while try await app.workers!.actions.pass() > 0 {}

        // The impersonation search and the profile checks, as their jobs run them.
        for name in ["impersonation-scan", "profile-check"] {
            let job = try XCTUnwrap(app.backgroundJobs?.others.first { $0.name == name }, name)
            try await job.runOnce()
        }

        let calls = await log.calls.filter { PlatformContract.target(of: $0.path) != .control }
        let seen = Set(calls.map { "\($0.method) \($0.path.replacingOccurrences(of: #"[0-9_]{6,}"#, with: "{id}", options: .regularExpression))" })
        for expected in ["POST /2/tweets", "GET /2/users/me", "POST /v26.0/{id}/feed", "POST /upload/youtube/v3/videos",
                         "PUT /upload/youtube/v3/videos", "GET /v26.0/{id}/comments", "POST /v26.0/{id}",
                         "POST /youtube/v3/comments/setModerationStatus", "GET /2/users/search", "GET /youtube/v3/search",
                         "POST /2/oauth2/token", "POST /2/media/upload/initialize"] {
            XCTAssertTrue(seen.contains(expected), "\(expected) not among \(seen.sorted())")
        }
        let problems = try PlatformContract.shared().problems(calls)
        XCTAssertTrue(problems.isEmpty, "\(problems.count) calls the platforms would refuse or answer otherwise:\n" + problems.joined(separator: "\n"))
    }
}
