import Fluent
import SQLKit

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

/// A notice's version: publishing and editing name the version the person saw (issue 21, finding 7).
struct AddVersionToNotice: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(Notice.schema).field("lock_version", .int, .required, .sql(.default(1))).update()
    }

    func revert(on db: Database) async throws {
        try await db.schema(Notice.schema).deleteField("lock_version").update()
    }
}

/// An alert's warnings with their levels (レベル２–５), for `GET /api/v1/alerts`.
struct AddWarningsToAlert: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(Alert.schema).field("warnings", .string, .required, .sql(.default("[]"))).update()
    }

    func revert(on db: Database) async throws {
        try await db.schema(Alert.schema).deleteField("warnings").update()
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

/// Readable public notice addresses (issue 23): a slug per published notice, unique; those published before it get
/// theirs here, in order of publication.
struct AddSlugToNotice: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(Notice.schema).field("slug", .string).update()
        guard let sql = db as? SQLDatabase else { return }
        try await sql.raw("CREATE UNIQUE INDEX IF NOT EXISTS notices_slug ON notices (slug)").run()
        try await Self.backfill(on: db)
    }

    /// A slug for each published notice without one, in order of publication.
    static func backfill(on db: Database) async throws {
        var taken = Set(try await Notice.query(on: db).filter(\.$slug != nil).all().compactMap(\.slug))
        for n in try await Notice.query(on: db).filter(\.$status == .published).filter(\.$slug == nil).sort(\.$publishedAt).sort(\.$id).all() {
            let slug = Notice.slug(kind: n.kind, account: n.account, publishedAt: n.publishedAt ?? n.updatedAt, taken: taken)
            taken.insert(slug)
            n.slug = slug
            try await n.update(on: db)
        }
    }

    func revert(on db: Database) async throws {
        if let sql = db as? SQLDatabase { try await sql.raw("DROP INDEX IF EXISTS notices_slug").run() }
        try await db.schema(Notice.schema).deleteField("slug").update()
    }
}
