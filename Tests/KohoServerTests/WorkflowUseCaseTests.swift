import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// The post workflow driven as a job or a command would drive it: on the database, with no request and no HTTP.
final class WorkflowUseCaseTests: KohoTestCase {
    func testTheWorkflowRunsWithoutARequest() async throws {
        let chief = try await addUser("kacho", .chief)
        let staff = try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let w = app.workflow
        let action = PlannedAction(account: "kodaira_tokyo", category: "ウ", text: "市民まつりのお知らせ",
                                   links: ["https://www.city.kodaira.tokyo.jp/event/1.html"])
        let post = try await PostService.create(w, staff, action)
        XCTAssertEqual(post.state, .draft)
        let id = try XCTUnwrap(post.id)

        let submitted = try await PostService.transition(w, staff, id, .submit, expectedVersion: post.lockVersion, reason: "")
        XCTAssertEqual(submitted.state, .submitted, "category ウ rests on the chief's judgement")
        XCTAssertNil(submitted.approvedRenderingSHA256)

        do {
            _ = try await PostService.transition(w, staff, id, .approve, expectedVersion: nil, reason: "")
            XCTFail("staff cannot approve")
        } catch let e as AppError {
            XCTAssertEqual(e.status, .forbidden)
        }
        do {
            _ = try await PostService.transition(w, chief, id, .approve, expectedVersion: post.lockVersion, reason: "")
            XCTFail("a stale version is refused")
        } catch let e as AppError {
            XCTAssertEqual(e.status, .conflict)
        }

        let approved = try await PostService.transition(w, chief, id, .approve, expectedVersion: submitted.lockVersion, reason: "")
        XCTAssertEqual(approved.state, .scheduled)
        let rendering = try XCTUnwrap(approved.approvedRendering.flatMap(Rendering.decode(canonicalJSON:)))
        XCTAssertEqual(rendering.text, "市民まつりのお知らせ\nhttps://www.city.kodaira.tokyo.jp/event/1.html")
        XCTAssertEqual(rendering.hash, approved.approvedRenderingSHA256)

        var edited = action
        edited.text = "市民まつりのお知らせ（雨天決行）"
        let back = try await PostService.transition(w, staff, id, .edit, expectedVersion: approved.lockVersion, reason: "", edited: edited)
        XCTAssertEqual(back.state, .submitted, "an edit voids the approval")
        XCTAssertNil(back.approvedRenderingSHA256)

        let rejected = try await PostService.transition(w, chief, id, .reject, expectedVersion: back.lockVersion, reason: "日付を入れてください")
        XCTAssertEqual(rejected.state, .rejected)
        let history = try await AuditEntry.query(on: app.db).filter(\.$subject == PostService.subject(id)).sort(\.$id).all()
        XCTAssertEqual(history.map(\.action), ["post.create", "post.submit", "post.approve", "post.edit", "post.reject"])
        XCTAssertEqual(history.last?.reason, "日付を入れてください")
        XCTAssertTrue(history[2].detail.contains(rendering.hash), "the approval names what was approved")
    }
}
