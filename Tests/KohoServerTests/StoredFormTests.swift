import FluentSQL
import Foundation
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// A post's planned action is stored in its own columns; rows written by an older Koho as a JSON blob move there.
final class StoredFormTests: KohoTestCase {
    func testAnOldStyleRowIsReadBackAfterMigrating() async throws {
        let t = try await addStandardUsers()
        let created = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ア","text":"今の形","sourceURL":"https://www.city.kodaira.tokyo.jp/a.html"}"#)
        XCTAssertEqual(created.status, .created, created.body)
        let id = postID(created)

        // Back to the old form, and the blob as an older Koho wrote it.
        try await StorePostActionInColumns().revert(on: app.db)
        let sql = try XCTUnwrap(app.db as? SQLDatabase)
        let old = #"{"account":"kodaira_tokyo","kind":"quote","category":"ア","text":"旧い形の本文","title":"題","links":["https://x.com/tokyo_bousai/status/1","https://example.jp/b"],"sourceURL":"https://www.city.kodaira.tokyo.jp/b.html","scheduledAt":"2026-11-26T09:00:00+09:00","emergency":true,"emergencyReason":"台風","replyPurpose":"correction","quotedAccount":"tokyo_bousai","inReplyTo":"123"}"#
        try await sql.update(Post.schema).set("fields", to: old).run()

        try await StorePostActionInColumns().prepare(on: app.db)

        do {
            _ = try await sql.select().column("fields").from(Post.schema).all()
            XCTFail("the blob is dropped")
        } catch {}
        let found = try await Post.find(UUID(uuidString: id), on: app.db)
        let post = try XCTUnwrap(found)
        let a = try post.action
        XCTAssertEqual(a.kind, .quote)
        XCTAssertEqual(a.text, "旧い形の本文")
        XCTAssertEqual(a.title, "題")
        XCTAssertEqual(a.links, ["https://x.com/tokyo_bousai/status/1", "https://example.jp/b"])
        XCTAssertEqual(a.sourceURL, "https://www.city.kodaira.tokyo.jp/b.html")
        XCTAssertEqual(a.emergencyReason, "台風")
        XCTAssertEqual(a.replyPurpose, "correction")
        XCTAssertEqual(a.quotedAccount, "tokyo_bousai")
        XCTAssertEqual(a.inReplyTo, "123")
        // The indexed columns were always written beside the blob and stay as they were.
        XCTAssertEqual(a.account, "kodaira_tokyo")
        XCTAssertEqual(a.category, "ア")
        XCTAssertNil(a.scheduledAt)

        let shown = try await api(.GET, "/posts/\(id)", token: t.staff)
        XCTAssertEqual(shown.status, .ok, shown.body)
        XCTAssertEqual(shown.json["text"] as? String, "旧い形の本文")
        XCTAssertEqual(shown.json["links"] as? [String], ["https://x.com/tokyo_bousai/status/1", "https://example.jp/b"])
    }

    func testTheStoredFormRoundTripsEveryField() async throws {
        let t = try await addStandardUsers()
        let created = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ア","text":"a/b\\0c\u0000d","title":"t","links":["https://example.jp/x"],"sourceURL":"https://www.city.kodaira.tokyo.jp/a.html","replyPurpose":"p","quotedAccount":"q","inReplyTo":"r","emergencyReason":"e"}"#)
        XCTAssertEqual(created.status, .created, created.body)
        let found = try await Post.find(UUID(uuidString: postID(created)), on: app.db)
        let post = try XCTUnwrap(found)
        XCTAssertEqual(try post.action, PlannedAction(account: "kodaira_tokyo", category: "ア", text: "a/b\\0c\u{0}d", title: "t",
            links: ["https://example.jp/x"], sourceURL: "https://www.city.kodaira.tokyo.jp/a.html", emergencyReason: "e",
            replyPurpose: "p", quotedAccount: "q", inReplyTo: "r"))
    }
}
