import Fluent
import Vapor
import SQLKit

/// Indexes for the queries every page and the publisher run: due and waiting posts, the newest posts,
/// a post's history in the audit trail, and the look-up of a platform's post id when settling an attempt.
struct AddQueryIndexes: AsyncMigration {
    static let indexes: [(name: String, table: String, columns: [String])] = [
        ("posts_state_scheduled_at", Post.schema, ["state", "scheduled_at"]),
        ("posts_created_at", Post.schema, ["created_at"]),
        ("posts_account_state", Post.schema, ["account", "state"]),
        ("posts_platform_post_id", Post.schema, ["platform_post_id"]),
        ("audit_entries_subject", AuditEntry.schema, ["subject"]),
    ]

    func prepare(on db: Database) async throws {
        let sql = try Self.sql(db)
        for index in Self.indexes {
            var create = sql.create(index: index.name).on(index.table)
            for column in index.columns { create = create.column(column) }
            try await create.run()
        }
    }

    func revert(on db: Database) async throws {
        let sql = try Self.sql(db)
        for index in Self.indexes.reversed() {
            try await sql.drop(index: index.name).run()
        }
    }

    static func sql(_ db: Database) throws -> SQLDatabase {
        guard let sql = db as? SQLDatabase else { throw Abort(.internalServerError, reason: "indexes need an SQL database") }
        return sql
    }
}
