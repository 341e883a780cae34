import Fluent
import Foundation
import Plot
import Vapor
import KohoCore
import KohoPlatforms

/// The record bundle from the staff pages: one HTML file with `record.json` inside it, for the chief and viewers
/// (the records officer and auditors sign in as viewers).
enum RecordsController {
    static func register(_ site: RoutesBuilder) {
        site.get("posts", ":id", "record", use: post)
        site.get("comments", ":id", "record", use: comment)
        site.get("posts", ":id", "calls", use: postCalls)
        site.get("comments", ":id", "calls", use: commentCalls)
    }

    // MARK: - The calls kept with the attempts

    /// The calls of a post's publish attempts, for any signed-in user (who may see the post's page).
    static func postCalls(_ req: Request) async throws -> Response {
        _ = try req.requireUser()
        let id = try PostsController.postID(req)
        _ = try await PostService.find(req.workflow, id)
        let calls = try await PlatformCalls.all(subject: PostService.subject(id), on: req.db)
        return Layout.response(callsPage(PageFrame(req, title: "プラットフォームとの送受信（投稿）"), calls,
                                         back: .link(href: "/posts/\(id.uuidString.lowercased())", "投稿の詳細へ")))
    }

    static func commentCalls(_ req: Request) async throws -> Response {
        _ = try req.requireUser()
        let id = try CommentService.commentID(req)
        let c = try await CommentService.find(req.db, id)
        let calls = try await PlatformCalls.all(subject: c.subject, on: req.db)
        return Layout.response(callsPage(PageFrame(req, title: "プラットフォームとの送受信（コメント）"), calls,
                                         back: .link(href: "/comments/\(id.uuidString.lowercased())", "コメントへ")))
    }

    static func callsPage(_ f: PageFrame, _ calls: [PlatformCallRecord], back: BodyNode) -> HTML {
        var content: [BodyNode] = [
            .tag("h1", [], text: f.title),
            .tag("p", [], text: "発信・非表示・削除の試行ごとに、Koho がプラットフォームに送ったリクエストと、プラットフォームの答えをそのまま残しています。"
                + "秘密（Authorization、トークン、Cookie、署名）は「\(PlatformCall.removed)」に置き換えています。本文は \(PlatformCall.maxBodyBytes / 1024) KB までを残します。"),
        ]
        if calls.isEmpty { content.append(.tag("p", [], text: "残っている送受信はありません。")) }
        for (i, r) in calls.enumerated() {
            let c = r.call
            let answer = c.status.map { "HTTP \($0)" } ?? "答えなし（\(c.error ?? "")）"
            let summary = "\(i + 1). \(JapaneseTime.staff(c.startedAt))　\(c.method) \(c.url)　→ \(answer)"
            func headers(_ h: [PlatformCall.Header]) -> String { h.map { "\($0.name): \($0.value)" }.joined(separator: "\n") }
            func body(_ data: Data, bytes: Int, cut: Bool, sha: String?) -> [BodyNode] {
                var note = "\(bytes) バイト"
                if cut { note += "（\(PlatformCall.maxBodyBytes / 1024) KB で切りました）" }
                if let sha { note += "、SHA-256 \(sha)" }
                let shown: BodyNode = bytes == 0 ? .tag("p", [], text: "本文なし")
                    : PlatformCalls.text(data).map { .tag("pre", [], text: $0) } ?? .tag("p", [], text: "文字ではない内容（JSON の記録に base64 で入っています）")
                return [.tag("p", [], text: note), shown]
            }
            var parts: [BodyNode] = [.tag("summary", [], text: summary)]
            parts.append(.tag("h3", [], text: "送ったリクエスト"))
            parts.append(.tag("pre", [], text: "\(c.method) \(c.url)\n" + headers(c.requestHeaders)))
            parts += body(c.requestBody, bytes: c.requestBodyBytes, cut: c.requestBodyCut, sha: c.requestBodySHA256)
            parts.append(.tag("h3", [], text: "プラットフォームの答え（\(JapaneseTime.staff(c.finishedAt))）"))
            parts.append(.tag("pre", [], text: answer + (c.responseHeaders.isEmpty ? "" : "\n" + headers(c.responseHeaders))))
            parts += body(c.responseBody, bytes: c.responseBodyBytes, cut: c.responseBodyCut, sha: nil)
            if c.redacted { parts.append(.tag("p", [], text: "この送受信から秘密を取り除きました。")) }
            content.append(.tag("details", [Attr("class", "platform-call")], parts))
        }
        content.append(.tag("p", [], [back]))
        return Layout.page(f, content)
    }

    /// The link under the attempts on the post's and the comment's page.
    static func callsLink(post id: UUID) -> BodyNode {
        .tag("p", [], [.link(href: "/posts/\(id.uuidString.lowercased())/calls", "プラットフォームとの送受信の記録（送ったリクエストと答え）")])
    }

    static func callsLink(comment id: UUID) -> BodyNode {
        .tag("p", [], [.link(href: "/comments/\(id.uuidString.lowercased())/calls", "プラットフォームとの送受信の記録（送ったリクエストと答え）")])
    }

    /// `GET /api/v1/posts/{id}/calls`: the same, as JSON (bodies as text, or base64 when not text).
    static func postCallsAPI(_ req: Request) async throws -> Response {
        _ = try req.requireUser()
        let id = try PostsController.postID(req)
        _ = try await PostService.find(req.workflow, id)
        let calls = try await PlatformCalls.all(subject: PostService.subject(id), on: req.db)
        let object: [String: Any] = ["postId": id.uuidString.lowercased(), "calls": calls.map(PlatformCalls.json)]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.contentType = .json
        return res
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
