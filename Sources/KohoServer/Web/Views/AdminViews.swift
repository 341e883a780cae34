import Plot
import KohoCore

enum AccountsView {
    struct Model {
        let staff: [User]
        /// Nil when the server has no platforms configured.
        var connections: [AccountConnection]? = nil
        var oauthPlatforms: Set<Platform> = []
    }

    static func page(_ f: PageFrame, _ m: Model) -> HTML {
        Layout.page(f, f.policy.accounts.map { a in
            let staff = m.staff.filter { $0.accounts.contains(a.id) }.map(\.name)
            return .tag("section", [], [
                .tag("h2", [], text: "\(a.displayName)（\(a.platform.displayName)）"),
                m.connections.map { ConnectionViews.section(a, $0.first { $0.account == a.id }, f: f, oauthAvailable: m.oauthPlatforms.contains(a.platform)) }
                    ?? .empty,
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
        let count: Int
        let broken: AuditLog.Break?
    }

    static func page(_ f: PageFrame, _ m: Model) -> HTML {
        Layout.page(f, [
            m.broken.map { .tag("p", [Attr("class", "error"), Attr("role", "alert")], text: $0.description) }
                ?? .tag("p", [Attr("class", "notice")], text: "ハッシュの連鎖は全\(m.count)件とも正しくつながっています。"),
            .tag("p", [], [.link(.auditCSV, "CSVで書き出す"), .text("　"), .link(href: "/api/v1/audit", "JSON（API）")]),
            .table(["#", "日時", "誰が", "何を", "対象", "内容", "理由"], m.entries.map { e in
                [.text(String(e.id ?? 0)), .text(JapaneseTime.display(e.at)), .text(e.actor), .text(e.action), .text(e.subject), .text(e.detail), .text(e.reason)]
            }, caption: "新しい順（最大500件）"),
        ])
    }
}

enum PolicyView {
    struct Model {
        let inForce: String
        let versions: [PolicyVersion]
    }

    static func page(_ f: PageFrame, _ m: Model) -> HTML {
        Layout.page(f, [
            .tag("p", [], text: "適用中: \(m.inForce)"),
            .tag("pre", [], text: PolicySummary.text(f.policy)),
            .tag("h2", [], text: "版の履歴"),
            .table(["版", "ポリシーの版", "登録日時", "SHA-256"], m.versions.map { v in
                [.text("第\(v.number)版"), .text(v.version), .text(JapaneseTime.display(v.createdAt)), .tag("code", [], text: v.sha256)]
            }),
        ])
    }
}
