import Fluent
import Foundation
import KohoCore

/// The dashboard's tables of posts, read in one statement sent straight to the driver (`RawStatement`): each table's
/// first rows (the columns a list shows) and how many posts match it in all. Each table is a `SELECT … ORDER BY …
/// LIMIT` of its own with the count of its matches as a scalar subquery beside it (evaluated once; a window over the
/// same rows would read and sort every matching post, body included, before the limit), and the tables are joined by
/// `UNION ALL`; SQLite and PostgreSQL run the same text. Every condition and order is one the indexes on `posts`
/// serve (`AddDashboardIndexes`), so each table stops after its first rows.
enum DashboardTables {
    enum Name: String, CaseIterable {
        case today, waiting, emergencies, needingAction, rejected, drafts, held, intake
    }

    struct Table {
        var posts: [PostFields] = []
        var total = 0
    }

    struct Part {
        let name: Name
        /// SQL with `?` for each of `binds`.
        let condition: String
        let binds: [RawBind]
        let order: String
        /// Nil: every matching post.
        let limit: Int?
    }

    static func parts(start: Date, end: Date, rows: Int, user: User?, mine: [String]) -> [Part] {
        let scheduled = RawBind.text(PostState.scheduled.rawValue), submitted = RawBind.text(PostState.submitted.rawValue)
        let failed = RawBind.text(PostState.failed.rawValue), publishing = RawBind.text(PostState.publishing.rawValue)
        var parts = [
            Part(name: .today, condition: "state = ? AND uses_hours_exception = ? AND scheduled_at >= ? AND scheduled_at < ?",
                 binds: [scheduled, .bool(false), .date(start), .date(end)], order: "scheduled_at", limit: rows),
            Part(name: .waiting, condition: "state = ? AND uses_hours_exception = ?", binds: [submitted, .bool(false)], order: "scheduled_at", limit: rows),
            Part(name: .emergencies, condition: "state IN (?, ?) AND uses_hours_exception = ?", binds: [submitted, scheduled, .bool(true)],
                 order: "scheduled_at", limit: rows),
            // Failed, or publishing with the publisher's message (held by it).
            Part(name: .needingAction, condition: "state IN (?, ?) AND (state = ? OR publish_message IS NOT NULL)",
                 binds: [failed, publishing, failed], order: "updated_at DESC", limit: rows),
            Part(name: .held, condition: "state = ? AND \(AddDashboardIndexes.heldCondition)", binds: [scheduled], order: "scheduled_at", limit: nil),
            Part(name: .intake, condition: "state IN (?, ?) AND author_name = ?",
                 binds: [.text(PostState.draft.rawValue), submitted, .text(IntakeService.actorName)], order: "created_at DESC", limit: 20),
        ]
        if let user, user.role != .viewer {
            parts.append(Part(name: .rejected, condition: "state = ? AND " + RawStatement.among("account", count: mine.count),
                              binds: [.text(PostState.rejected.rawValue)] + mine.map(RawBind.text), order: "updated_at DESC", limit: rows))
            parts.append(Part(name: .drafts, condition: "state = ? AND author_name = ?", binds: [.text(PostState.draft.rawValue), .text(user.name)],
                              order: "updated_at DESC", limit: rows))
        }
        return parts
    }

    static func load(_ db: any Database, _ parts: [Part]) async throws -> [Name: Table] {
        var tables: [Name: Table] = [:]
        for part in parts { tables[part.name] = Table() }
        var text = "", binds: [RawBind] = []
        for (i, part) in parts.enumerated() {
            if i > 0 { text += " UNION ALL " }
            text += "SELECT * FROM (SELECT '\(part.name.rawValue)' AS koho_table, (SELECT COUNT(*) FROM \(Post.schema) WHERE \(part.condition)) AS koho_total, "
                + "\(PostFields.selectList) FROM \(Post.schema) WHERE \(part.condition) ORDER BY \(part.order)"
                + (part.limit.map { " LIMIT \($0)" } ?? "") + ") AS koho_t\(i)"
            binds += part.binds + part.binds
        }
        guard let rows = try await RawStatement(text).rows(on: db, binds) else {
            throw AppError(status: .internalServerError, message: "SQL のデータベースが必要です")
        }
        for row in rows {
            guard let name = try row.string(0).flatMap(Name.init(rawValue:)) else { continue }
            tables[name, default: Table()].total = try row.required(row.int(1), 1)
            tables[name, default: Table()].posts.append(try PostFields(row: row, first: 2))
        }
        return tables
    }
}

/// The dashboard's other sections counted in one statement: the sections that are nearly always empty (the agency's
/// alerts, intake sources, items set aside, flood alarms, profile problems, accounts to reconnect) are read only
/// when their count says there is something, and the chief's first steps and the comments waiting are counts
/// already. Ten statements a page became one.
struct DashboardCounts: Sendable {
    var alerts = 0, sources = 0, setAside = 0, alarms = 0, profileProblems = 0, toReconnect = 0
    var staff = 0, connected = 0, anyPost = false, commentsWaiting = 0

    /// `accounts`: the policy's accounts (for the first steps); `mine`: those whose comments the user acts on.
    static func read(_ db: any Database, accounts: [String], mine: [String]) async throws -> DashboardCounts {
        let statement = RawStatement("""
            SELECT (SELECT COUNT(*) FROM \(Alert.schema) WHERE status = ?),
            (SELECT COUNT(*) FROM \(IntakeSourceState.schema)),
            (SELECT COUNT(*) FROM \(QuarantinedItem.schema) WHERE set_aside = ?),
            (SELECT COUNT(*) FROM \(CommentAlarm.schema) WHERE cleared_at IS NULL),
            (SELECT COUNT(*) FROM \(ProfileCheckRecord.schema) WHERE problem <> ''),
            (SELECT COUNT(*) FROM \(AccountConnection.schema) WHERE status = ?),
            (SELECT COUNT(*) FROM \(User.schema) WHERE role = ?),
            (SELECT COUNT(*) FROM \(AccountConnection.schema) WHERE \(RawStatement.among("account", count: accounts.count)) AND status = ?),
            (SELECT COUNT(*) FROM (SELECT 1 FROM \(Post.schema) LIMIT 1) AS koho_any_post),
            (SELECT COUNT(*) FROM comments WHERE \(AddReadIndexes.waitingComments) AND \(RawStatement.among("account", count: mine.count)))
            """)
        let binds: [RawBind] = [.text("active"), .bool(true), .text(ConnectionStatus.needsReconnecting.rawValue), .text(UserRole.staff.rawValue)]
            + accounts.map(RawBind.text) + [.text(ConnectionStatus.connected.rawValue)] + mine.map(RawBind.text)
        guard let rows = try await statement.rows(on: db, binds) else {
            throw AppError(status: .internalServerError, message: "SQL のデータベースが必要です")
        }
        guard let r = rows.first else { return DashboardCounts() }
        let n = try (0..<10).map { try r.required(r.int($0), $0) }
        return DashboardCounts(alerts: n[0], sources: n[1], setAside: n[2], alarms: n[3], profileProblems: n[4], toReconnect: n[5],
                               staff: n[6], connected: n[7], anyPost: n[8] > 0, commentsWaiting: n[9])
    }
}
