import Fluent

/// A YouTube post's video file and size.
struct AddVideoToPost: AsyncMigration {
    func prepare(on db: Database) async throws {
        // One column per statement: SQLite adds only one at a time.
        try await db.schema(Post.schema).field("video_file", .string).update()
        try await db.schema(Post.schema).field("video_bytes", .int).update()
    }

    func revert(on db: Database) async throws {
        try await db.schema(Post.schema).deleteField("video_bytes").update()
        try await db.schema(Post.schema).deleteField("video_file").update()
    }
}
