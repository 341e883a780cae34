import Fluent
import Foundation
import KohoCore
import SQLKit

/// The dashboard's tables of posts, read in one statement: each table's first rows (the columns a list shows) and how
/// many posts match it in all. Each table is a `SELECT … ORDER BY … LIMIT` of its own, with the count of its matches
/// as a window over the same rows (taken before the limit), and the tables are joined by `UNION ALL`; SQLite and
/// PostgreSQL run the same text. Every condition is one the indexes on `posts` serve (`state` first).
enum DashboardTables {
    enum Name: String, CaseIterable {
        case today, waiting, emergencies, needingAction, rejected, drafts, held, intake
    }

    struct Table {
        var posts: [Post] = []
        var total = 0
    }

    struct Part {
        let name: Name
        let condition: SQLQueryString
        let order: String
        /// Nil: every matching post.
        let limit: Int?
    }

    static func parts(start: Date, end: Date, rows: Int, user: User?, mine: [String]) -> [Part] {
        let scheduled = PostState.scheduled.rawValue, submitted = PostState.submitted.rawValue
        var parts = [
            Part(name: .today, condition: "state = \(bind: scheduled) AND uses_hours_exception = \(bind: false) AND scheduled_at >= \(bind: start) AND scheduled_at < \(bind: end)",
                 order: "scheduled_at", limit: rows),
            Part(name: .waiting, condition: "state = \(bind: submitted) AND uses_hours_exception = \(bind: false)", order: "scheduled_at", limit: rows),
            Part(name: .emergencies, condition: "state IN (\(binds: [submitted, scheduled])) AND uses_hours_exception = \(bind: true)",
                 order: "scheduled_at", limit: rows),
            // Failed, or publishing with the publisher's message (held by it).
            Part(name: .needingAction, condition: "state IN (\(binds: [PostState.failed.rawValue, PostState.publishing.rawValue])) AND (state = \(bind: PostState.failed.rawValue) OR publish_message IS NOT NULL)",
                 order: "updated_at DESC", limit: rows),
            Part(name: .held, condition: "state = \(bind: scheduled) AND held_reason IS NOT NULL", order: "scheduled_at", limit: nil),
            Part(name: .intake, condition: "state IN (\(binds: [PostState.draft.rawValue, submitted])) AND author_name = \(bind: IntakeService.actorName)",
                 order: "created_at DESC", limit: 20),
        ]
        if let user, user.role != .viewer {
            parts.append(Part(name: .rejected, condition: mine.isEmpty ? "1 = 0" : "state = \(bind: PostState.rejected.rawValue) AND account IN (\(binds: mine))",
                              order: "updated_at DESC", limit: rows))
            parts.append(Part(name: .drafts, condition: "state = \(bind: PostState.draft.rawValue) AND author_name = \(bind: user.name)",
                              order: "updated_at DESC", limit: rows))
        }
        return parts
    }

    static func load(_ db: any Database, _ parts: [Part]) async throws -> [Name: Table] {
        var tables: [Name: Table] = [:]
        for part in parts { tables[part.name] = Table() }
        guard let sql = db as? SQLDatabase, Post.storedPropertiesComplete else { throw AppError(status: .internalServerError, message: "SQL のデータベースが必要です") }
        let columns = Post.listedColumns.map(\.description)
        var statement = SQLQueryString("")
        for (i, part) in parts.enumerated() {
            if i > 0 { statement.appendLiteral(" UNION ALL ") }
            statement.appendInterpolation(unsafeRaw: "SELECT * FROM (SELECT '\(part.name.rawValue)' AS koho_table, COUNT(*) OVER () AS koho_total, ")
            statement.appendInterpolation(idents: columns, joinedBy: ", ")
            statement.appendInterpolation(unsafeRaw: " FROM \(Post.schema) WHERE ")
            statement.appendInterpolation(part.condition)
            statement.appendInterpolation(unsafeRaw: " ORDER BY \(part.order)" + (part.limit.map { " LIMIT \($0)" } ?? "") + ") AS koho_t\(i)")
        }
        for row in try await sql.raw(statement).all() {
            guard let name = Name(rawValue: try row.decode(column: "koho_table", as: String.self)) else { continue }
            tables[name, default: Table()].total = try row.decode(column: "koho_total", as: Int.self)
            tables[name, default: Table()].posts.append(try row.decode(fluentModel: Post.self))
        }
        return tables
    }
}
