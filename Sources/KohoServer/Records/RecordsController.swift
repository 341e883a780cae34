import Fluent
import Foundation
import Plot
import Vapor
import KohoCore

/// The record bundle from the staff pages: one HTML file with `record.json` inside it, for the chief and viewers
/// (the records officer and auditors sign in as viewers).
enum RecordsController {
    static func register(_ site: RoutesBuilder) {
        site.get("posts", ":id", "record", use: post)
        site.get("comments", ":id", "record", use: comment)
    }

    static func mayExport(_ user: User?) -> Bool { user.map { $0.role == .chief || $0.role == .viewer } ?? false }

    static func post(_ req: Request) async throws -> Response {
        try requireExporter(req)
        let id = try PostsController.postID(req)
        let bundle: RecordBundle
        do { bundle = try await RecordBundle.post(id, db: req.db, policy: req.koho.policy, now: req.koho.now) } catch let e as RecordBundle.NotFound {
            throw AppError.notFound(e.description)
        }
        return download(bundle, name: "koho-post-\(id.uuidString.lowercased()).html")
    }

    static func comment(_ req: Request) async throws -> Response {
        try requireExporter(req)
        let id = try CommentService.commentID(req)
        let bundle: RecordBundle
        do { bundle = try await RecordBundle.comment(id, db: req.db, policy: req.koho.policy, now: req.koho.now) } catch let e as RecordBundle.NotFound {
            throw AppError.notFound(e.description)
        }
        return download(bundle, name: "koho-comment-\(id.uuidString.lowercased()).html")
    }

    private static func requireExporter(_ req: Request) throws {
        let user = try req.requireUser()
        guard mayExport(user) else { throw AppError.forbidden("記録一式を書き出せるのは\(req.koho.policy.ownerRole.title)と閲覧者です") }
    }

    /// A GET writes nothing (pages only read, `ReadOnlyPagesTests`): the download is not audited; `koho records` is.
    private static func download(_ bundle: RecordBundle, name: String) -> Response {
        let res = Response(status: .ok, body: .init(string: bundle.singleHTML))
        res.headers.contentType = .html
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name)\"")
        return res
    }

    static func downloadLink(_ f: PageFrame, post: Post) -> BodyNode {
        guard mayExport(f.user), let id = post.id else { return .empty }
        return link(href: "/posts/\(id.uuidString.lowercased())/record")
    }

    static func downloadLink(_ f: PageFrame, comment: Comment) -> BodyNode {
        guard mayExport(f.user), let id = comment.id else { return .empty }
        return link(href: "/comments/\(id.uuidString.lowercased())/record")
    }

    private static func link(href: String) -> BodyNode {
        .tag("p", [], [.link(href: href, "記録一式をダウンロード（HTML、機械で読めるJSON入り）")])
    }
}
