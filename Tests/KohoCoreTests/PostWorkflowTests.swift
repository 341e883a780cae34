import Foundation
import Testing
@testable import KohoCore

@Suite struct PostWorkflowTests {
    private let policy = PolicyLoader.builtIn()
    private func at(_ s: String) -> Date { JapaneseTime.parseISO8601(s + "+09:00")! }

    @Test func submitNeedsTheChiefOnlyWhenTheCheckSaysSo() throws {
        #expect(try PostWorkflow.next(.draft, .submit, needsChief: true) == .submitted)
        #expect(try PostWorkflow.next(.draft, .submit, needsChief: false) == .scheduled)
        #expect(try PostWorkflow.next(.submitted, .approve, needsChief: true) == .scheduled)
        #expect(try PostWorkflow.next(.submitted, .reject, needsChief: true) == .rejected)
    }

    @Test func anEditVoidsAnApproval() throws {
        #expect(try PostWorkflow.next(.scheduled, .edit, needsChief: true) == .submitted)
        #expect(try PostWorkflow.next(.rejected, .edit, needsChief: true) == .draft)
        #expect(try PostWorkflow.next(.expired, .edit, needsChief: false) == .draft)
    }

    @Test func finishedPostsDoNotMove() {
        for state in [PostState.cancelled, .published, .publishing, .failed] {
            for event in PostEvent.allCases {
                #expect(throws: PostTransitionError.self) { try PostWorkflow.next(state, event, needsChief: true) }
            }
        }
        #expect(throws: PostTransitionError.self) { try PostWorkflow.next(.draft, .approve, needsChief: true) }
        #expect(throws: PostTransitionError.self) { try PostWorkflow.next(.submitted, .expire, needsChief: true) }
    }

    @Test func withoutAChosenTimeAPostWaitsForTheNextWindow() {
        let cal = PolicyChecker(policy: policy).calendar(for: .x)
        #expect(PostWorkflow.resolveTime(chosen: nil, emergency: false, calendar: cal, now: at("2026-11-20T18:00:00")) == at("2026-11-24T08:30:00"))
        #expect(PostWorkflow.resolveTime(chosen: nil, emergency: false, calendar: cal, now: at("2026-12-28T17:15:00")) == at("2027-01-04T08:30:00"))
        #expect(PostWorkflow.resolveTime(chosen: nil, emergency: true, calendar: cal, now: at("2026-12-31T23:00:00")) == at("2026-12-31T23:00:00"))
    }

    @Test func theWorkflowCheckRefusesAPastTime() {
        let checker = PolicyChecker(policy: policy)
        let action = PlannedAction(account: "hisyo_kodaira_tokyo", category: "市長", text: "市長メッセージ")
        let (ok, time) = checker.checkForWorkflow(action, chosen: nil, now: at("2026-11-21T12:00:00"))
        #expect(ok.ok)
        #expect(time == at("2026-11-24T08:30:00"))
        let (past, _) = checker.checkForWorkflow(action, chosen: at("2026-11-24T09:00:00"), now: at("2026-11-25T10:00:00"))
        #expect(past.codes == ["schedule.inPast"])
    }

    @Test func anActionSurvivesItsFields() throws {
        let a = PlannedAction(account: "koho.kodairacity", kind: .post, category: "③", text: "<b>\"催し\"</b>", links: ["https://example.jp/"],
                              scheduledAt: at("2026-11-26T09:00:00"), emergency: true, emergencyReason: "理由", articleOrigin: "shiho")
        #expect(try PlannedAction.decode(fields: a.fields) == a)
    }
}
