import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
import KohoSandbox
@testable import KohoServer
@testable import KohoTools

/// Finding 12 (webhook part): a signed delivery sent again, or an older change in a new delivery, does not undo
/// what happened since.
final class WebhookReplayTests: CommentTestCase {
    /// A delivery with its entry's `time` (Unix seconds) as Meta sends it.
    func change(_ verb: String, _ commentID: String, on postID: String, at time: Int, message: String? = nil) -> Data {
        var value: [String: Any] = ["item": "comment", "verb": verb, "comment_id": commentID, "post_id": postID, "parent_id": postID,
                                    "from": ["id": "10001", "name": "市民A"], "created_time": 1_795_000_000]
        if let message { value["message"] = message }
        let body: [String: Any] = ["object": "page", "entry": [["id": SandboxAccounts.facebookKoho.platformId, "time": time,
                                                                "changes": [["field": "feed", "value": value]]]]]
        return try! JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    }

    func testAReplayedHideDoesNotHideTheCommentAgain() async throws {
        let post = try await facebookPost()
        let c = try await residentComment(on: post, "会場の場所を教えてください")
        let id = try XCTUnwrap(c["id"] as? String)
        let t = Int(clock.now.timeIntervalSince1970)
        let added = change("add", id, on: post, at: t - 30, message: "会場の場所を教えてください")
        try await assertEqual(try await webhook(added, signature: signed(added)), .ok)
        let hide = change("hide", id, on: post, at: t - 20)
        try await assertEqual(try await webhook(hide, signature: signed(hide)), .ok)
        try await assertEqual(try await self.stored(id).first?.state, .hidden)
        // Shown again on the Page (the chief restored it).
        let unhide = change("unhide", id, on: post, at: t - 10)
        try await assertEqual(try await webhook(unhide, signature: signed(unhide)), .ok)
        try await assertEqual(try await self.stored(id).first?.state, .visible)

        // The captured hide, sent again with its valid signature: accepted (200) and ignored.
        try await assertEqual(try await webhook(hide, signature: signed(hide)), .ok)
        try await assertEqual(try await self.stored(id).first?.state, .visible)
        // The same old change in another delivery (another body, so another digest): older than the unhide, ignored.
        let rebatched = change("hide", id, on: post, at: t - 15)
        try await assertEqual(try await webhook(rebatched, signature: signed(rebatched)), .ok)
        try await assertEqual(try await self.stored(id).first?.state, .visible)
        let row = try await stored(id).first
        let kinds = try await CommentService.events(app.db, try XCTUnwrap(row?.id)).map(\.kind)
        XCTAssertEqual(kinds, ["received", "hidden", "unhidden"], "nothing recorded for the replays")

        // A newer hide is taken.
        let later = change("hide", id, on: post, at: t - 5)
        try await assertEqual(try await webhook(later, signature: signed(later)), .ok)
        try await assertEqual(try await self.stored(id).first?.state, .hidden)
    }

    func testAnAbsurdEntryTimeDoesNotFreezeTheComment() async throws {
        let post = try await facebookPost()
        let c = try await residentComment(on: post, "駐輪場はありますか")
        let id = try XCTUnwrap(c["id"] as? String)
        let t = Int(clock.now.timeIntervalSince1970)
        let added = change("add", id, on: post, at: t - 30, message: "駐輪場はありますか")
        try await assertEqual(try await webhook(added, signature: signed(added)), .ok)
        // A time far in the future is not kept as the comment's mark: later real changes still apply.
        let future = change("hide", id, on: post, at: 99_999_999_999)
        try await assertEqual(try await webhook(future, signature: signed(future)), .ok)
        let unhide = change("unhide", id, on: post, at: t - 10)
        try await assertEqual(try await webhook(unhide, signature: signed(unhide)), .ok)
        try await assertEqual(try await self.stored(id).first?.state, .visible)
        let marks = try await WebhookCommentMark.query(on: app.db).filter(\.$platformCommentID == id).all().map(\.changeTime)
        XCTAssertEqual(marks, [Double(t - 10)])
        // A time that is not a number: the change is taken, without a mark.
        var odd = try XCTUnwrap(try JSONSerialization.jsonObject(with: change("hide", id, on: post, at: t)) as? [String: Any])
        var entries = try XCTUnwrap(odd["entry"] as? [[String: Any]])
        entries[0]["time"] = "昨日"
        odd["entry"] = entries
        let oddBody = try JSONSerialization.data(withJSONObject: odd, options: [.sortedKeys])
        try await assertEqual(try await webhook(oddBody, signature: signed(oddBody)), .ok)
        try await assertEqual(try await self.stored(id).first?.state, .hidden)
    }
}
