import Foundation
import Plot
import KohoCore

/// Everything the public pages are generated from: the policy in force, its earlier versions, the published notices,
/// the suspended accounts and what the profile checks last saw. Nothing else: the same data makes the same pages,
/// served under `/public/` or written as files.
package struct PublicSiteData {
    package struct Version {
        let number: Int
        let version: String
        let effectiveDate: CivilDate?
        let registeredAt: Date
        /// What changed from the version before, line by line of the policy's summary ("追加: …", "削除: …").
        let changes: [String]
    }

    /// What the last profile check read for an account (2: 3(2), 4(3), 5(3)).
    package struct Profile {
        let checkedAt: Date
        /// X's verification; nil where the platform has none or it could not be read.
        let verified: Bool?
        /// The about/website field links to the city's page about the account; nil where not read.
        let linksToCityPage: Bool?
    }

    let policy: Policy
    /// Newest first; the first one is in force.
    package let versions: [Version]
    /// Published, newest first.
    package let notices: [Notice]
    package let suspensions: [String: AccountSuspension]
    package let profiles: [String: Profile]
    package let generatedAt: Date
    /// Where the city website shows the exported pages (ends in `/`): the feed's ids and links use it.
    package let siteURL: String

    package init(policy: Policy, versions: [Version], notices: [Notice], suspensions: [String: AccountSuspension],
                 profiles: [String: Profile], generatedAt: Date, siteURL: String) {
        self.policy = policy
        self.versions = versions
        self.notices = notices
        self.suspensions = suspensions
        self.profiles = profiles
        self.generatedAt = generatedAt
        self.siteURL = siteURL
    }
}

/// One public page: where it is, and how its links are written.
enum PublicPage: Hashable {
    case index, accounts, accountsJSON, policy, rules, disclaimer, notices, noticesJSON, notice(String), feed, css

    /// Served (`/public/…`, absolute paths) or exported (files, relative links).
    enum Mode { case served, exported }

    var file: String {
        switch self {
        case .index: return "index.html"
        case .accounts: return "accounts.html"
        case .accountsJSON: return "accounts.json"
        case .policy: return "policy.html"
        case .rules: return "policy-rules.html"
        case .disclaimer: return "disclaimer.html"
        case .notices: return "notices.html"
        case .noticesJSON: return "notices.json"
        case .notice(let name): return "notices/\(name).html"
        case .feed: return "notices.atom"
        case .css: return "style.css"
        }
    }

    var servedPath: String {
        switch self {
        case .index: return "/public/"
        case .accounts: return "/public/accounts"
        case .accountsJSON: return "/public/accounts.json"
        case .policy: return "/public/policy"
        case .rules: return "/public/policy/rules"
        case .disclaimer: return "/public/disclaimer"
        case .notices: return "/public/notices"
        case .noticesJSON: return "/public/notices.json"
        case .notice(let name): return "/public/notices/\(name)"
        case .feed: return "/public/notices.atom"
        case .css: return "/public/style.css"
        }
    }

    /// The link from `self` to `target`.
    func href(to target: PublicPage, _ mode: Mode) -> String {
        guard mode == .exported else { return target.servedPath }
        if case .notice = self { return "../" + target.file }
        return target.file
    }

    var contentType: String {
        switch self {
        case .accountsJSON, .noticesJSON: return "application/json; charset=utf-8"
        case .feed: return "application/atom+xml; charset=utf-8"
        case .css: return "text/css; charset=utf-8"
        default: return "text/html; charset=utf-8"
        }
    }
}

/// The public pages' HTML, CSS, JSON and Atom, on a layout of their own (no staff menu, no script, one CSS file).
enum PublicRenderer {
    /// Every page of the site, for the export.
    static func all(_ d: PublicSiteData, _ mode: PublicPage.Mode) throws -> [(PublicPage, Data)] {
        var pages: [PublicPage] = [.index, .accounts, .accountsJSON, .policy, .rules, .disclaimer, .notices, .noticesJSON, .feed, .css]
        pages += d.notices.map { PublicPage.notice($0.publicName) }
        return try pages.map { ($0, try render($0, d, mode)) }
    }

    static func render(_ page: PublicPage, _ d: PublicSiteData, _ mode: PublicPage.Mode) throws -> Data {
        let c = Context(page: page, mode: mode, data: d)
        switch page {
        case .index: return html(c, title: "\(d.policy.organization.name)の公式ソーシャルメディア", index(c))
        case .accounts: return html(c, title: "公式アカウントの一覧", accounts(c))
        case .policy: return html(c, title: d.policy.title, policyDocument(c))
        case .rules: return html(c, title: "運用のきまり（\(d.policy.title)の要点）", policy(c))
        case .disclaimer: return html(c, title: "免責事項", disclaimer(c))
        case .notices: return html(c, title: "お知らせ（なりすましへの注意・アカウントの停止）", noticeList(c))
        case .notice(let name):
            guard let n = d.notices.first(where: { $0.publicName == name }) else { throw PublicPageNotFound() }
            return html(c, title: n.title, notice(c, n))
        case .accountsJSON: return try PublicJSON.encode(accountsJSON(c))
        case .noticesJSON: return try PublicJSON.encode(d.notices.map { PublicNoticeDTO($0, policy: d.policy, url: c.href(.notice($0.publicName))) })
        case .feed: return Data(feed(d).utf8)
        case .css: return Data(css.utf8)
        }
    }

    struct Context {
        let page: PublicPage
        let mode: PublicPage.Mode
        let data: PublicSiteData
        var policy: Policy { data.policy }
        func href(_ to: PublicPage) -> String { page.href(to: to, mode) }
        func link(_ to: PublicPage, _ text: String) -> BodyNode { .tag("a", [Attr("href", href(to))], text: text) }
    }

    // MARK: - Dates

    /// `令和8年（2026年）12月2日（水）`: the era, the Western year beside it, and the weekday.
    static func date(_ instant: Date) -> String { date(JapaneseTime.localDate(instant)) }

    static func date(_ d: CivilDate) -> String {
        guard let era = JapaneseTime.eraYear(d) else { return JapaneseTime.displayDate(d) }
        return "\(era)（\(d.year)年）\(d.month)月\(d.day)日（\(JapaneseTime.weekdayKanji[d.weekday])）"
    }

    static func time(_ instant: Date) -> BodyNode {
        .tag("time", [Attr("datetime", JapaneseTime.iso8601(instant))], text: date(instant))
    }

    // MARK: - Layout

    /// A page at a notice's old address (by id) in the export, moving the browser to `target` beside it.
    static func movedPage(to target: String, title: String) -> Data {
        let doc = HTML(
            .lang(.japanese),
            .head(
                .meta(.charset(.utf8)),
                .element(named: "title", nodes: [.text(title)]),
                .selfClosedElement(named: "meta", attributes: [Attribute<HTML.HeadContext>(name: "http-equiv", value: "refresh"),
                                                               Attribute(name: "content", value: escapeAttribute("0; url=\(target)"))]),
                .selfClosedElement(named: "link", attributes: [Attribute<HTML.HeadContext>(name: "rel", value: "canonical"),
                                                               Attribute(name: "href", value: escapeAttribute(target))])
            ),
            .body(.tag("main", [], [.tag("p", [], [.text("このお知らせは次の場所に移りました: "), .tag("a", [Attr("href", target)], text: title)])]))
        )
        return Data(doc.render().utf8)
    }

    static func html(_ c: Context, title: String, _ content: [BodyNode]) -> Data {
        let org = c.policy.organization
        let nav: [(PublicPage, String)] = [(.index, "トップ"), (.accounts, "公式アカウント"), (.policy, "運用ポリシー"),
                                           (.rules, "運用のきまり"), (.notices, "お知らせ"), (.disclaimer, "免責事項")]
        let doc = HTML(
            .lang(.japanese),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                .element(named: "title", nodes: [.text("\(title)｜\(org.name)")]),
                .selfClosedElement(named: "link", attributes: [Attribute<HTML.HeadContext>(name: "rel", value: "stylesheet"),
                                                               Attribute(name: "href", value: escapeAttribute(c.href(.css)))]),
                .selfClosedElement(named: "link", attributes: [Attribute<HTML.HeadContext>(name: "rel", value: "alternate"),
                                                               Attribute(name: "type", value: "application/atom+xml"),
                                                               Attribute(name: "title", value: escapeAttribute("\(org.name) ソーシャルメディアのお知らせ")),
                                                               Attribute(name: "href", value: escapeAttribute(c.href(.feed)))])
            ),
            .body(
                .tag("a", [Attr("class", "skip"), Attr("href", "#main")], text: "本文へ移動"),
                .tag("header", [], [
                    .tag("p", [Attr("class", "site")], text: "\(org.name) 公式ソーシャルメディア"),
                    .tag("nav", [Attr("aria-label", "公開ページ")], [
                        .tag("ul", [], nav.map { item in
                            .tag("li", [], [.tag("a", [Attr("href", c.href(item.0))] + (item.0 == c.page ? [Attr("aria-current", "page")] : []),
                                                 text: item.1)])
                        }),
                    ]),
                ]),
                .tag("main", [Attr("id", "main"), Attr("tabindex", "-1")], [.tag("h1", [], text: title)] + content),
                .tag("footer", [], [
                    .tag("p", [], [.text("\(org.name) \(org.department)　"),
                                   .tag("a", [Attr("href", org.website)], text: "\(org.name)ホームページ（\(org.website)）")]),
                    .tag("p", [], [.text("このページは\(c.policy.title)（\(JapaneseTime.wareki(c.policy.effectiveDate))施行）から作成しています。作成日: "), time(c.data.generatedAt)]),
                ])
            )
        )
        return Data(HTMLEscaping.showingBidiControls(doc.render()).utf8)
    }

    static let css = """
    html{font-size:100%}
    body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:0;line-height:1.8;color:#1a1a1a;background:#fff;overflow-wrap:anywhere}
    a{color:#0645ad;text-decoration:underline}a:visited{color:#5a2d91}
    :focus{outline:3px solid #b35900;outline-offset:2px}
    .skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;background:#fff;color:#0645ad;padding:4px 8px;z-index:9}
    header{background:#0b4f8a;color:#fff;padding:8px 16px}header a,header a:visited{color:#fff}
    header .site{margin:0;font-weight:bold}
    nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:4px 16px;margin:4px 0 0;padding:0}
    nav a[aria-current]{font-weight:bold;border-bottom:3px solid #fff}
    main{padding:16px;max-width:50em}
    footer{border-top:1px solid #767676;padding:8px 16px;font-size:.9rem}
    h1{font-size:1.6rem;line-height:1.4}h2{font-size:1.3rem;margin-top:2em;border-bottom:2px solid #0b4f8a}h3{font-size:1.1rem}
    dt{font-weight:bold}dd{margin:0 0 8px 1.5em}
    .clause{font-weight:normal;white-space:nowrap}
    .status{border:2px solid #1a1a1a;padding:8px}.status.suspended{border-color:#b00020;background:#fdecee}
    .table-wrap{overflow-x:auto}
    table{border-collapse:collapse}td,th{border:1px solid #767676;padding:4px 8px;vertical-align:top;text-align:left}
    .notice-body p{margin:0 0 1em}
    ul.notices{padding-left:1.2em}ul.notices li{margin-bottom:8px}
    @media (max-width:480px){main{padding:8px}dd{margin-left:.5em}}
    """

    // MARK: - Pages

    static func index(_ c: Context) -> [BodyNode] {
        let p = c.policy
        let verificationClauses = p.platforms.compactMap(\.verificationClause).joined(separator: "、")
        return [
            .tag("p", [], text: "\(p.organization.name)がソーシャルメディアで情報を発信しているアカウントと、その運用のきまりを掲載しています。"
                 + "ここに掲載していないアカウントは\(p.organization.name)のものではありません" + (verificationClauses.isEmpty ? "。" : "（\(verificationClauses)）。")),
            .tag("ul", [], [
                .tag("li", [], [c.link(.accounts, "公式アカウントの一覧（運営主体、アカウント名、発信する内容と方法）")]),
                .tag("li", [], [c.link(.policy, "\(p.title)の全文と改定の履歴")]),
                .tag("li", [], [c.link(.notices, "お知らせ: なりすましアカウントへの注意とアカウントの停止")]),
                .tag("li", [], [c.link(.disclaimer, "免責事項")]),
            ]),
            .tag("h2", [], text: "新しいお知らせ"),
            noticeItems(c, Array(c.data.notices.prefix(5))),
            .tag("h2", [], text: "機械で読める形式"),
            .tag("ul", [], [
                .tag("li", [], [c.link(.feed, "お知らせのAtomフィード（更新の通知を受け取る）")]),
                .tag("li", [], [c.link(.accountsJSON, "公式アカウントの一覧（JSON形式）")]),
                .tag("li", [], [c.link(.noticesJSON, "お知らせの一覧（JSON形式）")]),
            ]),
        ]
    }

    static func accountAnchor(_ a: Account) -> String {
        "account-" + a.id.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? String($0) : "-" }.joined()
    }

    static func handleLabel(_ platform: Platform) -> String {
        switch platform {
        case .x: return "ユーザー名"
        case .facebook: return "アカウント（ページのユーザー名）"
        case .youtube: return "チャンネルID"
        }
    }

    static func accounts(_ c: Context) -> [BodyNode] {
        let p = c.policy
        let outline = PolicySummary.outline(p)
        var out: [BodyNode] = [
            .tag("p", [], text: "\(p.organization.name)の公式アカウントは次の\(p.accounts.count)件です。いずれも\(p.organization.name)として\(p.ownerRole.title)が取得し、管理・運営しています（\(p.ownerRole.clause)）。"),
            .tag("ul", [], p.accounts.map { a in
                .tag("li", [], [.tag("a", [Attr("href", "#" + accountAnchor(a))], text: "\(a.displayName)（\(a.platform.rawValue == "x" ? "X" : a.platform.displayName)）")])
            }),
        ]
        for a in p.accounts {
            let section = outline.platforms.first { $0.platform == a.platform }
            let rules = p.rules(for: a.platform)
            var dl: [BodyNode] = [
                dt("運営主体", p.ownerRole.clause), .tag("dd", [], text: "\(p.organization.name) \(p.organization.department)（\(p.ownerRole.title)）"),
                dt("プラットフォーム", nil), .tag("dd", [], text: platformName(a.platform)),
                dt(handleLabel(a.platform), a.clause), .tag("dd", [], text: a.platform == .x ? "@" + a.handle : a.handle),
                dt("アカウント名", a.clause), .tag("dd", [], text: a.displayName),
                dt("アカウントURL", a.clause), .tag("dd", [], [.tag("a", [Attr("href", a.url)], text: "\(a.displayName)の\(platformName(a.platform))のページ（\(a.url)）")]),
            ]
            dl += [dt("公式であることの証明", rules?.verificationClause), .tag("dd", [], [verification(c, a)])]
            dl += [dt("状態", nil), .tag("dd", [], [status(c, a)])]
            var body: [BodyNode] = [.tag("dl", [], dl)]
            body.append(.tag("h3", [], text: "発信する内容" + (a.categoriesClause.isEmpty ? "" : "（\(a.categoriesClause)）")))
            body.append(.tag("ul", [], a.categories.map { cat in
                .tag("li", [], text: "\(cat.code) \(cat.description.isEmpty ? cat.name : cat.description)")
            }))
            body.append(.tag("h3", [], text: "発信の方法"))
            var how: [BodyNode] = []
            for r in section?.rules ?? [] where r.label != "担当" && r.label != "停止・削除" {
                how.append(dt(howLabel(r.label, a.platform), r.clause))
                how.append(.tag("dd", [], text: r.value + (r.note.map { "（\($0)）" } ?? "")))
            }
            if let del = p.commentDeletion, let clause = del.clause(for: a) {
                how.append(dt("コメントの削除", clause))
                how.append(.tag("dd", [], [.text("次のいずれかに当たるコメントは削除します: "
                                                   + del.grounds.map { "\($0.number) \($0.description)" }.joined(separator: "　") + "　"),
                                           c.link(.policy, "運用ポリシーの全文へ")]))
            }
            if let r = rules, r.replies != .allowed {
                how.append(dt("お問合せ・ご意見", r.repliesClause))
                how.append(.tag("dd", [], text: "ソーシャルメディアでは受け付けていません。これまでどおり\(p.organization.name)の窓口・電話・メールでお寄せください。"))
            }
            body.append(.tag("dl", [], how))
            out.append(.tag("section", [Attr("id", accountAnchor(a)), Attr("aria-labelledby", accountAnchor(a) + "-h")],
                            [.tag("h2", [Attr("id", accountAnchor(a) + "-h")], text: "\(a.displayName)（\(platformName(a.platform))）")] + body))
        }
        return out
    }

    static func platformName(_ p: Platform) -> String { p == .x ? "X（旧Twitter）" : p.displayName }

    static func howLabel(_ label: String, _ platform: Platform) -> String {
        switch label {
        case "運用時間": return "発信する時間"
        case "返信": return platform == .x ? "返信" : "コメント・メッセージへの回答"
        default: return label
        }
    }

    static func dt(_ label: String, _ clause: String?) -> BodyNode {
        .tag("dt", [], [.text(label), clause.map { $0.isEmpty ? .empty : .tag("span", [Attr("class", "clause")], text: "（\($0)）") } ?? .empty])
    }

    static func verification(_ c: Context, _ a: Account) -> BodyNode {
        let profile = c.data.profiles[a.id]
        var parts: [String] = []
        if a.platform == .x {
            switch profile?.verified {
            case true?: parts.append("Xの認証を受けています（\(date(profile!.checkedAt))に確認）。")
            case false?: parts.append("Xの認証を確認できませんでした（\(date(profile!.checkedAt))）。")
            case nil: parts.append("Xの認証を取得しています（まだ確認していません）。")
            }
        } else if profile?.linksToCityPage == true {
            parts.append("\(a.platform.displayName)の基本データ欄から、このページへリンクしています（\(date(profile!.checkedAt))に確認）。")
        }
        parts.append("このページにアカウントURLを掲載することで、\(c.policy.organization.name)が運用するアカウントであることを示しています。")
        return .text(parts.joined())
    }

    static func status(_ c: Context, _ a: Account) -> BodyNode {
        guard let s = c.data.suspensions[a.id] else { return .text("運用中") }
        let notice = s.noticeID.flatMap { id in c.data.notices.first { $0.id == id } }
        let what = s.action == .delete ? "削除しました" : "停止しています"
        return .tag("p", [Attr("class", "status suspended")], [
            .tag("strong", [], text: s.action == .delete ? "削除" : "停止中"),
            .text("：\(date(s.since))から\(what)。"),
            notice.map { c.link(.notice($0.publicName), "理由のお知らせ「\($0.title)」") } ?? .empty,
        ])
    }

    /// The policy itself, as the city adopted it; Koho's reading of it as rules is the separate 「運用のきまり」 page.
    static func policyDocument(_ c: Context) -> [BodyNode] {
        let p = c.policy
        var out: [BodyNode] = [
            .tag("p", [], [.text("施行日: "), .tag("time", [Attr("datetime", p.effectiveDate.description)], text: date(p.effectiveDate)),
                           .text("　所管: \(p.organization.name) \(p.organization.department)")]),
        ]
        guard let document = p.document else {
            out.append(.tag("p", [], [.text("運用ポリシーの本文は、\(p.organization.name)ホームページに掲載しています。要点は "),
                                      c.link(.rules, "運用のきまり"), .text(" をご覧ください。")]))
            return out + history(c)
        }
        out.append(.tag("p", [], [.text("運用ポリシーの本文です。アカウントごとの発信内容や時間などの要点は "), c.link(.rules, "運用のきまり"),
                                  .text(" にまとめています。")]))
        func inline(_ items: [PolicyDocument.Inline]) -> [BodyNode] {
            items.map { i -> BodyNode in
                switch i {
                case .text(let t): return .text(t)
                case .link(let t, let url): return .tag("a", [Attr("href", url)], text: t)
                case .lineBreak: return .selfClosedElement(named: "br")
                }
            }
        }
        var body: [BodyNode] = []
        for block in PolicyDocument.blocks(document) {
            switch block {
            case .heading(let level, let text):
                // The document's own title is the page's h1.
                if level == 1 { continue }
                body.append(.tag("h\(min(level, 6))", [], text: text))
            case .paragraph(let items): body.append(.tag("p", [], inline(items)))
            case .list(let items): body.append(.tag("ul", [], items.map { .tag("li", [], inline($0)) }))
            }
        }
        out.append(.tag("div", [Attr("class", "policy-document")], body))
        return out + history(c)
    }

    /// The versions Koho has registered, newest first, with what changed in each.
    static func history(_ c: Context) -> [BodyNode] {
        var out: [BodyNode] = []
        out.append(.tag("h2", [], text: "改定の履歴"))
        if c.data.versions.count <= 1 {
            out.append(.tag("p", [], text: "この版より前の版はありません。"))
        }
        out.append(.tag("ol", [Attr("reversed", nil)], c.data.versions.enumerated().map { i, v in
            var head: [BodyNode] = [.tag("strong", [], text: "第\(v.number)版（\(v.version)）"), .text(i == 0 ? "　現在の版" : "")]
            if let e = v.effectiveDate { head.append(.text("　施行日: ")); head.append(.tag("time", [Attr("datetime", e.description)], text: date(e))) }
            head.append(.text("　登録日: "))
            head.append(time(v.registeredAt))
            return .tag("li", [], [.tag("p", [], head),
                                   v.changes.isEmpty ? .tag("p", [], text: v.number == 1 ? "最初の版です。" : "規定の内容に変更はありません（表記の変更のみ）。")
                                       : .tag("ul", [], v.changes.map { .tag("li", [], text: $0) })])
        }))
        return out
    }

    static func policy(_ c: Context) -> [BodyNode] {
        let p = c.policy, o = PolicySummary.outline(p)
        var out: [BodyNode] = [
            .tag("dl", [], [
                dt("版", nil), .tag("dd", [], text: p.version),
                dt("施行日", nil), .tag("dd", [], [.tag("time", [Attr("datetime", p.effectiveDate.description)], text: date(p.effectiveDate))]),
                dt("所管", nil), .tag("dd", [], text: "\(p.organization.name) \(p.organization.department)"),
                dt("管理・運営", p.ownerRole.clause), .tag("dd", [], text: "\(p.ownerRole.title)が取得し、管理・運営します。"),
            ]),
            .tag("p", [], text: "各規定の後の（　）内は、運用ポリシーの項番号です。"),
        ]
        for section in o.platforms {
            out.append(.tag("h2", [], text: platformName(section.platform)))
            out.append(.tag("dl", [], section.rules.flatMap { r -> [BodyNode] in
                [dt(r.label, r.clause), .tag("dd", [], text: r.value + (r.note.map { "（\($0)）" } ?? ""))]
            }))
            for a in section.accounts {
                out.append(.tag("h3", [], text: "\(a.account.displayName)（\(a.account.platform == .x ? "@" : "")\(a.account.handle)）"))
                out.append(.tag("p", [], [.text("（\(a.account.clause)）"), c.link(.accounts, "このアカウントの掲載内容（公式アカウントの一覧）")]))
                out.append(.tag("div", [Attr("class", "table-wrap")], [
                    .tag("table", [], [
                        .tag("caption", [], text: "\(a.account.displayName)で発信する内容（\(a.account.categoriesClause)）"),
                        .tag("thead", [], [.tag("tr", [], ["区分", "内容", "項", "条件"].map { .tag("th", [Attr("scope", "col")], text: $0) })]),
                        .tag("tbody", [], a.categories.map { line in
                            let cat = a.account.category(line.code)
                            return .tag("tr", [], [
                                .tag("th", [Attr("scope", "row")], text: line.code),
                                .tag("td", [], text: cat.map { $0.description.isEmpty ? $0.name : $0.description } ?? line.name),
                                .tag("td", [], text: line.clause.isEmpty ? a.account.categoriesClause : line.clause),
                                .tag("td", [], text: line.conditions.isEmpty ? "—" : line.conditions.joined(separator: "／")),
                            ])
                        }),
                    ]),
                ]))
            }
        }
        if let deletion = p.commentDeletion {
            let scope = p.accounts.compactMap { a in deletion.clause(for: a).map { "\(a.displayName)（\($0)）" } }.joined(separator: "、")
            out.append(.tag("h2", [], text: "コメントの削除"))
            out.append(.tag("p", [], text: "\(scope)では、次のいずれかに当たると\(p.ownerRole.title)が判断したコメントを、ただちに削除します。"))
            out.append(.tag("ul", [], o.commentDeletionGrounds.map { .tag("li", [], text: "\($0.number) \($0.description)") }))
        }
        if !o.disclaimers.isEmpty {
            out.append(.tag("h2", [], text: "その他・免責"))
            out.append(clauseList(o.disclaimers))
        }
        return out
    }

    static func disclaimer(_ c: Context) -> [BodyNode] {
        let d = c.policy.disclaimers
        guard !d.isEmpty else { return [.tag("p", [], text: "\(c.policy.title)に免責事項の定めはありません。")] }
        return [
            .tag("p", [], text: "\(c.policy.title)のうち、その他の事項と免責事項の定めです。"),
            clauseList(d.map { ($0.clause, $0.text) }),
            .tag("p", [], [c.link(.policy, "運用ポリシーの全文へ")]),
        ]
    }

    /// Rules as the policy words them, each followed by its clause.
    static func clauseList(_ items: [(clause: String, text: String)]) -> BodyNode {
        .tag("ul", [], items.map { .tag("li", [], [.text($0.text), .tag("span", [Attr("class", "clause")], text: "（\($0.clause)）")]) })
    }

    static func noticeItems(_ c: Context, _ notices: [Notice]) -> BodyNode {
        guard !notices.isEmpty else { return .tag("p", [], text: "現在、お知らせはありません。") }
        return .tag("ul", [Attr("class", "notices")], notices.map { n in
            .tag("li", [], [
                time(n.publishedAt ?? n.updatedAt), .text("　\(n.kind.displayName)："),
                c.link(.notice(n.publicName), n.title),
            ])
        })
    }

    static func noticeList(_ c: Context) -> [BodyNode] {
        [
            .tag("p", [], text: "\(c.policy.organization.name)を名乗る偽のアカウント（なりすまし）への注意と、公式アカウントの停止・削除の理由をお知らせします。新しいものから順に並べています。"),
            noticeItems(c, c.data.notices),
            .tag("p", [], [c.link(.feed, "お知らせのAtomフィード")]),
        ]
    }

    static func notice(_ c: Context, _ n: Notice) -> [BodyNode] {
        let account = c.policy.account(n.account)
        var meta: [BodyNode] = [
            dt("種類", nil), .tag("dd", [], text: n.kind.displayName),
            dt("掲載日", nil), .tag("dd", [], [time(n.publishedAt ?? n.updatedAt)]),
        ]
        if let published = n.publishedAt, JapaneseTime.localDate(n.updatedAt) != JapaneseTime.localDate(published) {
            meta += [dt("更新日", nil), .tag("dd", [], [time(n.updatedAt)])]
        }
        if let a = account {
            meta += [dt(n.kind == .impersonation ? "なりすまされた公式アカウント" : "対象のアカウント", nil),
                     .tag("dd", [], [.tag("a", [Attr("href", c.href(.accounts) + "#" + accountAnchor(a))], text: "\(a.displayName)（\(platformName(a.platform))）の掲載内容")])]
        }
        var out: [BodyNode] = [.tag("dl", [], meta)]
        let paragraphs = n.body.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .newlines) }.filter { !$0.isEmpty }
        out.append(.tag("div", [Attr("class", "notice-body")], paragraphs.map { para in
            let lines = para.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            return .tag("p", [], lines.enumerated().flatMap { i, l -> [BodyNode] in i == 0 ? [.text(l)] : [.selfClosedElement(named: "br"), .text(l)] })
        }))
        if let resumed = n.resumedAt {
            out.append(.tag("h2", [], text: "追記"))
            out.append(.tag("p", [], [time(resumed), .text("に\(account?.displayName ?? n.account)の運用を再開しました。")]))
        } else if n.kind == .suspension, let s = c.data.suspensions[n.account], s.noticeID == n.id {
            out.append(.tag("p", [Attr("class", "status suspended")], [.tag("strong", [], text: s.action == .delete ? "削除" : "停止中"),
                                                                       .text("：このアカウントは現在\(s.action == .delete ? "削除されています" : "停止しています")。")]))
        }
        out.append(.tag("p", [], [c.link(.notices, "お知らせの一覧へ戻る")]))
        return out
    }

    // MARK: - JSON

    struct AccountJSON: Codable {
        struct CategoryJSON: Codable { let code, name, description, clause: String }
        struct RuleJSON: Codable { let label, clause, value: String }
        let id, platform, handle, displayName, url, clause: String
        let operator_: String
        let operatorRole: String
        let verified: Bool?
        let checkedAt: String?
        let status: String
        let statusSince: String?
        let noticeURL: String?
        let categoriesClause: String
        let categories: [CategoryJSON]
        let rules: [RuleJSON]
        let page: String

        enum CodingKeys: String, CodingKey {
            case id, platform, handle, displayName, url, clause, operatorRole, verified, checkedAt, status, statusSince, noticeURL
            case categoriesClause, categories, rules, page
            case operator_ = "operator"
        }
    }

    static func accountsJSON(_ c: Context) -> [AccountJSON] {
        let p = c.policy, o = PolicySummary.outline(p)
        return p.accounts.map { a in
            let s = c.data.suspensions[a.id]
            let profile = c.data.profiles[a.id]
            let rules = (o.platforms.first { $0.platform == a.platform }?.rules ?? []).map {
                AccountJSON.RuleJSON(label: $0.label, clause: $0.clause ?? "", value: $0.value + ($0.note.map { "（\($0)）" } ?? ""))
            }
            return AccountJSON(id: a.id, platform: a.platform.rawValue, handle: a.handle, displayName: a.displayName, url: a.url, clause: a.clause,
                               operator_: "\(p.organization.name) \(p.organization.department)", operatorRole: p.ownerRole.title,
                               verified: a.platform == .x ? profile?.verified : nil, checkedAt: profile.map { JapaneseTime.iso8601($0.checkedAt) },
                               status: s.map { $0.action == .delete ? "deleted" : "suspended" } ?? "active",
                               statusSince: s.map { JapaneseTime.iso8601($0.since) },
                               noticeURL: s?.noticeID.map { id in c.href(.notice(c.data.notices.first { $0.id == id }?.publicName ?? id.uuidString.lowercased())) },
                               categoriesClause: a.categoriesClause,
                               categories: a.categories.map { .init(code: $0.code, name: $0.name, description: $0.description, clause: $0.clause) },
                               rules: rules, page: c.href(.accounts) + "#" + accountAnchor(a))
        }
    }

    // MARK: - Atom

    /// RFC 4287. Written out here (Plot has no Atom); every text goes through the escaper.
    static func feed(_ d: PublicSiteData) -> String {
        func x(_ s: String) -> String { HTMLEscaping.xml(s) }
        let updated = d.notices.map(\.updatedAt).max() ?? d.versions.first?.registeredAt ?? d.generatedAt
        var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"ja\">\n"
        out += "  <title>\(x(d.policy.organization.name)) 公式ソーシャルメディアのお知らせ</title>\n"
        out += "  <id>\(x(d.siteURL + PublicPage.notices.file))</id>\n"
        out += "  <link rel=\"self\" type=\"application/atom+xml\" href=\"\(x(d.siteURL + PublicPage.feed.file))\"/>\n"
        out += "  <link rel=\"alternate\" type=\"text/html\" href=\"\(x(d.siteURL + PublicPage.notices.file))\"/>\n"
        out += "  <updated>\(JapaneseTime.iso8601(updated))</updated>\n"
        out += "  <author><name>\(x(d.policy.organization.name + " " + d.policy.organization.department))</name></author>\n"
        for n in d.notices {
            let url = d.siteURL + PublicPage.notice(n.publicName).file
            var text = n.body
            if let r = n.resumedAt { text += "\n\n追記: \(date(r))に運用を再開しました。" }
            out += "  <entry>\n"
            out += "    <title>\(x(n.title))</title>\n"
            // The entry's id stays the address by id it had before readable addresses, so that readers see no new entry.
            out += "    <id>\(x(d.siteURL + "notices/\(n.idString).html"))</id>\n"
            out += "    <link rel=\"alternate\" type=\"text/html\" href=\"\(x(url))\"/>\n"
            out += "    <published>\(JapaneseTime.iso8601(n.publishedAt ?? n.updatedAt))</published>\n"
            out += "    <updated>\(JapaneseTime.iso8601(n.updatedAt))</updated>\n"
            out += "    <category term=\"\(n.kind.rawValue)\" label=\"\(x(n.kind.displayName))\"/>\n"
            out += "    <content type=\"text\">\(x(text))</content>\n"
            out += "  </entry>\n"
        }
        out += "</feed>\n"
        return out
    }
}

struct PublicPageNotFound: Error {}
