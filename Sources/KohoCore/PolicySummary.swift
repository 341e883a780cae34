/// The policy written out for people, clause by clause.
public enum PolicySummary {
    public static func text(_ p: Policy) -> String {
        let checker = PolicyChecker(policy: p)
        var s = "\(p.title)\n版: \(p.version)　施行: \(JapaneseTime.displayDate(p.effectiveDate))\n"
        s += "\(p.organization.name) \(p.organization.department)　\(p.organization.website)\n"
        s += "管理者: \(p.ownerRole.title)（\(p.ownerRole.clause)）\n"
        for rules in p.platforms {
            s += "\n■ \(rules.platform.displayName)\n"
            s += "  担当: \(rules.staffRole.title)（\(rules.staffRole.clause)）\n"
            s += "  運用時間（\(rules.hoursClause)）: \(checker.describe(rules.operatingHours))　\(rules.operatingHours.timeZone.identifier)\n"
            if rules.hoursExceptionNeedsReason { s += "    緊急時等の例外は理由の記録が必要\n" }
            let replies: String
            switch rules.replies {
            case .none: replies = "行わない"
            case .correctionOnly: replies = "訂正・釈明が必要な場合に限る"
            case .allowed: replies = "行う"
            }
            s += "  返信（\(rules.repliesClause)）: \(replies)\n"
            switch rules.quotes {
            case .none: s += "  引用（\(rules.quotesClause)）: 行わない\n"
            case .allowed: s += "  引用（\(rules.quotesClause)）: 行う\n"
            case .allowListed: s += "  引用（\(rules.quotesClause)）: 公式と確認できる機関のみ: \(rules.quoteAllowList.map { "@" + $0 }.joined(separator: ", "))\n"
            }
            if !rules.articleOrigins.isEmpty {
                s += "  記事の出所（\(rules.articleOriginsClause ?? "")）: \(rules.articleOrigins.map(\.name).joined(separator: "、"))\n"
            }
            s += "  停止・削除（\(rules.suspensionClause)）: " + (rules.suspensionRequiresPublishedReason ? "市ホームページに理由を明示した上で行う\n" : "理由の明示は不要\n")
            for a in p.accounts where a.platform == rules.platform {
                s += "  ● \(a.displayName)（\(a.handle)）\(a.url)　\(a.clause)\n"
                for c in a.categories {
                    var marks: [String] = []
                    if c.sourceArticle == .required { marks.append("掲載済み記事が必要: \(c.sourceDomains.joined(separator: ", "))") }
                    if c.chiefJudgement { marks.append("\(p.ownerRole.title)の判断") }
                    if c.emergencyEligible { marks.append("緊急時は時間外可") }
                    s += "    \(c.code) \(c.name)［\(c.clause)］" + (marks.isEmpty ? "" : "（\(marks.joined(separator: "／"))）") + "\n"
                }
            }
        }
        if let d = p.commentDeletion {
            let where_ = p.accounts.compactMap { a in d.clause(for: a).map { "\(a.displayName) \($0)" } }.joined(separator: "、")
            s += "\n■ コメントの削除（\(where_)）\n"
            for g in d.grounds { s += "  \(g.number) \(g.description)\n" }
        }
        if !p.disclaimers.isEmpty {
            s += "\n■ その他・免責\n"
            for d in p.disclaimers { s += "  \(d.clause) \(d.text)\n" }
        }
        return s
    }
}
