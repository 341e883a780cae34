import Fluent
import FluentSQL
import Foundation
import KohoCore
import SQLKit

/// The one writer of `posts`. Every change of a post goes through here and bumps `lock_version` in the same UPDATE,
/// conditional on the version the change was made against: a hold, a release or the publisher's step made at the
/// same moment as an edit makes the later of the two fail as stale, never both succeed.
enum PostStore {
    static func insert(_ post: Post, on db: Database) async throws {
        try await post.create(on: db)
    }

    /// Writes the columns changed on `post`, with `lock_version` one more than `post.lockVersion`, only if the row
    /// still has that version; `AppError.staleEdit` otherwise (someone changed it meanwhile).
    static func save(_ post: Post, on db: Database) async throws {
        guard let sql = db as? SQLDatabase, let id = post.id else { throw AppError.staleEdit }
        let old = post.lockVersion
        let changed = ChangedColumns()
        for property in post.storedProperties { property.input(to: changed) }
        var update = sql.update(Post.schema)
        for (key, value) in changed.values where key != "lock_version" && key != "id" {
            switch value {
            case .bind(let v): update = update.set(SQLIdentifier(key), to: SQLBind(v))
            case .null: update = update.set(SQLIdentifier(key), to: SQLLiteral.null)
            case .enumCase(let s): update = update.set(SQLIdentifier(key), to: SQLBind(s))
            default: continue
            }
        }
        let rows = try await update.set(SQLIdentifier("lock_version"), to: SQLBind(old + 1))
            .where("id", .equal, id).where("lock_version", .equal, old).returning("id").all()
        if rows.isEmpty { throw AppError.staleEdit }
        post.lockVersion = old + 1
    }

    /// Publishing posts of `account` are looked at again at once (the account was just connected).
    static func retryNow(account: String, on db: Database) async throws {
        guard let sql = db as? SQLDatabase else { return }
        try await sql.raw("""
            UPDATE posts SET retry_at = NULL, lock_version = lock_version + 1
            WHERE account = \(bind: account) AND state = \(bind: PostState.publishing.rawValue) AND retry_at IS NOT NULL
            """).run()
    }

    /// The publisher's lease: one conditional UPDATE (see `Publisher.claim`), answering the post as it now stands.
    static func claim(_ db: Database, id: UUID, version: Int, state: PostState, worker: String, until: Date, wall: Date,
                      startPublishingAt now: Date?) async throws -> SQLRow? {
        let started: SQLQueryString = now.map { ", state = \(bind: PostState.publishing.rawValue), lock_version = lock_version + 1, updated_at = \(bind: $0)" } ?? ""
        let held: SQLQueryString = now != nil ? " AND held_reason IS NULL" : ""
        return try await OutboxLease.claim(
            db, table: Post.schema, id: id, until: until, now: wall, set: ", lease_owner = \(bind: worker)\(started)",
            where: " AND lock_version = \(bind: version) AND state = \(bind: state.rawValue)\(held) AND account NOT IN (SELECT account FROM account_suspensions)",
            returning: "*, (SELECT MAX(number) FROM publish_attempts WHERE post_id = posts.id) AS koho_last_attempt").first
    }

    /// Extends the publisher's lease; false if `worker` no longer holds it. The lease is the publisher's own
    /// bookkeeping, not a change of the post, so the version stays.
    static func renewLease(_ db: Database, id: UUID, worker: String, until: Date) async throws -> Bool {
        try await OutboxLease.renew(db, table: Post.schema, id: id, owner: worker, until: until)
    }

    /// A post in publishing moves to `next`: `columns` are what the step sets, the lease is given up and the version
    /// bumped. False when the post is no longer in publishing.
    static func advanceFromPublishing(_ sql: SQLDatabase, id: UUID, to next: PostState, at now: Date,
                                      set columns: KeyValuePairs<String, String?>) async throws -> Bool {
        var set: SQLQueryString = ""
        for (column, value) in columns { set += ", \(unsafeRaw: column) = \(nullable: value)" }
        return !(try await sql.raw("""
            UPDATE posts SET state = \(bind: next.rawValue), lock_version = lock_version + 1, updated_at = \(bind: now),
            lease_owner = NULL, lease_until = NULL, retry_at = NULL\(set)
            WHERE id = \(bind: id) AND state = \(bind: PostState.publishing.rawValue) RETURNING id
            """).all()).isEmpty
    }
}

/// Collects the columns a model would write (only those changed since it was read).
private final class ChangedColumns: DatabaseInput, @unchecked Sendable {
    var values: [(String, DatabaseQuery.Value)] = []
    func set(_ value: DatabaseQuery.Value, at key: FieldKey) { values.append((key.description, value)) }
}
