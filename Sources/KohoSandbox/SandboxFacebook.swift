import Foundation
import KohoCore
import KohoPlatforms
import Vapor

extension PlatformSandbox {
    func registerFacebookRoutes(_ routes: RoutesBuilder) {
        let state = self.state

        @Sendable func authorize(_ req: Request) async -> SandboxAuth {
            guard let version = req.parameters.get("version"), version.range(of: #"^v\d+\.\d+$"#, options: .regularExpression) != nil else {
                return .failure(SandboxReply.graphError(.badRequest, code: 2500, message: "Unknown path components: \(req.url.path)"))
            }
            switch await state.check(token: req.graphToken, platform: .facebook) {
            case .valid(let account): return .success(account)
            case .revoked: return .failure(SandboxReply.graphRevokedToken())
            case .unknown: return .failure(SandboxReply.graphUnknownToken())
            }
        }

        @Sendable func page(_ node: String?) -> SandboxAccount? {
            state.accounts.first { $0.platform == .facebook && ($0.platformId == node || $0.username == node) }
        }

        /// Graph takes parameters from the query or a form (or JSON) body alike.
        @Sendable func params(_ req: Request) -> [String: String] {
            var result: [String: String] = [:]
            if let query = try? req.query.decode([String: String].self) { result.merge(query) { $1 } }
            if req.body.data != nil {
                if let form = try? req.content.decode([String: String].self) { result.merge(form) { $1 } }
            }
            result["access_token"] = nil
            return result
        }

        @Sendable func fieldList(_ req: Request, default defaults: [String]) -> Set<String> {
            guard let raw = req.query[String.self, at: "fields"] else { return Set(defaults) }
            return Set(raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.map { field in
                String(field.prefix { $0 != "{" })
            })
        }

        @Sendable func permissionDenied() -> Response {
            SandboxReply.graphError(.forbidden, code: 200, message: "(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin with sufficient administrative permission")
        }

        /// The page named in the path, when the token acts for that very page.
        @Sendable func authorizeOwnPage(_ req: Request) async -> SandboxAuth {
            let account: SandboxAccount
            switch await authorize(req) { case .success(let a): account = a; case .failure(let r): return .failure(r) }
            guard let target = page(req.parameters.get("node")) else {
                return .failure(SandboxReply.graphNoSuchObject(req.parameters.get("node") ?? "", method: "post"))
            }
            guard target.account == account.account else { return .failure(permissionDenied()) }
            return .success(target)
        }

        @Sendable func paged(_ data: [[String: Any]]) -> Response {
            var body: [String: Any] = ["data": data]
            if let first = data.first?["id"] as? String, let last = data.last?["id"] as? String {
                body["paging"] = ["cursors": [
                    "before": SandboxReply.graphCursor(first), "after": SandboxReply.graphCursor(last),
                ]]
            }
            return SandboxReply.json(.ok, body)
        }

        routes.post(":version", ":node", "feed") { req async throws -> Response in
            let target: SandboxAccount
            switch await authorizeOwnPage(req) { case .success(let a): target = a; case .failure(let r): return r }
            let p = params(req)
            let message = p["message"] ?? ""
            if message.isEmpty && (p["link"] ?? "").isEmpty {
                return SandboxReply.graphError(.badRequest, code: 100, message: "(#100) Missing message or attachment")
            }
            if let link = p["link"], !link.isEmpty, URL(string: link)?.scheme?.hasPrefix("http") != true {
                return SandboxReply.graphError(.badRequest, code: 100, message: "(#100) The parameter link must be a valid URL")
            }
            let id = "\(target.platformId)_\(await state.graphObjectId())"
            await state.add(SandboxPost(platform: .facebook, account: target.account, id: id, text: message,
                                        link: p["link"].flatMap { $0.isEmpty ? nil : $0 }, createdAt: Date()))
            return SandboxReply.json(.ok, ["id": id])
        }

        routes.post(":version", ":node", "photos") { req async throws -> Response in
            let target: SandboxAccount
            switch await authorizeOwnPage(req) { case .success(let a): target = a; case .failure(let r): return r }
            let p = params(req)
            guard let url = p["url"], URL(string: url)?.scheme?.hasPrefix("http") == true else {
                return SandboxReply.graphError(.badRequest, code: 324, message: "(#324) Requires upload file")
            }
            let photoId = await state.graphObjectId()
            let postId = "\(target.platformId)_\(await state.graphObjectId())"
            await state.add(SandboxPost(platform: .facebook, account: target.account, id: postId, text: p["caption"] ?? p["message"] ?? "",
                                        imageURL: url, createdAt: Date()))
            return SandboxReply.json(.ok, ["id": photoId, "post_id": postId])
        }

        routes.get(":version", ":node", "posts") { req async throws -> Response in
            if case .failure(let r) = await authorize(req) { return r }
            guard let target = page(req.parameters.get("node")) else {
                return SandboxReply.graphNoSuchObject(req.parameters.get("node") ?? "", method: "get")
            }
            let limit = min(max(req.query[Int.self, at: "limit"] ?? 25, 1), 100)
            let wanted = fieldList(req, default: ["id", "message", "created_time"])
            let posts = await state.posts(account: target.account).prefix(limit)
            return paged(posts.map { post in
                var object: [String: Any] = ["id": post.id]
                if wanted.contains("message"), !post.text.isEmpty { object["message"] = post.text }
                if wanted.contains("created_time") { object["created_time"] = PlatformDates.graph(post.createdAt) }
                if wanted.contains("permalink_url") { object["permalink_url"] = FacebookClient.postURL(id: post.id) }
                if wanted.contains("is_hidden") { object["is_hidden"] = false }
                return object
            })
        }

        routes.get(":version", ":node", "comments") { req async throws -> Response in
            if case .failure(let r) = await authorize(req) { return r }
            let node = req.parameters.get("node") ?? ""
            let onPost = await state.post(id: node)
            let onComment = await state.comment(id: node)
            guard onPost?.platform == .facebook || onComment?.platform == .facebook else {
                return SandboxReply.graphNoSuchObject(node, method: "get")
            }
            let stream = req.query[String.self, at: "filter"] == "stream"
            var comments: [SandboxComment]
            if let post = onPost {
                comments = await state.comments(postId: post.id).filter { stream || $0.parentId == nil }
            } else {
                comments = await state.comments(postId: onComment!.postId).filter { $0.parentId == node }
            }
            if req.query[String.self, at: "order"] == "reverse_chronological" { comments.reverse() }
            let limit = min(max(req.query[Int.self, at: "limit"] ?? 25, 1), 100)
            let wanted = fieldList(req, default: ["id", "message", "created_time", "from"])
            let host = req.headers.first(name: .host)
            let page = comments.prefix(limit).map { comment in
                GraphComment(id: comment.id, message: wanted.contains("message") ? comment.text : nil,
                             created_time: wanted.contains("created_time") ? PlatformDates.graph(comment.createdAt) : nil,
                             from: wanted.contains("from") ? .init(name: comment.authorName, id: comment.authorId) : nil,
                             is_hidden: wanted.contains("is_hidden") ? comment.isHidden : nil,
                             parent: wanted.contains("parent") ? comment.parentId.map { .init(id: $0) } : nil,
                             attachment: wanted.contains("attachment") ? comment.image.map { GraphComment.Attachment($0, host: host) } : nil)
            }
            return SandboxReply.json(.ok, encoding: GraphCommentPage(data: Array(page)))
        }

        routes.post(":version", ":node", "comments") { req async throws -> Response in
            let account: SandboxAccount
            switch await authorize(req) { case .success(let a): account = a; case .failure(let r): return r }
            let node = req.parameters.get("node") ?? ""
            let parent = await state.comment(id: node)
            guard let post = await state.post(id: parent?.postId ?? node), post.platform == .facebook else {
                return SandboxReply.graphNoSuchObject(node, method: "post")
            }
            let message = params(req)["message"] ?? ""
            if message.isEmpty {
                return SandboxReply.graphError(.badRequest, code: 100, message: "(#100) Missing message or attachment")
            }
            var comment = await Self.makeComment(state: state, post: post, parentId: parent?.id, authorName: account.name,
                                                 authorId: account.platformId, text: message)
            comment.moderationStatus = "published"
            await state.add(comment)
            return SandboxReply.json(.ok, ["id": comment.id])
        }

        routes.post(":version", ":node") { req async throws -> Response in
            let account: SandboxAccount
            switch await authorize(req) { case .success(let a): account = a; case .failure(let r): return r }
            let node = req.parameters.get("node") ?? ""
            guard let comment = await state.comment(id: node), comment.platform == .facebook,
                  let post = await state.post(id: comment.postId) else {
                return SandboxReply.graphNoSuchObject(node, method: "post")
            }
            guard post.account == account.account else { return permissionDenied() }
            let p = params(req)
            if let hidden = p["is_hidden"] {
                guard hidden == "true" || hidden == "false" else {
                    return SandboxReply.graphError(.badRequest, code: 100, message: "(#100) Param is_hidden must be a boolean")
                }
                if comment.authorId == account.platformId {
                    return SandboxReply.graphError(.badRequest, code: 100, message: "(#100) The page's own comments cannot be hidden")
                }
                _ = await state.updateComment(id: node) { $0.isHidden = hidden == "true" }
            }
            if let message = p["message"] {
                guard comment.authorId == account.platformId else { return permissionDenied() }
                _ = await state.updateComment(id: node) { $0.text = message }
            }
            return SandboxReply.json(.ok, ["success": true])
        }

        routes.delete(":version", ":node") { req async throws -> Response in
            let account: SandboxAccount
            switch await authorize(req) { case .success(let a): account = a; case .failure(let r): return r }
            let node = req.parameters.get("node") ?? ""
            if let comment = await state.comment(id: node), comment.platform == .facebook,
               let post = await state.post(id: comment.postId) {
                guard post.account == account.account else { return permissionDenied() }
                _ = await state.updateComment(id: node) { $0.deleted = true }
                return SandboxReply.json(.ok, ["success": true])
            }
            if let post = await state.post(id: node), post.platform == .facebook {
                guard post.account == account.account else { return permissionDenied() }
                _ = await state.deletePost(id: node)
                return SandboxReply.json(.ok, ["success": true])
            }
            return SandboxReply.graphNoSuchObject(node, method: "delete")
        }
    }
}

/// A comment as Graph writes it; fields not asked for are left out.
struct GraphComment: Encodable {
    struct From: Encodable { var name: String; var id: String }
    struct Parent: Encodable { var id: String }
    var id: String
    var message: String?
    var created_time: String?
    var from: From?
    var is_hidden: Bool?
    var parent: Parent?
    var attachment: Attachment?

    /// A comment's attachment as Graph writes it: `type`, and for an image `media.image` with its address and size.
    struct Attachment: Encodable {
        struct Media: Encodable {
            struct Image: Encodable { var src: String; var width: Int?; var height: Int? }
            var image: Image
        }
        var type: String
        var media: Media?
        var description: String?

        init(_ image: SandboxCommentImage, host: String?) {
            type = image.kind
            media = image.address(host: host).map { Media(image: .init(src: $0, width: image.width, height: image.height)) }
            description = image.alt
        }
    }
}

/// A page of comments, with the cursors of its first and last (as `paged` writes them).
struct GraphCommentPage: Encodable {
    struct Cursors: Encodable { var before: String; var after: String }
    struct Paging: Encodable { var cursors: Cursors }
    var data: [GraphComment]
    var paging: Paging?

    init(data: [GraphComment]) {
        self.data = data
        if let first = data.first, let last = data.last {
            paging = Paging(cursors: Cursors(before: SandboxReply.graphCursor(first.id), after: SandboxReply.graphCursor(last.id)))
        }
    }
}
