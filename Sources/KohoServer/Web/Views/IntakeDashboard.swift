import Fluent
import Plot
import Vapor
import KohoCore

/// The dashboard's part for emergencies coming in: drafts made from the city's emergency articles, the agency's
/// alerts, each source's status, and posts disaster mode holds.
enum IntakeDashboard {
    struct Model {
        var held: [Post] = []
        var alerts: [Alert] = []
        var sources: [IntakeSourceState] = []
        /// Emergency drafts from the intake that wait for the chief or the staff.
        var waiting: [Post] = []
        var configured = false
    }

    static func load(_ req: Request) async throws -> Model {
        var m = Model(held: try await DisasterModeService.heldPosts(on: req.db))
        m.configured = req.application.intake != nil
        m.alerts = try await Alert.query(on: req.db).filter(\.$status == "active").sort(\.$createdAt, .descending).limit(20).all()
        m.sources = try await IntakeSourceState.query(on: req.db).sort(\.$name).all()
        m.waiting = try await Post.query(on: req.db).filter(\.$authorName == IntakeService.actorName)
            .filter(\.$state ~~ [.draft, .submitted]).sort(\.$createdAt, .descending).limit(20).all()
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
        ])
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
}
