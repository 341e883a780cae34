import Fluent

/// Disaster mode: one row per account while it is on, and on each post why (and since when) it is held.
struct CreateDisasterMode: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(DisasterMode.schema)
            .id()
            .field("account", .string, .required)
            .field("reason", .string, .required)
            .field("started_at", .datetime, .required)
            .field("started_by", .string, .required)
            .unique(on: "account")
            .create()
        // One column per statement: SQLite adds only one at a time.
        try await db.schema(Post.schema).field("held_reason", .string).update()
        try await db.schema(Post.schema).field("held_at", .datetime).update()
    }

    func revert(on db: Database) async throws {
        try await db.schema(Post.schema).deleteField("held_at").update()
        try await db.schema(Post.schema).deleteField("held_reason").update()
        try await db.schema(DisasterMode.schema).delete()
    }
}
