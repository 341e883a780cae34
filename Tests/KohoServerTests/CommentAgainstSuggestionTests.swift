import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
import KohoSandbox
@testable import KohoServer
@testable import KohoTools

/// Issue 19, decisions: hiding or deleting what Koho suggested keeping, or marked as criticism of the city, needs the
/// chief's explicit confirmation with the ground and reason in full, and is shown as 「提案に反する削除」 in the inbox,
/// on the comment's page, in the audit trail and in the monthly report; a deleted comment is never decided again,
/// and the report counts what was carried out.
final class CommentAgainstSuggestionTests: CommentTestCase {
    /// A resident's comment, polled; Koho's id. The assessment is set as the classifier gives it for this text
    /// (`criticism` is the classifier's), so that the decisions are tested whatever the classifier's wording.
    func polled(on post: String, _ text: String, suggestion: CommentSuggestion = .keep, criticism: Bool) async throws -> (koho: UUID, platform: String) {
        let c = try await residentComment(on: post, text)
        let platformID = try XCTUnwrap(c["id"] as? String)
        try await poller.pass(force: true)
        let rows = try await stored(platformID)
        let row = try XCTUnwrap(rows.first)
        let assessment = CommentAssessment(grounds: [], misleading: false, suggestion: suggestion, criticism: criticism)
        row.assessmentJSON = String(decoding: try JSONEncoder().encode(assessment), as: UTF8.self)
        row.suggestion = suggestion.rawValue
        row.grounds = ""
        try await row.update(on: app.db)
        return (row.id!, platformID)
    }

    func decide(_ id: UUID, _ json: String) async throws -> APIResult {
        try await api(.POST, "/comments/\(id.uuidString.lowercased())/decision", token: tokens.chief, json: json)
    }

    func audited(_ action: String) async throws -> [AuditEntry] {
        try await AuditEntry.query(on: app.db).filter(\.$action == action).all()
    }

    func testTheAPIRefusesADeletionOfCriticismUntilConfirmedAndEveryViewShowsIt() async throws {
        let post = try await facebookPost()
        let harsh = "市長は無能だ。税金泥棒の市役所は全員辞めろ！！　ふざけるな"
        let (id, platformID) = try await polled(on: post, harsh, criticism: true)

        // Without the confirmation, or with it false: 422 with the clause and a Japanese message; nothing decided.
        for body in [#"{"action":"delete","ground":"⑤","reason":"言葉が乱暴"}"#,
                     #"{"action":"delete","ground":"⑤","reason":"言葉が乱暴","confirmAgainstSuggestion":false}"#,
                     #"{"action":"hide","ground":"②","reason":"市長への中傷"}"#] {
            let refused = try await decide(id, body)
            XCTAssertEqual(refused.status, .unprocessableEntity, refused.body)
            XCTAssertEqual(refused.violations.first?["code"] as? String, "commentDeletion.againstSuggestion")
            XCTAssertEqual(refused.rules, ["4(8)"])
            let message = try XCTUnwrap(refused.violations.first?["message"] as? String)
            XCTAssertTrue(message.contains("市・市長・職員・施策への批判"), message)
            XCTAssertTrue(message.contains("提案に反する削除"), message)
            XCTAssertTrue(message.contains("confirmAgainstSuggestion"), message)
        }
        let untouched = try await CommentService.find(app.db, id)
        XCTAssertNil(untouched.decision)
        try await assertEqual(try await CommentAction.query(on: app.db).count(), 0, "nothing queued")
        try await assertEqual(try await audited("comment.decide.againstSuggestion").count, 0)
        // Keeping it, or answering with a correction, needs no confirmation.
        let kept = try await decide(id, #"{"action":"keep","reason":"市政への意見"}"#)
        XCTAssertEqual(kept.status, .ok, kept.body)

        let done = try await decide(id, #"{"action":"delete","ground":"⑤","reason":"「ふざけるな」の連呼が品位を欠く","confirmAgainstSuggestion":true}"#)
        XCTAssertEqual(done.status, .ok, done.body)
        let decision = try XCTUnwrap(done.json["decision"] as? [String: Any])
        XCTAssertEqual(decision["againstSuggestion"] as? Bool, true)
        XCTAssertEqual(decision["status"] as? String, "queued")
        XCTAssertEqual(done.json["criticism"] as? Bool, true)
        try await actions.pass()
        let onSandbox = try await sandboxComments()
        XCTAssertNil(onSandbox.first { $0["id"] as? String == platformID }, "deleted on the platform")

        // Its own kind in the audit trail, with what Koho suggested and that the chief confirmed.
        let entries = try await audited("comment.decide.againstSuggestion")
        XCTAssertEqual(entries.count, 1)
        XCTAssertTrue(entries[0].detail.contains("提案=keep 市への批判 確認済み"), entries[0].detail)
        XCTAssertEqual(entries[0].reason, "「ふざけるな」の連呼が品位を欠く")
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/audit")
        XCTAssertTrue(chief.lastBody.contains("title=\"comment.decide.againstSuggestion\">提案に反する削除</span>"), chief.lastBody)

        // The inbox and the comment's page say so, and the page offers no decision any more.
        try await chief.get("/comments")
        XCTAssertTrue(chief.lastBody.contains("<strong class=\"against\">提案に反する削除</strong>"))
        XCTAssertFalse(chief.lastBody.contains("value=\"\(id.uuidString.lowercased())\""), "a deleted comment cannot be picked for a bulk decision")
        let page = try await chief.get("/comments/\(id.uuidString.lowercased())")
        XCTAssertEqual(page.status, .ok)
        XCTAssertTrue(chief.lastBody.contains("<strong class=\"against\">提案に反する削除</strong>"))
        XCTAssertTrue(chief.lastBody.contains("【提案に反する削除】削除 ⑤"), "the decision and the history")
        XCTAssertTrue(chief.lastBody.contains("削除したコメントは決め直せません"))
        XCTAssertFalse(chief.lastBody.contains("/comments/\(id.uuidString.lowercased())/decide"), "no decision form")

        // No second decision: refused by the API and the page, and the record stays the deletion.
        let again = try await decide(id, #"{"action":"keep","reason":"やはり残す"}"#)
        XCTAssertEqual(again.status, .conflict, again.body)
        XCTAssertTrue((again.json["error"] as? String ?? "").contains("削除したコメントは決め直せません"), again.body)
        let viaPage = try await chief.post("/comments/\(id.uuidString.lowercased())/decide", ["action": "keep", "ground": "", "reason": "残す"])
        XCTAssertEqual(viaPage.status, .seeOther)
        let after = try await CommentService.find(app.db, id)
        XCTAssertEqual(after.decision, .delete)
        XCTAssertEqual(after.state, .deleted)
        try await assertEqual(try await CommentEvent.query(on: app.db).filter(\.$commentID == id).filter(\.$kind == "decided").count(), 2,
                              "keep, then the confirmed deletion; nothing after it")

        // The monthly report: one deletion, shown as against the suggestion, in the page, the text and the CSV.
        let report = try await CommentReportQuery.load(app.db, month: ReportMonth("2026-11")!, policy: app.koho.policy)
        XCTAssertEqual(report.decisions.first { $0.action == "delete" }?.count, 1)
        XCTAssertEqual(report.decisions.first { $0.action == "keep" }?.count, 0)
        XCTAssertEqual(report.againstSuggestion, 1)
        XCTAssertTrue(report.text.contains("提案に反する削除（Koho が「そのまま」を提案した、または市への批判と判定したものの削除・非表示）: 1件"), report.text)
        XCTAssertTrue(report.csv.contains("2026-11,合計,,,提案に反する削除,1\r\n"))
        try await chief.get("/reports/comments?month=2026-11")
        XCTAssertTrue(chief.lastBody.contains("うち提案に反する削除"))
    }

    func testThePageAsksForAConfirmationWithTheGroundAndTheReasonInFull() async throws {
        let post = try await facebookPost()
        let (id, platformID) = try await polled(on: post, "バスの本数が少なすぎる。担当課は何を考えているのか", criticism: false)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        let path = "/comments/\(id.uuidString.lowercased())/decide"
        try await chief.get("/comments/\(id.uuidString.lowercased())")
        XCTAssertTrue(chief.lastBody.contains("action=\"\(path)\""), "the decision form")
        // A long reason with full-width digits, a line break and markup: shown in full, escaped, carried over unchanged.
        let reason = "２行目に<script>alert(1)</script>とあり、\n" + String(repeating: "職員への言及が不適切。", count: 120)
        let first = try await chief.post(path, ["action": "hide", "ground": "⑤", "reason": reason])
        XCTAssertEqual(first.status, .ok, "the confirmation step, not a decision")
        let html = chief.lastBody
        XCTAssertTrue(html.contains("提案に反する削除の確認"))
        XCTAssertTrue(html.contains("Koho の提案は「そのまま」"))
        XCTAssertTrue(html.contains("⑤ その他、市が不適切と判断したもの"), "the ground in words")
        XCTAssertTrue(html.contains("２行目に&lt;script&gt;alert(1)&lt;/script&gt;とあり、"), "the reason, escaped")
        XCTAssertFalse(html.contains("<script>alert(1)"))
        XCTAssertEqual(html.components(separatedBy: "職員への言及が不適切。").count - 1, 240, "the reason in full, shown and carried in the form")
        XCTAssertTrue(html.contains("name=\"confirmAgainstSuggestion\""))
        XCTAssertTrue(html.contains("name=\"csrf\""))
        try await assertEqual(try await CommentService.find(app.db, id).decision, nil, "nothing decided yet")

        // Without the CSRF token the confirmed form is refused; with it, decided and carried out once.
        let forged = try await chief.post(path, ["action": "hide", "ground": "⑤", "reason": reason, "confirmAgainstSuggestion": "1"], withCSRF: false)
        XCTAssertEqual(forged.status, .forbidden)
        try await assertEqual(try await CommentService.find(app.db, id).decision, nil)
        let confirmed = try await chief.post(path, ["action": "hide", "ground": "⑤", "reason": reason, "confirmAgainstSuggestion": "1"])
        XCTAssertEqual(confirmed.status, .seeOther)
        let c = try await CommentService.find(app.db, id)
        XCTAssertEqual(c.decision, .hide)
        XCTAssertEqual(c.decisionAgainstSuggestion, true)
        XCTAssertEqual(c.decisionReason, reason)
        try await actions.pass()
        let onSandbox = try await sandboxComments()
        XCTAssertEqual(onSandbox.first { $0["id"] as? String == platformID }?["isHidden"] as? Bool, true)
        try await chief.get("/comments/\(id.uuidString.lowercased())")
        XCTAssertTrue(chief.lastBody.contains("提案に反する削除（非表示）"))

        // Staff cannot decide at all; a bulk step never carries a deletion against the suggestion.
        let sato = WebClient(app)
        try await sato.login("sato", password)
        try await sato.get("/comments")
        let bySato = try await sato.post(path, ["action": "hide", "ground": "⑤", "reason": "x", "confirmAgainstSuggestion": "1"])
        XCTAssertEqual(bySato.status, .forbidden)
        let (other, _) = try await polled(on: post, "図書館の開館時間を延ばしてほしい", criticism: false)
        let bulk = try await chief.post("/comments/bulk", pairs: [("ids[]", other.uuidString.lowercased()), ("action", "delete"), ("ground", "⑤"),
                                                               ("reason", "不要"), ("confirmAgainstSuggestion", "1")])
        XCTAssertEqual(bulk.status, .seeOther)
        try await assertEqual(try await CommentService.find(app.db, other).decision, nil)
        let review = try await chief.get(try XCTUnwrap(bulk.headers.first(name: .location)))
        XCTAssertEqual(review.status, .ok)
        XCTAssertTrue(chief.lastBody.contains("まとめて決められません"), chief.lastBody)
    }

    func testACommentRemovedOnThePlatformCannotBeDecidedOrProposedAgain() async throws {
        let post = try await facebookPost()
        let (id, platformID) = try await polled(on: post, "祭りの会場で山田花子さんが倒れていた", suggestion: .review, criticism: false)
        // The author deletes it on Facebook; the next poll sees it gone.
        let fb = FacebookClient(httpClient: http, accessToken: AccessToken(SandboxAccounts.facebookKoho.accessToken), baseURL: sandbox.baseURL,
                                timeout: .seconds(5))
        try await fb.deleteComment(commentId: platformID)
        try await poller.pass(force: true)
        try await assertEqual(try await CommentService.find(app.db, id).state, .deleted)
        for body in [#"{"action":"keep","reason":"残す"}"#, #"{"action":"correct"}"#, #"{"action":"hide","ground":"③","reason":"病状"}"#] {
            let r = try await decide(id, body)
            XCTAssertEqual(r.status, .conflict, body)
            XCTAssertTrue((r.json["error"] as? String ?? "").contains("決め直せません"), r.body)
        }
        let staff = try await api(.POST, "/comments/\(id.uuidString.lowercased())/decision", token: tokens.fbStaff, json: #"{"action":"keep"}"#)
        XCTAssertEqual(staff.status, .forbidden, "the role before anything else")
        let sato = WebClient(app)
        try await sato.login("sato", password)
        try await sato.get("/comments/\(id.uuidString.lowercased())")
        XCTAssertFalse(sato.lastBody.contains("/propose"), "no proposal form for a deleted comment")
        let proposed = try await sato.post("/comments/\(id.uuidString.lowercased())/propose", ["action": "keep", "ground": "", "reason": ""])
        XCTAssertEqual(proposed.status, .seeOther)
        try await assertEqual(try await CommentEvent.query(on: app.db).filter(\.$commentID == id).filter(\.$kind == "proposed").count(), 0)
        try await assertEqual(try await CommentService.find(app.db, id).decision, nil)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/comments")
        let bulk = try await chief.post("/comments/bulk", pairs: [("ids[]", id.uuidString.lowercased()), ("action", "keep"), ("ground", ""), ("reason", "")])
        XCTAssertEqual(bulk.status, .seeOther)
        try await assertEqual(try await CommentService.find(app.db, id).decision, nil)
    }

    /// On YouTube a deletion is a rejection (the API deletes no one else's comment): the comment stays `hidden`, and
    /// still cannot be decided again.
    func testADeletionCarriedOutOnYouTubeIsFinalToo() async throws {
        let video = try await youtubeVideo()
        let (id, platformID) = try await polled(on: video, "山田太郎の家は小平市花小金井1丁目、電話は042-345-6789", suggestion: .delete, criticism: false)
        let done = try await decide(id, #"{"action":"delete","ground":"③","reason":"個人の住所と電話番号"}"#)
        XCTAssertEqual(done.status, .ok, done.body)
        XCTAssertEqual((done.json["decision"] as? [String: Any])?["againstSuggestion"] as? Bool, false, "Koho suggested the deletion")
        try await actions.pass()
        let onSandbox = try await sandboxComments()
        XCTAssertEqual(onSandbox.first { $0["id"] as? String == platformID }?["moderationStatus"] as? String, "rejected")
        let c = try await CommentService.find(app.db, id)
        XCTAssertEqual(c.state, .hidden)
        XCTAssertEqual(c.actionStatus, .done)
        let again = try await decide(id, #"{"action":"keep","reason":"戻す"}"#)
        XCTAssertEqual(again.status, .conflict, again.body)
        XCTAssertTrue((again.json["error"] as? String ?? "").contains("課長の決定（削除）"), again.body)
        try await assertEqual(try await audited("comment.decide").count, 1)
    }

    /// Data written before decisions on deleted comments were refused: a deletion carried out, then 「そのまま」.
    func testTheReportCountsTheDeletionCarriedOutNotALaterKeep() async throws {
        let c = Comment()
        c.id = UUID()
        c.account = "koho.kodairacity"
        c.platform = "facebook"
        c.platformCommentID = "p1_c1"
        c.platformPostID = "p1"
        c.authorName = "市民"
        c.createdAt = jst("2026-11-10T10:00")
        c.receivedAt = jst("2026-11-10T10:00")
        c.text = "０９０ー１２３４ー５６７８ 佐藤さんの番号"
        c.currentText = c.text
        c.state = .deleted
        c.assessmentJSON = "{}"
        c.suggestion = "delete"
        c.grounds = "③"
        c.misleading = false
        c.decision = .keep
        c.decisionReason = "残す"
        c.decidedBy = "kacho"
        c.decidedAt = jst("2026-11-12T10:00")
        c.actionStatus = .done
        c.updatedAt = jst("2026-11-12T10:00")
        try await c.create(on: app.db)
        let attempt = CommentAction()
        attempt.id = UUID()
        attempt.commentID = c.id!
        attempt.number = 1
        attempt.action = .delete
        attempt.startedAt = jst("2026-11-11T10:00")
        attempt.finishedAt = jst("2026-11-11T10:00")
        attempt.outcome = .published
        attempt.message = ""
        attempt.worker = "w"
        try await attempt.create(on: app.db)
        // And a hide that failed on the platform counts as what was decided, not as carried out.
        let failed = CommentAction()
        failed.id = UUID()
        failed.commentID = c.id!
        failed.number = 2
        failed.action = .hide
        failed.startedAt = jst("2026-11-11T11:00")
        failed.outcome = .refused
        failed.message = ""
        failed.worker = "w"
        try await failed.create(on: app.db)

        let report = try await CommentReportQuery.load(app.db, month: ReportMonth("2026-11")!, policy: app.koho.policy)
        XCTAssertEqual(report.decisions.first { $0.action == "delete" }?.count, 1, "the deletion carried out")
        XCTAssertEqual(report.decisions.first { $0.action == "keep" }?.count, 0, "not the keep decided after it")
        XCTAssertEqual(report.decided, 1)

        let rows = [CommentReport.CommentRow(account: "a", receivedAt: jst("2026-11-01T09:00"), grounds: [], misleading: false, decision: "keep",
                                             decidedAt: jst("2026-11-01T10:00"), carriedOut: "hide"),
                    CommentReport.CommentRow(account: "a", receivedAt: jst("2026-11-01T09:00"), grounds: [], misleading: false, decision: "delete",
                                             decisionGround: "⑤", decidedAt: jst("2026-11-01T10:00"), againstSuggestion: true, carriedOut: "hide")]
        let tally = CommentReport.tally(month: ReportMonth("2026-11")!, comments: rows, corrections: [], accounts: [], grounds: [])
        XCTAssertEqual(tally.decisions.map(\.count), [1, 1, 0, 0], "a hide carried out, and a deletion decided after a hide")
        XCTAssertEqual(tally.againstSuggestion, 1)
    }
}
