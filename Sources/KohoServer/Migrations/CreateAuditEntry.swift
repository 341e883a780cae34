import Fluent

struct CreateAuditEntry: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(AuditEntry.schema)
            .field("id", .int, .identifier(auto: true))
            .field("at", .datetime, .required)
            .field("actor", .string, .required)
            .field("action", .string, .required)
            .field("subject", .string, .required)
            .field("detail", .string, .required)
            .field("reason", .string, .required)
            .field("prev_hash", .string, .required)
            .field("hash", .string, .required)
            .unique(on: "prev_hash")
            .create()
    }
    func revert(on db: Database) async throws { try await db.schema(AuditEntry.schema).delete() }
}
