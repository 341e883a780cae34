import Fluent
import Plot
import Vapor
import KohoCore

/// The impersonation pages: cases found by the scheduled search or reported by staff, and the chief's steps on them.
enum ImpersonationController {
    static func register(_ site: RoutesBuilder) {
        site.get(SiteURL.impersonation.route, use: list)
        site.post(SiteURL.impersonationReport.route, use: report)
        site.get(SiteURL.impersonationCase(.any).route, use: show)
        site.post(SiteURL.impersonationStep(.any, "").route, use: step)
    }

    static func caseId(_ req: Request) throws -> UUID {
        guard let s = req.parameters.get("id"), let id = UUID(uuidString: s) else { throw AppError.notFound("なりすまし事案が見つかりません") }
        return id
    }

    static func list(_ req: Request) async throws -> Response { try await listPage(req) }

    static func listPage(_ req: Request, status: HTTPResponseStatus = .ok, typed: ImpersonationViews.TypedReport? = nil) async throws -> Response {
        let cases = try await ImpersonationCase.query(on: req.db).sort(\.$updatedAt, .descending).limit(500).all()
        let f = PageFrame(req, title: "なりすまし対応")
        return Layout.response(ImpersonationViews.list(f, cases: cases, scan: req.koho.impersonationScan.withLockedValue { $0 }, typed: typed), status: status)
    }

    struct ReportForm: Content {
        var platform: String?
        var target: String?
        var name: String?
        var bio: String?
        var note: String?
    }

    static func report(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let form = try req.content.decode(ReportForm.self)
        let outcome: ImpersonationCaseService.Outcome
        do {
            outcome = try await ImpersonationCaseService.report(req.workflow, user, platform: form.platform ?? "",
                                                               urlOrHandle: form.target ?? "", name: form.name ?? "",
                                                               bio: form.bio ?? "", note: form.note ?? "")
        } catch let e as AppError where e.status == .badRequest {
            // The form again with what was typed; the reason beside the field it names.
            let m = e.message
            let field = m.hasPrefix("表示名") ? "name" : m.hasPrefix("自己紹介") ? "bio" : m.hasPrefix("メモ") ? "note" : m.hasPrefix("プラットフォーム") ? "platform" : "target"
            return try await listPage(req, status: .badRequest, typed: .init(platform: form.platform ?? "", target: form.target ?? "", name: form.name ?? "",
                                                                             bio: form.bio ?? "", note: form.note ?? "", field: field, error: m))
        }
        switch outcome {
        case .opened(let c, let new):
            return req.redirect(to: SiteURL.impersonationCase(c.id!).path,
                                notice: new ? "なりすましの疑いがあるため事案にしました（スコア \(String(format: "%.2f", c.score))）。"
                                            : "このアカウントはすでに対応中の事案です。")
        case .notFlagged(let score):
            let why = score.reasons.prefix(3).joined(separator: "／")
            return req.redirect(to: SiteURL.impersonation.path,
                                notice: "報告を記録しました。スコア \(String(format: "%.2f", score.score)) はしきい値未満のため事案にしていません（\(why)）。")
        }
    }

    static func show(_ req: Request) async throws -> Response { try await showPage(req) }

    static func showPage(_ req: Request, status: HTTPResponseStatus = .ok, typed: ImpersonationViews.TypedStep? = nil) async throws -> Response {
        let id = try caseId(req)
        let c = try await ImpersonationCaseService.find(req.db, id)
        let steps = try await ImpersonationCaseService.steps(req.db, id)
        let notice = try await c.noticeId.asyncMap { try await Notice.find($0, on: req.db) } ?? nil
        let f = PageFrame(req, title: "なりすまし事案 \(c.handle)")
        let hold = try await LegalHold.find(ImpersonationCaseService.subject(id), on: req.db)
        return Layout.response(ImpersonationViews.show(f, c, steps: steps, notice: notice, ctx: req.koho, hold: hold, typed: typed), status: status)
    }

    struct StepForm: Content {
        var title: String?
        var body: String?
        var text: String?
        var outcome: String?
        var note: String?
    }

    static func step(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let id = try caseId(req)
        // The role first, before the form is read.
        try ImpersonationCaseService.requireChief(req.workflow, user)
        let form = try req.content.decode(StepForm.self)
        let w = req.workflow
        let done: String
        let step = req.parameters.get("step") ?? ""
        do {
            switch step {
            case "warn":
                _ = try await ImpersonationCaseService.publishWarning(w, user, id, title: form.title ?? "", body: form.body ?? "")
                done = "市ホームページの注意喚起を掲載しました。"
            case "takedown":
                _ = try await ImpersonationCaseService.requestTakedown(w, user, id, text: form.text ?? "")
                done = "削除依頼を記録しました。"
            case "press":
                _ = try await ImpersonationCaseService.notifyPress(w, user, id, text: form.text ?? "")
                done = "報道機関への情報提供を記録しました。"
            case "close":
                guard let outcome = ImpersonationCaseOutcome(rawValue: form.outcome ?? "") else {
                    throw AppError.badRequest("終了の理由（削除された・対応不要）を選んでください")
                }
                _ = try await ImpersonationCaseService.close(w, user, id, outcome: outcome, note: form.note ?? "")
                done = "事案を終了しました（\(outcome.displayName)）。"
            default:
                throw AppError.notFound("その操作はありません")
            }
        } catch let e as AppError where [.badRequest, .conflict, .unprocessableEntity].contains(e.status) {
            // The case's page again with the step's form as it was sent; nothing recorded.
            return try await showPage(req, status: e.status, typed: .init(step: step, title: form.title ?? "", body: form.body ?? "",
                                                                          text: form.text ?? "", outcome: form.outcome ?? "",
                                                                          note: form.note ?? "", error: e.message))
        }
        return req.redirect(to: SiteURL.impersonationCase(id).path, notice: done)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
