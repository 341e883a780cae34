import Fluent

/// What the chief approved, as the platform would receive it, and its SHA-256.
struct AddApprovedRenderingToPost: AsyncMigration {
    func prepare(on db: Database) async throws {
        // One column per statement: SQLite adds only one at a time.
        try await db.schema(Post.schema).field("approved_rendering", .string).update()
        try await db.schema(Post.schema).field("approved_rendering_sha256", .string).update()
    }

    func revert(on db: Database) async throws {
        try await db.schema(Post.schema).deleteField("approved_rendering_sha256").update()
        try await db.schema(Post.schema).deleteField("approved_rendering").update()
    }
}
