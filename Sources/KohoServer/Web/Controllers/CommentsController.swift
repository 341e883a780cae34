import Fluent
import KohoCore
import KohoPlatforms
import Plot
import Vapor

/// The comment inbox pages: the list per account, one comment with its history, the staff's proposals and the
/// chief's decisions (one by one or many at once). The rules live in `CommentService`, shared with the API.
enum CommentsController {
    static func register(_ site: RoutesBuilder) {
        site.get(SiteURL.comments.route, use: list)
        site.post(SiteURL.commentsBulk.route, use: bulk)
        site.post(SiteURL.commentsPoll.route, use: pollNow)
        site.get(SiteURL.comment(.any).route, use: show)
        site.get("comments", ":id", "image", use: image)
        site.post(SiteURL.commentStep(.any, "").route, use: step)
    }

    static func filter(_ req: Request) throws -> CommentInbox.Filter {
        func q(_ k: String) -> String? { req.query[String.self, at: k].flatMap { $0.isEmpty ? nil : $0 } }
        var f = CommentInbox.Filter(account: q("account"), flag: q("flag"), suggestion: q("suggestion"), state: q("state"), post: q("post"))
        f.pending = q("pending") == "1"
        if let raw = q("page") {
            guard let n = Int(raw), (1...100_000).contains(n) else { throw AppError.badRequest("page が正しくありません") }
            f.page = n
        }
        // The account as the policy names it, so that links and the menu agree.
        if let a = f.account { f.account = req.koho.policy.account(a)?.id ?? a }
        return f
    }

    static func list(_ req: Request) async throws -> Response {
        let f = try filter(req)
        let page = try await CommentInbox.load(req, f)
        var waiting: [(Account, Int)] = []
        for a in req.koho.policy.accounts {
            waiting.append((a, try await CommentInbox.waitingCount(req.db, accounts: [a.id])))
        }
        let frame = PageFrame(req, title: "コメント")
        return Layout.response(CommentViews.list(frame, page, filter: f, waiting: waiting))
    }

    static func show(_ req: Request) async throws -> Response { try await showPage(req) }

    static func showPage(_ req: Request, status: HTTPResponseStatus = .ok, typed: CommentViews.TypedDecision? = nil) async throws -> Response {
        let id = try CommentService.commentID(req)
        let c = try await CommentService.find(req.db, id)
        let events = try await CommentService.events(req.db, id)
        let attempts = try await CommentAction.query(on: req.db).filter(\.$commentID == id).sort(\.$number).all()
        var posts: [UUID: Post] = [:]
        if let pid = c.postID, let p = try await Post.query(on: req.db).filter(\.$id == pid).allPosts().first { posts[pid] = p }
        let frame = PageFrame(req, title: "コメント")
        let hold = try await LegalHold.find(c.subject, on: req.db)
        return Layout.response(CommentViews.show(frame, c, events: events, attempts: attempts, posts: posts, hold: hold, typed: typed), status: status)
    }

    struct DecisionForm: Content {
        var action: String?
        var ground: String?
        var reason: String?
        /// The confirmation of a hide or delete against Koho's suggestion (the checkbox of the confirmation step).
        var confirmAgainstSuggestion: String?
    }

    /// The comment's image, fetched from its platform by Koho for any signed-in user.
    static func image(_ req: Request) async throws -> Response {
        _ = try req.requireUser()
        return try await CommentImages.serve(req, try await CommentService.find(req.db, try CommentService.commentID(req)))
    }

    static func decisionInput(_ form: DecisionForm) throws -> (CommentDecisionAction, String, String) {
        guard let action = CommentDecisionAction(rawValue: form.action ?? "") else { throw AppError.badRequest("決定（非表示・削除・そのまま・訂正の返信）を選んでください") }
        let reason = (form.reason ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        let lineBreaks: Set<Unicode.Scalar> = ["\n", "\r", "\t"]
        for s in [form.ground ?? "", reason] where s.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !lineBreaks.contains($0) }) {
            throw AppError.badRequest("根拠と理由に制御文字は使えません")
        }
        guard reason.count <= 2000 else { throw AppError.badRequest("理由は2000文字以内にしてください") }
        return (action, form.ground ?? "", reason)
    }

    /// A refusal under the policy goes back to the page it came from, with the clauses, instead of an error page.
    static func refused(_ req: Request, _ e: AppError, back: String) -> Response {
        req.redirect(to: back, notice: "決定できませんでした: \(e.message)")
    }

    /// A decision or proposal refused for what was chosen or typed: the comment's page again with the form as sent.
    static func refusedForm(_ req: Request, _ e: AppError, _ form: DecisionForm) async throws -> Response {
        try await showPage(req, status: e.status, typed: .init(action: form.action ?? "", ground: form.ground ?? "", reason: form.reason ?? "", error: e.message))
    }

    static func step(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let id = try CommentService.commentID(req)
        let back = SiteURL.comment(id).path
        switch req.parameters.get("step") ?? "" {
        case "decide":
            // The role first, before the form is read.
            guard Permissions.mayDecide(user.person) else {
                throw AppError.forbidden("コメントの扱いを決めるのは\(req.koho.policy.ownerRole.title)だけです（担当者は提案できます）")
            }
            let form = try req.content.decode(DecisionForm.self)
            let action: CommentDecisionAction, ground: String, reason: String
            do { (action, ground, reason) = try decisionInput(form) } catch let e as AppError { return try await refusedForm(req, e, form) }
            let confirmed = form.confirmAgainstSuggestion == "1"
            let c: Comment
            do {
                c = try await CommentService.decide(req.koho, user: user, id: id, action: action, ground: ground, reason: reason,
                                                    confirmAgainstSuggestion: confirmed)
            } catch let e as AppError where e.violations.map(\.code) == ["commentDeletion.againstSuggestion"] {
                // Against the suggestion and not confirmed yet: the confirmation step, with the ground and reason in full.
                let comment = try await CommentService.find(req.db, id)
                var posts: [UUID: Post] = [:]
                if let pid = comment.postID, let p = try await Post.query(on: req.db).filter(\.$id == pid).allPosts().first { posts[pid] = p }
                let frame = PageFrame(req, title: "提案に反する削除の確認")
                return Layout.response(CommentViews.confirmAgainst(frame, comment, action: action, ground: ground, reason: reason, posts: posts))
            } catch let e as AppError where e.status == .conflict {
                // Decided for good meanwhile (deleted on the platform): nothing to type again, the page says so.
                return refused(req, e, back: back)
            } catch let e as AppError where e.status == .unprocessableEntity || e.status == .badRequest {
                return try await refusedForm(req, e, form)
            }
            if action == .correct, let reply = c.replyPostID {
                return req.redirect(to: SiteURL.post(reply).path, notice: "訂正の返信の下書きを開きました。本文を書いて提出し、承認を経て発信します。")
            }
            return req.redirect(to: back, notice: "「\(action.displayName)」に決定しました。" + (c.actionStatus == .queued ? "プラットフォームで実行します。" : ""))
        case "propose":
            if let denied = Permissions.mayWrite(user.person) { throw AppError.forbidden(denied.message) }
            let form = try req.content.decode(DecisionForm.self)
            do {
                let (action, ground, reason) = try decisionInput(form)
                _ = try await CommentService.propose(req.koho, user: user, id: id, action: action, ground: ground, reason: reason)
            } catch let e as AppError where e.status == .conflict {
                return req.redirect(to: back, notice: "提案できませんでした: \(e.message)")
            } catch let e as AppError where [.unprocessableEntity, .badRequest].contains(e.status) { return try await refusedForm(req, e, form) }
            let action = CommentDecisionAction(rawValue: form.action ?? "") ?? .keep
            return req.redirect(to: back, notice: "「\(action.displayName)」を提案しました。\(req.koho.policy.ownerRole.title)が決定します。")
        case "guidance":
            let post: Post
            do { post = try await CommentInbox.answerWithGuidance(req.koho, user: user, id: id) }
            catch let e as AppError where e.status == .unprocessableEntity { return refused(req, e, back: back) }
            return req.redirect(to: SiteURL.post(post.id!).path, notice: "問合せへの案内を返信の下書きにしました。提出し、承認を経て発信します。")
        default:
            throw AppError.notFound("その操作はありません")
        }
    }

    struct BulkForm: Content {
        var ids: [String]?
        var action: String?
        var ground: String?
        var reason: String?
        var back: String?
    }

    static func bulk(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard Permissions.mayDecide(user.person) else {
            throw AppError.forbidden("コメントの扱いを決めるのは\(req.koho.policy.ownerRole.title)だけです（担当者は提案できます）")
        }
        let form = try req.content.decode(BulkForm.self)
        // Back to the list as it was filtered; only a path of the inbox itself.
        let back = form.back.flatMap { $0.hasPrefix(SiteURL.comments.path) && !$0.hasPrefix("//") && !$0.containsControlCharacter ? $0 : nil } ?? SiteURL.comments.path
        let ids = try (form.ids ?? []).map { raw -> UUID in
            guard let id = UUID(uuidString: raw) else { throw AppError.badRequest("コメントの ID が正しくありません") }
            return id
        }
        let (action, ground, reason) = try decisionInput(DecisionForm(action: form.action, ground: form.ground, reason: form.reason))
        let decided: [Comment]
        do { decided = try await CommentInbox.decideMany(req.koho, user: user, ids: ids, action: action, ground: ground, reason: reason) }
        catch let e as AppError where [HTTPResponseStatus.unprocessableEntity, .conflict, .badRequest].contains(e.status) { return refused(req, e, back: back) }
        let queued = decided.filter { $0.actionStatus == .queued }.count
        return req.redirect(to: back, notice: "\(decided.count)件を「\(action.displayName)」に決定しました。" + (queued > 0 ? "\(queued)件をプラットフォームで一件ずつ実行します。" : ""))
    }

    /// Reads the comments of the accounts the user acts on now, instead of waiting for the poller's next turn.
    static func pollNow(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        if let denied = Permissions.mayWrite(user.person) { throw AppError.forbidden(denied.message) }
        guard let poller = req.application.workers?.poller else {
            return req.redirect(to: SiteURL.comments.path, notice: "プラットフォームにつながっていないため受信できません。")
        }
        var new = 0
        var problems: [String] = []
        for account in req.koho.policy.accounts where account.platform != .x && user.mayAct(on: account.id) {
            do { new += try await poller.poll(account) }
            catch is HoldReason { continue }
            catch is PlatformError { problems.append(account.displayName) }
        }
        let note = problems.isEmpty ? "" : "（受信できなかったアカウント: \(problems.joined(separator: "、"))）"
        return req.redirect(to: SiteURL.comments.path, notice: "新しいコメントは\(new)件です。\(note)")
    }
}
