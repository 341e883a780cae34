import Fluent

struct CreatePost: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(Post.schema)
            .id()
            .field("account", .string, .required)
            .field("category", .string)
            .field("fields", .string, .required)
            .field("chosen_at", .datetime)
            .field("scheduled_at", .datetime)
            .field("emergency", .bool, .required)
            .field("state", .string, .required)
            .field("lock_version", .int, .required)
            .field("policy_version_id", .uuid, .required, .references(PolicyVersion.schema, "id"))
            .field("author_name", .string, .required)
            .field("requires_chief_approval", .bool, .required)
            .field("approval_reasons", .string, .required)
            .field("uses_hours_exception", .bool, .required)
            .field("article_origin", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
    }
    func revert(on db: Database) async throws { try await db.schema(Post.schema).delete() }
}
