import Plot
import KohoCore

enum AccountsView {
    struct Model {
        let staff: [User]
        /// Nil when the server has no platforms configured.
        var connections: [AccountConnection]? = nil
        var oauthPlatforms: Set<Platform> = []
        var profiles: [String: ProfileCheckRecord] = [:]
        /// A connection refused: the account, the page ID typed and why (the token itself is never sent back).
        var refusedConnection: (account: String, pageID: String, error: String)?
    }

    static func page(_ f: PageFrame, _ m: Model) -> HTML {
        Layout.page(f, f.policy.accounts.map { a in
            let staff = m.staff.filter { $0.accounts.contains(a.id) }.map(\.name)
            return .tag("section", [], [
                .tag("h2", [], text: "\(a.displayName)（\(a.platform.displayName)）"),
                m.connections.map { ConnectionViews.section(a, $0.first { $0.account == a.id }, f: f, oauthAvailable: m.oauthPlatforms.contains(a.platform),
                                                            refused: m.refusedConnection.flatMap { $0.account == a.id ? ($0.pageID, $0.error) : nil }) }
                    ?? .empty,
                ProfileCheckViews.section(a, m.profiles[a.id], policy: f.policy),
                .tag("p", [], [.text("\(a.handle)　"), .link(href: a.url, a.url), .text("　［\(a.clause)］")]),
                .tag("p", [], text: "担当者: " + (staff.isEmpty ? "（なし）" : staff.joined(separator: "、"))),
                .table(["区分", "名称", "内容", "条項"], a.categories.map { c in
                    [.text(c.code), .text(c.name + (c.chiefJudgement ? "（\(f.policy.ownerRole.title)の判断）" : "")), .text(c.description), .text(c.clause)]
                }),
            ])
        })
    }
}

enum AuditView {
    struct Model {
        let entries: [AuditEntry]
        let verification: AuditLog.Verification
        let unreadable: [AuditLog.Break]
        let checkpoints: Int
        var filter = AdminController.AuditFilter()
        var total = 0
        var posts: [String: Post] = [:]
        /// The query of the next (older) page, if any.
        var next: String?
        /// The query of the page before (newer), if any.
        var previous: String?
    }

    static func filterForm(_ f: AdminController.AuditFilter) -> BodyNode {
        // Every kind Koho records, by its words; the code stays in the option's value.
        let actions: [(value: String, label: String)] = AuditWords.actions.sorted { $0.value < $1.value }.map { (k, v) in (k, v) }
        return .tag("form", [Attr("method", "get"), Attr("action", SiteURL.audit.path), Attr("aria-label", "監査記録の絞り込み")], [
            .field("誰が（名前）", name: "actor", value: f.actor ?? ""),
            .selectField("何を", name: "action", options: [("", "すべて")] + actions, selected: f.action ?? ""),
            .field("いつから（日付）", name: "from", value: f.from ?? "", type: "date"),
            .field("いつまで（日付）", name: "to", value: f.to ?? "", type: "date"),
            .field("言葉で探す（対象・内容・理由・操作・投稿の本文）", name: "q", value: f.q ?? "", type: "search"),
            .button("絞り込む"),
        ])
    }

    static func page(_ f: PageFrame, _ m: Model) -> HTML {
        let breaks = m.unreadable + m.verification.breaks
        var content: [BodyNode] = []
        if breaks.isEmpty {
            content.append(.tag("p", [Attr("class", "notice")],
                                text: "ハッシュの連鎖は全\(m.verification.count)件とも正しくつながっています（チェックポイント\(m.checkpoints)件と照合）。"))
        } else {
            content.append(.tag("div", [Attr("class", "error"), Attr("role", "alert")], breaks.map { BodyNode.tag("p", [], text: $0.description) }))
        }
        // The first 12 digits to read; the whole value, to compare with a copy kept elsewhere, one click away.
        content.append(.tag("p", [], [.text("先頭のハッシュ: "), .tag("code", [Attr("class", "hash"), Attr("title", m.verification.headHash)],
                                                                 text: String(m.verification.headHash.prefix(12)) + "…")]))
        content.append(.tag("details", [], [.tag("summary", [], text: "先頭のハッシュの全体（外部に控えた値と照合するとき）"),
                                            .tag("code", [Attr("class", "hash")], text: m.verification.headHash)]))
        let csv: BodyNode = m.filter.isEmpty ? .link(.auditCSV, "CSVで書き出す（すべて）")
            : .link(href: SiteURL.auditCSV.path + "?" + m.filter.queryString(), "CSVで書き出す（この絞り込みの\(m.total)件）")
        content.append(.tag("p", [], [csv, .text("　"), .link(href: "/api/v1/audit", "JSON（API）")]))
        content.append(filterForm(m.filter))
        let shown = m.total > m.entries.count ? "（新しい順に\(m.entries.count)件を表示）" : ""
        content.append(.tag("p", [Attr("role", "status")], text: "\(m.total)件" + shown))
        if m.entries.isEmpty {
            content.append(.tag("p", [], text: "該当する記録はありません。"))
        } else {
            let rows: [[BodyNode]] = m.entries.map { (e: AuditEntry) -> [BodyNode] in
                [.text(String(e.id ?? 0)), .text(JapaneseTime.staff(e.at)), .text(e.actor), AuditWords.actionNode(e.action),
                 AuditWords.subject(e.subject, posts: m.posts, policy: f.policy), AuditWords.detail(e.detail, action: e.action), AuditWords.hashesCut(e.reason)]
            }
            content.append(.table(["#", "日時", "誰が", "何を", "対象", "内容", "理由"], rows, caption: "新しい順"))
        }
        let paging: [BodyNode] = [
            m.previous.map { BodyNode.link(href: SiteURL.audit.path + "?" + $0, "← 新しい記録") },
            m.next.map { BodyNode.link(href: SiteURL.audit.path + "?" + $0, "さらに古い記録 →") },
        ].compactMap { $0 }
        if !paging.isEmpty { content.append(.tag("nav", [Attr("aria-label", "監査記録のページ")], [.tag("p", [], paging.flatMap { [$0, .text("　")] })])) }
        return Layout.page(f, content)
    }
}

enum PolicyView {
    struct Model {
        let inForce: String
        let versions: [PolicyVersion]
    }

    static func page(_ f: PageFrame, _ m: Model) -> HTML {
        let p = f.policy, o = PolicySummary.outline(p)
        var content: [BodyNode] = [
            .tag("p", [], text: "適用中: \(m.inForce)"),
            .tag("dl", [], [
                .tag("dt", [], text: "名称"), .tag("dd", [], text: p.title),
                .tag("dt", [], text: "版・施行日"), .tag("dd", [], text: "\(p.version)（\(JapaneseTime.wareki(p.effectiveDate))〔\(p.effectiveDate.year)年〕施行）"),
                .tag("dt", [], text: "所管"), .tag("dd", [], text: "\(p.organization.name) \(p.organization.department)"),
                .tag("dt", [], text: "管理者"), .tag("dd", [], text: "\(p.ownerRole.title)［\(p.ownerRole.clause)］"),
            ]),
        ]
        for section in o.platforms {
            content.append(.tag("h2", [], text: section.platform.displayName))
            content.append(.tag("dl", [], section.rules.flatMap { r -> [BodyNode] in
                [.tag("dt", [], text: r.label + (r.clause.map { "［\($0)］" } ?? "")),
                 .tag("dd", [], [.text(r.value), r.note.map { .tag("small", [], text: "（\($0)）") } ?? .empty])]
            }))
            for a in section.accounts {
                content.append(.tag("h3", [], text: "\(a.account.displayName)（\(a.account.handle)）［\(a.account.clause)］"))
                content.append(.tag("p", [], [.tag("a", [Attr("href", a.account.url)], text: a.account.url)]))
                content.append(.table(["区分", "内容", "項", "条件"], a.categories.map { c in
                    [.text(c.code), .text(c.name), .text(c.clause), .text(c.conditions.isEmpty ? "—" : c.conditions.joined(separator: "／"))]
                }, caption: "\(a.account.displayName)で発信する内容の区分"))
            }
        }
        if let scope = o.commentDeletionScope {
            content.append(.tag("h2", [], text: "コメントを削除できる場合"))
            content.append(.tag("p", [], text: "適用: \(scope)"))
            content.append(.tag("dl", [], o.commentDeletionGrounds.flatMap { g -> [BodyNode] in
                [.tag("dt", [], text: g.number), .tag("dd", [], text: g.description)]
            }))
        }
        if !o.disclaimers.isEmpty {
            content.append(.tag("h2", [], text: "その他・免責"))
            content.append(.tag("dl", [], o.disclaimers.flatMap { d -> [BodyNode] in
                [.tag("dt", [], text: d.clause), .tag("dd", [], text: d.text)]
            }))
        }
        return Layout.page(f, content + [
            .tag("h2", [], text: "版の履歴"),
            .table(["版", "ポリシーの版", "登録日時", "SHA-256"], m.versions.map { v in
                [.text("第\(v.number)版"), .text(v.version), .text(JapaneseTime.staff(v.createdAt)), .tag("code", [Attr("title", v.sha256)], text: String(v.sha256.prefix(12)) + "…")]
            }),
        ])
    }
}
