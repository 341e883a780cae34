import Fluent

struct CreatePublishAttempt: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(PublishAttempt.schema)
            .id()
            .field("post_id", .uuid, .required, .references(Post.schema, "id"))
            .field("number", .int, .required)
            .field("started_at", .datetime, .required)
            .field("finished_at", .datetime)
            .field("outcome", .string, .required)
            .field("platform_post_id", .string)
            .field("platform_url", .string)
            .field("message", .string, .required)
            .field("worker", .string, .required)
            .field("upload_session", .string)
            // Two workers can never both write attempt n of a post.
            .unique(on: "post_id", "number")
            .create()
    }
    func revert(on db: Database) async throws { try await db.schema(PublishAttempt.schema).delete() }
}
