import Fluent

/// The publisher's columns on a post: its lease, when to try again, and what the platform gave back.
struct AddPublishingToPost: AsyncMigration {
    static let columns = ["lease_owner", "lease_until", "retry_at", "platform_post_id", "platform_url", "publish_message"]

    func prepare(on db: Database) async throws {
        // One column per statement: SQLite adds only one at a time.
        for column in Self.columns {
            let type: DatabaseSchema.DataType = column.hasSuffix("_until") || column.hasSuffix("_at") ? .datetime : .string
            try await db.schema(Post.schema).field(FieldKey(stringLiteral: column), type).update()
        }
    }

    func revert(on db: Database) async throws {
        for column in Self.columns.reversed() {
            try await db.schema(Post.schema).deleteField(FieldKey(stringLiteral: column)).update()
        }
    }
}
