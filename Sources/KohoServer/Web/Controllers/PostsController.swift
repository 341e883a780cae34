import Fluent
import Plot
import Vapor
import KohoCore

package enum PostsController {
    /// The compose form; the same names as the fields of `koho check`.
    package struct ComposeForm: Content {
        var account: String?
        var kind: String?
        var category: String?
        var text: String?
        var title: String?
        var links: String?
        var sourceURL: String?
        var scheduledAt: String?
        var emergency: String?
        var emergencyReason: String?
        var replyPurpose: String?
        var quotedAccount: String?
        var articleOrigin: String?
        var inReplyTo: String?
        var intent: String?
        var version: Int?

        init(_ a: PlannedAction, chosen: Date?) {
            account = a.account; kind = a.kind.rawValue; category = a.category; text = a.text; title = a.title
            links = a.links.joined(separator: "\n"); sourceURL = a.sourceURL
            scheduledAt = chosen.map { String(JapaneseTime.iso8601($0).prefix(16)) }
            emergency = a.emergency ? "1" : nil; emergencyReason = a.emergencyReason; replyPurpose = a.replyPurpose
            quotedAccount = a.quotedAccount; articleOrigin = a.articleOrigin; inReplyTo = a.inReplyTo
        }

        package func action() throws -> PlannedAction {
            func clean(_ v: String?) -> String? {
                guard let v = v?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
                return v
            }
            guard let account = clean(account) else { throw ActionInputError(field: "account", message: "必須の項目です") }
            let kind = try clean(kind).map(PlannedAction.parseKind) ?? .post
            var chosen: Date?
            if var s = scheduledAt?.trimmingCharacters(in: .whitespaces), !s.isEmpty {
                if s.count == 16 { s += ":00" }
                chosen = try PlannedAction.parseScheduledAt(s)
            }
            let l = (links ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return PlannedAction(
                account: account, kind: kind, category: clean(category), text: (text ?? "").replacingOccurrences(of: "\r\n", with: "\n"),
                title: clean(title), links: l, sourceURL: clean(sourceURL), scheduledAt: chosen, emergency: emergency != nil,
                emergencyReason: clean(emergencyReason), replyPurpose: clean(replyPurpose), quotedAccount: clean(quotedAccount),
                articleOrigin: clean(articleOrigin), inReplyTo: clean(inReplyTo))
        }
    }

    static func postID(_ req: Request) throws -> UUID {
        guard let s = req.parameters.get("id"), let id = UUID(uuidString: s) else { throw AppError.notFound("投稿が見つかりません") }
        return id
    }

    static func list(_ req: Request) async throws -> Response {
        let f = PageFrame(req, title: "投稿一覧")
        // An unknown value in the filter form is ignored rather than refused: it is a page, not the API.
        let state = req.query[String.self, at: "state"].flatMap(PostState.init(rawValue:))
        let account = req.query[String.self, at: "account"].flatMap { f.policy.account($0)?.id }
        let q = req.query[String.self, at: "q"]?.trimmingCharacters(in: .whitespaces).prefix(200).description ?? ""
        let query = Post.query(on: req.db)
        if let state { query.filter(\.$state == state) }
        if let account { query.filter(\.$account == account) }
        // The words a person would look for: the text, title, links, source article and author.
        if !q.isEmpty {
            let stored = StoredText.encode(q)
            query.group(.or) {
                $0.filter(\.$text ~~ stored).filter(\.$title ~~ stored).filter(\.$linksJSON ~~ q).filter(\.$sourceURL ~~ stored)
                    .filter(\.$authorName ~~ q)
            }
        }
        let cursor = req.query[String.self, at: "cursor"].flatMap(PostCursor.init)
        let (posts, total, next) = try await PostCursor.page(query, limit: 50, after: cursor)
        let filter = BodyNode.tag("form", [Attr("method", "get"), Attr("action", SiteURL.posts.path), Attr("aria-label", "絞り込み")], [
            .selectField("状態", name: "state", options: [("", "すべて")] + PostState.allCases.map { ($0.rawValue, $0.displayName) },
                         selected: state?.rawValue ?? ""),
            .selectField("アカウント", name: "account", options: [("", "すべて")] + f.policy.accounts.map { ($0.id, "\($0.displayName)（\($0.platform.displayName)）") },
                         selected: account ?? ""),
            .field("言葉で探す（本文・タイトル・作成者）", name: "q", value: q, type: "search"),
            .button("絞り込む"),
        ])
        let count = BodyNode.tag("p", [Attr("role", "status")],
                                 text: "\(total)件" + (total > posts.count ? "（\(cursor == nil ? "新しいものから" : "続きの")\(posts.count)件を表示）" : ""))
        var more: BodyNode = .empty
        if let next {
            var items = [URLQueryItem(name: "cursor", value: next.description)]
            if let state { items.append(URLQueryItem(name: "state", value: state.rawValue)) }
            if let account { items.append(URLQueryItem(name: "account", value: account)) }
            if !q.isEmpty { items.append(URLQueryItem(name: "q", value: q)) }
            var c = URLComponents()
            c.queryItems = items
            more = .tag("p", [], [.link(href: SiteURL.posts.path + "?" + (c.percentEncodedQuery ?? ""), "次の50件")])
        }
        let held = try await LegalHolds.held(posts.compactMap(\.id).map(PostService.subject), on: req.db)
        let heldIDs = Set(posts.compactMap(\.id).filter { held.contains(PostService.subject($0)) })
        return Layout.response(Layout.page(f, [filter, count, PostListView.table(posts.map(\.fields), policy: f.policy, legalHolds: heldIDs), more]))
    }

    /// Previews per page of 承認待ち: the chief reads each one, so the page stays under a few screens with a long queue.
    static let approvalsPerPage = 6

    static func approvals(_ req: Request) async throws -> Response {
        try await approvalsPage(req, page: max(1, req.query[Int.self, at: "page"] ?? 1))
    }

    /// `ticked`: the posts chosen for a bulk approval that came back (`refused` says why), still chosen.
    static func approvalsPage(_ req: Request, page: Int, ticked: Set<String> = [], refused: String? = nil,
                              status: HTTPStatus = .ok) async throws -> Response {
        let user = try req.requireUser()
        // Only the page's posts are read: the count and the out-of-hours warning come from the database.
        func waiting() -> QueryBuilder<Post> { Post.query(on: req.db).filter(\.$state == .submitted) }
        let total = try await waiting().count()
        let pages = max(1, (total + approvalsPerPage - 1) / approvalsPerPage)
        let start = (min(page, pages) - 1) * approvalsPerPage
        // Emergencies first: they go out the moment they are approved.
        let shown = try await waiting().sort(\.$emergency, .descending).sort(\.$scheduledAt).sort(\.$id)
            .range(start..<(start + approvalsPerPage)).allPosts()
        let f = PageFrame(req, title: "承認待ち")
        var content: [BodyNode] = [.formError(refused)]
        if try await waiting().filter(\.$usesHoursException == true).count() > 0 {
            content.append(.tag("p", [Attr("class", "warn"), Attr("role", "alert")], text: "運用時間外に緊急で発信する投稿が承認を待っています。"))
        }
        content.append(.tag("p", [Attr("role", "status")], text: "\(total)件" + (pages > 1 ? "（\(min(page, pages))/\(pages)ページ、\(shown.count)件を表示）" : "")))
        // What each post would put on its platform, as the chief approves it. Posts that need nothing but a yes (not an
        // emergency, which goes out at once) may be approved together, with the same confirmation as one.
        var cards: [BodyNode] = []
        let framesAvailable = req.koho.config.mediaTools.ffmpeg != nil
        for p in shown {
            // What the chief approves includes the picture: the image itself, or the video's frame.
            var picture = PostView.attachedImage(p)
            if let file = p.mediaFile, PostMedia.format(ofFile: file)?.kind == .video {
                picture = PostView.videoFrame(p, hasPoster: await req.koho.media.poster(file) != nil, framesAvailable: framesAvailable)
            }
            guard let account = f.policy.account(p.account), case .success(let r)? = try? p.rendering(f.policy) else { continue }
            let bulk = user.role == .chief && !p.emergency
            cards.append(.tag("article", [Attr("class", "queued"), Attr("aria-labelledby", "q-\(p.id!.uuidString.lowercased())")], [
                .tag("h2", [Attr("id", "q-\(p.id!.uuidString.lowercased())")], text: "\(JapaneseTime.show(p.scheduledAt)) \(PlatformLabel.text(account))（\(p.authorName)）"
                     + (p.usesHoursException ? "（運用時間外・緊急）" : p.emergency ? "（緊急）" : "")),
                bulk ? .checkbox("まとめて承認する", name: "ids[]", value: "\(p.id!.uuidString.lowercased()):\(p.lockVersion)",
                                 checked: ticked.contains("\(p.id!.uuidString.lowercased()):\(p.lockVersion)"), idPrefix: "a")
                     : .tag("p", [Attr("class", "warn")], text: p.emergency ? "緊急の投稿は、開いて一件ずつ承認してください（承認すると直ちに発信されます）。" : ""),
                RenderingPreview.card(r, account: account, caption: "承認すると発信される内容"),
                picture,
                .tag("p", [], [.link(.post(p.id!), "開いて承認・差戻し")]),
            ]))
        }
        if user.role == .chief, shown.contains(where: { !$0.emergency }) {
            content.append(.postForm(SiteURL.approvalsBulk.path, csrf: f.csrf, [
                .tag("div", [Attr("role", "group"), Attr("aria-label", "まとめて承認する投稿の選択")], cards),
            ] + [
                .hidden("page", "\(min(page, pages))"),
                .tag("fieldset", [], [
                    .tag("legend", [], text: "選んだ投稿をまとめて承認する"),
                    .checkbox("選んだ投稿の発信される内容をすべて確かめました", name: "confirm", checked: false, idPrefix: "a", error: refused),
                    .button("選んだ投稿を承認する", kind: .primary),
                ]),
            ]))
        } else {
            content += cards
        }
        if pages > 1 {
            let links: [BodyNode] = (1...pages).map { n in
                n == min(page, pages) ? .tag("strong", [Attr("aria-current", "page")], text: "\(n)") : .tag("a", [Attr("href", SiteURL.approvals.path + "?page=\(n)")], text: "\(n)")
            }
            content.append(.tag("nav", [Attr("aria-label", "承認待ちのページ")], [.tag("p", [], links.flatMap { [$0, .text(" ")] })]))
        }
        return Layout.response(Layout.page(f, content), status: status)
    }

    struct ApproveManyForm: Content {
        var ids: [String]?
        var confirm: String?
        var page: Int?
    }

    /// Approves the chosen posts one by one, each at the version the chief saw; one that changed or cannot be approved
    /// is left waiting and named.
    static func approveMany(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard user.role == .chief else { throw AppError.forbidden("承認するのは\(req.koho.policy.ownerRole.title)だけです") }
        let form = try req.content.decode(ApproveManyForm.self)
        let chosen = try (form.ids ?? []).prefix(200).map { raw -> (UUID, Int) in
            let parts = raw.split(separator: ":")
            guard parts.count == 2, let id = UUID(uuidString: String(parts[0])), let v = Int(parts[1]) else {
                throw AppError.badRequest("投稿の指定が正しくありません")
            }
            return (id, v)
        }
        guard !chosen.isEmpty else { return req.redirect(to: SiteURL.approvals.path, notice: "承認する投稿が選ばれていません。") }
        guard form.confirm == "1" else {
            // The page again with the same posts chosen, the reason beside the box to tick.
            return try await approvalsPage(req, page: max(1, form.page ?? 1), ticked: Set(form.ids ?? []),
                                           refused: "「発信される内容をすべて確かめました」に印を付けてから承認してください。何も承認していません。",
                                           status: .unprocessableEntity)
        }
        var approved = 0
        var refused: [String] = []
        for (id, version) in chosen {
            let post = try await Post.find(id, on: req.db)
            if post?.emergency == true { refused.append("緊急の投稿は一件ずつ承認してください"); continue }
            do {
                _ = try await PostService.transition(req.workflow, user, id, .approve, expectedVersion: version, reason: "")
                approved += 1
            } catch let e as AppError {
                refused.append(e.message)
            }
        }
        let rest = refused.isEmpty ? "" : "\(refused.count)件は承認していません（\(Set(refused).sorted().joined(separator: "／"))）。"
        return req.redirect(to: SiteURL.approvals.path, notice: "\(approved)件を承認しました。" + rest)
    }

    static func composePage(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard user.role != .viewer else { throw AppError.forbidden("閲覧のみの利用者は投稿を作成できません") }
        var form = ComposeForm(PlannedAction(account: ""), chosen: nil)
        form.account = req.query[String.self, at: "account"]
        var model = ComposeView.Model(user: user, form: form, editing: nil)
        try checkedForm(req, &model)
        return Layout.response(ComposeView.page(PageFrame(req, title: "新しい投稿"), model))
    }

    static func compose(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let form = try req.content.decode(ComposeForm.self)
        let frame = PageFrame(req, title: "新しい投稿")
        var model = ComposeView.Model(user: user, form: form, editing: nil)
        let action: PlannedAction
        switch try readForm(req, user, form, account: nil, frame, &model) {
        case .answered(let response): return response
        case .action(let a): action = a
        }
        let post: Post
        do {
            post = try await PostService.create(req.workflow, user, action, asDraftDespiteViolations: form.intent == "save")
        } catch let e as AppError where !e.violations.isEmpty {
            model.refused = e.violations
            return Layout.response(ComposeView.page(frame, model), status: .unprocessableEntity)
        }
        if form.intent == "submit" {
            do {
                _ = try await PostService.transition(req.workflow, user, post.id!, .submit, expectedVersion: post.lockVersion, reason: "")
            } catch let e as AppError where !e.violations.isEmpty {
                // The draft is saved; the form now edits it, so that sending it again makes no second post.
                model.editing = post
                model.form.version = post.lockVersion
                model.refused = e.violations
                return Layout.response(ComposeView.page(PageFrame(req, title: "投稿の編集"), model), status: .unprocessableEntity)
            }
        }
        return req.redirect(to: SiteURL.post(post.id!).path,
                            notice: form.intent == "submit" ? "保存して提出しました。" : "下書きとして保存しました。")
    }

    enum FormReading {
        case answered(Response)
        case action(PlannedAction)
    }

    /// Reads the compose form. Bad input, and a press of 確認, are answered at once with the form again.
    static func readForm(_ req: Request, _ user: User, _ form: ComposeForm, account: String?, _ frame: PageFrame,
                         _ model: inout ComposeView.Model) throws -> FormReading {
        let action: PlannedAction
        do { action = try form.action() } catch let e as ActionInputError {
            model.inputError = e.field == nil ? e.description : e.message
            model.inputField = e.field
            return .answered(Layout.response(ComposeView.page(frame, model), status: .badRequest))
        }
        guard form.intent == "check" else { return .action(action) }
        try PostService.requireMayAct(user, on: account ?? action.account, req.koho)
        // Post/redirect/get for 確認 too: the form waits in the session and the result is a page of its own, so Back
        // and reload never ask to send the form again.
        req.session.data[checkedFormKey] = String(decoding: try JSONEncoder().encode(form), as: UTF8.self)
        return .answered(req.redirect(to: req.url.path + "?checked=1", redirectType: .normal))
    }

    static let checkedFormKey = "composeChecked"

    /// The form 確認 left in the session, checked now; nil when the page was opened otherwise.
    static func checkedForm(_ req: Request, _ model: inout ComposeView.Model) throws {
        guard req.query[String.self, at: "checked"] != nil, let json = req.session.data[checkedFormKey] else { return }
        req.session.data[checkedFormKey] = nil
        guard let form = try? JSONDecoder().decode(ComposeForm.self, from: Data(json.utf8)), let action = try? form.action() else { return }
        model.form = form
        model.check = req.koho.checker.checkForWorkflow(action, chosen: action.scheduledAt, now: req.koho.now, submitting: true)
    }

    /// The compose or edit form, filled with what was sent, when its CSRF token no longer matches the session
    /// (signed in again in another tab, say). Nothing is saved; the page carries the session's current token.
    static func formAfterStaleToken(_ req: Request) async throws -> Response? {
        guard let user = req.currentUser, user.role != .viewer, req.method == .POST,
              let form = try? req.content.decode(ComposeForm.self), form.account != nil else { return nil }
        var editing: Post?
        if req.url.path != SiteURL.compose.path {
            let parts = req.url.path.split(separator: "/")
            guard parts.count == 3, parts[0] == "posts", parts[2] == "edit", let id = UUID(uuidString: String(parts[1])),
                  let post = try await Post.find(id, on: req.db), user.mayAct(on: post.account) else { return nil }
            editing = post
        }
        var model = ComposeView.Model(user: user, form: form, editing: editing)
        model.failure = "フォームの有効期限が切れたため、保存しませんでした（CSRFトークンが一致しません）。入力した内容はこのとおり残っています。確かめてから、もう一度保存してください。"
        return Layout.response(ComposeView.page(PageFrame(req, title: editing == nil ? "新しい投稿" : "投稿の編集"), model), status: .forbidden)
    }

    static func show(_ req: Request) async throws -> Response { try await showPage(req) }

    static func showPage(_ req: Request, status: HTTPResponseStatus = .ok,
                         refusedStep: (step: String, reason: String, message: String)? = nil) async throws -> Response {
        let id = try postID(req)
        let post = try await PostService.find(req.workflow, id)
        let history = try await PostService.history(req.db, id)
        let version = try await PolicyVersion.find(post.$policyVersion.id, on: req.db)
        let f = PageFrame(req, title: "投稿の詳細")
        var model = PostView.Model(post: post, action: try post.action, history: history,
                                   policyLabel: version?.label ?? "", user: try req.requireUser(),
                                   attempts: try await PostService.attempts(req.db, id))
        model.goesOutAt = whenItGoesOut(req, post)
        model.framesAvailable = req.koho.config.mediaTools.ffmpeg != nil
        model.versions = try await PostVersions.all(of: id, on: req.db)
        model.legalHold = try await LegalHold.find(PostService.subject(id), on: req.db)
        model.refusedStep = refusedStep
        if let file = post.mediaFile { model.hasPoster = await req.koho.media.poster(file) != nil }
        if post.state == .draft, var a = try? post.action {
            a.scheduledAt = post.chosenAt
            model.draftViolations = req.koho.checker.checkForWorkflow(a, chosen: post.chosenAt, now: req.koho.now, submitting: true,
                                                                      mediaSHA256: post.mediaSHA256, storedPost: true).0.violations
        }
        return Layout.response(PostView.page(f, model), status: status)
    }

    /// When submitting or approving the post would have it published, if that is at once (an emergency, or no
    /// chosen time inside the operating window), and whether the chief still has to approve it first.
    static func whenItGoesOut(_ req: Request, _ post: Post) -> PostView.Immediate? {
        guard post.state.isEditable || post.state == .submitted, var action = try? post.action else { return nil }
        action.scheduledAt = post.chosenAt
        let now = req.koho.now
        let (result, at) = req.koho.checker.checkForWorkflow(action, chosen: post.chosenAt, now: now, submitting: true)
        guard at.timeIntervalSince(now) <= 60, result.ok else { return nil }
        return PostView.Immediate(needsChief: result.requiresChiefApproval, emergency: action.emergency)
    }

    static func editPage(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let post = try await PostService.find(req.workflow, try postID(req))
        try PostService.requireMayAct(user, on: post.account, req.koho)
        var form = ComposeForm(try post.action, chosen: post.chosenAt)
        form.version = post.lockVersion
        var model = ComposeView.Model(user: user, form: form, editing: post)
        model.returned = try await PostService.returnReasons(req.db, [post.fields]).values.first
        try checkedForm(req, &model)
        return Layout.response(ComposeView.page(PageFrame(req, title: "投稿の編集"), model))
    }

    static func edit(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let id = try postID(req)
        let post = try await PostService.find(req.workflow, id)
        let form = try req.content.decode(ComposeForm.self)
        let frame = PageFrame(req, title: "投稿の編集")
        var model = ComposeView.Model(user: user, form: form, editing: post)
        let action: PlannedAction
        switch try readForm(req, user, form, account: post.account, frame, &model) {
        case .answered(let response): return response
        case .action(let a): action = a
        }
        guard let version = form.version else { throw AppError.badRequest("版（version）がありません") }
        do {
            _ = try await PostService.transition(req.workflow, user, id, .edit, expectedVersion: version, reason: "", edited: action,
                                                 asDraftDespiteViolations: true)
            return req.redirect(to: SiteURL.post(id).path, notice: "変更を保存しました。")
        } catch let e as AppError where !e.violations.isEmpty {
            model.refused = e.violations
            return Layout.response(ComposeView.page(frame, model), status: .unprocessableEntity)
        } catch let e as AppError where e.status == .conflict {
            // Someone changed the post meanwhile: keep what was typed; saving again (at the current version) overwrites theirs.
            let current = try await PostService.find(req.workflow, id)
            model.editing = current
            model.form.version = current.lockVersion
            model.failure = "保存しませんでした。この投稿は、あなたが開いた後に他の人が変更しました（版 \(version) → \(current.lockVersion)）。"
                + "あなたの入力はこのフォームに残っています。投稿のページで最新の内容を確かめてから、もう一度保存すると上書きします。"
            return Layout.response(ComposeView.page(frame, model), status: .conflict)
        } catch let e as PostTransitionError {
            // Published, cancelled or going out now: it can no longer be changed. What was typed comes back as a new
            // post's form (nothing saved yet), so that the correction is not lost.
            model.editing = nil
            model.form.version = nil
            model.failure = "保存しませんでした: \(e.description)。あなたの入力はこのフォームに残っています。"
                + "直した内容を発信するには、このまま新しい投稿として保存してください（元の投稿は変わりません）。"
            return Layout.response(ComposeView.page(PageFrame(req, title: "新しい投稿（変更できない投稿から）"), model), status: .conflict)
        } catch let e as AppError where e.status == .badRequest {
            model.failure = "保存しませんでした: \(e.message)"
            return Layout.response(ComposeView.page(frame, model), status: .badRequest)
        }
    }

    struct MediaForm: Content {
        var version: Int?
        var media: File?
    }

    static func attachMedia(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let id = try postID(req)
        let form = try req.content.decode(MediaForm.self)
        guard let version = form.version else { throw AppError.badRequest("版（version）がありません") }
        do {
            guard let file = form.media, file.data.readableBytes > 0 else { throw AppError.badRequest("ファイルを選んでください") }
            _ = try await PostMedia.attach(req, user, id, Data(buffer: file.data), name: file.filename, expectedVersion: version)
        } catch let e as AppError where [.badRequest, .unprocessableEntity, .payloadTooLarge, .unsupportedMediaType].contains(e.status) {
            // The post's page again with the reason beside the file field (a browser cannot be given the file back).
            return try await showPage(req, status: e.status, refusedStep: ("media", "", e.message))
        }
        return req.redirect(to: SiteURL.post(id).path, notice: "ファイルを添付しました。")
    }

    /// The attached video's frame (see `FFMpeg`); only for those who may see the post.
    static func poster(_ req: Request) async throws -> Response {
        let post = try await PostService.find(req.workflow, try postID(req))
        guard let file = post.mediaFile else { throw AppError.notFound("動画が添付されていません") }
        guard let data = await req.koho.media.poster(file) else { throw AppError.notFound("動画のフレームはありません") }
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.contentType = .jpeg
        res.headers.cacheControl = .init(isPrivate: true, maxAge: 3600)
        return res
    }

    /// The attached image, for the preview; every signed-in role may read posts, so `find` is the check.
    static func image(_ req: Request) async throws -> Response {
        let post = try await PostService.find(req.workflow, try postID(req))
        guard let file = post.mediaFile, let format = PostMedia.format(ofFile: file), format.kind == .image else {
            throw AppError.notFound("画像が添付されていません")
        }
        let media: MediaFile
        do { media = try await req.koho.media.read(file) } catch let e as HoldReason {
            throw AppError.notFound(e.message)
        }
        let res = Response(status: .ok, body: .init(data: media.data))
        res.headers.replaceOrAdd(name: .contentType, value: format.mimeType)
        res.headers.cacheControl = .init(isPrivate: true, maxAge: 3600)
        return res
    }

    package struct StepForm: Content {
        var version: Int?
        var reason: String?
    }

    static func step(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let id = try postID(req)
        guard let name = req.parameters.get("step"), let step = PostEventName(rawValue: name) else { throw AppError.notFound() }
        let form = try req.content.decode(StepForm.self)
        guard let version = form.version else { throw AppError.badRequest("版（version）がありません") }
        let post: Post
        do {
            post = try await PostService.transition(req.workflow, user, id, step.event, expectedVersion: version, reason: form.reason ?? "")
        } catch let e as AppError where e.status == .badRequest && [.reject, .cancel].contains(step.event) {
            // The post's page again, the reason beside the field it is about; nothing changed.
            return try await showPage(req, status: .unprocessableEntity, refusedStep: (name, form.reason ?? "", e.message))
        }
        let done: String
        switch step.event {
        case .submit: done = post.state == .scheduled ? "提出しました。承認の要らない区分のため予約しました。" : "提出しました。承認を待っています。"
        case .approve: done = "承認しました。"
        case .reject: done = "差し戻しました。"
        case .cancel: done = "取り消しました。"
        default: done = "保存しました。"
        }
        return req.redirect(to: SiteURL.post(id).path, notice: done)
    }
}
