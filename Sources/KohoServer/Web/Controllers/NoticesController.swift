import Fluent
import Plot
import Vapor
import KohoCore

/// The staff pages of the public notices and of suspending an account (3(2), 3(7), 4(9), 5(9)): the same use cases
/// as `/api/v1/notices` and `/api/v1/accounts/{account}/suspension`, behind forms with the CSRF token.
enum NoticesController {
    static func register(_ site: RoutesBuilder) {
        site.get(SiteURL.notices.route, use: list)
        site.post(SiteURL.notices.route, use: create)
        site.get(SiteURL.notice(.any).route, use: show)
        site.post(SiteURL.notice(.any).route, use: edit)
        site.post(SiteURL.noticePublish(.any).route, use: publish)
        site.post(SiteURL.accountSuspension("").route, use: suspension)
    }

    static func list(_ req: Request) async throws -> Response { try await listPage(req) }

    /// The page, with a refused form's input and reason where one came back.
    static func listPage(_ req: Request, status: HTTPResponseStatus = .ok, returned: NoticeViews.Returned = .init()) async throws -> Response {
        let notices = try await Notice.query(on: req.db).sort(\.$createdAt, .descending).sort(\.$id, .descending).limit(500).all()
        let f = PageFrame(req, title: "お知らせ・アカウントの停止")
        return Layout.response(NoticeViews.list(f, notices: notices, suspensions: try await SuspensionService.current(req.db), returned: returned),
                               status: status)
    }

    /// Refusals a person can correct in the form: bad or missing input, the policy, a change by someone else.
    static func correctable(_ e: AppError) -> Bool { [.badRequest, .conflict, .unprocessableEntity].contains(e.status) }

    /// Which field a refusal of a notice is about, by what it names.
    static func field(of e: AppError) -> String {
        if e.status == .conflict { return "" }
        if !e.violations.isEmpty { return "account" }
        if e.message.contains("題名") { return "title" }
        if e.message.contains("種類") { return "kind" }
        return "body"
    }

    struct NoticeForm: Content {
        var kind: String?
        var account: String?
        var title: String?
        var body: String?
        /// The version the page showed.
        var version: Int?
    }

    static func create(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        if let denied = Permissions.mayWrite(user.person) { throw AppError.forbidden(denied.message) }
        let form = try req.content.decode(NoticeForm.self)
        let n: Notice
        do {
            guard let kind = Notice.Kind(rawValue: form.kind ?? "") else { throw AppError.badRequest("お知らせの種類を選んでください") }
            n = try await NoticeService.create(req.workflow, user, .init(kind: kind, account: form.account ?? "", title: form.title ?? "",
                                                                         body: form.body ?? "", about: kind == .suspension ? "suspension:\(form.account ?? "")" : ""))
        } catch let e as AppError where correctable(e) {
            // The form again with what was typed and the reason beside the field; nothing is saved.
            let message = e.violations.isEmpty ? e.message : e.violations.map(\.message).joined(separator: " ")
            return try await listPage(req, status: e.status, returned: .init(draft: .init(kind: form.kind ?? "", account: form.account ?? "",
                                                                                       title: form.title ?? "", body: form.body ?? "",
                                                                                       field: field(of: e), error: message)))
        }
        return req.redirect(to: SiteURL.notice(n.id!).path, notice: "お知らせの下書きを保存しました。")
    }

    static func noticeID(_ req: Request) throws -> UUID {
        guard let s = req.parameters.get("id"), let id = UUID(uuidString: s) else { throw AppError.notFound("お知らせが見つかりません") }
        return id
    }

    static func show(_ req: Request) async throws -> Response { try await showPage(req) }

    static func showPage(_ req: Request, status: HTTPResponseStatus = .ok, typed: NoticeViews.Typed? = nil) async throws -> Response {
        let n = try await NoticeService.find(req.db, try noticeID(req))
        let f = PageFrame(req, title: "お知らせ「\(n.title)」")
        return Layout.response(NoticeViews.show(f, n, ctx: req.koho, typed: typed), status: status)
    }

    static func edit(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        if let denied = Permissions.mayWrite(user.person) { throw AppError.forbidden(denied.message) }
        let id = try noticeID(req)
        try NoticeService.requireMayEdit(user, try await NoticeService.find(req.db, id), req.koho.policy)
        let form = try req.content.decode(NoticeForm.self)
        guard let version = form.version else { throw AppError.badRequest("版（version）がありません") }
        do {
            _ = try await NoticeService.edit(req.workflow, user, id, title: form.title ?? "", body: form.body ?? "", expectedVersion: version)
        } catch let e as AppError where correctable(e) {
            return try await showPage(req, status: e.status, typed: .init(kind: "", account: "", title: form.title ?? "", body: form.body ?? "",
                                                                          field: field(of: e), error: e.message, version: version))
        }
        return req.redirect(to: SiteURL.notice(id).path, notice: "お知らせを保存しました。")
    }

    static func publish(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard Permissions.mayDecide(user.person) else {
            throw AppError.forbidden("お知らせの掲載は\(req.koho.policy.ownerRole.title)だけが行えます")
        }
        let form = try req.content.decode(NoticeForm.self)
        guard let version = form.version else { throw AppError.badRequest("版（version）がありません") }
        let n = try await NoticeService.publish(req.workflow, user, try noticeID(req), expectedVersion: version)
        return req.redirect(to: SiteURL.notice(n.id!).path, notice: "お知らせを公開ページに掲載しました。")
    }

    struct SuspensionForm: Content {
        var action: String?
        var noticeId: String?
    }

    static func suspension(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        // The role first, before the form is read.
        guard Permissions.mayDecide(user.person) else {
            throw AppError.forbidden("アカウントの停止・削除・再開は\(req.koho.policy.ownerRole.title)だけが行えます")
        }
        let form = try req.content.decode(SuspensionForm.self)
        guard let action = SuspensionService.Action(rawValue: form.action ?? "") else {
            throw AppError.badRequest("停止・削除・再開のいずれかを選んでください")
        }
        let raw = form.noticeId ?? ""
        guard raw.isEmpty || UUID(uuidString: raw) != nil else { throw AppError.badRequest("お知らせの指定が正しくありません") }
        let account = req.parameters.get("account") ?? ""
        do {
            try await SuspensionService.apply(req.workflow, user, account: account, action: action, noticeID: UUID(uuidString: raw))
        } catch let e as AppError where correctable(e) {
            // The notices page again, the account's form as it was sent and the reason beside it; nothing is changed.
            let message = e.violations.isEmpty ? e.message : e.violations.map(\.message).joined(separator: " ")
            return try await listPage(req, status: e.status, returned: .init(suspension: .init(account: account, action: action.rawValue,
                                                                                            noticeId: raw, error: message)))
        }
        let name = req.koho.policy.account(account)?.displayName ?? account
        let done = switch action {
        case .suspend: "\(name)を停止しました。予約は保留されます。"
        case .delete: "\(name)を削除として記録しました。予約は保留されます。"
        case .resume: "\(name)の運用を再開しました。お知らせに再開を追記しました。"
        }
        return req.redirect(to: SiteURL.notices.path, notice: done)
    }
}
