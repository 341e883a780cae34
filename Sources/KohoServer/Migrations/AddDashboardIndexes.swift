import Fluent
import SQLKit

/// Indexes that let each of the dashboard's tables stop after its first rows instead of reading and sorting every
/// post of a state: a table's condition and order are an index's leading columns. The held posts are few among the
/// scheduled ones, so they get a partial index of their own (its condition is written literally in the query, so
/// that SQLite and PostgreSQL both may use it).
struct AddDashboardIndexes: AsyncMigration {
    static let heldCondition = "held_reason IS NOT NULL"

    func prepare(on db: Database) async throws {
        let sql = try AddQueryIndexes.sql(db)
        try await sql.create(index: "posts_state_hours_scheduled").on(Post.schema)
            .column("state").column("uses_hours_exception").column("scheduled_at").run()
        try await sql.create(index: "posts_state_author_updated").on(Post.schema)
            .column("state").column("author_name").column("updated_at").run()
        try await sql.raw("CREATE INDEX posts_held ON posts (scheduled_at) WHERE \(unsafeRaw: Self.heldCondition)").run()
    }

    func revert(on db: Database) async throws {
        let sql = try AddQueryIndexes.sql(db)
        for name in ["posts_held", "posts_state_author_updated", "posts_state_hours_scheduled"] { try await sql.drop(index: name).run() }
    }
}
