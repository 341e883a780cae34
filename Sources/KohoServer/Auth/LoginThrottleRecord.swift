import Fluent
import Foundation

/// Failed sign-ins counted per name, per source address and per (name, address). Keys are SHA-256 hashes,
/// so whatever an anonymous visitor types as a name is never stored as text here.
final class LoginThrottleRecord: Model, @unchecked Sendable {
    static let schema = "login_throttles"
    @ID(key: .id) var id: UUID?
    @Field(key: "key") var key: String
    /// The hashed name, for the name's own row and its pair rows: an unlock finds them all by it.
    @OptionalField(key: "name_key") var nameKey: String?
    @Field(key: "failures") var failures: Int
    @Field(key: "last_failure") var lastFailure: Date
    @OptionalField(key: "locked_until") var lockedUntil: Date?

    init() {}
}

struct CreateLoginThrottle: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(LoginThrottleRecord.schema)
            .id()
            .field("key", .string, .required)
            .field("name_key", .string)
            .field("failures", .int, .required)
            .field("last_failure", .datetime, .required)
            .field("locked_until", .datetime)
            .unique(on: "key")
            .create()
    }

    func revert(on db: Database) async throws {
        try await db.schema(LoginThrottleRecord.schema).delete()
    }
}
