import Fluent
import Foundation
import KohoCore

/// `GET /api/v1/posts`'s page in one statement sent straight to the driver (`RawStatement`): the page's rows (the
/// columns a list shows, newest first, ties by id) with the count of every post the filters match beside them. Only an
/// empty page after a cursor asks for the count again. The same text on SQLite and PostgreSQL; `posts_created_at_id`
/// serves the order.
enum PostListQuery {
    static func page(_ db: any Database, state: PostState?, account: String?, limit: Int,
                     after cursor: PostCursor?) async throws -> (posts: [PostFields], total: Int, next: PostCursor?) {
        var filter = "1 = 1", binds: [RawBind] = []
        if let state { filter += " AND state = ?"; binds.append(.text(state.rawValue)) }
        if let account { filter += " AND account = ?"; binds.append(.text(account)) }
        var page = filter, pageBinds = binds
        if let c = cursor {
            page += " AND (created_at < ? OR (created_at = ? AND id < ?))"
            pageBinds += [.date(c.createdAt), .date(c.createdAt), .uuid(c.id)]
        }
        let statement = RawStatement("""
            SELECT (SELECT COUNT(*) FROM \(Post.schema) WHERE \(filter)) AS koho_total, \(PostFields.selectList)
            FROM \(Post.schema) WHERE \(page) ORDER BY created_at DESC, id DESC LIMIT \(limit + 1)
            """)
        guard let rows = try await statement.rows(on: db, binds + pageBinds) else {
            let filtered = Post.query(on: db)
            if let state { filtered.filter(\.$state == state) }
            if let account { filtered.filter(\.$account == account) }
            let (posts, total, next) = try await PostCursor.page(filtered, limit: limit, after: cursor)
            return (posts.map(\.fields), total, next)
        }
        let total: Int
        if let first = rows.first {
            total = try first.required(first.int(0), 0)
        } else if cursor == nil {
            total = 0
        } else {
            let count = RawStatement("SELECT COUNT(*) FROM \(Post.schema) WHERE \(filter)")
            total = try await count.rows(on: db, binds)?.first.map { try $0.required($0.int(0), 0) } ?? 0
        }
        let posts = try rows.map { try PostFields(row: $0, first: 1) }
        let shown = Array(posts.prefix(limit))
        let next = posts.count > limit ? shown.last.map { PostCursor(createdAt: $0.createdAt, id: $0.id) } : nil
        return (shown, total, next)
    }
}
