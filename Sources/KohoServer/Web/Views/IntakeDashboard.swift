import Fluent
import Plot
import Vapor
import KohoCore

/// The dashboard's part for emergencies coming in: drafts made from the city's emergency articles, the agency's
/// alerts, each source's status, and posts disaster mode holds.
enum IntakeDashboard {
    struct Model {
        var held: [PostFields] = []
        var alerts: [Alert] = []
        var sources: [IntakeSourceState] = []
        /// Emergency drafts from the intake that wait for the chief or the staff.
        var waiting: [PostFields] = []
        var configured = false
        /// Items set aside (the chief sees them with their reasons), newest first.
        var setAside: [QuarantinedItem] = []
        var setAsideCount = 0
        /// Background jobs whose rounds have failed, with their last error.
        var jobs: [(name: String, status: Job.Status)] = []
    }

    /// `held` (disaster mode's) and `waiting` (the intake's drafts, newest 20) come with the dashboard's other tables.
    /// `counts`: read with the dashboard's other counts; a section with none is not read.
    static func load(_ req: Request, held: [PostFields], waiting: [PostFields], counts: DashboardCounts) async throws -> Model {
        var m = Model(held: held)
        m.configured = req.application.intake != nil
        if counts.alerts > 0 {
            m.alerts = try await Alert.query(on: req.db).filter(\.$status == "active").sort(\.$createdAt, .descending).limit(20).all()
        }
        if counts.sources > 0 { m.sources = try await IntakeSourceState.query(on: req.db).sort(\.$name).all() }
        m.waiting = waiting
        if req.currentUser?.role == .chief {
            m.setAsideCount = counts.setAside
            if m.setAsideCount > 0 {
                m.setAside = try await QuarantinedItem.query(on: req.db).filter(\.$setAside == true).sort(\.$lastAt, .descending).limit(20).all()
            }
            m.jobs = (req.application.backgroundJobs?.all ?? []).map { (name: $0.name, status: $0.status) }.filter { $0.status.lastError != nil }
        }
        return m
    }

    static func section(_ f: PageFrame, _ m: Model) -> BodyNode {
        .group([
            m.waiting.isEmpty ? .empty : .tag("section", [Attr("class", "warn"), Attr("role", "alert"), Attr("aria-label", "緊急情報から作った下書き")], [
                .tag("h2", [], text: "緊急情報から作った投稿（\(m.waiting.count)件）"),
                .tag("p", [], text: "市の緊急の記事、または気象庁の情報から作りました。承認待ちは課長が承認すると直ちに発信されます。下書きは出典（市の記事）を入れて提出してください。"),
                PostListView.table(m.waiting, policy: f.policy),
            ]),
            m.alerts.isEmpty ? .empty : .tag("section", [Attr("class", "warn"), Attr("aria-label", "気象庁の情報")], [
                .tag("h2", [], text: "気象庁の情報（\(m.alerts.count)件）"),
                .tag("p", [], text: "気象庁の情報はそのまま発信しません（3(4)ア: 市の記事が必要です）。市の記事が出たら下書きの出典に入れて提出してください。"),
                .table(["発表", "情報", "内容", "下書き"], m.alerts.map { a in
                    [.text(a.reportTime), .text(a.title + (a.infoType == "発表" ? "" : "（\(a.infoType)）")), .text(a.summary),
                     .group(IntakeItem.decode(a.draftIDs).map { id in .group([.link(.post(id), "下書き"), .text(" ")]) })]
                }),
            ]),
            m.held.isEmpty ? .empty : .tag("section", [Attr("class", "warn"), Attr("aria-label", "災害モードで保留中の投稿")], [
                .tag("h2", [], text: "災害モードで保留中の投稿（\(m.held.count)件）"),
                PostListView.table(m.held, policy: f.policy),
                .tag("p", [], [.link(.disaster, "災害モードの画面で解除する")]),
            ]),
            m.sources.isEmpty && !m.configured ? .empty : .tag("section", [Attr("aria-label", "緊急情報の取り込み")], [
                .tag("h2", [], text: "緊急情報の取り込み"),
                m.sources.isEmpty ? .tag("p", [], text: "まだ取り込んでいません。") : .table(["取り込み元", "最後の取得", "最後の記事", "最後の誤り"], m.sources.map { s in
                    [.text(sourceLabel(s)), .text(JapaneseTime.show(s.lastFetchAt)),
                     .text(s.lastItemTitle.map { "\($0)（\(JapaneseTime.show(s.lastItemAt))）" } ?? "—"),
                     s.lastError.map { e in .tag("span", [Attr("class", "holiday")], text: "\(e)（\(JapaneseTime.show(s.lastErrorAt))）") } ?? .text("なし")]
                }),
            ]),
            m.setAside.isEmpty ? .empty : .tag("section", [Attr("class", "warn"), Attr("aria-label", "取り込めずに除けた項目")], [
                .tag("h2", [], text: "取り込めずに除けた項目（\(m.setAsideCount)件）"),
                .tag("p", [], text: "読めない・作れない項目は除けて、次の項目の取り込みを続けています。除けた項目は再び読みません（メールは Maildir の cur/ に F の印で残っています）。内容を確かめ、必要なら手で下書きを作ってください。"),
                .table(["取り込み元", "項目", "理由", "日時"], m.setAside.map { q in
                    [.text(sourceLabel(q.source)), .text(q.title == q.key ? q.key : "\(q.title)（\(q.key)）"), .text(q.reason),
                     .text(JapaneseTime.show(q.lastAt))]
                }),
            ]),
            m.jobs.isEmpty ? .empty : .tag("section", [Attr("class", "warn"), Attr("aria-label", "バックグラウンド処理の誤り")], [
                .tag("h2", [], text: "バックグラウンド処理の誤り"),
                .tag("p", [], text: "失敗した処理は間隔を延ばしながらやり直しています。サーバーは動き続けています。"),
                .table(["処理", "状態", "最後の誤り"], m.jobs.map { j in
                    [.text(jobLabel(j.name)),
                     .text(j.status.failures > 0 ? "失敗中（\(j.status.failures)回連続。\(j.status.retryIn.map(secondsText) ?? "")後にやり直します）" : "回復しました"),
                     .text("\(j.status.lastError ?? "")（\(JapaneseTime.show(j.status.lastErrorAt))）")]
                }),
            ]),
        ])
    }

    static func secondsText(_ d: Duration) -> String {
        let s = d.components.seconds
        return s >= 60 ? "\(s / 60)分\(s % 60 == 0 ? "" : "\(s % 60)秒")" : s >= 1 ? "\(s)秒" : "1秒以内"
    }

    static func jobLabel(_ name: String) -> String {
        switch name {
        case "approval-expiry": return "承認期限の処理"
        case "publisher": return "発信"
        case "audit-checkpoint": return "監査記録の確認点"
        case "comment-poller": return "コメントの取得"
        case "comment-actions": return "コメントの非表示・削除の実行"
        case JobName.mail: return "知らせのメール"
        case "intake-website": return "市ホームページの取り込み"
        case "intake-maildir": return "メールマガジンの取り込み"
        case "intake-agency", "intake-agency-long": return "気象庁の情報の取り込み"
        default: return name
        }
    }

    static func sourceLabel(_ s: IntakeSourceState) -> String {
        switch s.kind {
        case "website": return "市ホームページ " + s.name.dropFirst("website:".count)
        case "mail": return "メールマガジン"
        case "agency": return "気象庁 " + s.name.dropFirst("agency:".count)
        case "smtp": return "知らせのメール（SMTP）"
        default: return s.name
        }
    }

    /// A quarantined item's source (`website:URL`, `agency`, `mail`).
    static func sourceLabel(_ source: String) -> String {
        if source.hasPrefix("website:") { return "市ホームページ " + source.dropFirst("website:".count) }
        switch source {
        case "mail": return "メールマガジン"
        case AgencyFeedSource.source: return "気象庁"
        default: return source
        }
    }
}
