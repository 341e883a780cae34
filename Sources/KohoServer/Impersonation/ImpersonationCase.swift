import Fluent
import Foundation
import KohoCore

/// An account found to pretend to be one of the city's, worked by the chief through the steps of 3(2) (4(2), 5(2)).
/// The candidate's profile is kept as it was seen, with the scorer's judgement, as the evidence.
final class ImpersonationCase: Model, @unchecked Sendable {
    static let schema = "impersonation_cases"

    enum Source: String, Codable, Sendable {
        case search, report
        var displayName: String { self == .search ? "プラットフォームの検索" : "職員からの報告" }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "platform") var platform: Platform
    @Field(key: "handle") var handle: String
    @Field(key: "name") var name: String
    @Field(key: "bio") var bio: String
    @Field(key: "profile_url") var profileURL: String
    /// The platform's own id of the account (X user id, channel id), when the search gave one.
    @Field(key: "platform_id") var platformId: String
    @Field(key: "seen_at") var seenAt: Date
    @Field(key: "source") var source: Source
    @Field(key: "reported_by") var reportedBy: String
    @Field(key: "report_note") var reportNote: String
    @Field(key: "score") var score: Double
    /// The scorer's reasons, one a line.
    @Field(key: "reasons") var reasons: String
    /// The official account imitated (its id in the policy).
    @Field(key: "imitates") var imitates: String
    @Field(key: "step") var step: ImpersonationCaseStep
    @OptionalField(key: "outcome") var outcome: ImpersonationCaseOutcome?
    @OptionalField(key: "notice_id") var noticeId: UUID?
    @Field(key: "takedown_text") var takedownText: String
    @Field(key: "press_text") var pressText: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    var idString: String { id?.uuidString.lowercased() ?? "" }
    var reasonList: [String] { reasons.split(separator: "\n").map(String.init) }
    var isOpen: Bool { step != .closed }
}

/// One step of a case: who took it, when, and the text it sent or published.
final class ImpersonationCaseStepRecord: Model, @unchecked Sendable {
    static let schema = "impersonation_case_steps"

    @ID(key: .id) var id: UUID?
    @Field(key: "case_id") var caseId: UUID
    @Field(key: "step") var step: ImpersonationCaseStep
    @Field(key: "actor") var actor: String
    @Field(key: "at") var at: Date
    @Field(key: "note") var note: String

    init() {}
}
