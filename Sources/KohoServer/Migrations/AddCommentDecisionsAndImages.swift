import Fluent

/// Issue 19: whether the chief's hide/delete went against Koho's suggestion (kept, or criticism of the city), and
/// the image a comment carries (its reference on the platform, and why Koho could not read it).
struct AddCommentDecisionsAndImages: AsyncMigration {
    func prepare(on db: Database) async throws {
        // One column per statement: SQLite adds only one at a time.
        try await db.schema(Comment.schema).field("decision_against_suggestion", .bool).update()
        try await db.schema(Comment.schema).field("image_kind", .string).update()
        try await db.schema(Comment.schema).field("image_url", .string).update()
        try await db.schema(Comment.schema).field("image_alt", .string).update()
        try await db.schema(Comment.schema).field("image_problem", .string).update()
    }

    func revert(on db: Database) async throws {
        for field in ["image_problem", "image_alt", "image_url", "image_kind", "decision_against_suggestion"] {
            try await db.schema(Comment.schema).deleteField(.key(.string(field))).update()
        }
    }
}
