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
}
