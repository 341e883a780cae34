import Fluent

struct CreateCommentAlarm: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(CommentAlarm.schema)
            .id()
            .field("account", .string, .required)
            .field("reason", .string, .required)
            .field("raised_at", .datetime, .required)
            .field("cleared_at", .datetime)
            .field("in_window", .int, .required)
            .field("usual_per_window", .double, .required)
            .field("misleading_in_window", .int, .required)
            .field("peak", .int, .required)
            .field("updated_at", .datetime, .required)
            .create()
    }
    func revert(on db: Database) async throws { try await db.schema(CommentAlarm.schema).delete() }
}
