/// The policy written out for people, clause by clause: as an outline that a page lays out, and as plain text.
public enum PolicySummary {
    /// One rule of a platform, such as 返信（3(6)）: 行わない.
    public struct Rule: Sendable {
        public let label: String
        public let clause: String?
        public let value: String
        /// A condition under the rule, such as the reason an exception needs.
        public let note: String?
    }

    public struct CategoryLine: Sendable {
        public let code: String
        public let name: String
        public let clause: String
        /// What the category needs: a published source article (with its domains), the chief's judgement, the emergency exception.
        public let conditions: [String]
    }

    public struct AccountSection: Sendable {
        public let account: Account
        public let categories: [CategoryLine]
    }

    public struct PlatformSection: Sendable {
        public let platform: Platform
        public let rules: [Rule]
        public let accounts: [AccountSection]
    }

    public struct Outline: Sendable {
        public let platforms: [PlatformSection]
        /// Where the deletion grounds apply, as "account clause" pairs, and the grounds.
        public let commentDeletionScope: String?
        public let commentDeletionGrounds: [(number: String, description: String)]
        public let disclaimers: [(clause: String, text: String)]
    }

    public static func outline(_ p: Policy) -> Outline {
        let checker = PolicyChecker(policy: p)
        let platforms = p.platforms.map { rules -> PlatformSection in
            var items = [
                Rule(label: "担当", clause: rules.staffRole.clause, value: rules.staffRole.title, note: nil),
                Rule(label: "運用時間", clause: rules.hoursClause,
                     value: "\(checker.describe(rules.operatingHours))　\(JapaneseTime.zoneName(rules.operatingHours.timeZone))",
                     note: rules.hoursExceptionNeedsReason ? "緊急時等の例外は理由の記録が必要" : nil),
            ]
            let replies: String
            switch rules.replies {
            case .none: replies = "行わない"
            case .correctionOnly: replies = "訂正・釈明が必要な場合に限る"
            case .allowed: replies = "行う"
            }
            items.append(Rule(label: "返信", clause: rules.repliesClause, value: replies, note: nil))
            let quotes: String
            switch rules.quotes {
            case .none: quotes = "行わない"
            case .allowed: quotes = "行う"
            case .allowListed: quotes = "公式と確認できる機関のみ: \(rules.quoteAllowList.map { "@" + $0 }.joined(separator: ", "))"
            }
            items.append(Rule(label: "引用", clause: rules.quotesClause, value: quotes, note: nil))
            if !rules.articleOrigins.isEmpty {
                items.append(Rule(label: "記事の出所", clause: rules.articleOriginsClause ?? "", value: rules.articleOrigins.map(\.name).joined(separator: "、"), note: nil))
            }
            items.append(Rule(label: "停止・削除", clause: rules.suspensionClause,
                              value: rules.suspensionRequiresPublishedReason ? "市ホームページに理由を明示した上で行う" : "理由の明示は不要", note: nil))
            let accounts = p.accounts.filter { $0.platform == rules.platform }.map { a in
                AccountSection(account: a, categories: a.categories.map { c in
                    var conditions: [String] = []
                    if c.sourceArticle == .required { conditions.append("掲載済み記事が必要: \(c.sourceDomains.joined(separator: ", "))") }
                    if c.chiefJudgement { conditions.append("\(p.ownerRole.title)の判断") }
                    if c.emergencyEligible { conditions.append("緊急時は時間外可") }
                    return CategoryLine(code: c.code, name: c.name, clause: c.clause, conditions: conditions)
                })
            }
            return PlatformSection(platform: rules.platform, rules: items, accounts: accounts)
        }
        let deletion = p.commentDeletion
        return Outline(
            platforms: platforms,
            commentDeletionScope: deletion.map { d in p.accounts.compactMap { a in d.clause(for: a).map { "\(a.displayName) \($0)" } }.joined(separator: "、") },
            commentDeletionGrounds: deletion?.grounds.map { ($0.number, $0.description) } ?? [],
            disclaimers: p.disclaimers.map { ($0.clause, $0.text) })
    }

    public static func text(_ p: Policy) -> String {
        let o = outline(p)
        var s = "\(p.title)\n版: \(p.version)　施行: \(JapaneseTime.displayDate(p.effectiveDate))\n"
        s += "\(p.organization.name) \(p.organization.department)　\(p.organization.website)\n"
        s += "管理者: \(p.ownerRole.title)（\(p.ownerRole.clause)）\n"
        for section in o.platforms {
            s += "\n■ \(section.platform.displayName)\n"
            for r in section.rules {
                s += "  \(r.label)（\(r.clause ?? "")）: \(r.value)\n"
                if let note = r.note { s += "    \(note)\n" }
            }
            for a in section.accounts {
                s += "  ● \(a.account.displayName)（\(a.account.handle)）\(a.account.url)　\(a.account.clause)\n"
                for c in a.categories {
                    s += "    \(c.code) \(c.name)［\(c.clause)］" + (c.conditions.isEmpty ? "" : "（\(c.conditions.joined(separator: "／"))）") + "\n"
                }
            }
        }
        if let scope = o.commentDeletionScope {
            s += "\n■ コメントの削除（\(scope)）\n"
            for g in o.commentDeletionGrounds { s += "  \(g.number) \(g.description)\n" }
        }
        if let areas = p.emergencyAreas {
            s += "\n■ 緊急情報（気象庁防災情報XML）\n  市町村コード: \(areas.municipality)"
                + (areas.earthquakeRegion.map { "　地震の地域: \($0)" } ?? "") + "\n"
            s += "  災害モード: " + (p.disasterModeAt.map { "市に\($0.description)の情報が出たら、すべてのアカウントで開始（終えるのは課長）" }
                ?? "課長が切り替える") + "\n"
        }
        if !p.records.keepsEverything {
            s += "\n■ 記録の保存期間（訴訟ホールド中のものは期間を過ぎても残す）\n"
            s += "  コメント: \(p.records.commentsKeptFor.map { "受信から\($0.japanese)" } ?? "無期限")\n"
            s += "  発信・コメントへの操作の試行: \(p.records.attemptsKeptFor.map { "開始から\($0.japanese)" } ?? "無期限")\n"
        }
        if !o.disclaimers.isEmpty {
            s += "\n■ その他・免責\n"
            for d in o.disclaimers { s += "  \(d.clause) \(d.text)\n" }
        }
        return s
    }
}
