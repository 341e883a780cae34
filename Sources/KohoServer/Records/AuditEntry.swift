import Fluent
import Foundation

/// One entry of the audit trail. Each holds the SHA-256 of the one before, so that a changed or
/// removed entry breaks the chain; `prev_hash` is unique, so two writers cannot fork it.
final class AuditEntry: Model, @unchecked Sendable {
    static let schema = "audit_entries"
    @ID(custom: "id", generatedBy: .database) var id: Int?
    @Field(key: "at") var at: Date
    @Field(key: "actor") var actor: String
    @Field(key: "action") var action: String
    @Field(key: "subject") var subject: String
    @Field(key: "detail") var detail: String
    @Field(key: "reason") var reason: String
    @Field(key: "prev_hash") var prevHash: String
    @Field(key: "hash") var hash: String

    init() {}
}
