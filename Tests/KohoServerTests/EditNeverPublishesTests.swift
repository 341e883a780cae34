import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// No save publishes: only the chief's approval or a confirmed submission sends a post towards the platform
/// (issue 21, finding 1).
final class EditNeverPublishesTests: KohoTestCase {
    /// Outside the operating window, so that the emergency exception is in play.
    override var startTime: Date { jst("2026-11-25T22:00") }

    private func action(_ account: Account, category: String, emergency: Bool, text: String) -> PlannedAction {
        var a = PlannedAction(account: account.id, category: category, text: text,
                              links: [], sourceURL: "https://www.city.kodaira.tokyo.jp/kurashi/1.html")
        if account.platform == .youtube { a.title = "市からのお知らせ" }
        if account.platform == .facebook { a.articleOrigin = "website" }
        if emergency {
            a.emergency = true
            a.emergencyReason = "大雨による避難所の開設"
        }
        return a
    }

    /// Every state a save can start from, for every role that may save, every category of every account, with and
    /// without the emergency exception: the save never leaves the post scheduled (or further), never keeps an
    /// approval, and a post that waited for approval still waits for the chief.
    func testNoSaveOfAnyPostLeadsToPublishing() async throws {
        let chief = try await addUser("kacho", .chief)
        let staffAccounts = app.koho.policy.accounts.map(\.id)
        let staff = try await addUser("tanaka", .staff, accounts: staffAccounts)
        let w = app.workflow
        let policy = app.koho.policy
        var combinations = 0
        for account in policy.accounts {
            for category in account.categories {
                for emergency in [false, true] {
                    for state in [PostState.draft, .submitted, .scheduled, .rejected, .expired] {
                        for user in [chief, staff] {
                            let a = action(account, category: category.code, emergency: emergency, text: "お知らせ \(combinations)")
                            let post = try await PostService.create(w, chief, a, asDraftDespiteViolations: true)
                            let id = try XCTUnwrap(post.id)
                            // Put the post in the state as its earlier steps would have (the approval recorded for
                            // a scheduled one), and give a YouTube post its video.
                            if account.platform == .youtube {
                                post.mediaFile = String(repeating: "a", count: 64) + ".mp4"
                                post.mediaBytes = 4096
                                post.mediaName = "video.mp4"
                            }
                            post.state = state
                            if state == .scheduled, case .success(let r)? = try post.rendering(policy) {
                                post.approvedRendering = String(decoding: r.canonicalJSON, as: UTF8.self)
                                post.approvedRenderingSHA256 = r.hash
                            }
                            try await post.update(on: app.db)
                            var edited = a
                            edited.text += "。"
                            let saved: Post
                            do {
                                saved = try await PostService.transition(w, user, id, .edit, expectedVersion: post.lockVersion,
                                                                         reason: "", edited: edited, asDraftDespiteViolations: true)
                            } catch let e as AppError {
                                // A refusal publishes nothing either; but the matrix is meant to save.
                                XCTFail("\(account.id) \(category.code) emergency=\(emergency) \(state) by \(user.name): \(e)")
                                continue
                            }
                            combinations += 1
                            let label = "\(account.id) \(category.code) emergency=\(emergency) \(state.rawValue) by \(user.name)"
                            XCTAssertFalse([.scheduled, .publishing, .published].contains(saved.state), label)
                            XCTAssertNil(saved.approvedRenderingSHA256, label)
                            if state == .submitted || (state == .scheduled && (emergency || saved.requiresChiefApproval)) {
                                XCTAssertEqual(saved.state, .submitted, label)
                                XCTAssertTrue(saved.requiresChiefApproval, "\(label): the chief's approval is what it waits for")
                            }
                            if state == .scheduled, !emergency, !category.chiefJudgement {
                                XCTAssertEqual(saved.state, .draft, "\(label): a scheduled post needing nobody's judgement goes back to a draft")
                            }
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(combinations, 200)
        let due = try await Post.query(on: app.db).filter(\.$state ~~ [.scheduled, .publishing, .published]).count()
        XCTAssertEqual(due, 0)
    }

    /// The finding as reported: an emergency X draft from the city's feed waits for the chief; staff change one
    /// character and press 「変更を保存」. It stays waiting for the chief, the page says so before the button, and only
    /// the chief's approval schedules it.
    func testStaffSavingAnEmergencyDraftFromTheIntakeKeepsItWaitingForTheChief() async throws {
        let chief = try await addUser("kacho", .chief)
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let w = app.workflow
        // Category ア needs nobody's judgement by itself; the intake still makes it wait for the chief.
        let a = action(try XCTUnwrap(app.koho.policy.account("kodaira_tokyo")), category: "ア", emergency: true,
                       text: "【緊急】避難所を開設しました")
        let draft = try await PostService.create(w, chief, a)
        let waiting = try await PostService.transition(w, chief, try XCTUnwrap(draft.id), .submit, expectedVersion: draft.lockVersion,
                                                       reason: "", chiefMustApprove: true)
        XCTAssertEqual(waiting.state, .submitted)
        let id = try XCTUnwrap(waiting.id)

        let web = WebClient(app)
        try await web.login("tanaka", password)
        let page = try await web.get("/posts/\(id.uuidString)/edit")
        XCTAssertEqual(page.status, .ok)
        XCTAssertTrue(web.lastBody.contains("id=\"save-does-not-publish\""), "the edit page says the save does not publish")
        XCTAssertTrue(web.lastBody.contains("承認を待ち続けます"))
        var form: [String: String] = ["account": "kodaira_tokyo", "kind": "post", "category": "ア",
                                      "text": "【緊急】避難所を開設しました。", "sourceURL": a.sourceURL ?? "",
                                      "emergency": "on", "emergencyReason": a.emergencyReason ?? "",
                                      "version": String(waiting.lockVersion), "intent": "save"]
        form["scheduledAt"] = ""
        let saved = try await web.post("/posts/\(id.uuidString)/edit", form)
        XCTAssertEqual(saved.status, .seeOther, web.lastBody)
        let after = try await PostService.find(w, id)
        XCTAssertEqual(after.state, .submitted, "the save keeps it waiting for the chief")
        XCTAssertTrue(after.requiresChiefApproval)
        XCTAssertNil(after.approvedRenderingSHA256)
        XCTAssertEqual(try after.action.text, "【緊急】避難所を開設しました。")

        // The publisher finds nothing to send until the chief approves.
        if let publisher = app.workers?.publisher {
            let due = try await publisher.duePostIDs(limit: 10)
            XCTAssertTrue(due.isEmpty)
        }
        let approved = try await PostService.transition(w, chief, id, .approve, expectedVersion: after.lockVersion, reason: "")
        XCTAssertEqual(approved.state, .scheduled)
        let approvedText = try XCTUnwrap(approved.approvedRendering.flatMap(Rendering.decode(canonicalJSON:))).text
        XCTAssertTrue(approvedText.hasPrefix("【緊急】避難所を開設しました。"), "what the chief approved is what goes out")
    }

    /// The API's `PUT /api/v1/posts/{id}` is a save too.
    func testAnAPIEditOfAScheduledPostDoesNotPublish() async throws {
        let (chief, staff, _, _) = try await addStandardUsers()
        let created = try await createPost(staff, #"{"account":"kodaira_tokyo","category":"ア","text":"防災訓練のお知らせ","sourceURL":"https://www.city.kodaira.tokyo.jp/bousai/1.html","emergency":true,"emergencyReason":"訓練の中止"}"#)
        XCTAssertEqual(created.status, .created, created.body)
        let id = postID(created)
        let submitted = try await api(.POST, "/posts/\(id)/submit", token: staff, json: #"{"version":1}"#)
        XCTAssertEqual(submitted.json["state"] as? String, "scheduled", "an emergency of category ア needs nobody's judgement: the confirmed submission schedules it")
        let version = try XCTUnwrap(submitted.json["version"] as? Int)
        let edited = try await api(.PUT, "/posts/\(id)", token: staff,
                                   json: #"{"account":"kodaira_tokyo","category":"ア","text":"防災訓練の中止のお知らせ","sourceURL":"https://www.city.kodaira.tokyo.jp/bousai/1.html","emergency":true,"emergencyReason":"訓練の中止"}"#,
                                   headers: ["If-Match": "\"\(version)\""])
        XCTAssertEqual(edited.status, .ok, edited.body)
        XCTAssertEqual(edited.json["state"] as? String, "submitted", "an emergency edit goes to the chief")
        _ = chief
    }
}
