import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
@testable import KohoServer

/// Retention with legal holds (issue 24): the policy's `records:` periods, applied by the records-retention job in
/// batches, audited (counts and ids, never the texts), never touching what a legal hold protects.
final class RetentionTests: KohoTestCase {
    static let policyYAML: String = {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/KohoCore/Resources/kodaira-r5.yaml")
        return (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }()

    var policyFile: URL!

    override func adjust(_ config: inout KohoConfig) {
        policyFile = FileManager.default.temporaryDirectory.appendingPathComponent("koho-policy-\(UUID().uuidString).yaml")
        let yaml = Self.policyYAML + "\nrecords:\n  commentsKeptFor: P5Y\n  attemptsKeptFor: P5Y\n"
        try? Data(yaml.utf8).write(to: policyFile)
        config.policyPath = policyFile.path
    }

    override func tearDown() async throws {
        try await super.tearDown()
        if let policyFile { try? FileManager.default.removeItem(at: policyFile) }
    }

    func comment(_ platformID: String, _ text: String, receivedYearsAgo years: Int) async throws -> Comment {
        _ = try await CommentIngest.ingest([ObservedComment(account: "koho.kodairacity", platform: .facebook, platformCommentID: platformID,
                                                            platformPostID: "p1", authorName: "市民", text: text)],
                                           source: "test", db: app.db, ctx: app.koho)
        let c = try await XCTUnwrapAsync(try await Comment.query(on: app.db).filter(\.$platformCommentID == platformID).first())
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Tokyo")!
        c.receivedAt = calendar.date(byAdding: .year, value: -years, to: clock.now)!
        try await c.update(on: app.db)
        return c
    }

    /// Boots the app (the pages and the API need it) and stops its jobs, so that the test runs the retention job's
    /// rounds itself, at the moments it chooses.
    func bootWithoutJobs() async throws {
        try await app.asyncBoot()
        await app.backgroundJobs?.stop()
    }

    func retentionRound() async throws -> RecordsRetentionRun.Removed {
        try await RecordsRetentionRun.run(on: app.db, ctx: app.koho)
    }

    func testAnOldCommentGoesAHeldOneStaysAndItsReleaseLetsItGoNextRun() async throws {
        try await bootWithoutJobs()
        let t = try await addStandardUsers()
        XCTAssertEqual(app.koho.policy.records.commentsKeptFor, KeepPeriod(years: 5))
        XCTAssertTrue(app.backgroundJobs?.others.contains { $0.name == RecordsRetentionRun.jobName } ?? false)
        let old = try await comment("c-old", "6年前のコメント（本文は監査記録に出ない）", receivedYearsAgo: 6)
        let held = try await comment("c-held", "訴訟で争われているコメント", receivedYearsAgo: 6)
        let recent = try await comment("c-recent", "4年前のコメント", receivedYearsAgo: 4)
        let heldID = held.id!.uuidString.lowercased()

        // Only the chief sets a hold, and only with a reason.
        let byStaff = try await api(.PUT, "/legal-holds/comment/\(heldID)", token: t.staff, json: #"{"reason":"訴訟"}"#)
        XCTAssertEqual(byStaff.status, .forbidden, byStaff.body)
        let noReason = try await api(.PUT, "/legal-holds/comment/\(heldID)", token: t.chief, json: #"{"reason":" \u0007 "}"#)
        XCTAssertEqual(noReason.status, .badRequest, noReason.body)
        XCTAssertTrue(noReason.body.contains("理由"))
        let unknown = try await api(.PUT, "/legal-holds/comment/\(UUID().uuidString)", token: t.chief, json: #"{"reason":"訴訟"}"#)
        XCTAssertEqual(unknown.status, .notFound)
        let set = try await api(.PUT, "/legal-holds/comment/\(heldID)", token: t.chief, json: #"{"reason":"令和8年（ワ）第１２３号 <訴訟>"}"#)
        XCTAssertEqual(set.status, .ok, set.body)
        XCTAssertEqual(set.json["kind"] as? String, "comment")
        XCTAssertEqual(set.json["setBy"] as? String, "kacho")
        let listed = try await api(.GET, "/legal-holds", token: t.viewer)
        XCTAssertTrue(listed.body.contains(heldID))

        // Shown on the comment's page (escaped), with the form only for the chief.
        let viewer = WebClient(app)
        _ = try await viewer.login("kansa", password)
        let page = String(buffer: try await viewer.get("/comments/\(heldID)").body)
        XCTAssertTrue(page.contains("訴訟ホールド中"))
        XCTAssertTrue(page.contains("令和8年（ワ）第１２３号 &lt;訴訟&gt;"))
        XCTAssertFalse(page.contains("/legal-holds/comment/\(heldID)"))
        let list = String(buffer: try await viewer.get("/comments").body)
        XCTAssertEqual(list.components(separatedBy: "訴訟ホールド中").count - 1, 1, "the list marks the held comment only")

        let first = try await retentionRound()
        XCTAssertEqual(first.comments, 1)
        try await assertNil(try await Comment.find(old.id, on: app.db), "the old comment goes")
        try await assertEqual(try await CommentEvent.query(on: app.db).filter(\.$commentID == old.id!).count(), 0, "with its events")
        let stillHeld = try await Comment.find(held.id, on: app.db)
        XCTAssertNotNil(stillHeld, "the held one stays")
        let stillRecent = try await Comment.find(recent.id, on: app.db)
        XCTAssertNotNil(stillRecent, "the recent one stays")
        let audited = try await AuditEntry.query(on: app.db).filter(\.$action == "records.retention").all()
        XCTAssertEqual(audited.count, 1)
        XCTAssertTrue(audited[0].detail.contains("コメント1件"), audited[0].detail)
        XCTAssertTrue(audited[0].detail.contains(old.id!.uuidString.lowercased()), "the ids")
        XCTAssertFalse(audited[0].detail.contains("6年前のコメント"), "never the texts")
        XCTAssertTrue(audited[0].reason.contains("5年"))

        // The chief releases it on the staff page (CSRF-checked form); the next run lets it go.
        let chief = WebClient(app)
        _ = try await chief.login("kacho", password)
        let chiefPage = String(buffer: try await chief.get("/comments/\(heldID)").body)
        XCTAssertTrue(chiefPage.contains("action=\"/legal-holds/comment/\(heldID)\""))
        let forged = try await chief.post("/legal-holds/comment/\(heldID)", ["do": "release", "reason": "判決確定"], withCSRF: false)
        XCTAssertEqual(forged.status, .forbidden)
        let unreleased = try await LegalHold.find("comment:\(heldID)", on: app.db)
        XCTAssertNotNil(unreleased, "a form without the CSRF token changes nothing")
        let released = try await chief.post("/legal-holds/comment/\(heldID)", ["do": "release", "reason": "判決確定"])
        XCTAssertLessThan(released.status.code, 400)
        try await assertNil(try await LegalHold.find("comment:\(heldID)", on: app.db))
        let release = try await AuditEntry.query(on: app.db).filter(\.$action == "records.release").all()
        XCTAssertEqual(release.map(\.reason), ["判決確定"])
        XCTAssertEqual(release.map(\.subject), ["comment:\(heldID)"])

        let second = try await retentionRound()
        XCTAssertEqual(second.comments, 1)
        try await assertNil(try await Comment.find(held.id, on: app.db))
        let recentAfter = try await Comment.find(recent.id, on: app.db)
        XCTAssertNotNil(recentAfter)
        // The job's own round (what the server runs daily under its lease): nothing more, and nothing audited for nothing.
        let job = try XCTUnwrap(app.backgroundJobs?.job(named: RecordsRetentionRun.jobName))
        _ = try await job.runOnce()
        try await assertEqual(try await AuditEntry.query(on: app.db).filter(\.$action == "records.retention").count(), 2)
        let (_, broken) = try await AuditLog.verify(on: app.db)
        XCTAssertNil(broken, "the audit chain still verifies")
    }

    /// More than one batch, with a held comment in the middle of the first: every other one goes, one audit entry a batch.
    func testFourHundredAndFiftyOldCommentsGoInBatchesAroundAHeldOne() async throws {
        try await bootWithoutJobs()
        let t = try await addStandardUsers()
        let observed = (0..<450).map { i in
            ObservedComment(account: "koho.kodairacity", platform: .facebook, platformCommentID: "bulk-\(i)", platformPostID: "p1",
                            authorName: "市民\(i)", text: "コメント\(i)")
        }
        _ = try await CommentIngest.ingest(observed, source: "test", db: app.db, ctx: app.koho)
        let longAgo = clock.now.addingTimeInterval(-6 * 366 * 86400)
        try await Comment.query(on: app.db).set(\.$receivedAt, to: longAgo).update()
        let held = try await XCTUnwrapAsync(try await Comment.query(on: app.db).sort(\.$id).offset(100).first())
        let set = try await api(.PUT, "/legal-holds/comment/\(held.id!.uuidString.lowercased())", token: t.chief, json: #"{"reason":"訴訟"}"#)
        XCTAssertEqual(set.status, .ok, set.body)
        let removed = try await retentionRound()
        XCTAssertEqual(removed.comments, 449)
        let left = try await Comment.query(on: app.db).all()
        XCTAssertEqual(left.map(\.id), [held.id])
        let entries = try await AuditEntry.query(on: app.db).filter(\.$action == "records.retention").sort(\.$id).all()
        XCTAssertEqual(entries.count, 3, entries.map(\.detail).joined(separator: "\n"))
        XCTAssertEqual(entries.map { Int($0.detail.drop { !$0.isNumber }.prefix { $0.isNumber }) ?? 0 }.reduce(0, +), 449)
        let (_, broken) = try await AuditLog.verify(on: app.db)
        XCTAssertNil(broken)
    }

    func testOldAttemptsAndTheirCallsGoUnlessTheirPostIsHeld() async throws {
        try await bootWithoutJobs()
        let t = try await addStandardUsers()
        var posts: [UUID] = []
        for i in 0..<2 {
            let r = try await createPost(t.chief, #"{"account":"kodaira_tokyo","category":"ウ","text":"お知らせ \#(i)"}"#)
            posts.append(UUID(uuidString: postID(r))!)
        }
        let longAgo = clock.now.addingTimeInterval(-6 * 366 * 86400)
        var attempts: [UUID] = []
        for p in posts {
            let a = PublishAttempt()
            a.id = UUID()
            a.postID = p
            a.number = 1
            a.startedAt = longAgo
            a.finishedAt = longAgo
            a.outcome = .published
            a.message = ""
            a.worker = "test"
            try await a.create(on: app.db)
            attempts.append(a.id!)
            let call = PlatformCall(method: "POST", url: "https://api.x.com/2/tweets", requestHeaders: [], requestBody: Data("{}".utf8),
                                    requestBodyBytes: 2, requestBodySHA256: nil, requestBodyCut: false, status: 201, responseHeaders: [],
                                    responseBody: Data(), responseBodyBytes: 0, responseBodyCut: false, startedAt: longAgo,
                                    finishedAt: longAgo, error: nil, redacted: true)
            try await PlatformCalls.store([call], kind: PlatformCalls.publish, attempt: a.id!, subject: PostService.subject(p), on: app.db)
        }
        let hold = try await api(.PUT, "/legal-holds/post/\(posts[1].uuidString.lowercased())", token: t.chief, json: #"{"reason":"監査請求"}"#)
        XCTAssertEqual(hold.status, .ok, hold.body)
        let removed = try await RecordsRetentionRun.run(on: app.db, ctx: app.koho)
        XCTAssertEqual(removed.publishAttempts, 1)
        try await assertNil(try await PublishAttempt.find(attempts[0], on: app.db))
        try await assertEqual(try await PlatformCallRecord.query(on: app.db).filter(\.$attemptID == attempts[0]).count(), 0)
        let heldAttempt = try await PublishAttempt.find(attempts[1], on: app.db)
        XCTAssertNotNil(heldAttempt, "the held post's attempt stays")
        try await assertEqual(try await PlatformCallRecord.query(on: app.db).filter(\.$attemptID == attempts[1]).count(), 1)
        let post0 = try await Post.find(posts[0], on: app.db)
        XCTAssertNotNil(post0, "the post itself is never removed")
        let bundle = try await RecordBundle.post(posts[1], db: app.db, policy: app.koho.policy, now: clock.now)
        XCTAssertEqual((bundle.record["legalHold"] as? [String: Any])?["reason"] as? String, "監査請求")
        XCTAssertTrue(bundle.html.contains("訴訟ホールド中"))
        let (_, broken) = try await AuditLog.verify(on: app.db)
        XCTAssertNil(broken)
    }
}

final class RetentionPolicyTests: XCTestCase {
    func testPeriodsAreReadAndABadOneIsRefusedWithFileAndLine() throws {
        let base = RetentionTests.policyYAML
        XCTAssertFalse(base.isEmpty)
        XCTAssertTrue(try PolicyLoader.load(yaml: base, file: "kodaira.yaml").records.keepsEverything, "default: for ever")
        let ok = try PolicyLoader.load(yaml: base + "\nrecords:\n  commentsKeptFor: P1Y6M\n  attemptsKeptFor: forever\n", file: "city.yaml")
        XCTAssertEqual(ok.records.commentsKeptFor, KeepPeriod(years: 1, months: 6))
        XCTAssertNil(ok.records.attemptsKeptFor)
        let shown = PolicySummary.text(ok)
        XCTAssertTrue(shown.contains("コメント: 受信から1年6か月"), shown)
        XCTAssertTrue(shown.contains("発信・コメントへの操作の試行: 無期限"), shown)
        let line = base.components(separatedBy: "\n").count + 2
        for (bad, words) in [("P５Y", "半角"), ("5 years", "ISO 8601"), ("P0D", "0 の期間"), ("P999Y", "長すぎ"), ("P5Y5Y", "ISO 8601"), ("PT5H", "ISO 8601")] {
            XCTAssertThrowsError(try PolicyLoader.load(yaml: base + "\nrecords:\n  commentsKeptFor: \(bad)\n", file: "city.yaml"), bad) { e in
                let text = "\(e)"
                XCTAssertTrue(text.hasPrefix("city.yaml:\(line): records.commentsKeptFor:"), text)
                XCTAssertTrue(text.contains(words), text)
            }
        }
        XCTAssertThrowsError(try PolicyLoader.load(yaml: base + "\nrecords:\n  commentsKeptFor: P5Y\n  keptFor: P1Y\n", file: "city.yaml"))
        // A month back from 31 March is the end of February, on Tokyo's calendar.
        let march31 = JapaneseTime.parseISO8601("2026-03-31T12:00:00+09:00")!
        XCTAssertEqual(JapaneseTime.iso8601(KeepPeriod(months: 1).before(march31)), "2026-02-28T12:00:00+09:00")
    }

    func testPolicyValidateSaysFileAndLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("koho-bad-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data((RetentionTests.policyYAML + "\nrecords:\n  attemptsKeptFor: P５Y\n").utf8).write(to: file)
        let r = try KohoProcess.run(["policy", "validate", file.path])
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("\(file.path):\(RetentionTests.policyYAML.components(separatedBy: "\n").count + 2): records.attemptsKeptFor"), r.stderr)
    }
}

/// Holds set and released from the staff pages of a post, a comment and an impersonation case.
final class LegalHoldPageTests: KohoTestCase {
    func testTheChiefHoldsACaseAndAPostOnTheirPagesAndOthersOnlySeeIt() async throws {
        let t = try await addStandardUsers()
        let staff = try await XCTUnwrapAsync(try await User.query(on: app.db).filter(\.$name == "tanaka").first())
        let outcome = try await ImpersonationCaseService.report(app.workflow, staff, platform: "", urlOrHandle: "https://x.com/k0daira__tokyo",
                                                                name: "プチ田舎 東京都小平巿", bio: "小平市の公式アカウントです", note: "市民から電話で通報")
        guard case .opened(let c, _) = outcome else { return XCTFail("not a case: \(outcome)") }
        let caseID = c.id!.uuidString.lowercased(), casePath = "/impersonation/cases/\(caseID)"
        let chief = WebClient(app)
        _ = try await chief.login("kacho", password)
        let before = String(buffer: try await chief.get(casePath).body)
        XCTAssertTrue(before.contains("action=\"/legal-holds/impersonation-case/\(caseID)\""))
        XCTAssertFalse(before.contains("訴訟ホールド中"))
        // No reason: refused in Japanese, nothing set.
        let empty = try await chief.post("/legal-holds/impersonation-case/\(caseID)", ["do": "hold", "reason": "\u{0}\u{7} "])
        XCTAssertEqual(empty.status, .badRequest)
        XCTAssertTrue(chief.lastBody.contains("理由を書いてください"))
        let none = try await LegalHold.find(ImpersonationCaseService.subject(c.id!), on: app.db)
        XCTAssertNil(none)
        let set = try await chief.post("/legal-holds/impersonation-case/\(caseID)", ["do": "hold", "reason": "警察への相談のため保全"])
        XCTAssertLessThan(set.status.code, 400)
        let after = String(buffer: try await chief.get(casePath).body)
        XCTAssertTrue(after.contains("訴訟ホールド中"))
        XCTAssertTrue(after.contains("警察への相談のため保全"))
        XCTAssertTrue(after.contains("訴訟ホールドを解除する"))
        let bundle = try await RecordBundle.impersonationCase(c.id!, db: app.db, policy: app.koho.policy, now: clock.now)
        XCTAssertEqual((bundle.record["legalHold"] as? [String: Any])?["setBy"] as? String, "kacho")
        let holds = try await AuditEntry.query(on: app.db).filter(\.$action == "records.hold").all()
        XCTAssertEqual(holds.map(\.subject), [ImpersonationCaseService.subject(c.id!)])
        XCTAssertEqual(holds.map(\.reason), ["警察への相談のため保全"])

        // A post: staff see the hold but have no form, and their POST is refused.
        let created = try await createPost(t.chief, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ"}"#)
        let postPath = "/posts/\(postID(created))"
        _ = try await chief.post("/legal-holds/post/\(postID(created))", ["do": "hold", "reason": "情報公開請求（第45号）"])
        let web = WebClient(app)
        _ = try await web.login("tanaka", password)
        let staffPage = String(buffer: try await web.get(postPath).body)
        XCTAssertTrue(staffPage.contains("訴訟ホールド中"))
        XCTAssertTrue(staffPage.contains("情報公開請求（第45号）"))
        XCTAssertFalse(staffPage.contains("/legal-holds/post/"))
        let list = String(buffer: try await web.get("/posts").body)
        XCTAssertTrue(list.contains("（訴訟ホールド中）"), "the post list marks it")
        let refused = try await web.post("/legal-holds/post/\(postID(created))", ["do": "release", "reason": "不要"])
        XCTAssertEqual(refused.status, .forbidden)
        let kept = try await LegalHold.find("post:\(postID(created))", on: app.db)
        XCTAssertNotNil(kept)
        let (_, broken) = try await AuditLog.verify(on: app.db)
        XCTAssertNil(broken)
    }
}
