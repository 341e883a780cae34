import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
import KohoSandbox
import NIOConcurrencyHelpers
@testable import KohoServer
@testable import KohoTools

/// Issue 19, comments with images (Facebook's attachments, YouTube's since late 2026): the image is shown to staff
/// through Koho's own route, never by its platform address, and a comment whose image Koho cannot read waits for
/// review with the reason.
final class CommentImageTests: CommentTestCase {
    /// A 2×1 PNG, as a resident's phone would send a (very small) photo.
    static let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAEUlEQVR4nGM4ISf3X07uxH8AECsEBxOnYNoAAAAASUVORK5CYII=")!

    /// A resident's comment with an image, polled; Koho's row.
    func withImage(on post: String, _ text: String, image: [String: Any]) async throws -> Comment {
        let body = try JSONSerialization.data(withJSONObject: ["postId": post, "text": text, "author": "市民B", "image": image])
        let r = try await sandboxCall(.POST, "/_sandbox/comments", body: body)
        XCTAssertEqual(r.status, 201, String(decoding: r.body, as: UTF8.self))
        let platformID = try XCTUnwrap((try JSONSerialization.jsonObject(with: r.body) as? [String: Any])?["id"] as? String)
        try await poller.pass(force: true)
        let rows = try await stored(platformID)
        return try XCTUnwrap(rows.first)
    }

    func testAPhotoIsShownThroughKohoAndNeverByItsPlatformAddress() async throws {
        let post = try await facebookPost()
        let c = try await withImage(on: post, "会場の様子です。とても楽しかった！",
                                    image: ["base64": Self.png.base64EncodedString(), "contentType": "image/png", "alt": "会場の<b>テント</b>", "width": 2, "height": 1])
        XCTAssertEqual(c.imageKind, "photo")
        XCTAssertNil(c.imageProblem)
        XCTAssertTrue(c.imageURL?.hasPrefix(sandbox.baseURL + "/_sandbox/images/") == true, c.imageURL ?? "")
        XCTAssertNotEqual(c.suggestion, "review", "an image Koho can read does not by itself need review")
        let id = c.id!.uuidString.lowercased()

        let viewer = WebClient(app)
        try await viewer.login("kansa", password)
        for path in ["/comments", "/comments/\(id)"] {
            try await viewer.get(path)
            let html = viewer.lastBody
            XCTAssertTrue(html.contains("<img src=\"/comments/\(id)/image\" alt=\"市民Bさんのコメントの画像（プラットフォームの説明: 会場の&lt;b&gt;テント&lt;/b&gt;）\""), html)
            XCTAssertFalse(html.contains(c.imageURL!), "the platform's address never reaches the browser")
            XCTAssertFalse(html.contains("/_sandbox/images/"))
        }
        let image = try await viewer.get("/comments/\(id)/image")
        XCTAssertEqual(image.status, .ok)
        XCTAssertEqual(image.headers.first(name: .contentType), "image/png")
        XCTAssertEqual(image.headers.first(name: "X-Content-Type-Options"), "nosniff")
        XCTAssertEqual(Data(image.body.readableBytesView), Self.png)
        // Signed out: no image, only the login page.
        let stranger = try await WebClient(app).get("/comments/\(id)/image")
        XCTAssertEqual(stranger.status, .seeOther)
        XCTAssertEqual(stranger.headers.first(name: .location), "/login")

        // The API: Koho's route, not the platform's address; the image itself with a token.
        let listed = try await listed()
        let shown = try XCTUnwrap(listed.first?["image"] as? [String: Any])
        XCTAssertEqual(shown["url"] as? String, "/api/v1/comments/\(id)/image")
        XCTAssertEqual(shown["readable"] as? Bool, true)
        XCTAssertEqual(shown["kind"] as? String, "photo")
        XCTAssertTrue(shown["problem"] is NSNull)
        let res = try await app.testable().sendRequest(.GET, "/api/v1/comments/\(id)/image", headers: ["Authorization": "Bearer \(tokens.viewer)"])
        XCTAssertEqual(res.status, .ok)
        XCTAssertEqual(Data(res.body.readableBytesView), Self.png)
        let noToken = try await app.testable().sendRequest(.GET, "/api/v1/comments/\(id)/image")
        XCTAssertEqual(noToken.status, .unauthorized)
        // A comment without an image has none.
        let plain = try await residentComment(on: post, "駐車場はありますか")
        try await poller.pass(force: true)
        let plainRows = try await stored(try XCTUnwrap(plain["id"] as? String))
        let plainRow = try XCTUnwrap(plainRows.first)
        let none = try await viewer.get("/comments/\(plainRow.id!.uuidString.lowercased())/image")
        XCTAssertEqual(none.status, .notFound)
    }

    func testAYouTubeCommentWithAnImageIsShown() async throws {
        let video = try await youtubeVideo()
        let c = try await withImage(on: video, "この景色、うちの近所です", image: ["base64": Self.png.base64EncodedString(), "contentType": "image/png"])
        XCTAssertEqual(c.platform, "youtube")
        XCTAssertEqual(c.imageKind, "image")
        XCTAssertNil(c.imageProblem)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/comments/\(c.id!.uuidString.lowercased())")
        XCTAssertTrue(chief.lastBody.contains("alt=\"市民Bさんのコメントに添えられた画像（説明なし）\""), chief.lastBody)
        let image = try await chief.get("/comments/\(c.id!.uuidString.lowercased())/image")
        XCTAssertEqual(image.status, .ok)
        XCTAssertEqual(image.headers.first(name: .contentType), "image/png")
    }

    func testAnImageKohoCannotReadSendsTheCommentToReviewSayingWhy() async throws {
        let post = try await facebookPost()
        // Different words each time: the same text again would be a flood (⑤), another reason for review.
        let texts = ["市民まつり、楽しかったです", "花火がきれいでした", "子ども広場の写真です", "駅前のイルミネーションを撮りました",
                     "グリーンロードの紅葉", "動画も撮ったので見てください"]
        let html = Data("<html><script>alert(1)</script></html>".utf8)
        let cases: [(image: [String: Any], why: String)] = [
            // Bytes that are no image, though the server calls them one.
            (["base64": html.base64EncodedString(), "contentType": "image/png"], "画像の中身が JPEG・PNG・GIF・WebP のどれでもありません"),
            // An address off the platforms' image servers (here, a cloud's metadata service): never fetched.
            (["url": "http://169.254.169.254/latest/meta-data/"], "プラットフォームの画像サーバー以外の場所（169.254.169.254）"),
            (["url": "https://evil.example.com/a.png"], "プラットフォームの画像サーバー以外の場所（evil.example.com）"),
            // On the platform's image server, but redirected elsewhere: not followed.
            (["redirectTo": "http://169.254.169.254/latest/meta-data/"], "プラットフォームの画像サーバーが HTTP 302 を返しました"),
            // A photo the platform no longer gives an address for.
            ([:], "プラットフォームが画像の場所を返しませんでした"),
            (["kind": "video_inline", "url": "https://video.xx.fbcdn.net/v.mp4"], "Koho が表示できない種類の添付です: video_inline"),
        ]
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        for ((image, why), text) in zip(cases, texts) {
            let c = try await withImage(on: post, text, image: image)
            XCTAssertEqual(c.suggestion, "review", why)
            XCTAssertEqual(c.assessment.suggestion, .review, why)
            let problem = try XCTUnwrap(c.imageProblem, why)
            XCTAssertTrue(problem.hasPrefix("画像を確認できません（"), problem)
            XCTAssertTrue(problem.contains(why), problem)
            let id = c.id!.uuidString.lowercased()
            try await chief.get("/comments/\(id)")
            XCTAssertTrue(chief.lastBody.contains("画像を確認できません（"), why)
            XCTAssertTrue(chief.lastBody.contains("提案: 根拠に当たるかもしれない・課長が確認（review）"), why)
            XCTAssertFalse(chief.lastBody.contains("<img src=\"/comments/\(id)/image\""), "no image Koho could not read")
            let refused = try await chief.get("/comments/\(id)/image")
            XCTAssertNotEqual(refused.status, .ok, why)
            let api = try await listed("?suggestion=review")
            let item = try XCTUnwrap(api.first { $0["id"] as? String == id })
            let shown = try XCTUnwrap(item["image"] as? [String: Any])
            XCTAssertEqual(shown["readable"] as? Bool, false)
            XCTAssertEqual(shown["problem"] as? String, problem)
        }
        // The same text without an image is not sent to review: the image is the reason.
        let plain = try await residentComment(on: post, "公園の桜がきれいでした")
        try await poller.pass(force: true)
        try await assertEqual(try await stored(try XCTUnwrap(plain["id"] as? String)).first?.suggestion, "keep")
        // Waiting for the chief: each shows in the inbox's pending list.
        try await chief.get("/comments?pending=1")
        XCTAssertEqual(chief.lastBody.components(separatedBy: "画像を確認できません（").count - 1, cases.count)
    }

    /// A webhook delivery carries no image; the next poll brings it to the comment already stored, and the review.
    func testAnImageArrivingAfterTheWebhookStillSendsTheCommentToReview() async throws {
        let post = try await facebookPost()
        let body = try JSONSerialization.data(withJSONObject: ["postId": post, "text": "見てください", "author": "市民C",
                                                                "image": ["url": "https://evil.example.com/a.png"]])
        let r = try await sandboxCall(.POST, "/_sandbox/comments", body: body)
        let platformID = try XCTUnwrap((try JSONSerialization.jsonObject(with: r.body) as? [String: Any])?["id"] as? String)
        let delivered = delivery(verb: "add", commentID: platformID, postID: post, message: "見てください", from: "市民C")
        try await assertEqual(try await webhook(delivered, signature: signed(delivered)), .ok)
        var rows = try await stored(platformID)
        XCTAssertNil(rows.first?.imageKind)
        XCTAssertEqual(rows.first?.suggestion, "keep")
        try await poller.pass(force: true)
        rows = try await stored(platformID)
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows.first?.suggestion, "review")
        XCTAssertEqual(rows.first?.assessment.suggestion, .review)
        XCTAssertTrue(rows.first?.imageProblem?.contains("evil.example.com") == true, rows.first?.imageProblem ?? "")
    }

    /// A round reads a bounded number of images, each address once; the rest wait for the next round, unshown.
    func testARoundReadsABoundedNumberOfImagesAndLeavesTheRestForTheNext() async throws {
        let calls = NIOLockedValueBox<[String]>([])
        var gateway = PlatformGateway.failing
        gateway.commentImage = { url, max in
            calls.withLockedValue { $0.append(url) }
            XCTAssertEqual(max, CommentImages.maxBytes)
            if url.hasSuffix("gone.jpg") { return (Data("Not Found".utf8), 404) }
            if url.hasSuffix("slow.jpg") { throw PlatformError.transient("timeout") }
            return (Self.png, 200)
        }
        func observed(_ id: String, _ file: String) -> ObservedComment {
            ObservedComment(account: "koho.kodairacity", platform: .facebook, platformCommentID: id, platformPostID: "p",
                            text: "写真", image: CommentImages.observed(PlatformCommentImage(kind: "photo", url: "https://scontent.xx.fbcdn.net/\(file)"), origins: []))
        }
        let batch = [observed("c1", "ok.jpg"), observed("c1", "ok.jpg"), observed("c2", "gone.jpg"), observed("c3", "slow.jpg"), observed("c4", "late.jpg")]
        let out = try await CommentImages.read(batch, gateway: gateway, db: app.db, perRound: 4)
        XCTAssertEqual(calls.withLockedValue { $0 }, ["https://scontent.xx.fbcdn.net/ok.jpg", "https://scontent.xx.fbcdn.net/gone.jpg",
                                                     "https://scontent.xx.fbcdn.net/slow.jpg"], "one read per address")
        XCTAssertNil(out[0].image?.problem)
        XCTAssertNil(out[1].image?.problem)
        XCTAssertEqual(out[2].image?.problem, "画像を確認できません（プラットフォームの画像サーバーが HTTP 404 を返しました）")
        XCTAssertTrue(out[3].image?.problem?.hasPrefix("画像を確認できません（取得できませんでした") == true)
        XCTAssertNil(out[4].image, "beyond the round's share: left for the next round")
    }

    func testTheReviewOverrideKeepsADeletionAndLeavesReadableImagesAlone() throws {
        let unreadable = ObservedImage(kind: "photo", url: nil, alt: nil, problem: "画像を確認できません（テスト）")
        func assessed(_ s: CommentSuggestion) throws -> CommentIngest.Assessed {
            let a = CommentAssessment(grounds: [], misleading: s == .correct, suggestion: s)
            return CommentIngest.Assessed(json: String(decoding: try JSONEncoder().encode(a), as: UTF8.self), suggestion: s.rawValue,
                                          grounds: "", misleading: s == .correct)
        }
        for (s, expected) in [(CommentSuggestion.keep, "review"), (.correct, "review"), (.review, "review"), (.delete, "delete")] {
            let out = CommentImages.reviewUnreadable(try assessed(s), image: unreadable)
            XCTAssertEqual(out.suggestion, expected, s.rawValue)
            XCTAssertEqual(try JSONDecoder().decode(CommentAssessment.self, from: Data(out.json.utf8)).suggestion.rawValue, expected)
            XCTAssertEqual(out.misleading, s == .correct, "a rumour stays flagged for its correction")
        }
        let readable = ObservedImage(kind: "photo", url: "https://scontent.xx.fbcdn.net/a.jpg", alt: nil, problem: nil)
        XCTAssertEqual(CommentImages.reviewUnreadable(try assessed(.keep), image: readable).suggestion, "keep")
        XCTAssertEqual(CommentImages.reviewUnreadable(try assessed(.keep), image: nil).suggestion, "keep")
        // Addresses: the platforms' image servers over https only; a lookalike host, userinfo or http is refused.
        XCTAssertNil(CommentImages.addressProblem("https://scontent-nrt1-1.xx.fbcdn.net/v/t39/p.jpg?x=1", origins: []))
        XCTAssertNil(CommentImages.addressProblem("https://yt3.ggpht.com/abc=s800", origins: []))
        for bad in ["http://scontent.xx.fbcdn.net/a.jpg", "https://fbcdn.net.evil.example/a.jpg", "https://user@scontent.xx.fbcdn.net/a.jpg",
                    "https://xfbcdn.net/a.jpg", "file:///etc/passwd", "https://scontent.xx.fbcdn.net/\u{7}", String(repeating: "a", count: 3000)] {
            XCTAssertNotNil(CommentImages.addressProblem(bad, origins: []), bad)
        }
        XCTAssertNil(CommentImages.addressProblem("http://127.0.0.1:9999/_sandbox/images/x", origins: ["http://127.0.0.1:9999"]))
        XCTAssertEqual(CommentImages.sniff(Self.png), "image/png")
        XCTAssertEqual(CommentImages.sniff(Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10])), "image/jpeg")
        XCTAssertNil(CommentImages.sniff(Data("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8)), "SVG is never passed on")
    }
}
