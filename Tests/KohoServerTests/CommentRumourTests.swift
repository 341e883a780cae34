import Fluent
import Foundation
import XCTVapor
import XCTest
import Yams
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// Issue 19: a rumour in a comment is set against what the city itself has published (4(7)/5(7)).
final class CommentRumourTests: CommentTestCase {
    /// A post published by the city on its Facebook Page, stored as Koho keeps it once published.
    func publishedEmergencyPost(_ text: String, url: String) async throws -> Post {
        let chief = try await Setup.createUser(on: app.db, ctx: app.koho, name: "rumour-chief", password: "correct horse battery",
                                               role: .chief, accounts: [], actor: "test", reason: "")
        let action = PlannedAction(account: "koho.kodairacity", text: text, title: "【緊急】避難所の開設", sourceURL: url,
                                   emergency: true, emergencyReason: "大雨による避難所の開設")
        let post = try await PostService.create(app.workflow, chief, action, asDraftDespiteViolations: true)
        post.state = .published
        post.updatedAt = app.koho.now
        try await post.update(on: app.db)
        return post
    }

    /// A resident writes on the sandbox and the poller reads it: Koho's id.
    func polled(on post: String, _ text: String) async throws -> String {
        let c = try await residentComment(on: post, text)
        let platformID = try XCTUnwrap(c["id"] as? String)
        try await poller.pass(force: true)
        let rows = try await stored(platformID)
        let row = try XCTUnwrap(rows.first)
        return row.id!.uuidString.lowercased()
    }

    func testAClosedShelterClaimAgainstThePostThatOpenedItIsContradictedAndTheCorrectionCitesIt() async throws {
        let url = "https://www.city.kodaira.tokyo.jp/kurashi/bousai/shelter-2026.html"
        let post = try await publishedEmergencyPost("小平第六小学校の避難所を開設しました。現在受け入れています。", url: url)
        let page = try await facebookPost()
        let id = try await polled(on: page, "第六小の避難所はもう閉鎖されたって！行っても無駄らしい")
        let found = try await Comment.find(UUID(uuidString: id), on: app.db)
        let row = try XCTUnwrap(found)
        XCTAssertTrue(row.misleading)
        let rumour = try XCTUnwrap(row.assessment.rumour)
        XCTAssertEqual(rumour.status, .contradicted)
        XCTAssertEqual(rumour.source?.id, "post:\(post.id!.uuidString)")
        XCTAssertEqual(rumour.source?.url, url)
        XCTAssertEqual(row.assessment.suggestion, .correct)

        // The inbox names the city's post next to the comment, escaped.
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        let shown = try await chief.get("/comments/\(id)")
        XCTAssertEqual(shown.status, .ok)
        XCTAssertTrue(chief.lastBody.contains("【緊急】避難所の開設"), chief.lastBody)
        XCTAssertTrue(chief.lastBody.contains(url), "the inbox gives the source's address")

        // The API gives the same finding, on the single comment and in the list, with the post as its source.
        let one = try await api(.GET, "/comments/\(id)", token: tokens.viewer)
        XCTAssertEqual(one.status, .ok, one.body)
        XCTAssertEqual(one.json["criticism"] as? Bool, false)
        let r = try XCTUnwrap(one.json["rumour"] as? [String: Any], one.body)
        XCTAssertEqual(r["status"] as? String, "contradicted")
        XCTAssertEqual(r["topic"] as? String, "避難所")
        XCTAssertEqual((r["claim"] as? [String: Any])?["text"] as? String, rumour.claim.text)
        let source = try XCTUnwrap(r["source"] as? [String: Any])
        XCTAssertEqual(source["url"] as? String, url)
        XCTAssertEqual(source["kind"] as? String, "post")
        XCTAssertEqual(source["title"] as? String, "【緊急】避難所の開設")
        XCTAssertNotNil(source["publishedAt"] as? String)
        let list = try await api(.GET, "/comments", token: tokens.viewer)
        let listed = try XCTUnwrap((list.json["comments"] as? [[String: Any]])?.first { $0["id"] as? String == id })
        XCTAssertEqual((listed["rumour"] as? [String: Any])?["status"] as? String, "contradicted")

        // The correction reply's draft cites the post's address.
        let correct = try await api(.POST, "/comments/\(id)/decision", token: tokens.chief, json: #"{"action":"correct","reason":"避難所は開設中"}"#)
        XCTAssertEqual(correct.status, .ok, correct.body)
        let replyID = try XCTUnwrap((correct.json["decision"] as? [String: Any])?["replyPostId"] as? String)
        let draft = try await Post.find(UUID(uuidString: replyID), on: app.db)
        let reply = try XCTUnwrap(draft)
        XCTAssertTrue(reply.text.contains(url), reply.text)
        XCTAssertEqual(reply.replyPurpose, PlannedAction.correctionPurpose)
    }

    func testWithNothingPublishedTheSameClaimIsUnverifiedAndTheDraftIsLeftToTheOfficer() async throws {
        let page = try await facebookPost()
        let id = try await polled(on: page, "第六小の避難所はもう閉鎖されたって")
        let found = try await Comment.find(UUID(uuidString: id), on: app.db)
        let row = try XCTUnwrap(found)
        XCTAssertTrue(row.misleading)
        XCTAssertEqual(row.assessment.rumour?.status, .unverified)
        XCTAssertNil(row.assessment.rumour?.source)
        XCTAssertEqual(CityStatements.correctionDraft(for: row), "")
    }

    func testAPostAboutAnotherPlaceLeavesTheClaimUnverified() async throws {
        _ = try await publishedEmergencyPost("小平第六小学校の避難所を開設しました。現在受け入れています。",
                                             url: "https://www.city.kodaira.tokyo.jp/kurashi/bousai/six.html")
        let page = try await facebookPost()
        let id = try await polled(on: page, "第三小の避難所はもう閉鎖されたって")
        let one = try await api(.GET, "/comments/\(id)", token: tokens.viewer)
        XCTAssertEqual(one.status, .ok, one.body)
        XCTAssertEqual(one.json["misleading"] as? Bool, true)
        let r = try XCTUnwrap(one.json["rumour"] as? [String: Any], one.body)
        XCTAssertEqual(r["status"] as? String, "unverified", "the city said nothing of 第三小")
        XCTAssertTrue(r["source"] is NSNull, one.body)
    }

    func testTheAPIMarksCriticismAndGivesNullForNoRumour() async throws {
        let page = try await facebookPost()
        let id = try await polled(on: page, "市長、ほんまにアホちゃうか。バスの減便、誰が決めてん")
        let one = try await api(.GET, "/comments/\(id)", token: tokens.viewer)
        XCTAssertEqual(one.status, .ok, one.body)
        XCTAssertEqual(one.json["criticism"] as? Bool, true, one.body)
        XCTAssertTrue(one.json["rumour"] is NSNull, "rumour is written as null, not left out: \(one.body)")
        XCTAssertEqual((one.json["grounds"] as? [Any])?.count, 0)
        XCTAssertEqual(one.json["suggestion"] as? String, "keep")
        // No token: 401; an id that is not a comment: 404.
        let anonymous = try await api(.GET, "/comments/\(id)", token: nil)
        XCTAssertEqual(anonymous.status, .unauthorized)
        let unknown = try await api(.GET, "/comments/\(UUID().uuidString)", token: tokens.viewer)
        XCTAssertEqual(unknown.status, .notFound)
        let malformed = try await api(.GET, "/comments/not-a-uuid", token: tokens.viewer)
        XCTAssertEqual(malformed.status, .notFound)
    }

    /// The comment's JSON has exactly the fields `openapi.yaml` documents, `rumour` and its `source` included.
    func testTheCommentJSONIsWhatTheOpenAPIDocumentSays() async throws {
        let doc = try XCTUnwrap(try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any])
        let schemas = try XCTUnwrap((doc["components"] as? [String: Any])?["schemas"] as? [String: Any])
        func properties(_ name: String) throws -> Set<String> {
            Set(try XCTUnwrap((schemas[name] as? [String: Any])?["properties"] as? [String: Any], name).keys)
        }
        let rumourSchema = try XCTUnwrap(schemas["CommentRumour"] as? [String: Any])
        XCTAssertEqual(rumourSchema["nullable"] as? Bool, true)
        let sourceSchema = try XCTUnwrap((rumourSchema["properties"] as? [String: Any])?["source"] as? [String: Any])
        XCTAssertEqual(sourceSchema["nullable"] as? Bool, true)

        _ = try await publishedEmergencyPost("小平第六小学校の避難所を開設しました。", url: "https://www.city.kodaira.tokyo.jp/b/61.html")
        let page = try await facebookPost()
        let id = try await polled(on: page, "第六小の避難所、もう閉鎖されたらしいで")
        let one = try await api(.GET, "/comments/\(id)", token: tokens.viewer)
        XCTAssertEqual(Set(one.json.keys), try properties("Comment"), one.body)
        let r = try XCTUnwrap(one.json["rumour"] as? [String: Any], one.body)
        XCTAssertEqual(Set(r.keys), try properties("CommentRumour"))
        let source = try XCTUnwrap(r["source"] as? [String: Any], one.body)
        XCTAssertEqual(Set(source.keys), Set(try XCTUnwrap(sourceSchema["properties"] as? [String: Any]).keys))
    }

    func testAPostOlderThanTheWindowIsNotUsed() async throws {
        let post = try await publishedEmergencyPost("小平第六小学校の避難所を開設しました。", url: "https://www.city.kodaira.tokyo.jp/old.html")
        post.updatedAt = app.koho.now.addingTimeInterval(-Double(CityStatements.days + 1) * 86_400)
        try await post.update(on: app.db)
        let said = try await CityStatements.recent(db: app.db, now: app.koho.now)
        XCTAssertTrue(said.isEmpty)
    }
}
