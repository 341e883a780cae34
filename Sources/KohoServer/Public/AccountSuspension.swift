import Fluent
import Foundation

/// An official account the chief has suspended or deleted (3(7), 4(9), 5(9)), with the published notice that gives
/// the reason. One row per account while it stands; resuming removes it (the audit trail keeps the history).
package final class AccountSuspension: Model, @unchecked Sendable {
    package static let schema = "account_suspensions"

    enum Action: String, Codable, Sendable {
        case suspend, delete
        var displayName: String { self == .suspend ? "停止中" : "削除" }
    }

    @ID(key: .id) package var id: UUID?
    @Field(key: "account") var account: String
    @Field(key: "action") var action: Action
    /// Nil only where the policy asks for no published reason.
    @OptionalField(key: "notice_id") var noticeID: UUID?
    @Field(key: "since") var since: Date
    @Field(key: "by") var by: String

    package init() {}
}
