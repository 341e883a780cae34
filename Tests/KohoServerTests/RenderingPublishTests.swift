import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
import KohoSandbox
@testable import KohoServer
@testable import KohoTools

/// What the chief approved is exactly what the platform receives: for each platform and kind, the sandbox's record
/// equals the approved rendering byte for byte, and X's weighted length of it is what the check reported.
final class RenderingPublishTests: PublisherTestCase {
    let nenmatsu = "https://www.city.kodaira.tokyo.jp/shisei/nenmatsu.html"
    let source = "https://www.city.kodaira.tokyo.jp/bousai/hinan.html"

    /// Creates, attaches (if given), submits and approves; the created post's JSON.
    func approve(_ fields: String, media: Data? = nil) async throws -> (id: String, created: APIResult) {
        let created = try await createPost(chiefToken, fields)
        XCTAssertEqual(created.status, .created, created.body)
        let id = postID(created)
        var version = created.json["version"] as? Int
        if let media {
            let attached = try await attachMedia(chiefToken, id, version: version, data: media)
            XCTAssertEqual(attached.status, .ok, attached.body)
            version = attached.json["version"] as? Int
        }
        var r = try await api(.POST, "/posts/\(id)/submit", token: chiefToken, json: #"{"version":\#(version ?? 0)}"#)
        if r.json["state"] as? String == "submitted" { r = try await api(.POST, "/posts/\(id)/approve", token: chiefToken) }
        XCTAssertEqual(r.json["state"] as? String, "scheduled", r.body)
        return (id, created)
    }

    func published(_ id: String) async throws -> (Post, Rendering, SandboxPostRecord) {
        try await waitFor { try await Post.find(UUID(uuidString: id)!, on: self.app.db)?.state == .published }
        let found = try await Post.find(UUID(uuidString: id)!, on: app.db)
        let post = try XCTUnwrap(found)
        XCTAssertEqual(post.state, .published, post.publishMessage ?? "")
        let approved = try XCTUnwrap(post.approvedRendering.flatMap(Rendering.decode(canonicalJSON:)), "the approval is recorded")
        XCTAssertEqual(approved.hash, post.approvedRenderingSHA256)
        let records = await sandboxPosts(sandbox)
        let record = try XCTUnwrap(records.first { $0.id == post.platformPostID }, "on the platform")
        return (post, approved, record)
    }

    func assertSameBytes(_ a: String?, _ b: String?, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.map { Array($0.utf8) }, b.map { Array($0.utf8) }, what, file: file, line: line)
    }

    func testXPostWithLinksGoesOutWithItsLinks() async throws {
        let (id, created) = try await approve(#"{"account":"kodaira_tokyo","category":"カ","text":"年末年始の窓口のお知らせです","links":["\#(nenmatsu)","https://www.city.kodaira.tokyo.jp/a.html"]}"#)
        let (_, approved, record) = try await published(id)
        assertSameBytes(record.text, approved.text, "the tweet is the approved text")
        XCTAssertEqual(record.text, "年末年始の窓口のお知らせです\n\(nenmatsu)\nhttps://www.city.kodaira.tokyo.jp/a.html")
        XCTAssertNil(record.quoteTweetId)
        XCTAssertEqual(XTextCounter.parse(record.text).weightedLength, created.json["weightedLength"] as? Int, "the length the check reported")
        XCTAssertEqual(created.json["weightedLength"] as? Int, 14 * 2 + 1 + 23 + 1 + 23)
    }

    func testEmergencyXPostCarriesItsSourceArticle() async throws {
        let (id, created) = try await approve(#"{"account":"kodaira_tokyo","category":"ア","text":"避難所を開設しました。詳しくは市ホームページをご覧ください","sourceURL":"\#(source)","emergency":true,"emergencyReason":"大雨"}"#)
        let (_, approved, record) = try await published(id)
        assertSameBytes(record.text, approved.text, "the tweet is the approved text")
        XCTAssertTrue(record.text.hasSuffix("\n" + source), "the source article reaches residents: \(record.text)")
        XCTAssertEqual(XTextCounter.parse(record.text).weightedLength, created.json["weightedLength"] as? Int)
    }

    func testXPostWithAnImage() async throws {
        let (id, created) = try await approve(#"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりの様子です","links":["\#(nenmatsu)"]}"#,
                                              media: Self.sampleImage)
        let (post, approved, record) = try await published(id)
        assertSameBytes(record.text, approved.text, "the tweet is the approved text")
        XCTAssertEqual(approved.mediaSHA256, post.mediaSHA256)
        XCTAssertEqual(record.mediaIds?.count, 1, "the image went with it")
        XCTAssertEqual(XTextCounter.parse(record.text).weightedLength, created.json["weightedLength"] as? Int)
    }

    func testXQuoteNamesTheQuotedPost() async throws {
        let (first, _) = try await approve(#"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ"}"#)
        let (quotedPost, _, _) = try await published(first)
        let quoted = try XCTUnwrap(quotedPost.platformPostID)
        let status = "https://x.com/tokyo_bousai/status/\(quoted)"
        let (id, created) = try await approve(#"{"account":"kodaira_tokyo","kind":"quote","category":"ア","text":"都の防災情報をお知らせします","links":["\#(status)"],"sourceURL":"\#(source)","quotedAccount":"tokyo_bousai","emergency":true,"emergencyReason":"大雨"}"#)
        let (_, approved, record) = try await published(id)
        XCTAssertEqual(record.quoteTweetId, quoted)
        XCTAssertEqual(approved.quotedPostID, quoted)
        assertSameBytes(record.text, approved.text, "the quote's text is the approved text")
        XCTAssertFalse(record.text.contains(status), "the quoted post is shown by X, not repeated as a link")
        XCTAssertEqual(XTextCounter.parse(record.text).weightedLength, created.json["weightedLength"] as? Int)
    }

    func testFacebookPostsWithOneAndSeveralLinksAndASource() async throws {
        let (one, _) = try await approve(#"{"account":"koho.kodairacity","category":"③","text":"催しのお知らせ","articleOrigin":"shiho","links":["\#(nenmatsu)"]}"#)
        let (_, a1, r1) = try await published(one)
        assertSameBytes(r1.text, a1.text, "message")
        assertSameBytes(r1.link, a1.link, "link")
        XCTAssertEqual(r1.link, nenmatsu)
        XCTAssertEqual(r1.text, "催しのお知らせ")

        let (several, _) = try await approve(#"{"account":"koho.kodairacity","category":"③","text":"催しのお知らせ","articleOrigin":"shiho","links":["\#(nenmatsu)","https://www.city.kodaira.tokyo.jp/b.html","https://www.city.kodaira.tokyo.jp/c.html"]}"#)
        let (_, a2, r2) = try await published(several)
        assertSameBytes(r2.text, a2.text, "message")
        assertSameBytes(r2.link, a2.link, "link")
        XCTAssertEqual(r2.text, "催しのお知らせ\nhttps://www.city.kodaira.tokyo.jp/b.html\nhttps://www.city.kodaira.tokyo.jp/c.html",
                       "every link is published, not only the first")

        let (sourced, _) = try await approve(#"{"account":"koho.kodairacity","category":"①","text":"避難所を開設しました","sourceURL":"\#(source)","links":["\#(nenmatsu)"],"emergency":true,"emergencyReason":"大雨","articleOrigin":"website"}"#)
        let (_, a3, r3) = try await published(sourced)
        assertSameBytes(r3.text, a3.text, "message")
        XCTAssertEqual(r3.link, source, "the source article is the post's link")
        XCTAssertEqual(r3.text, "避難所を開設しました\n" + nenmatsu)
    }

    func testYouTubeVideoWithLinksInTheDescription() async throws {
        let (id, _) = try await approve(#"{"account":"UCp9YZtjCNcG0q3fQ1ln31Xg","category":"①","title":"小平の風景","text":"市内の風景を紹介します","links":["\#(nenmatsu)"]}"#,
                                        media: Self.sampleVideo)
        let (_, approved, record) = try await published(id)
        assertSameBytes(record.text, approved.title, "title")
        assertSameBytes(record.description, approved.text, "description")
        XCTAssertEqual(record.description, "市内の風景を紹介します\n" + nenmatsu)
        XCTAssertEqual(record.privacyStatus, approved.privacyStatus)
        XCTAssertEqual(record.videoBytes, Self.sampleVideo.count)
    }

    /// A new policy version between approval and publishing changes what would go out (the X account's handle):
    /// the post goes back to the chief instead of out, and goes out only as the chief approves it again.
    func testARenderingChangedSinceApprovalIsHeldForTheChief() async throws {
        let at = "2026-11-25T11:00:00+09:00"
        let (id, _) = try await approve(#"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ","scheduledAt":"\#(at)"}"#)
        let scheduled = try await Post.find(UUID(uuidString: id)!, on: app.db)
        let before = try XCTUnwrap(scheduled?.approvedRenderingSHA256)

        try await app.asyncShutdown()
        let yaml = PolicyLoader.builtInYAML
            .replacingOccurrences(of: "handle: kodaira_tokyo\n", with: "handle: kodaira_city\n")
            .replacingOccurrences(of: #"version: "R5-2023-10-31""#, with: #"version: "R5-2023-10-31-test""#)
        XCTAssertNotEqual(yaml, PolicyLoader.builtInYAML)
        let file = dir.appendingPathComponent("policy-new.yaml")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let c = clock!
        var config = KohoConfig(dataDirectory: dir, clock: { c.now }, bcryptCost: 4, loginDelayPerFailure: .zero, environment: .testing)
        config.mediaTools = .none  // the tests' files are made up
        config.policyPath = file.path
        config.resetDatabase = false
        config.platforms = .sandbox(url: sandbox.baseURL)
        config.publisher = settings()
        app = try await makeApp(config)
        try await app.asyncBoot()
        clock.now = jst("2026-11-25T11:00")

        try await waitFor { try await Post.find(UUID(uuidString: id)!, on: self.app.db)?.state == .submitted }
        let heldPost = try await Post.find(UUID(uuidString: id)!, on: app.db)
        let held = try XCTUnwrap(heldPost)
        XCTAssertEqual(held.state, .submitted, "back in the approval queue")
        XCTAssertNil(held.approvedRenderingSHA256)
        XCTAssertTrue(held.publishMessage?.contains("承認に戻しました") ?? false, held.publishMessage ?? "")
        let onPlatform = await sandboxPosts(sandbox)
        XCTAssertTrue(onPlatform.isEmpty, "nothing was sent")
        let audit = try await AuditEntry.query(on: app.db).filter(\.$action == "post.publish.heldForApproval").all()
        XCTAssertEqual(audit.count, 1)
        XCTAssertTrue(audit.first?.detail.contains(before) ?? false)

        let again = try await api(.POST, "/posts/\(id)/approve", token: chiefToken)
        XCTAssertEqual(again.json["state"] as? String, "scheduled", again.body)
        let (_, approved, record) = try await published(id)
        XCTAssertEqual(approved.handle, "kodaira_city")
        XCTAssertNotEqual(approved.hash, before)
        assertSameBytes(record.text, approved.text, "what goes out is what was approved the second time")
    }

    /// An attempt whose answer was lost is settled against what was approved before any change can hold the post:
    /// found on the platform, it is published, not sent back to the chief and sent again.
    func testAnEarlierAttemptIsSettledBeforeAChangedRenderingIsHeld() async throws {
        await sandbox.setFaults(SandboxFaults(lostResponseRate: 1))
        let (id, _) = try await approve(#"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ","links":["\#(nenmatsu)"]}"#)
        try await waitFor { try await PublishAttempt.query(on: self.app.db).filter(\.$outcome == .unknown).count() > 0 }
        await app.backgroundJobs?.stop()
        try await app.asyncShutdown()
        await sandbox.setFaults(SandboxFaults())
        let landed = await sandboxPosts(sandbox)
        XCTAssertEqual(landed.count, 1, "the platform has it, though its answer was lost")

        let yaml = PolicyLoader.builtInYAML.replacingOccurrences(of: "handle: kodaira_tokyo\n", with: "handle: kodaira_city\n")
        let file = dir.appendingPathComponent("policy-new.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let c = clock!
        var config = KohoConfig(dataDirectory: dir, clock: { c.now }, bcryptCost: 4, loginDelayPerFailure: .zero, environment: .testing)
        config.mediaTools = .none  // the tests' files are made up
        config.policyPath = file.path
        config.platforms = .sandbox(url: sandbox.baseURL)
        config.publisher = settings()
        app = try await makeApp(config)
        try await app.asyncBoot()
        try await waitFor { try await Post.find(UUID(uuidString: id)!, on: self.app.db)?.state == .published }
        let post = try await Post.find(UUID(uuidString: id)!, on: app.db)
        XCTAssertEqual(post?.state, .published)
        let after = await sandboxPosts(sandbox)
        XCTAssertEqual(after.count, 1, "not sent again")
        XCTAssertEqual(post?.platformPostID, after.first?.id)
        let held = try await AuditEntry.query(on: app.db).filter(\.$action == "post.publish.heldForApproval").count()
        XCTAssertEqual(held, 0)
    }

    func testThePostAPIShowsTheRenderingAndTheApprovedHash() async throws {
        let (id, created) = try await approve(#"{"account":"kodaira_tokyo","category":"ウ","text":"お知らせ","links":["\#(nenmatsu)"],"scheduledAt":"2026-11-25T11:00:00+09:00"}"#)
        let rendering = try XCTUnwrap(created.json["rendering"] as? [String: Any])
        XCTAssertEqual(rendering["text"] as? String, "お知らせ\n" + nenmatsu)
        XCTAssertEqual(rendering["kind"] as? String, "xPost")
        XCTAssertEqual(rendering["handle"] as? String, "kodaira_tokyo")
        let shown = try await api(.GET, "/posts/\(id)", token: chiefToken)
        XCTAssertEqual(shown.json["approvedRenderingSHA256"] as? String, shown.json["renderingSHA256"] as? String)
        XCTAssertEqual((shown.json["approvedRenderingSHA256"] as? String)?.count, 64)
    }
}
