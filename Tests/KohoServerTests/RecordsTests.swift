import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// Versions of a post and the record bundles a records officer hands over.
final class RecordsTests: KohoTestCase {
    var outDirs: [URL] = []

    override func tearDown() async throws {
        try await super.tearDown()
        for d in outDirs { try? FileManager.default.removeItem(at: d) }
    }

    /// Created, submitted, returned by the chief with a reason, edited, submitted again and approved.
    func returnedAndApprovedPost() async throws -> (id: UUID, chief: User, staff: User) {
        let chief = try await addUser("kacho", .chief)
        let staff = try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        try await addUser("kansa", .viewer)
        let w = app.workflow
        var action = PlannedAction(account: "kodaira_tokyo", category: "ウ", text: "市民まつりのお知らせ\n会場は<中央公園>です")
        let post = try await PostService.create(w, staff, action)
        let id = try XCTUnwrap(post.id)
        clock.advance(60)
        let submitted = try await PostService.transition(w, staff, id, .submit, expectedVersion: post.lockVersion, reason: "")
        clock.advance(60)
        let rejected = try await PostService.transition(w, chief, id, .reject, expectedVersion: submitted.lockVersion, reason: "日付を入れてください")
        clock.advance(60)
        action.text = "市民まつりのお知らせ（11月29日）\n会場は<中央公園>です"
        let edited = try await PostService.transition(w, staff, id, .edit, expectedVersion: rejected.lockVersion, reason: "", edited: action)
        let again = try await PostService.transition(w, staff, id, .submit, expectedVersion: edited.lockVersion, reason: "")
        clock.advance(60)
        let approved = try await PostService.transition(w, chief, id, .approve, expectedVersion: again.lockVersion, reason: "")
        XCTAssertEqual(approved.state, .scheduled)
        return (id, chief, staff)
    }

    func testEverySavedTextIsKeptWithWhoWhenAndTheChiefsReturnReasonAndTheAPIMarksTheDifferences() async throws {
        let (id, _, _) = try await returnedAndApprovedPost()
        let versions = try await PostVersions.all(of: id, on: app.db)
        XCTAssertEqual(versions.map(\.event), ["create", "submit", "reject", "edit", "submit", "approve"])
        XCTAssertEqual(versions.map(\.number), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(versions.map(\.actor), ["tanaka", "tanaka", "kacho", "tanaka", "tanaka", "kacho"])
        XCTAssertEqual(versions[2].reason, "日付を入れてください")
        XCTAssertEqual(versions[2].text, "市民まつりのお知らせ\n会場は<中央公園>です", "the text the chief returned")
        XCTAssertEqual(versions[5].text, "市民まつりのお知らせ（11月29日）\n会場は<中央公園>です", "the approved text")
        XCTAssertEqual(versions[2].at, startTime.addingTimeInterval(120))

        let viewer = try await token("kansa")
        let r = try await api(.GET, "/posts/\(id.uuidString.lowercased())/versions", token: viewer)
        XCTAssertEqual(r.status, .ok, r.body)
        let list = try XCTUnwrap(r.json["versions"] as? [[String: Any]])
        XCTAssertEqual(list.count, 6)
        XCTAssertEqual(list[2]["eventName"] as? String, "差戻し")
        XCTAssertEqual(list[2]["reason"] as? String, "日付を入れてください")
        let diff = try XCTUnwrap(list[3]["textDiff"] as? [[String: Any]])
        XCTAssertEqual(diff.map { "\($0["kind"]!):\($0["text"]!)" },
                       ["removed:市民まつりのお知らせ", "added:市民まつりのお知らせ（11月29日）", "same:会場は<中央公園>です"])
        let unchanged = try XCTUnwrap(list[4]["textDiff"] as? [[String: Any]])
        XCTAssertTrue(unchanged.allSatisfy { $0["kind"] as? String == "same" })
        try await assertEqual(try await api(.GET, "/posts/\(UUID().uuidString)/versions", token: viewer).status, .notFound)
        try await assertEqual(try await api(.GET, "/posts/\(id.uuidString)/versions", token: nil).status, .unauthorized)

        // The post's page shows the versions, newest first, with the removed and added lines marked and escaped.
        let web = WebClient(app)
        _ = try await web.login("kansa", password)
        let page = try await web.get("/posts/\(id.uuidString.lowercased())")
        let html = String(buffer: page.body)
        XCTAssertTrue(html.contains("版の履歴"), html)
        XCTAssertTrue(html.contains("差戻しの理由: 日付を入れてください"))
        XCTAssertTrue(html.contains("<del title=\"前の版から削除\">− 市民まつりのお知らせ\n</del>"))
        XCTAssertTrue(html.contains("<ins title=\"この版で追加\">＋ 市民まつりのお知らせ（11月29日）\n</ins>"))
        XCTAssertTrue(html.contains("会場は&lt;中央公園&gt;です"))
        XCTAssertFalse(html.contains("<中央公園>"))
        XCTAssertTrue(html.contains("第6版"))
        let section = String(try XCTUnwrap(html.range(of: "版の履歴（").map { html[$0.lowerBound...] }))
        XCTAssertLessThan(try XCTUnwrap(section.range(of: "第6版")).lowerBound, try XCTUnwrap(section.range(of: "第1版")).lowerBound, "newest first")
    }

    func testAPostBundleReadBackMatchesTheAuditChainAndItsManifest() async throws {
        let (id, _, _) = try await returnedAndApprovedPost()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("koho-record-\(UUID().uuidString)")
        outDirs.append(out)
        let bundle = try await RecordBundle.post(id, db: app.db, policy: app.koho.policy, now: clock.now)
        try bundle.write(to: out)

        // The manifest's sums are the files' sums.
        let manifest = try String(contentsOf: out.appendingPathComponent(RecordBundle.manifestName), encoding: .utf8)
        let lines = manifest.split(separator: "\n")
        XCTAssertEqual(Set(lines.map { String($0.split(separator: " ").last!) }), [RecordBundle.jsonName, RecordBundle.htmlName])
        for line in lines {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            XCTAssertEqual(Secrets.sha256Hex(try Data(contentsOf: out.appendingPathComponent(String(parts[1])))), String(parts[0]))
        }

        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(RecordBundle.jsonName))) as? [String: Any])
        // Every audit entry in the bundle is the one in the database, and its hash follows from its fields.
        let entries = try XCTUnwrap(json["auditEntries"] as? [[String: Any]])
        XCTAssertEqual(entries.compactMap { $0["action"] as? String },
                       ["post.create", "post.submit", "post.reject", "post.edit", "post.submit", "post.approve"])
        for e in entries {
            let stored = try await XCTUnwrapAsync(try await AuditEntry.find(e["id"] as? Int, on: app.db))
            XCTAssertEqual(stored.hash, e["hash"] as? String)
            XCTAssertEqual(stored.prevHash, e["prevHash"] as? String)
            let rebuilt = AuditEntry()
            rebuilt.prevHash = e["prevHash"] as! String
            rebuilt.at = Date(timeIntervalSince1970: Double(e["atUnix"] as! Int))
            rebuilt.actor = e["actor"] as! String; rebuilt.action = e["action"] as! String; rebuilt.subject = e["subject"] as! String
            rebuilt.detail = e["detail"] as! String; rebuilt.reason = e["reason"] as! String
            XCTAssertEqual(AuditLog.hash(of: rebuilt), e["hash"] as? String, "hash of entry \(e["id"] ?? "")")
        }
        let v = try await AuditLog.check(on: app.db, checkpoints: [])
        let head = try XCTUnwrap(json["chainHead"] as? [String: Any])
        XCTAssertEqual(head["hash"] as? String, v.headHash)
        XCTAssertEqual(head["count"] as? Int, v.count)

        let found = try await Post.find(id, on: app.db)
        let post = try XCTUnwrap(found)
        let rendering = try XCTUnwrap(json["approvedRendering"] as? [String: Any])
        XCTAssertEqual(rendering["sha256"] as? String, post.approvedRenderingSHA256)
        XCTAssertEqual(rendering["canonicalJSON"] as? String, post.approvedRendering)
        let versions = try XCTUnwrap(json["versions"] as? [[String: Any]])
        XCTAssertEqual(versions.count, 6)
        XCTAssertEqual(versions[2]["reason"] as? String, "日付を入れてください")
        XCTAssertEqual((json["approvals"] as? [[String: Any]])?.compactMap { $0["action"] as? String },
                       ["post.submit", "post.reject", "post.submit", "post.approve"])

        let html = try String(contentsOf: out.appendingPathComponent(RecordBundle.htmlName), encoding: .utf8)
        XCTAssertTrue(html.contains("令和8年11月25日"), "和暦")
        XCTAssertTrue(html.contains("差戻し"))
        XCTAssertTrue(html.contains("予約済み") || html.contains(post.state.displayName))
        XCTAssertTrue(html.contains("会場は&lt;中央公園&gt;です"))
        XCTAssertFalse(html.contains("<中央公園>"))
        // An earlier folder is never mixed into a new bundle.
        XCTAssertThrowsError(try bundle.write(to: out))
    }

    func testCommentAndRangeBundlesAndTheDownloadForTheChiefAndViewersOnly() async throws {
        let (id, chief, _) = try await returnedAndApprovedPost()
        let observed = [ObservedComment(account: "kodaira_tokyo", platform: .x, platformCommentID: "c1", platformPostID: "x1",
                                        authorName: "市民<A>", text: "<script>alert(1)</script>会場はどこですか")]
        _ = try await CommentIngest.ingest(observed, source: "test", db: app.db, ctx: app.koho)
        let comment = try await XCTUnwrapAsync(try await Comment.query(on: app.db).first())
        _ = try await CommentService.decide(app.koho, user: chief, id: comment.id!, action: .keep, ground: "", reason: "問合せのため残す")

        let c = try await RecordBundle.comment(comment.id!, db: app.db, policy: app.koho.policy, now: clock.now)
        let cj = c.record
        XCTAssertEqual((cj["comment"] as? [String: Any])?["text"] as? String, "<script>alert(1)</script>会場はどこですか")
        XCTAssertEqual((cj["comment"] as? [String: Any])?["decisionReason"] as? String, "問合せのため残す")
        XCTAssertEqual((cj["auditEntries"] as? [[String: Any]])?.compactMap { $0["action"] as? String }, ["comment.decide"])
        XCTAssertFalse(c.html.contains("<script>alert"))
        XCTAssertTrue(c.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))

        let range = try await RecordBundle.range(from: CivilDate(2026, 11, 25), to: CivilDate(2026, 11, 25), db: app.db, policy: app.koho.policy, now: clock.now)
        XCTAssertEqual((range.record["posts"] as? [[String: Any]])?.count, 1)
        XCTAssertEqual((range.record["comments"] as? [[String: Any]])?.count, 1)
        let empty = try await RecordBundle.range(from: CivilDate(2026, 11, 26), to: CivilDate(2026, 11, 30), db: app.db, policy: app.koho.policy, now: clock.now)
        XCTAssertEqual((empty.record["posts"] as? [[String: Any]])?.count, 0)

        let postPath = "/posts/\(id.uuidString.lowercased())"
        let viewer = WebClient(app)
        _ = try await viewer.login("kansa", password)
        let viewerPage = try await viewer.get(postPath)
        XCTAssertTrue(String(buffer: viewerPage.body).contains("\(postPath)/record"))
        let download = try await viewer.get("\(postPath)/record")
        XCTAssertEqual(download.status, .ok)
        XCTAssertTrue(download.headers.first(name: .contentDisposition)?.contains("attachment") ?? false)
        let body = String(buffer: download.body)
        XCTAssertTrue(body.contains("<script type=\"application/json\" id=\"record-json\">"))
        XCTAssertTrue(body.contains("\"kind\" : \"post\""))
        let exported = try await AuditEntry.query(on: app.db).filter(\.$action == "records.export").count()
        XCTAssertEqual(exported, 0, "a page's GET writes nothing")

        let commentPath = "/comments/\(comment.id!.uuidString.lowercased())"
        let commentPage = try await viewer.get(commentPath)
        XCTAssertTrue(String(buffer: commentPage.body).contains("\(commentPath)/record"))
        let commentDownload = try await viewer.get("\(commentPath)/record")
        XCTAssertEqual(commentDownload.status, .ok)
        let commentHTML = String(buffer: commentDownload.body)
        XCTAssertFalse(commentHTML.contains("<script>alert"))
        // The embedded JSON reads back as the comment's text.
        let start = try XCTUnwrap(commentHTML.range(of: "id=\"record-json\">")).upperBound
        let end = try XCTUnwrap(commentHTML.range(of: "</script>", range: start..<commentHTML.endIndex)).lowerBound
        let embedded = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(commentHTML[start..<end].utf8)) as? [String: Any])
        XCTAssertEqual((embedded["comment"] as? [String: Any])?["text"] as? String, "<script>alert(1)</script>会場はどこですか")

        let staff = WebClient(app)
        _ = try await staff.login("tanaka", password)
        let staffPage = try await staff.get(postPath)
        XCTAssertFalse(String(buffer: staffPage.body).contains("\(postPath)/record"))
        let refused = try await staff.get("\(postPath)/record")
        XCTAssertEqual(refused.status, .forbidden)
    }

    func testAnImpersonationCaseBundleHoldsTheCaseItsStepsAndItsAuditEntries() async throws {
        let staff = try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let outcome = try await ImpersonationCaseService.report(app.workflow, staff, platform: "", urlOrHandle: "https://x.com/k0daira__tokyo",
                                                                name: "プチ田舎 東京都小平巿", bio: "小平市の公式アカウントです<b>", note: "市民から電話で通報")
        guard case .opened(let c, _) = outcome else { return XCTFail("not a case: \(outcome)") }
        let bundle = try await RecordBundle.impersonationCase(c.id!, db: app.db, policy: app.koho.policy, now: clock.now)
        let record = bundle.record
        XCTAssertEqual((record["case"] as? [String: Any])?["handle"] as? String, c.handle)
        XCTAssertEqual((record["case"] as? [String: Any])?["bio"] as? String, "小平市の公式アカウントです<b>")
        let entries = try XCTUnwrap(record["auditEntries"] as? [[String: Any]])
        let stored = try await AuditEntry.query(on: app.db).filter(\.$subject == ImpersonationCaseService.subject(c.id!)).sort(\.$id).all()
        XCTAssertFalse(stored.isEmpty)
        XCTAssertEqual(entries.compactMap { $0["hash"] as? String }, stored.map(\.hash))
        XCTAssertTrue(bundle.html.contains("なりすまし事案の記録"))
        XCTAssertTrue(bundle.html.contains("k0daira__tokyo"))
        XCTAssertTrue(bundle.html.contains("令和8年"))
        do {
            _ = try await RecordBundle.impersonationCase(UUID(), db: app.db, policy: app.koho.policy, now: clock.now)
            XCTFail("an unknown case")
        } catch let e as RecordBundle.NotFound {
            XCTAssertTrue(e.description.contains("なりすましの事案"))
        }
    }

    func testTheRecordsCommandWritesTheFolderAndRefusesABadID() async throws {
        let (id, _, _) = try await returnedAndApprovedPost()
        try await app.asyncShutdown()
        app = nil
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("koho-record-\(UUID().uuidString)")
        outDirs.append(out)
        let command = try RecordsCommand.PostRecord.parse([id.uuidString, "--out", out.path, "--data-dir", dir.path])
        try await command.run()
        for name in [RecordBundle.htmlName, RecordBundle.jsonName, RecordBundle.manifestName] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }
        var config = KohoConfig(dataDirectory: dir, bcryptCost: 4, environment: .testing)
        config.mediaTools = .none
        let reopened = try await makeApp(config)
        let exports = try await AuditEntry.query(on: reopened.db).filter(\.$action == "records.export").all()
        try await reopened.asyncShutdown()
        XCTAssertEqual(exports.map(\.subject), [PostService.subject(id)], "the hand-over is in the trail")
        do {
            try await RecordsCommand.PostRecord.parse(["not-an-id", "--out", out.path + "-2", "--data-dir", dir.path]).run()
            XCTFail("a bad id")
        } catch {
            XCTAssertTrue("\(error)".contains("投稿のIDが正しくありません"), "\(error)")
        }
        do {
            try await RecordsCommand.RangeRecord.parse(["2026-11-30", "2026-11-01", "--out", out.path + "-3", "--data-dir", dir.path]).run()
            XCTFail("a range backwards")
        } catch {
            XCTAssertTrue("\(error)".contains("最初の日"), "\(error)")
        }
    }
}
