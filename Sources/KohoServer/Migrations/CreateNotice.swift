import Fluent

struct CreateNotice: AsyncMigration {
    func prepare(on db: Database) async throws {
        // Kinds and statuses as plain text (no database enum), so that a later kind is a code change only.
        try await db.schema(Notice.schema)
            .id()
            .field("kind", .string, .required)
            .field("account", .string, .required)
            .field("title", .string, .required)
            .field("body", .string, .required)
            .field("status", .string, .required)
            .field("published_at", .datetime)
            .field("created_by", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("about", .string, .required)
            .field("resumed_at", .datetime)
            .create()
    }
    func revert(on db: Database) async throws { try await db.schema(Notice.schema).delete() }
}
