import Fluent
import Foundation

/// An account in disaster mode: while the row exists, its scheduled posts that are not emergencies are held.
final class DisasterMode: Model, @unchecked Sendable {
    static let schema = "disaster_modes"
    @ID(key: .id) var id: UUID?
    @Field(key: "account") var account: String
    @Field(key: "reason") var reason: String
    @Field(key: "started_at") var startedAt: Date
    /// The chief's name, or `system` with the alert when an alert of the policy's level switched it on.
    @Field(key: "started_by") var startedBy: String

    init() {}

    init(account: String, reason: String, startedAt: Date, startedBy: String) {
        self.id = UUID()
        self.account = account
        self.reason = reason
        self.startedAt = startedAt
        self.startedBy = startedBy
    }
}
