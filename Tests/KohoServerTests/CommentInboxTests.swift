import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
@testable import KohoServer
@testable import KohoTools

/// The comment inbox as staff and the chief use it, against the sandbox: comments written by residents, read by the
/// poller, flagged with their evidence on the page, a staff proposal, the chief's decisions one by one and in bulk,
/// carried out on the sandbox once, the text still readable in Koho afterwards, all audited.
final class CommentInboxTests: CommentTestCase {
    /// Writes on the sandbox, polls once; Koho's id of each comment, in the order given.
    func written(on post: String, _ texts: [String], author: String = "市民A") async throws -> [(koho: UUID, platform: String)] {
        var platformIDs: [String] = []
        for t in texts {
            let written = try await residentComment(on: post, t, author: author)
            platformIDs.append(try XCTUnwrap(written["id"] as? String))
        }
        try await poller.pass(force: true)
        var out: [(UUID, String)] = []
        for p in platformIDs {
            let rows = try await stored(p)
            out.append((try XCTUnwrap(rows.first?.id), p))
        }
        return out
    }

    func audited(_ action: String) async throws -> [AuditEntry] {
        try await AuditEntry.query(on: app.db).filter(\.$action == action).all()
    }

    func testTheInboxFlowEndToEnd() async throws {
        let post = try await facebookPost()
        let privacy = "山田さんの携帯は０９０ー１２３４ー５６７８です"
        let spam = "激安ブランド品はこちら https://cheap-brand.example.com 今だけ半額、お問い合わせはLINEで"
        let criticism = "税金の無駄遣いだ。市長は辞めろ"
        var ids = try await written(on: post, [privacy, spam, spam, spam, spam])
        clock.advance(60)
        ids += try await written(on: post, [criticism])
        let (privacyID, privacyPlatform) = ids[0]
        let spamIDs = ids[1...4].map(\.koho), spamPlatform = ids[1...4].map(\.platform)

        // The chief's inbox for the Page: newest first, the evidence marked in the escaped text with its ground in words.
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        let page = try await chief.get("/comments?account=koho.kodairacity")
        XCTAssertEqual(page.status, .ok)
        let html = chief.lastBody
        XCTAssertTrue(html.contains("<mark>０９０ー１２３４ー５６７８</mark><span class=\"ground\">［根拠③］</span>"), html)
        XCTAssertTrue(html.contains("5(8)") || html.contains("4(8)③"))
        XCTAssertTrue(html.contains("提案: 削除の根拠に明らかに当たる"), "the suggestion is shown")
        XCTAssertTrue(html.contains("<a href=\"/comments?account=koho.kodairacity\" aria-current=\"page\">"), "per account")
        XCTAssertLessThan(try XCTUnwrap(html.range(of: criticism)).lowerBound, try XCTUnwrap(html.range(of: "山田さんの携帯")).lowerBound, "newest first")
        let critRow = try await Comment.query(on: app.db).filter(\.$text == criticism).first()
        XCTAssertEqual(critRow?.suggestion, "keep", "criticism of the city is never a ground")
        // Filters: a ground, and what waits for a decision.
        try await chief.get("/comments?flag=%E2%91%A2")
        XCTAssertTrue(chief.lastBody.contains("山田さんの携帯"))
        XCTAssertFalse(chief.lastBody.contains(criticism))
        try await chief.get("/comments?pending=1")
        XCTAssertFalse(chief.lastBody.contains(criticism), "a comment to keep does not wait for a decision")
        try await chief.get("/")
        XCTAssertTrue(chief.lastBody.contains("判断を待つコメント: 5件"), chief.lastBody)

        // Staff of the Page propose; staff of X may not; the proposal is recorded, audited and shown to the chief.
        let sato = WebClient(app)
        try await sato.login("sato", password)
        try await sato.get("/comments/\(privacyID.uuidString.lowercased())")
        XCTAssertTrue(sato.lastBody.contains("決定を提案する"))
        XCTAssertFalse(sato.lastBody.contains(">決定する<"), "staff are offered no decision")
        let proposed = try await sato.post("/comments/\(privacyID.uuidString.lowercased())/propose",
                                           ["action": "delete", "ground": "③", "reason": "個人の携帯電話の番号"])
        XCTAssertEqual(proposed.status, .seeOther)
        let tanaka = WebClient(app)
        try await tanaka.login("tanaka", password)
        try await tanaka.get("/comments")
        let notTheirs = try await tanaka.post("/comments/\(privacyID.uuidString.lowercased())/propose", ["action": "keep", "ground": "", "reason": ""])
        XCTAssertEqual(notTheirs.status, .forbidden)
        try await assertEqual(try await audited("comment.propose").count, 1)
        try await chief.get("/comments/\(privacyID.uuidString.lowercased())")
        XCTAssertTrue(chief.lastBody.contains("担当者の提案（1件）"))
        XCTAssertTrue(chief.lastBody.contains("個人の携帯電話の番号"))

        // Only the chief decides: staff, viewers, and a form without its token are refused, and nothing is recorded.
        let kansa = WebClient(app)
        try await kansa.login("kansa", password)
        try await kansa.get("/comments")
        let hide = ["action": "hide", "ground": "③", "reason": "電話番号"]
        for client in [sato, tanaka, kansa] {
            try await assertEqual(try await client.post("/comments/\(privacyID.uuidString.lowercased())/decide", hide).status, .forbidden)
            let bulk = try await client.post("/comments/bulk", pairs: [("ids[]", spamIDs[0].uuidString), ("action", "hide"), ("ground", "④"), ("reason", "広告")])
            XCTAssertEqual(bulk.status, .forbidden)
        }
        try await assertEqual(try await chief.post("/comments/\(privacyID.uuidString.lowercased())/decide", hide, withCSRF: false).status, .forbidden)
        try await assertEqual(try await Comment.query(on: app.db).filter(\.$decision != nil).count(), 0)

        // A bulk hide without a ground is refused for all, with the clause.
        try await chief.get("/comments?account=koho.kodairacity")
        let noGround = try await chief.post("/comments/bulk", pairs: spamIDs.map { ("ids[]", $0.uuidString.lowercased()) } + [("action", "hide"), ("ground", ""), ("reason", "連投")])
        XCTAssertEqual(noGround.status, .seeOther)
        try await chief.get("/comments?account=koho.kodairacity")
        XCTAssertTrue(chief.lastBody.contains("決定できませんでした"), chief.lastBody)
        XCTAssertTrue(chief.lastBody.contains("【4(8)】"))
        try await assertEqual(try await Comment.query(on: app.db).filter(\.$decision != nil).count(), 0)

        // The chief hides the four at once, and deletes the phone number on its page.
        let bulk = try await chief.post("/comments/bulk", pairs: spamIDs.map { ("ids[]", $0.uuidString.lowercased()) }
                                         + [("action", "hide"), ("ground", "④"), ("reason", "同じ広告の連投"), ("back", "/comments?account=koho.kodairacity")])
        XCTAssertEqual(bulk.status, .seeOther)
        XCTAssertEqual(bulk.headers.first(name: .location), "/comments?account=koho.kodairacity")
        try await chief.get("/comments/\(privacyID.uuidString.lowercased())")
        let deleted = try await chief.post("/comments/\(privacyID.uuidString.lowercased())/decide",
                                           ["action": "delete", "ground": "③", "reason": "個人の携帯電話の番号"])
        XCTAssertEqual(deleted.status, .seeOther)
        while try await actions.pass() > 0 {}
        try await actions.pass()

        // Carried out on the sandbox once each: four hidden, one gone.
        let onSandbox = try await sandboxComments()
        for p in spamPlatform {
            XCTAssertEqual(onSandbox.first { $0["id"] as? String == p }?["isHidden"] as? Bool, true, p)
        }
        XCTAssertNil(onSandbox.first { $0["id"] as? String == privacyPlatform }, "deleted on the platform")
        let attempts = try await CommentAction.query(on: app.db).all()
        XCTAssertEqual(attempts.count, 5, "one call each")

        // The text as received is still readable in Koho, on the page and by the API; the history shows it all.
        try await chief.get("/comments/\(privacyID.uuidString.lowercased())")
        XCTAssertTrue(chief.lastBody.contains("山田さんの携帯"))
        XCTAssertTrue(chief.lastBody.contains("削除済み"))
        XCTAssertTrue(chief.lastBody.contains("担当者の提案"))
        XCTAssertTrue(chief.lastBody.contains("プラットフォームでの実行の試み（1件）"))
        let hidden = try await listed("?state=hidden", token: tokens.viewer)
        XCTAssertEqual(hidden.count, 4)
        XCTAssertTrue(hidden.allSatisfy { $0["text"] as? String == spam })
        let gone = try await listed("?state=deleted")
        XCTAssertEqual(gone.first?["text"] as? String, privacy)
        XCTAssertEqual((gone.first?["decision"] as? [String: Any])?["ground"] as? String, "③")

        try await assertEqual(try await audited("comment.decide").count, 5)
        try await assertEqual(try await audited("comment.hide").count, 4)
        try await assertEqual(try await audited("comment.delete").count, 1)
        try await chief.get("/")
        XCTAssertTrue(chief.lastBody.contains("判断を待つコメント: 0件"), "nothing waits any more")
        let (_, broken) = try await AuditLog.verify(on: app.db)
        XCTAssertNil(broken)
    }

    func testScriptsAndControlCharactersAreShownEscaped() async throws {
        let post = try await facebookPost()
        let text = "<script>alert('x')</script>\u{07}ベル\u{1B}[31m赤 & <b>太字</b> 090-1234-5678"
        let ids = try await written(on: post, [text], author: "<img src=x onerror=alert(1)>")
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        for path in ["/comments", "/comments/\(ids[0].koho.uuidString.lowercased())"] {
            let res = try await chief.get(path)
            XCTAssertEqual(res.status, .ok)
            let html = chief.lastBody
            XCTAssertFalse(html.contains("<script>alert"), path)
            XCTAssertFalse(html.contains("<img src=x"), path)
            XCTAssertFalse(html.contains("<b>太字"), path)
            XCTAssertTrue(html.contains("&lt;script&gt;alert("), path)
            XCTAssertFalse(html.unicodeScalars.contains { $0 == "\u{07}" || $0 == "\u{1B}" }, "no raw control characters")
            XCTAssertTrue(html.contains("\\u{0007}ベル\\u{001B}[31m赤"), path)
        }
        // The stored text is the text as received.
        try await assertEqual(try await Comment.find(ids[0].koho, on: app.db)?.text, text)
    }

    func testXOffersNothingToSendAndAnInquiryGetsOnlyTheGuidance() async throws {
        try await CommentIngest.ingest([ObservedComment(account: "kodaira_tokyo", platform: .x, platformCommentID: "1900000000000000009",
                                                        platformPostID: "1800000000000000009", authorName: "resident", text: "このイベントは中止になったらしい")],
                                       source: "test", db: app.db, ctx: app.koho)
        let xs = try await stored("1900000000000000009")
        let x = try XCTUnwrap(xs.first)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/comments/\(x.id!.uuidString.lowercased())")
        let page = chief.lastBody
        XCTAssertTrue(page.contains("【3(6)】"), page)
        XCTAssertTrue(page.contains("送るものはありません"))
        XCTAssertFalse(page.contains("value=\"correct\""), "no correction offered on X")
        XCTAssertFalse(page.contains("案内を返信の下書きにする"))
        let refused = try await chief.post("/comments/\(x.id!.uuidString.lowercased())/guidance", [:])
        XCTAssertEqual(refused.status, .seeOther)
        try await assertEqual(try await Post.query(on: app.db).count(), 0, "nothing to send on X")

        // On the Page, the chief answers an inquiry with the policy's guidance: a reply draft through the approval.
        let post = try await facebookPost()
        let ids = try await written(on: post, ["駐車場はありますか"])
        try await chief.get("/comments/\(ids[0].koho.uuidString.lowercased())")
        XCTAssertTrue(chief.lastBody.contains("従前の方法により受け付けております"))
        let made = try await chief.post("/comments/\(ids[0].koho.uuidString.lowercased())/guidance", [:])
        XCTAssertEqual(made.status, .seeOther)
        let replies = try await Post.query(on: app.db).allPosts()
        let reply = try XCTUnwrap(replies.first)
        XCTAssertEqual(made.headers.first(name: .location), "/posts/\(reply.id!.uuidString.lowercased())")
        XCTAssertEqual(reply.replyPurpose, PlannedAction.guidancePurpose)
        XCTAssertEqual(reply.inReplyTo, ids[0].platform)
        let submitted = try await api(.POST, "/posts/\(reply.id!.uuidString.lowercased())/submit", token: tokens.chief)
        XCTAssertEqual(submitted.status, .ok, submitted.body)
        XCTAssertEqual(submitted.json["state"] as? String, "submitted", "the chief's approval, as for any reply")
        // Any other text as a "guidance" reply is refused under 4(7).
        let other = try await createPost(tokens.fbStaff, #"{"account":"koho.kodairacity","kind":"reply","replyPurpose":"guidance","inReplyTo":"x","text":"あります"}"#)
        let refusedOther = other.status == .unprocessableEntity ? other : try await api(.POST, "/posts/\(postID(other))/submit", token: tokens.fbStaff)
        XCTAssertEqual(refusedOther.status, .unprocessableEntity, refusedOther.body)
        XCTAssertTrue(refusedOther.violations.contains { $0["code"] as? String == "reply.notGuidance" }, refusedOther.body)
        try await assertEqual(try await audited("comment.guidance").count, 1)
    }
}
