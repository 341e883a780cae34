import Fluent

struct CreatePolicyVersion: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(PolicyVersion.schema)
            .id()
            .field("number", .int, .required)
            .field("version", .string, .required)
            .field("yaml", .string, .required)
            .field("sha256", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "number")
            .create()
    }
    func revert(on db: Database) async throws { try await db.schema(PolicyVersion.schema).delete() }
}
