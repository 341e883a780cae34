import Fluent
import SQLKit

/// Residents' comments, their history, and the outbox of the chief's hide/delete decisions.
struct CreateComments: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(Comment.schema)
            .id()
            .field("account", .string, .required)
            .field("platform", .string, .required)
            .field("platform_comment_id", .string, .required)
            .field("platform_post_id", .string, .required)
            .field("post_id", .uuid)
            .field("parent_id", .string)
            .field("author_name", .string, .required)
            .field("author_id", .string)
            .field("created_at", .datetime, .required)
            .field("received_at", .datetime, .required)
            .field("text", .string, .required)
            .field("current_text", .string, .required)
            .field("state", .string, .required)
            .field("moderation_status", .string)
            .field("assessment", .string, .required)
            .field("suggestion", .string, .required)
            .field("grounds", .string, .required)
            .field("misleading", .bool, .required)
            .field("decision", .string)
            .field("decision_ground", .string)
            .field("decision_reason", .string)
            .field("decided_by", .string)
            .field("decided_at", .datetime)
            .field("reply_post_id", .uuid)
            .field("action_status", .string)
            .field("action_retry_at", .datetime)
            .field("action_message", .string)
            .field("lease_until", .datetime)
            .field("updated_at", .datetime, .required)
            // However often and in whatever order polls and webhooks bring it, a comment is one row.
            .unique(on: "platform", "platform_comment_id")
            .create()
        try await db.schema(CommentEvent.schema)
            .id()
            .field("comment_id", .uuid, .required, .references(Comment.schema, "id"))
            .field("at", .datetime, .required)
            .field("kind", .string, .required)
            .field("actor", .string, .required)
            .field("detail", .string, .required)
            .create()
        try await db.schema(CommentAction.schema)
            .id()
            .field("comment_id", .uuid, .required, .references(Comment.schema, "id"))
            .field("number", .int, .required)
            .field("action", .string, .required)
            .field("started_at", .datetime, .required)
            .field("finished_at", .datetime)
            .field("outcome", .string, .required)
            .field("message", .string, .required)
            .field("worker", .string, .required)
            .unique(on: "comment_id", "number")
            .create()
        if let sql = db as? SQLDatabase {
            try await sql.create(index: "comments_account_received").on(Comment.schema).column("account").column("received_at").run()
            try await sql.create(index: "comment_events_comment").on(CommentEvent.schema).column("comment_id").run()
        }
    }

    func revert(on db: Database) async throws {
        try await db.schema(CommentAction.schema).delete()
        try await db.schema(CommentEvent.schema).delete()
        try await db.schema(Comment.schema).delete()
    }
}
