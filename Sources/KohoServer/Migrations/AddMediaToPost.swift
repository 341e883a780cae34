import Fluent

/// The file a post carries (a YouTube video, an X image) and its size.
struct AddMediaToPost: AsyncMigration {
    func prepare(on db: Database) async throws {
        // One column per statement: SQLite adds only one at a time.
        try await db.schema(Post.schema).field("media_file", .string).update()
        try await db.schema(Post.schema).field("media_bytes", .int).update()
    }

    func revert(on db: Database) async throws {
        try await db.schema(Post.schema).deleteField("media_bytes").update()
        try await db.schema(Post.schema).deleteField("media_file").update()
    }
}
