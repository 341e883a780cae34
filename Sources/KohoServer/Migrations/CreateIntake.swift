import Fluent

/// Emergency intake: the items taken (never twice), each source's state, and the agency's alerts.
struct CreateIntake: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(IntakeItem.schema)
            .id()
            .field("source", .string, .required)
            .field("item_key", .string, .required)
            .field("title", .string, .required)
            .field("link", .string)
            .field("taken_at", .datetime, .required)
            .field("draft_ids", .string, .required)
            .unique(on: "source", "item_key")
            .create()
        try await db.schema(IntakeSourceState.schema)
            .id()
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("last_fetch_at", .datetime)
            .field("last_item_at", .datetime)
            .field("last_item_title", .string)
            .field("last_error", .string)
            .field("last_error_at", .datetime)
            .field("etag", .string)
            .field("last_modified", .string)
            .unique(on: "name")
            .create()
        try await db.schema(Alert.schema)
            .id()
            .field("source", .string, .required)
            .field("message_id", .string, .required)
            .field("title", .string, .required)
            .field("report_time", .string, .required)
            .field("event_id", .string)
            .field("area", .string, .required)
            .field("kind", .string, .required)
            .field("status", .string, .required)
            .field("info_type", .string, .required)
            .field("summary", .string, .required)
            .field("draft_ids", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
    }

    func revert(on db: Database) async throws {
        try await db.schema(Alert.schema).delete()
        try await db.schema(IntakeSourceState.schema).delete()
        try await db.schema(IntakeItem.schema).delete()
    }
}
