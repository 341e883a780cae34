import Fluent
import KohoCore
import Plot
import Vapor

/// The flood alarm on the chief's dashboard, with the procedure of 4(9)/5(9) as two steps in order: the reason
/// published on the city website (a suspension notice), then the account suspended (which `SuspensionService`
/// refuses without that live notice).
enum AlarmController {
    static func register(_ site: RoutesBuilder) {
        site.post(SiteURL.commentAlarmStep(.any, "").route, use: step)
    }

    struct Entry {
        let alarm: CommentAlarm
        let account: Account?
        let notice: Notice?
        let suspended: Bool
    }

    static func load(_ req: Request) async throws -> [Entry] {
        let raised = try await FloodAlarm.open(req.db)
        guard !raised.isEmpty else { return [] }
        // The page's middleware has read the suspensions already.
        var suspended = req.storage[SuspendedAccounts.self] ?? [:]
        if req.storage[SuspendedAccounts.self] == nil { suspended = try await SuspensionService.current(req.db) }
        var out: [Entry] = []
        for a in raised {
            out.append(Entry(alarm: a, account: req.koho.policy.account(a.account), notice: try await FloodAlarm.reasonPublished(req.db, a),
                             suspended: suspended[a.account] != nil))
        }
        return out
    }

    struct NoticeForm: Content {
        var title: String?
        var body: String?
    }

    static func step(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard Permissions.mayDecide(user.person) else {
            throw AppError.forbidden("停止の理由の掲載とアカウントの停止は\(req.koho.policy.ownerRole.title)だけが行えます")
        }
        guard let raw = req.parameters.get("id"), let id = UUID(uuidString: raw), let alarm = try await CommentAlarm.find(id, on: req.db) else {
            throw AppError.notFound("警報が見つかりません")
        }
        let w = req.workflow
        switch req.parameters.get("step") ?? "" {
        case "notice":
            let form = try req.content.decode(NoticeForm.self)
            let draft: Notice
            do {
                draft = try await NoticeService.create(w, user, .init(kind: .suspension, account: alarm.account, title: form.title ?? "",
                                                                      body: form.body ?? "", about: "comment-alarm:\(id.uuidString.lowercased())"))
            } catch let e as AppError where e.status == .badRequest {
                // The dashboard again, the alarm's notice as it was typed and the reason beside it; nothing saved.
                return try await DashboardController.page(req, status: .badRequest,
                                                          alarmTyped: .init(alarm: id, title: form.title ?? "", body: form.body ?? "", error: e.message))
            }
            let live = try await NoticeService.publish(w, user, draft.id!, expectedVersion: draft.lockVersion)
            return req.redirect(to: SiteURL.dashboard.path,
                                notice: "停止の理由を市ホームページに掲載しました（\(SuspensionService.publicURL(of: live, req.koho))）。次にアカウントを停止できます。")
        case "suspend":
            guard let notice = try await FloodAlarm.reasonPublished(req.db, alarm) else {
                let clause = req.koho.policy.account(alarm.account).flatMap { req.koho.policy.rules(for: $0.platform)?.suspensionClause } ?? ""
                return req.redirect(to: SiteURL.dashboard.path, notice: "【\(clause)】先に停止の理由を市ホームページに掲載してください。")
            }
            try await SuspensionService.apply(w, user, account: alarm.account, action: .suspend, noticeID: notice.id)
            return req.redirect(to: SiteURL.dashboard.path, notice: "アカウントを停止しました。予約投稿は保留されます。")
        default:
            throw AppError.notFound("その操作はありません")
        }
    }

    /// The chief's section of the dashboard: every open alarm with its figures and the next step.
    /// The notice form of an alarm as it was sent, when it was refused.
    struct Typed {
        var alarm: UUID
        var title: String
        var body: String
        var error: String
    }

    static func section(_ f: PageFrame, _ entries: [Entry], windowMinutes: Int, typed: Typed? = nil) -> BodyNode {
        guard !entries.isEmpty, f.user?.role == .chief else { return .empty }
        return .tag("section", [Attr("class", "disaster"), Attr("role", "alert"), Attr("aria-labelledby", "s-alarm")], [
            .tag("h2", [Attr("id", "s-alarm")], text: "コメントの警報（\(entries.count)件）"),
        ] + entries.enumerated().map { (n, e) -> BodyNode in
            let a = e.alarm
            let name = e.account.map(PlatformLabel.text) ?? a.account
            let (clause, steps) = CommentAlarmsAPI.procedure(f.policy, account: e.account)
            var first: [BodyNode] = [.text(steps[0])]
            if let notice = e.notice {
                first.append(.text(" — 掲載済み: 「\(notice.title)」"))
            } else if let account = e.account {
                let draft = FloodAlarm.noticeDraft(a, account: account, policy: f.policy)
                let mine = typed.flatMap { $0.alarm == a.id ? $0 : nil }
                let onTitle = mine.map { $0.error.contains("題名") } ?? false
                first.append(.formError(mine.map { "掲載できませんでした: \($0.error)" }))
                first.append(.postForm(SiteURL.commentAlarmStep(a.id!, "notice").path, csrf: f.csrf, [
                    .field("お知らせの題名", name: "title", value: mine?.title ?? draft.title, required: true, id: "alarm-title-\(n)",
                           error: onTitle ? mine?.error : nil),
                    .textArea("お知らせの本文（停止の理由）", name: "body", value: mine?.body ?? draft.body, rows: 5, id: "alarm-body-\(n)",
                              error: onTitle ? nil : mine?.error),
                    .button("理由を市ホームページに掲載する", kind: .primary),
                ]))
            }
            var second: [BodyNode] = [.text(steps[1])]
            if e.suspended {
                second.append(.text(" — 停止中です。"))
            } else if e.notice != nil {
                second.append(.postForm(SiteURL.commentAlarmStep(a.id!, "suspend").path, csrf: f.csrf, [.button("\(name)を停止する", kind: .danger)]))
            } else {
                second.append(.text(" — 理由の掲載の後に停止できます。"))
            }
            return .tag("div", [], [
                .tag("h3", [], text: "\(name): \(a.reason.displayName)（\(clause)）"),
                .tag("p", [], text: "直近\(windowMinutes)分のコメント \(a.inWindow)件（通常は\(String(format: "%.1f", a.usualPerWindow))件）、誤解を与えるおそれ \(a.misleadingInWindow)件。\(JapaneseTime.staff(a.raisedAt))から。急増が収まると警報は自動で解除されます。"),
                .tag("p", [], [.tag("a", [Attr("href", SiteURL.comments.path + "?account=\(a.account)")], text: "このアカウントのコメントを開く（まとめて決定できます）")]),
                .tag("ol", [], [.tag("li", [], first), .tag("li", [], second)]),
            ])
        })
    }
}
