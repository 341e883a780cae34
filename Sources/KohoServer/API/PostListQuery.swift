import Fluent
import Foundation
import KohoCore
import SQLKit

/// `GET /api/v1/posts`'s page in one statement: the page's rows (the columns a list shows, newest first, ties by
/// id) with the count of every post the filters match beside them. Only an empty page after a cursor asks for the
/// count again. The same text on SQLite and PostgreSQL; `posts_created_at_id` serves the order.
enum PostListQuery {
    static func page(_ db: any Database, state: PostState?, account: String?, limit: Int,
                     after cursor: PostCursor?) async throws -> (posts: [Post], total: Int, next: PostCursor?) {
        guard let sql = db as? SQLDatabase, Post.storedPropertiesComplete else {
            let filtered = Post.query(on: db)
            if let state { filtered.filter(\.$state == state) }
            if let account { filtered.filter(\.$account == account) }
            return try await PostCursor.page(filtered, limit: limit, after: cursor)
        }
        var filter: SQLQueryString = "1 = 1"
        if let state { filter = "\(filter) AND state = \(bind: state.rawValue)" }
        if let account { filter = "\(filter) AND account = \(bind: account)" }
        var page = filter
        if let c = cursor {
            page = "\(page) AND (created_at < \(bind: c.createdAt) OR (created_at = \(bind: c.createdAt) AND id < \(bind: c.id)))"
        }
        let columns = Post.listedColumns.map(\.description)
        let statement: SQLQueryString = """
            SELECT (SELECT COUNT(*) FROM \(ident: Post.schema) WHERE \(filter)) AS koho_total, \(idents: columns, joinedBy: ", ")
            FROM \(ident: Post.schema) WHERE \(page) ORDER BY created_at DESC, id DESC LIMIT \(literal: limit + 1)
            """
        let rows = try await sql.raw(statement).all()
        let total: Int
        if let first = rows.first {
            total = try first.decode(column: "koho_total", as: Int.self)
        } else if cursor == nil {
            total = 0
        } else {
            total = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: Post.schema) WHERE \(filter)").first()?.decode(column: "n", as: Int.self) ?? 0
        }
        let posts = try rows.map { try $0.decode(fluentModel: Post.self) }
        let shown = Array(posts.prefix(limit))
        let next = posts.count > limit ? shown.last.flatMap { p in p.id.map { PostCursor(createdAt: p.createdAt, id: $0) } } : nil
        return (shown, total, next)
    }
}
