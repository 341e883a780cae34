import Foundation

/// An emergency article of the city (website or mail magazine), as a source found it.
public struct EmergencyArticle: Sendable, Equatable {
    /// `website` or `mail`.
    public var origin: String
    public var title: String
    public var summary: String
    public var link: String?
    /// The categories the source's articles belong to (`ア`, `①`).
    public var categories: [String]

    public init(origin: String, title: String, summary: String, link: String?, categories: [String]) {
        self.origin = origin
        self.title = title
        self.summary = summary
        self.link = link
        self.categories = categories
    }
}

/// The emergency drafts made from a city article or an agency report: which accounts and categories get one, and
/// what each says. Pure: the policy and the source's words in, the planned actions out.
public enum EmergencyDrafts {
    public struct Target: Sendable, Equatable {
        public let account: Account
        public let category: Category
    }

    /// The one choice of where emergency drafts go: every account but YouTube's (a video needs a person), in the first
    /// of `categories` that is emergency-eligible there. With `orArticleCategory`, an account none of them fits gets
    /// its first emergency-eligible category that needs the city's article (ア, 3(4)): an agency report is drafted
    /// to wait for that article.
    public static func targets(categories: [String], policy: Policy, orArticleCategory: Bool = false) -> [Target] {
        policy.accounts.compactMap { account in
            guard account.platform != .youtube else { return nil }
            let chosen = categories.lazy.compactMap { account.category($0) }.first { $0.emergencyEligible }
                ?? (orArticleCategory ? account.categories.first { $0.emergencyEligible && $0.sourceArticle == .required } : nil)
            return chosen.map { Target(account: account, category: $0) }
        }
    }

    /// One draft per target for a city article, its link as the source.
    public static func forArticle(_ article: EmergencyArticle, policy: Policy) -> [PlannedAction] {
        let origin = article.origin == "mail" ? "メールマガジン" : "市ホームページ"
        let reason = "\(origin)の緊急情報「\(String(article.title.prefix(80)))」"
        return targets(categories: article.categories, policy: policy).map { t in
            let text = EmergencyDraftText.article(title: article.title, summary: article.summary, platform: t.account.platform,
                                                  hasLink: article.link != nil)
            return PlannedAction(account: t.account.id, kind: .post, category: t.category.code, text: text, sourceURL: article.link,
                                 emergency: true, emergencyReason: reason, articleOrigin: articleOrigin(t.account))
        }
    }

    /// One draft per target for an agency report that concerns the city: it names the message and its time, and has
    /// no source yet (the city's article is added before it can be submitted).
    public static func forAgencyReport(title: String, reportDateTime: String, summary: String, categories: [String],
                                       policy: Policy) -> [PlannedAction] {
        targets(categories: categories, policy: policy, orArticleCategory: true).map { t in
            PlannedAction(account: t.account.id, kind: .post, category: t.category.code,
                          text: EmergencyDraftText.agencyReport(title: title, reportDateTime: reportDateTime, summary: summary,
                                                                platform: t.account.platform),
                          emergency: true, emergencyReason: "気象庁「\(title)」（\(EmergencyDraftText.spokenTime(reportDateTime))）",
                          articleOrigin: articleOrigin(t.account))
        }
    }

    /// Facebook posts say where their article comes from (4(5)); the intake's come from the city website.
    private static func articleOrigin(_ account: Account) -> String? {
        account.platform == .facebook ? "website" : nil
    }
}
