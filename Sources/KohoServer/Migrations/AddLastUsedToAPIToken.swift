import Fluent

/// When a token was last used, so that `koho tokens list` shows which ones are idle and may be revoked.
/// The uploaded file's own name, shown beside its hash.
struct AddMediaNameToPost: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(Post.schema).field("media_name", .string).update()
    }

    func revert(on db: Database) async throws {
        try await db.schema(Post.schema).deleteField("media_name").update()
    }
}

struct AddLastUsedToAPIToken: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(APIToken.schema).field("last_used_at", .datetime).update()
    }

    func revert(on db: Database) async throws {
        try await db.schema(APIToken.schema).deleteField("last_used_at").update()
    }
}
