import Fluent
import Foundation
import SQLKit
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// `KohoContext.write` opened once by the outermost call; `PostStore` the one writer of `posts`.
final class ComposedWritesTests: KohoTestCase {
    func scheduledPost(_ chief: User, _ text: String) async throws -> Post {
        let w = app.workflow
        let draft = try await PostService.create(w, chief, PlannedAction(account: "kodaira_tokyo", category: "ウ", text: text,
                                                                         links: ["https://www.city.kodaira.tokyo.jp/event/1.html"]))
        let submitted = try await PostService.transition(w, chief, draft.id!, .submit, expectedVersion: draft.lockVersion, reason: "")
        let approved = try await PostService.transition(w, chief, draft.id!, .approve, expectedVersion: submitted.lockVersion, reason: "")
        XCTAssertEqual(approved.state, .scheduled)
        return approved
    }

    func testAWriteInsideAWriteJoinsItAndCommitsOrRollsBackAsOne() async throws {
        let chief = try await addUser("kacho", .chief)
        let w = app.workflow
        let action = PlannedAction(account: "kodaira_tokyo", category: "ウ", text: "市民まつりのお知らせ",
                                   links: ["https://www.city.kodaira.tokyo.jp/event/1.html"])
        struct Undo: Error {}
        do {
            try await app.koho.write(on: app.db) { _ in
                // Two use cases, each of which opens its own write when called alone: no deadlock on the lock.
                let post = try await PostService.create(w, chief, action)
                _ = try await PostService.transition(w, chief, post.id!, .submit, expectedVersion: post.lockVersion, reason: "")
                throw Undo()
            }
            XCTFail("the outer write throws")
        } catch is Undo {}
        try await assertEqual(try await Post.query(on: self.app.db).count(), 0, "nothing of either use case was kept")
        try await assertEqual(try await AuditEntry.query(on: self.app.db).filter(\.$action ~~ ["post.create", "post.submit"]).count(), 0)

        let kept = try await app.koho.write(on: app.db) { _ in try await PostService.create(w, chief, action) }
        try await assertEqual(try await Post.query(on: self.app.db).count(), 1)
        let (count, broken) = try await AuditLog.verify(on: app.db)
        XCTAssertNil(broken, "the chain is whole after a rolled-back write")
        XCTAssertGreaterThan(count, 0)
        let stored = try await Post.find(kept.id, on: app.db)
        XCTAssertEqual(stored?.text, "市民まつりのお知らせ")
    }

    /// The staff opened the post to edit it; disaster mode then held it. The edit is refused with the usual message,
    /// and the hold stands.
    func testAnEditRacingAHoldIsRefusedAsStale() async throws {
        let chief = try await addUser("kacho", .chief)
        let staff = try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let post = try await scheduledPost(chief, "図書館の休館日のお知らせ")
        let seen = post.lockVersion
        try await DisasterModeService.switchMode(app.workflow, actor: chief.name, accounts: .some(["kodaira_tokyo"]), on: true,
                                                 reason: "震度5強の地震")
        let held = try await XCTUnwrapAsync(try await Post.find(post.id, on: self.app.db))
        XCTAssertNotNil(held.heldReason)
        XCTAssertEqual(held.lockVersion, seen + 1, "the hold is a change of the post")
        var edited = try post.action
        edited.text = "図書館の休館日のお知らせ（変更）"
        do {
            _ = try await PostService.transition(app.workflow, staff, post.id!, .edit, expectedVersion: seen, reason: "", edited: edited)
            XCTFail("the edit made against the version before the hold is refused")
        } catch let e as AppError {
            XCTAssertEqual(e.status, .conflict)
            XCTAssertEqual(e.message, AppError.staleEdit.message)
        }
        let after = try await XCTUnwrapAsync(try await Post.find(post.id, on: self.app.db))
        XCTAssertEqual(after.text, "図書館の休館日のお知らせ")
        XCTAssertNotNil(after.heldReason, "the hold stands")

        // The same at the store, for two changes made from the same reading at the same time (another server's hold,
        // or its release): the second is refused, not written over the first under the same version.
        let a = try await XCTUnwrapAsync(try await Post.find(post.id, on: self.app.db))
        let b = try await XCTUnwrapAsync(try await Post.find(post.id, on: self.app.db))
        a.heldReason = nil
        a.heldAt = nil
        try await PostStore.save(a, on: app.db)
        b.scheduledAt = b.scheduledAt?.addingTimeInterval(3600)
        do {
            try await PostStore.save(b, on: app.db)
            XCTFail("the second change from the same reading is stale")
        } catch let e as AppError {
            XCTAssertEqual(e.message, AppError.staleEdit.message)
        }
        let last = try await XCTUnwrapAsync(try await Post.find(post.id, on: self.app.db))
        XCTAssertEqual(last.lockVersion, seen + 2)
        XCTAssertEqual(last.scheduledAt, post.scheduledAt, "the refused change left nothing")
    }

    /// A step checks the post at hand for a lapsed approval; other posts are the sweep's, in its job.
    func testATransitionDoesNotTouchOtherPosts() async throws {
        let chief = try await addUser("kacho", .chief)
        let overdue = try await scheduledPost(chief, "朝の交通安全運動のお知らせ")
        clock.advance(PostWorkflow.expiryGrace + 60)
        let w = app.workflow
        let other = try await PostService.create(w, chief, PlannedAction(account: "kodaira_tokyo", category: "ウ", text: "別の投稿",
                                                                         links: ["https://www.city.kodaira.tokyo.jp/event/2.html"]))
        _ = try await PostService.transition(w, chief, other.id!, .submit, expectedVersion: other.lockVersion, reason: "")
        let untouched = try await XCTUnwrapAsync(try await Post.find(overdue.id, on: self.app.db))
        XCTAssertEqual(untouched.state, .scheduled, "another post's step did not expire it")
        XCTAssertEqual(untouched.lockVersion, overdue.lockVersion)
        try await assertEqual(try await AuditEntry.query(on: self.app.db).filter(\.$action == "post.expire").count(), 0)

        // A step on the overdue post itself finds it lapsed (committed, whatever the step then does).
        do {
            _ = try await PostService.transition(w, chief, overdue.id!, .approve, expectedVersion: overdue.lockVersion, reason: "")
            XCTFail("the approval lapsed first")
        } catch let e as AppError {
            XCTAssertEqual(e.status, .conflict)
        }
        let lapsed = try await XCTUnwrapAsync(try await Post.find(overdue.id, on: self.app.db))
        XCTAssertEqual(lapsed.state, .expired)
        XCTAssertEqual(lapsed.lockVersion, overdue.lockVersion + 1)

        // The sweep in its job finds the rest.
        let third = try await scheduledPost(chief, "三つ目")
        clock.advance(PostWorkflow.expiryGrace + 60)
        let swept = try await PostService.expireOverdue(app.db, app.koho)
        XCTAssertEqual(swept, 1)
        try await assertEqual(try await Post.find(third.id, on: self.app.db)?.state, .expired)
    }
}

/// A list reads only what a list shows.
final class PostListProjectionTests: KohoTestCase {
    func testAListLeavesOutThePublishersColumnsAndShowsEverythingElse() async throws {
        let chief = try await addUser("kacho", .chief)
        let w = app.workflow
        let draft = try await PostService.create(w, chief, PlannedAction(account: "kodaira_tokyo", category: "ウ", text: "市民まつりのお知らせ",
                                                                         links: ["https://www.city.kodaira.tokyo.jp/event/1.html"]))
        let submitted = try await PostService.transition(w, chief, draft.id!, .submit, expectedVersion: draft.lockVersion, reason: "")
        let approved = try await PostService.transition(w, chief, draft.id!, .approve, expectedVersion: submitted.lockVersion, reason: "")
        XCTAssertNotNil(approved.approvedRendering)

        let listed = try await XCTUnwrapAsync(try await Post.query(on: self.app.db).allPosts().first)
        XCTAssertNil(listed.approvedRendering, "the full rendering is the publisher's; a list shows its hash")
        XCTAssertEqual(listed.approvedRenderingSHA256, approved.approvedRenderingSHA256)
        XCTAssertEqual(try listed.action, try approved.action)
        XCTAssertEqual(listed.lockVersion, approved.lockVersion)
        XCTAssertEqual(listed.scheduledAt, approved.scheduledAt)
        XCTAssertFalse(Post.listedColumns.contains("approved_rendering"))
        XCTAssertEqual(Post.listedColumns.count, Post().storedProperties.flatMap(\.keys).count - Post.notListed.count)

        // The API's list shows the same post as its own page does, and the whole post is still there to publish.
        let token = try await token("kacho")
        let list = try await api(.GET, "/posts", token: token)
        XCTAssertEqual(list.status, .ok, list.body)
        let one = try await api(.GET, "/posts/\(approved.id!.uuidString.lowercased())", token: token)
        let first = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(list.body.utf8)) as? [[String: Any]])?.first)
        for key in ["text", "state", "version", "approvedRenderingSHA256", "renderingSHA256", "scheduledAt"] {
            XCTAssertEqual(first[key] as? NSObject, one.json[key] as? NSObject, key)
        }
        let whole = try await Post.find(approved.id, on: app.db)
        XCTAssertEqual(whole?.approvedRendering, approved.approvedRendering)
    }
}

/// A correction decision and its reply draft commit together.
final class CorrectionDecisionTransactionTests: KohoTestCase {
    func failCommentEvents() async throws {
        let sql = try XCTUnwrap(app.db as? SQLDatabase)
        if sql.dialect.name == "postgresql" {
            try await sql.raw("CREATE OR REPLACE FUNCTION koho_test_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'comment_events: 試験で拒否'; END $$ LANGUAGE plpgsql").run()
            try await sql.raw("CREATE TRIGGER koho_test_fail BEFORE INSERT ON comment_events FOR EACH ROW EXECUTE FUNCTION koho_test_fail()").run()
        } else {
            try await sql.raw("CREATE TRIGGER koho_test_fail BEFORE INSERT ON comment_events BEGIN SELECT RAISE(ABORT, 'comment_events: 試験で拒否'); END").run()
        }
    }

    func healCommentEvents() async throws {
        let sql = try XCTUnwrap(app.db as? SQLDatabase)
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER koho_test_fail ON comment_events").run()
            try await sql.raw("DROP FUNCTION koho_test_fail()").run()
        } else {
            try await sql.raw("DROP TRIGGER koho_test_fail").run()
        }
    }

    func testADecisionThatFailsAfterItsDraftLeavesNoOrphanAndARetryMakesOne() async throws {
        let chief = try await addUser("kacho", .chief)
        try await CommentIngest.ingest([ObservedComment(account: "koho.kodairacity", platform: .facebook, platformCommentID: "123_456",
                                                        platformPostID: "123", authorName: "市民A", text: "このイベントは中止になったらしい")],
                                       source: "test", db: app.db, ctx: app.koho)
        let comment = try await XCTUnwrapAsync(try await Comment.query(on: self.app.db).first())
        try await failCommentEvents()
        do {
            _ = try await CommentService.decide(app.koho, user: chief, id: comment.id!, action: .correct, ground: "", reason: "中止ではない")
            XCTFail("the decision fails after its draft was made")
        } catch {}
        try await assertEqual(try await Post.query(on: self.app.db).count(), 0, "no orphan draft")
        let undecided = try await XCTUnwrapAsync(try await Comment.find(comment.id, on: self.app.db))
        XCTAssertNil(undecided.decision)
        XCTAssertNil(undecided.replyPostID)
        try await assertEqual(try await AuditEntry.query(on: self.app.db).filter(\.$action ~~ ["post.create", "comment.decide"]).count(), 0)

        try await healCommentEvents()
        let decided = try await CommentService.decide(app.koho, user: chief, id: comment.id!, action: .correct, ground: "", reason: "中止ではない")
        let drafts = try await Post.query(on: app.db).all()
        XCTAssertEqual(drafts.count, 1, "the retry makes exactly one draft")
        XCTAssertEqual(decided.replyPostID, drafts.first?.id)
        XCTAssertEqual(drafts.first?.replyPurpose, PlannedAction.correctionPurpose)
        XCTAssertEqual(drafts.first?.inReplyTo, "123_456")
        // Deciding the correction again keeps the one draft.
        _ = try await CommentService.decide(app.koho, user: chief, id: comment.id!, action: .correct, ground: "", reason: "念のため")
        try await assertEqual(try await Post.query(on: self.app.db).count(), 1)
    }
}
