import Fluent

struct CreateSetupToken: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(SetupToken.schema)
            .id()
            .field("token_hash", .string, .required)
            .field("created_at", .datetime, .required)
            .field("used_at", .datetime)
            .unique(on: "token_hash")
            .create()
    }
    func revert(on db: Database) async throws { try await db.schema(SetupToken.schema).delete() }
}
