import Fluent
import Foundation
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// Lists read their rows without Fluent's reflection: the same posts, every column.
final class PostRowsTests: KohoTestCase {
    func testEveryStoredPropertyIsListed() {
        XCTAssertTrue(Post.storedPropertiesComplete, "a property added to Post belongs in Post.storedProperties too")
        XCTAssertTrue(AuditEntry.listComplete, "a property added to AuditEntry belongs in its listedProperties too")
        XCTAssertTrue(PublishAttempt.listComplete, "a property added to PublishAttempt belongs in its listedProperties too")
        XCTAssertTrue(User.listComplete, "a property added to User belongs in its listedProperties too")
        XCTAssertTrue(APIToken.listComplete, "a property added to APIToken belongs in its listedProperties too")
        // The API list's statement reads exactly the columns a list shows, in PostFields' order.
        XCTAssertEqual(Set(PostFields.columns), Set(Post.listedColumns.map(\.description)))
        XCTAssertEqual(PostFields.columns.count, Post.listedColumns.count)
        // What Fluent is told is what it would have found itself.
        XCTAssertEqual(Post().properties.count, ListedProperties.reflected(Post()).count)
    }

    func testListsReadTheSamePostsAsFluent() async throws {
        let (chief, _, _, _) = try await addStandardUsers()
        for i in 0..<12 {
            let r = try await createPost(chief, #"{"account":"kodaira_tokyo","category":"ウ","text":"お知らせ\#(i)\u0000と\\記号","links":["https://www.city.kodaira.tokyo.jp/\#(i).html"]}"#)
            XCTAssertEqual(r.status, .created, r.body)
            if i % 3 == 0 { _ = try await api(.POST, "/posts/\(postID(r))/submit", token: chief) }
        }
        let fluent = try await Post.query(on: app.db).sort(\.$createdAt).sort(\.$id).all()
        let fast = try await Post.query(on: app.db).sort(\.$createdAt).sort(\.$id).allPosts()
        XCTAssertEqual(fast.count, 12)
        XCTAssertEqual(fast.count, fluent.count)
        for (a, b) in zip(fast, fluent) {
            XCTAssertEqual(a.id, b.id)
            XCTAssertEqual(a.state, b.state)
            XCTAssertEqual(try a.action, try b.action)
            XCTAssertEqual(a.scheduledAt, b.scheduledAt)
            XCTAssertEqual(a.createdAt, b.createdAt)
            XCTAssertEqual(a.lockVersion, b.lockVersion)
            XCTAssertEqual(a.approvedRenderingSHA256, b.approvedRenderingSHA256)
            XCTAssertEqual(a.$policyVersion.id, b.$policyVersion.id)
            XCTAssertEqual(a.reasons, b.reasons)
            XCTAssertTrue(a.$id.exists, "read from the database, as Fluent marks it")
        }
    }

    /// The API list reads its rows straight from the driver and writes its JSON by hand: every post comes out as the
    /// Codable answer of the same post, in every state, with NULs, backslashes, slashes, links, media, holds.
    func testTheListsRowsAndJSONAreTheCodableAnswer() async throws {
        let (chief, _, _, _) = try await addStandardUsers()
        for i in 0..<30 {
            let account = ["kodaira_tokyo", "hisyo_kodaira_tokyo", "koho.kodairacity"][i % 3]
            let category = account == "hisyo_kodaira_tokyo" ? "市長" : (account == "koho.kodairacity" ? "③" : "ウ")
            let origin = account == "koho.kodairacity" ? #","articleOrigin":"section""# : ""
            let r = try await createPost(chief, #"{"account":"\#(account)","category":"\#(category)","text":"お知らせ\#(i)\u0000と\\記号 </script> \u001f／/","links":["https://www.city.kodaira.tokyo.jp/\#(i).html"]\#(origin)}"#)
            XCTAssertEqual(r.status, .created, r.body)
            if i % 3 == 0 { _ = try await api(.POST, "/posts/\(postID(r))/submit", token: chief) }
            if i % 5 == 0 { _ = try await api(.POST, "/posts/\(postID(r))/cancel", token: chief) }
        }
        let policy = app.koho.policy
        let (rows, total, next) = try await PostListQuery.page(app.db, state: nil, account: nil, limit: 25, after: nil)
        XCTAssertEqual(total, 30)
        XCTAssertEqual(rows.count, 25)
        XCTAssertNotNil(next)
        let models = try await Post.query(on: app.db).sort(\.$createdAt, .descending).sort(\.$id, .descending).limit(25).all()
        for (row, model) in zip(rows, models) {
            let fromRow = try PostDTO(row, policy: policy), fromModel = try PostDTO(model, policy: policy)
            var j = JSONText()
            fromRow.writeJSON(into: &j)
            // JSONEncoder writes an object's members in no fixed order: the two are compared as JSON values.
            let mine = try JSONSerialization.jsonObject(with: Data(j.bytes), options: [.fragmentsAllowed]) as? NSDictionary
            let codable = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(fromModel), options: [.fragmentsAllowed]) as? NSDictionary
            XCTAssertNotNil(mine)
            XCTAssertEqual(mine, codable)
        }
        // A post's history and attempts (the single post's answer), with messy text, written by hand as Codable does.
        let history = try await AuditEntry.query(on: app.db).limit(3).all()
        XCTAssertFalse(history.isEmpty)
        let attempts: [PublishAttempt] = [(1, AttemptOutcome.unknown, nil), (2, .published, "12345")].map { n, outcome, postID in
            let a = PublishAttempt()
            a.number = n
            a.startedAt = Date(timeIntervalSince1970: 1_795_000_000 + Double(n))
            a.finishedAt = outcome == .unknown ? nil : Date(timeIntervalSince1970: 1_795_000_060)
            a.outcome = outcome
            a.platformPostID = postID
            a.platformURL = postID.map { "https://x.com/kodaira_tokyo/status/\($0)" }
            a.message = "応答なし\u{0}</script>\\"
            return a
        }
        for (h, a) in [(history, attempts), ([], [])] {
            let withBoth = try PostDTO(models[0], policy: policy, history: h, attempts: a)
            var j = JSONText()
            withBoth.writeJSON(into: &j)
            let mine = try JSONSerialization.jsonObject(with: Data(j.bytes)) as? NSDictionary
            let codable = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(withBoth)) as? NSDictionary
            XCTAssertNotNil(mine?["history"])
            XCTAssertEqual(mine, codable)
        }

        let (rest, _, end) = try await PostListQuery.page(app.db, state: nil, account: nil, limit: 25, after: next)
        XCTAssertEqual(rest.count, 5)
        XCTAssertNil(end)
        XCTAssertTrue(Set(rest.map(\.id)).isDisjoint(with: rows.map(\.id)))
        let (cancelled, n, _) = try await PostListQuery.page(app.db, state: .cancelled, account: "kodaira_tokyo", limit: 50, after: nil)
        XCTAssertEqual(n, cancelled.count)
        XCTAssertTrue(cancelled.allSatisfy { $0.state == .cancelled && $0.account == "kodaira_tokyo" })
        XCTAssertGreaterThan(n, 0)
    }
}
