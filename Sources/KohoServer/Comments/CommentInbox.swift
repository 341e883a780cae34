import Fluent
import SQLKit
import Foundation
import KohoCore
import Vapor

/// The inbox's reading side (one page of comments with their history) and the chief's steps that go beyond one
/// decision: many comments decided at once, and an inquiry answered with the policy's guidance.
enum CommentInbox {
    static let pageSize = 50
    /// The most comments one bulk decision takes (a flood is decided page by page).
    static let bulkLimit = 200

    struct Filter {
        var account: String?
        var flag: String?
        var suggestion: String?
        var state: String?
        var post: String?
        /// Only comments flagged (not `keep`) that wait for the chief's decision.
        var pending = false
        var page = 1
    }

    struct Page {
        let comments: [Comment]
        let total: Int
        let page: Int
        let events: [UUID: [CommentEvent]]
        let attempts: [UUID: [CommentAction]]
        /// Koho's posts the comments are on, where Koho published them.
        let posts: [UUID: Post]
        /// The comments on the page under a legal hold (their own, or their post's).
        var held: Set<UUID> = []
        var pages: Int { max(1, (total + CommentInbox.pageSize - 1) / CommentInbox.pageSize) }
    }

    /// Newest first, `pageSize` at a time, with every comment's events and attempts (two queries for the page).
    static func load(_ req: Request, _ filter: Filter) async throws -> Page {
        let query = try CommentsAPI.filtered(req, account: filter.account, suggestion: filter.suggestion, state: filter.state,
                                             post: filter.post, flag: filter.flag)
        if filter.pending { waiting(query) }
        let total = try await query.count()
        let page = max(1, filter.page)
        let comments = try await query.sort(\.$receivedAt, .descending).sort(\.$createdAt, .descending)
            .range(((page - 1) * pageSize)..<(page * pageSize)).all()
        let ids = comments.compactMap(\.id)
        let events = ids.isEmpty ? [] : try await CommentEvent.query(on: req.db).filter(\.$commentID ~~ ids).sort(\.$at).all()
        let attempts = ids.isEmpty ? [] : try await CommentAction.query(on: req.db).filter(\.$commentID ~~ ids).sort(\.$number).all()
        let postIDs = comments.compactMap(\.postID).distinctElements()
        let posts = postIDs.isEmpty ? [] : try await Post.query(on: req.db).filter(\.$id ~~ postIDs).allPosts()
        let subjects = comments.map(\.subject) + postIDs.map(PostService.subject)
        let holds = try await LegalHolds.held(subjects, on: req.db)
        return Page(comments: comments, total: total, page: page, events: Dictionary(grouping: events, by: \.commentID),
                    attempts: Dictionary(grouping: attempts, by: \.commentID),
                    posts: Dictionary(posts.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a }),
                    held: Set(comments.filter { c in holds.contains(c.subject) || c.postID.map { holds.contains(PostService.subject($0)) } == true }
                        .compactMap(\.id)))
    }

    /// Flagged (a ground, or misleading), not yet decided, still on the platform.
    @discardableResult
    static func waiting(_ q: QueryBuilder<Comment>) -> QueryBuilder<Comment> {
        q.filter(\.$decision == nil).filter(\.$suggestion != CommentSuggestion.keep.rawValue).filter(\.$state != .deleted)
    }

    /// How many comments wait for the chief's decision, on `accounts` (all when nil).
    /// Written out so that the condition is the partial index's (`AddReadIndexes`) word for word: the count reads
    /// only the waiting comments' index entries, not every comment received.
    static func waitingCount(_ db: Database, accounts: [String]?) async throws -> Int {
        guard let sql = db as? SQLDatabase else {
            let q = waiting(Comment.query(on: db))
            if let accounts { q.filter(\.$account ~~ accounts) }
            return try await q.count()
        }
        if accounts?.isEmpty == true { return 0 }
        let among: SQLQueryString = accounts.map { " AND account IN (\(binds: $0))" } ?? ""
        let q: SQLQueryString = "SELECT COUNT(*) AS n FROM comments WHERE \(unsafeRaw: AddReadIndexes.waitingComments)\(among)"
        return try await sql.raw(q).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// One decision for many comments (a flood): every comment is checked first, and nothing is decided unless all
    /// may be; then each is decided through `CommentService.decide`, and the actions job carries each out once.
    static func decideMany(_ ctx: KohoContext, user: User, ids: [UUID], action: CommentDecisionAction, ground: String,
                           reason: String) async throws -> [Comment] {
        guard Permissions.mayDecide(user.person) else {
            throw AppError.forbidden("コメントの扱いを決めるのは\(ctx.policy.ownerRole.title)だけです（担当者は提案できます）")
        }
        let unique = ids.distinctElements()
        guard !unique.isEmpty else { throw AppError.badRequest("決定するコメントを選んでください") }
        guard unique.count <= bulkLimit else { throw AppError.badRequest("一度に決定できるのは\(bulkLimit)件までです（\(unique.count)件）") }
        // A correction is a reply draft per comment, written one by one; a bulk step is for removing or keeping.
        guard action != .correct else { throw AppError.badRequest("訂正の返信はコメントごとに決めてください") }
        let comments = try await Comment.query(on: ctx.db).filter(\.$id ~~ unique).all()
        guard comments.count == unique.count else { throw AppError.notFound("選んだコメントの一部が見つかりません") }
        var problems: [Violation] = []
        for c in comments {
            for v in CommentService.violations(action, ground: ground, reason: reason, comment: c, ctx: ctx)
            where !problems.contains(where: { $0.code == v.code && $0.rule == v.rule }) {
                problems.append(v)
            }
        }
        guard problems.isEmpty else { throw AppError.policy(problems) }
        // Nothing deleted is decided again, and a deletion against Koho's suggestion is confirmed one by one, with
        // its ground and reason in full: a bulk step never carries one.
        let deleted = comments.filter { $0.isDeleted }
        if !deleted.isEmpty { throw AppError.conflict("選んだコメントのうち\(deleted.count)件は削除済みです。削除されたコメントは決め直せません") }
        let against = comments.filter { CommentService.againstSuggestion(action, $0) }
        if !against.isEmpty, let first = against.first {
            let rule = CommentService.confirmationRequired(action, ground: ground, reason: reason, comment: first, ctx: ctx).rule
            let v = Violation(rule: rule, code: "commentDeletion.againstSuggestion", message: "【\(rule)】選んだコメントのうち\(against.count)件は、Koho が「そのまま」を提案したもの、または市への批判です。提案に反する\(action.displayName)はまとめて決められません。一件ずつ開き、根拠と理由を確かめて決めてください")
            throw AppError.policy([v])
        }
        var decided: [Comment] = []
        for c in comments.sorted(by: { $0.receivedAt > $1.receivedAt }) {
            decided.append(try await CommentService.decide(ctx, user: user, id: c.id!, action: action, ground: ground, reason: reason))
        }
        return decided
    }

    /// The chief answers an inquiry with the policy's guidance (問合せは従前の方法で): a reply draft with that text,
    /// which goes through the normal approval. On an account with no replies (X, 3(6)) nothing is made.
    static func answerWithGuidance(_ ctx: KohoContext, user: User, id: UUID) async throws -> Post {
        guard Permissions.mayDecide(user.person) else {
            throw AppError.forbidden("問合せに案内を返すかどうかは\(ctx.policy.ownerRole.title)が決めます")
        }
        let comment = try await CommentService.find(ctx.db, id)
        guard let account = ctx.policy.account(comment.account), let rules = ctx.policy.rules(for: account.platform) else {
            throw AppError.policy([ctx.checker.unknownAccount(comment.account)])
        }
        if let refused = ctx.checker.replyNotAllowed(on: account) { throw AppError.policy([refused]) }
        let draft = PlannedAction(account: comment.account, kind: .reply, text: ctx.policy.inquiryGuidance(clause: rules.repliesClause),
                                  replyPurpose: PlannedAction.guidancePurpose, inReplyTo: comment.platformCommentID)
        let now = ctx.now
        let w = ctx.workflow
        // The draft and the record of it commit together.
        return try await ctx.write(on: ctx.db) { db in
            let post = try await PostService.create(w, user, draft, asDraftDespiteViolations: false)
            try await CommentEvent(comment: id, at: now, kind: "guidance", actor: user.name,
                                   detail: "従前の方法の案内を返信の下書きにした（投稿 \(post.id!.uuidString.lowercased())）").create(on: db)
            try await AuditLog.appendLocked(on: db, at: now, actor: user.name, action: "comment.guidance", subject: comment.subject,
                                            detail: "reply \(post.id!.uuidString.lowercased())", reason: "")
            return post
        }
    }
}
