import Fluent
import Foundation
import KohoCore
import Vapor

/// `/api/v1/comments`: the inbox for other tools.
enum CommentsAPI {
    struct List: Content { let comments: [CommentDTO] }

    struct DecisionBody: Decodable {
        var action: String
        var ground: String?
        var reason: String?
        /// Required (true) to hide or delete a comment Koho suggested keeping, or marked as criticism of the city.
        var confirmAgainstSuggestion: Bool?
    }

    /// `GET /api/v1/comments/{id}/image`: the comment's image, fetched from its platform by Koho.
    static func image(_ req: Request) async throws -> Response {
        _ = try req.requireUser()
        return try await CommentImages.serve(req, try await CommentService.find(req.db, try CommentService.commentID(req)))
    }

    /// `GET /api/v1/comments/{id}`: one comment as the list gives it.
    static func one(_ req: Request) async throws -> CommentDTO {
        _ = try req.requireUser()
        return CommentDTO(try await CommentService.find(req.db, try CommentService.commentID(req)))
    }

    /// Newest first; `account`, `suggestion`, `state` and `post` (Koho's post id, or the platform's) narrow it.
    static func list(_ req: Request) async throws -> List {
        _ = try req.requireUser()
        let query = try filtered(req, account: req.query[String.self, at: "account"], suggestion: req.query[String.self, at: "suggestion"],
                                 state: req.query[String.self, at: "state"], post: req.query[String.self, at: "post"], flag: nil)
        var limit = 200
        if let raw = req.query[String.self, at: "limit"] {
            guard let n = Int(raw), (1...1000).contains(n) else { throw AppError.badRequest("limit は1から1000の整数で指定してください") }
            limit = n
        }
        let comments = try await query.sort(\.$receivedAt, .descending).sort(\.$createdAt, .descending).limit(limit).all()
        return List(comments: comments.map(CommentDTO.init))
    }

    static func filtered(_ req: Request, account: String?, suggestion: String?, state: String?, post: String?, flag: String?) throws -> QueryBuilder<Comment> {
        let q = Comment.query(on: req.db)
        if let a = account.flatMap({ $0.isEmpty ? nil : $0 }) {
            guard !a.containsControlCharacter, let known = req.koho.policy.account(a) else { throw AppError.badRequest("account が正しくありません") }
            q.filter(\.$account == known.id)
        }
        if let s = suggestion.flatMap({ $0.isEmpty ? nil : $0 }) {
            guard CommentSuggestion(rawValue: s) != nil else { throw AppError.badRequest("suggestion は delete, review, correct, keep のどれかです") }
            q.filter(\.$suggestion == s)
        }
        if let s = state.flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let st = CommentState(rawValue: s) else { throw AppError.badRequest("state は visible, hidden, deleted のどれかです") }
            q.filter(\.$state == st)
        }
        if let p = post.flatMap({ $0.isEmpty ? nil : $0 }) {
            guard !p.containsControlCharacter, p.count <= 200 else { throw AppError.badRequest("post が正しくありません") }
            if let id = UUID(uuidString: p) { q.filter(\.$postID == id) } else { q.filter(\.$platformPostID == p) }
        }
        if let f = flag.flatMap({ $0.isEmpty ? nil : $0 }) {
            if f == "misleading" { q.filter(\.$misleading == true) }
            else if f == "any" { q.filter(\.$grounds != "") }
            else {
                guard ["①", "②", "③", "④", "⑤"].contains(f) else { throw AppError.badRequest("flag が正しくありません") }
                q.filter(\.$grounds, .contains(inverse: false, .anywhere), f)
            }
        }
        return q
    }

    static func decide(_ req: Request) async throws -> CommentDTO {
        let user = try req.requireUser()
        // The role is known before the body is read.
        guard Permissions.mayDecide(user.person) else {
            throw AppError.forbidden("コメントの扱いを決めるのは\(req.koho.policy.ownerRole.title)だけです（担当者は提案できます）")
        }
        let id = try CommentService.commentID(req)
        let body: DecisionBody
        do { body = try req.content.decode(DecisionBody.self) } catch { throw AppError.badRequest("action, ground, reason（と confirmAgainstSuggestion）のJSONが必要です") }
        guard let action = CommentDecisionAction(rawValue: body.action) else {
            throw AppError.badRequest("action は delete, hide, keep, correct のどれかです")
        }
        let lineBreaks: Set<Unicode.Scalar> = ["\n", "\r", "\t"]
        for s in [body.ground, body.reason].compactMap({ $0 })
        where s.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !lineBreaks.contains($0) }) {
            throw AppError.badRequest("ground と reason に制御文字は使えません")
        }
        let comment = try await CommentService.decide(req.koho, user: user, id: id, action: action,
                                                      ground: body.ground ?? "", reason: body.reason ?? "",
                                                      confirmAgainstSuggestion: body.confirmAgainstSuggestion == true)
        return CommentDTO(comment)
    }
}
