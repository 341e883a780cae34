import Fluent
import SQLKit

/// Indexes for what every staff page reads, so that none of it scans a table: the comments waiting for the
/// chief (a partial index: the count touches only those, not every comment received), and the post list's order
/// (newest first, ties by id).
struct AddReadIndexes: AsyncMigration {
    static let waitingComments = "decision IS NULL AND suggestion <> 'keep' AND state <> 'deleted'"

    func prepare(on db: Database) async throws {
        let sql = try AddQueryIndexes.sql(db)
        try await sql.raw("CREATE INDEX comments_waiting ON comments (account) WHERE \(unsafeRaw: Self.waitingComments)").run()
        try await sql.create(index: "posts_created_at_id").on(Post.schema).column("created_at").column("id").run()
    }

    func revert(on db: Database) async throws {
        let sql = try AddQueryIndexes.sql(db)
        try await sql.drop(index: "posts_created_at_id").run()
        try await sql.drop(index: "comments_waiting").run()
    }
}
