import Foundation
import Plot
import KohoCore

/// The comment inbox: the text as received with the classifier's evidence marked, the flags, the history, and the
/// staff's proposals and the chief's decisions.
enum CommentViews {
    static let css = """
    .comment{border:1px solid #999;padding:8px 12px;margin:12px 0}.comment h3{margin:0 0 4px;font-size:1rem}
    .comment mark{background:#ffe08a;outline:1px solid #8a6d00}.comment .ground{font-weight:bold;font-size:.9rem}
    .flags{margin:4px 0;padding-left:1.2em}.meta{color:#444;font-size:.95rem;margin:0}
    .against{font-weight:bold;color:#8a0014;border:2px solid #8a0014;padding:0 4px}
    .comment-image{max-width:320px;max-height:320px;border:1px solid #999;display:block;margin:6px 0}
    """

    // MARK: The text with its evidence

    /// The text as received, escaped (Plot escapes `<` `&`; control characters other than line breaks and tabs are
    /// shown as `\u{7}`), with every evidence span in `<mark>` followed by its grounds in words, so that nothing is
    /// told by colour alone. Offsets are Unicode scalars, as the classifier gives them.
    static func markedText(_ text: String, flags: [GroundFlag]) -> BodyNode {
        let scalars = Array(text.unicodeScalars)
        var cover = [Set<String>](repeating: [], count: scalars.count)
        for f in flags {
            for e in f.evidence {
                let lo = max(0, e.start), hi = min(scalars.count, e.end)
                guard lo < hi else { continue }
                for i in lo..<hi { cover[i].insert(f.ground) }
            }
        }
        var nodes: [BodyNode] = []
        var i = 0
        while i < scalars.count {
            let grounds = cover[i]
            var j = i + 1
            while j < scalars.count, cover[j] == grounds { j += 1 }
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[i..<j])
            let shown = visible(String(piece))
            if grounds.isEmpty {
                nodes.append(.text(shown))
            } else {
                let marks = grounds.sorted().joined(separator: "・")
                nodes.append(.tag("mark", [], text: shown))
                nodes.append(.tag("span", [Attr("class", "ground")], text: "［根拠\(marks)］"))
            }
            i = j
        }
        return .tag("div", [Attr("class", "post-body")], nodes)
    }

    /// Control characters as `\u{0007}` (line breaks and tabs kept): they are not HTML, and a reader must see them.
    static func visible(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if u == "\n" || u == "\t" { out.unicodeScalars.append(u) } else { out += PolicyFileError.escaped(String(u)) }
        }
        return out
    }

    static func suggestionName(_ s: CommentSuggestion) -> String {
        switch s {
        case .delete: return "削除の根拠に明らかに当たる（delete）"
        case .review: return "根拠に当たるかもしれない・課長が確認（review）"
        case .correct: return "誤解を与えるおそれ・訂正の返信（correct）"
        case .keep: return "対応不要（keep）"
        }
    }

    static func flagsList(_ a: CommentAssessment) -> BodyNode {
        var items: [BodyNode] = a.grounds.map { g in
            .tag("li", [], [.tag("strong", [], text: "\(g.clause)"), .text(" \(g.reason)（該当箇所: \(g.evidence.map { "「\(visible($0.text))」" }.joined(separator: "、"))）"
                + (g.targetText.map { "　対象: \(visible($0))" } ?? ""))])
        }
        if a.misleading {
            var why = "（訂正・釈明の返信を検討、4(7)/5(7)）"
            if let r = a.rumour {
                switch (r.status, r.source) {
                case (.contradicted, let source?):
                    why = "（\(r.topic)について「\(visible(r.claim.text))」。市の情報「\(visible(source.title.isEmpty ? String(source.text.prefix(40)) : source.title))」と食い違います"
                        + (source.url.map { "：\(visible($0))" } ?? "") + "。訂正の返信に引用できます、4(7)/5(7)）"
                default:
                    why = "（\(r.topic)について「\(visible(r.claim.text))」。市の情報では確かめられていません（未確認）、4(7)/5(7)）"
                }
            }
            items.append(.tag("li", [], [.tag("strong", [], text: "誤解を与えるおそれ"), .text(why)]))
        }
        if items.isEmpty { return .tag("p", [Attr("class", "meta")], text: "削除の根拠・誤解のおそれは見つかりませんでした。") }
        return .tag("ul", [Attr("class", "flags")], items)
    }

    static func decisionText(_ c: Comment) -> String {
        guard let d = c.decision else { return "未決定" }
        var s = (c.againstSuggestionLabel.map { "【\($0)】" } ?? "") + "\(d.displayName)" + (c.decisionGround.map { " \($0)" } ?? "") + "（\(c.decidedBy ?? "")、\(JapaneseTime.show(c.decidedAt))）"
        if let reason = c.decisionReason, !reason.isEmpty { s += "：\(visible(reason))" }
        if let st = c.actionStatus { s += " — \(st.displayName)" + (c.actionMessage.map { "：\(visible($0))" } ?? "") }
        return s
    }

    static func postNode(_ c: Comment, posts: [UUID: Post]) -> BodyNode {
        if let id = c.postID {
            let text = posts[id].flatMap { try? $0.action.text } ?? ""
            let short = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return .tag("p", [Attr("class", "meta")], [.text("投稿: "), .link(.post(id), short.isEmpty ? "Koho の投稿を開く" : "「\(short)」")])
        }
        return .tag("p", [Attr("class", "meta")], text: "投稿: プラットフォームの投稿 \(visible(c.platformPostID))（Koho 以外から発信）")
    }

    static func history(_ events: [CommentEvent], _ attempts: [CommentAction]) -> BodyNode {
        .group([
            .table(["日時", "できごと", "誰が", "内容"], events.map { e in
                [.text(JapaneseTime.staff(e.at)), .text(e.displayKind), .text(e.actor), .tag("div", [Attr("class", "post-body")], text: visible(e.detail))]
            }, caption: "履歴（\(events.count)件）"),
            attempts.isEmpty ? .empty : .table(["回", "操作", "開始", "終了", "結果", "内容"], attempts.map { a in
                [.text("\(a.number)"), .text(a.action.displayName), .text(JapaneseTime.staff(a.startedAt)), .text(JapaneseTime.show(a.finishedAt)),
                 .text(a.outcome.displayName), .text(visible(a.message))]
            }, caption: "プラットフォームでの実行の試み（\(attempts.count)件）"),
        ])
    }

    /// A comment's header, text, flags and state, for the list and the comment's page.
    static func card(_ f: PageFrame, _ c: Comment, posts: [UUID: Post]) -> [BodyNode] {
        let a = c.assessment
        let account = f.policy.account(c.account)
        return [
            .tag("p", [Attr("class", "meta")], [
                PlatformLabel.node(account, fallback: c.account),
                .text(" ／ \(visible(c.authorName)) ／ \(JapaneseTime.staff(c.createdAt)) ／ \(c.state.displayName)"
                      + (c.moderationStatus.map { "（\($0)）" } ?? "")),
            ]),
            postNode(c, posts: posts),
            markedText(c.text, flags: a.grounds),
            c.currentText != c.text ? .tag("p", [Attr("class", "meta")], text: "編集後の本文: \(visible(c.currentText))") : .empty,
            imageNode(c),
            flagsList(a),
            a.criticism ? .tag("p", [Attr("class", "meta")], text: "Koho の判定: 市・市長・職員・施策への批判（批判は削除の理由ではありません。削除・非表示には確認が要ります）") : .empty,
            .tag("p", [Attr("class", "meta")], text: "提案: \(suggestionName(a.suggestion))"),
            c.againstSuggestionLabel.map { label -> BodyNode in
                .tag("p", [], [.tag("strong", [Attr("class", "against")], text: label), .text(" 課長が Koho の提案に反することを確認して決めました")])
            } ?? .empty,
            .tag("p", [Attr("class", "meta")], text: "決定: \(decisionText(c))"),
        ]
    }

    /// The comment's image through Koho's own route (never the platform's address), or why Koho cannot read it.
    static func imageNode(_ c: Comment) -> BodyNode {
        guard c.hasImage else { return .empty }
        if let problem = c.imageProblem {
            let why = c.assessment.suggestion == .review ? "（このため提案を「確認（review）」にしています）" : ""
            return .tag("p", [Attr("class", "warn")], text: "\(visible(problem))。画像はプラットフォームで確認してください\(why)。")
        }
        return .tag("figure", [], [
            .void("img", [Attr("src", SiteURL.commentStep(c.id!, "image").path), Attr("alt", visible(CommentImages.altText(c))),
                          Attr("class", "comment-image"), Attr("loading", "lazy")]),
            .tag("figcaption", [Attr("class", "meta")], text: "添付画像（Koho の判定は本文だけを読みます。画像の中身は課長が見て判断してください）"),
        ])
    }

    // MARK: The list

    static func query(_ filter: CommentInbox.Filter, page: Int? = nil) -> String {
        var items: [(String, String)] = []
        for (k, v) in [("account", filter.account), ("flag", filter.flag), ("suggestion", filter.suggestion), ("state", filter.state), ("post", filter.post)] {
            if let v, !v.isEmpty { items.append((k, v)) }
        }
        if filter.pending { items.append(("pending", "1")) }
        let p = page ?? filter.page
        if p > 1 { items.append(("page", String(p))) }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._")
        let q = items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        return SiteURL.comments.path + (q.isEmpty ? "" : "?" + q)
    }

    static func groundOptions(_ policy: Policy) -> [(value: String, label: String)] {
        [(value: "", label: "（削除・非表示のときに選ぶ）")] + (policy.commentDeletion?.grounds ?? []).map { (value: $0.number, label: "\($0.number) \($0.description)") }
    }

    static func list(_ f: PageFrame, _ page: CommentInbox.Page, filter: CommentInbox.Filter, waiting: [(Account, Int)]) -> HTML {
        let chief = f.user.map { Permissions.mayDecide($0.person) } ?? false
        var filterWithout = filter
        filterWithout.page = 1
        var all = filterWithout
        all.account = nil
        var perAccount: [BodyNode] = [
            .tag("li", [], [.tag("a", [Attr("href", query(all))] + (filter.account == nil ? [Attr("aria-current", "page")] : []), text: "すべてのアカウント")]),
        ]
        for (a, n) in waiting {
            var one = filterWithout
            one.account = a.id
            // X's API answers replies only to a post that summons it: Koho reads none, so a count of 0 would mislead.
            let count = a.platform == .x ? "返信は読み込みません（X の API の制限）" : "判断待ち \(n)件"
            perAccount.append(.tag("li", [], [.tag("a", [Attr("href", query(one))] + (filter.account == a.id ? [Attr("aria-current", "page")] : []),
                                                    text: "\(PlatformLabel.text(a))（\(count)）")]))
        }
        let filterForm: BodyNode = .tag("form", [Attr("method", "get"), Attr("action", SiteURL.comments.path), Attr("aria-label", "絞り込み")], [
            filter.account.map { .hidden("account", $0) } ?? .empty,
            .selectField("根拠・フラグ", name: "flag", options: [(value: "", label: "すべて"), (value: "any", label: "根拠のあるもの"), (value: "misleading", label: "誤解を与えるおそれ")]
                         + (f.policy.commentDeletion?.grounds ?? []).map { (value: $0.number, label: "\($0.number) \($0.description)") }, selected: filter.flag ?? ""),
            .selectField("提案", name: "suggestion", options: [(value: "", label: "すべて")] + CommentSuggestion.allCases.map { (value: $0.rawValue, label: suggestionName($0)) },
                         selected: filter.suggestion ?? ""),
            .selectField("状態", name: "state", options: [(value: "", label: "すべて")] + CommentState.allCases.map { (value: $0.rawValue, label: $0.displayName) },
                         selected: filter.state ?? ""),
            .field("投稿（Koho の投稿 ID またはプラットフォームの投稿 ID）", name: "post", value: filter.post ?? ""),
            .checkbox("判断待ちだけ", name: "pending", checked: filter.pending),
            .button("絞り込む"),
        ])
        var cards: [BodyNode] = []
        for (n, c) in page.comments.enumerated() {
            let number = (page.page - 1) * CommentInbox.pageSize + n + 1
            let select: BodyNode = chief && !c.isDeleted ? .checkbox("コメント\(number)を選ぶ", name: "ids[]", value: c.id!.uuidString.lowercased(), checked: false, idPrefix: "sel") : .empty
            let events = page.events[c.id!] ?? [], attempts = page.attempts[c.id!] ?? []
            let proposals = events.filter { $0.kind == "proposed" }
            var parts: [BodyNode] = [.tag("h3", [Attr("id", "c-\(number)")], [.link(.comment(c.id!), "コメント\(number)（\(visible(c.authorName))）")]), select]
            parts += card(f, c, posts: page.posts)
            if page.held.contains(c.id!) {
                parts.append(.tag("p", [Attr("class", "warn")], text: "訴訟ホールド中（保存期間を過ぎても削除しません）"))
            }
            if !proposals.isEmpty {
                parts.append(.tag("p", [Attr("class", "meta")], text: "担当者の提案: " + proposals.map { "\($0.actor)「\(visible($0.detail))」" }.joined(separator: "、")))
            }
            parts.append(.tag("details", [], [.tag("summary", [], text: "履歴（\(events.count + attempts.count)件）"), history(events, attempts)]))
            cards.append(.tag("article", [Attr("class", "comment"), Attr("aria-labelledby", "c-\(number)")], parts))
        }
        var content: [BodyNode] = [
            .tag("p", [], text: "住民のコメントです。Koho は削除の根拠（4(8)/5(8)①〜⑤）と誤解のおそれ（4(7)/5(7)）の該当箇所を示すだけで、判断は\(f.policy.ownerRole.title)が記録に残して行います。市や施策への批判は、どれほど厳しくても削除の根拠ではありません。"),
            .tag("nav", [Attr("aria-label", "アカウント")], [.tag("ul", [], perAccount)]),
            filterForm,
            .tag("h2", [], text: "コメント（\(page.total)件中 \(page.comments.isEmpty ? 0 : (page.page - 1) * CommentInbox.pageSize + 1)〜\((page.page - 1) * CommentInbox.pageSize + page.comments.count)件、新しい順）"),
        ]
        if f.user?.role != .viewer {
            content.append(.postForm(SiteURL.commentsPoll.path, csrf: f.csrf, [.button("コメントを今すぐ受信する")]))
        }
        if page.comments.isEmpty {
            content.append(.tag("p", [], text: "条件に合うコメントはありません。"))
        } else if chief {
            // The per-comment boxes form one group, named, so that a screen reader says what choosing them is for.
            content.append(.postForm(SiteURL.commentsBulk.path, csrf: f.csrf, [.hidden("back", query(filter)),
                .tag("div", [Attr("role", "group"), Attr("aria-label", "まとめて決定するコメントの選択")], cards)] + [
                .tag("fieldset", [], [
                    .tag("legend", [], text: "選んだコメントをまとめて決定する（連投など）"),
                    .tag("p", [], text: "一つの根拠と理由をすべてに記録し、非表示・削除はプラットフォームで一件ずつ一度だけ実行します。訂正の返信はコメントごとに決めてください。Koho が「そのまま」を提案したコメントと市への批判は、まとめて非表示・削除にできません（提案に反する削除は一件ずつ確認して決めます）。"),
                    .selectField("決定", name: "action", options: [CommentDecisionAction.hide, .delete, .keep].map { (value: $0.rawValue, label: $0.displayName) }, selected: "hide", id: "bulk-action"),
                    .selectField("削除の根拠", name: "ground", options: groundOptions(f.policy), selected: "", id: "bulk-ground"),
                    .textArea("理由（どの部分が当たるか）", name: "reason", value: "", rows: 2),
                    .button("選んだコメントにまとめて決定する", kind: .primary),
                ]),
            ]))
        } else {
            content += cards
        }
        var pager: [BodyNode] = []
        if page.page > 1 { pager.append(.tag("li", [], [.tag("a", [Attr("href", query(filter, page: page.page - 1)), Attr("rel", "prev")], text: "前の\(CommentInbox.pageSize)件")])) }
        if page.page < page.pages { pager.append(.tag("li", [], [.tag("a", [Attr("href", query(filter, page: page.page + 1)), Attr("rel", "next")], text: "次の\(CommentInbox.pageSize)件")])) }
        if !pager.isEmpty { content.append(.tag("nav", [Attr("aria-label", "ページ")], [.tag("ul", [], pager)])) }
        return Layout.page(f, content)
    }

    // MARK: One comment

    /// A decision or proposal that came back: what was chosen and typed, and why it was refused.
    struct TypedDecision {
        var action: String
        var ground: String
        var reason: String
        var error: String
    }

    static func show(_ f: PageFrame, _ c: Comment, events: [CommentEvent], attempts: [CommentAction], posts: [UUID: Post],
                     hold: LegalHold? = nil, typed: TypedDecision? = nil) -> HTML {
        let user = f.user
        let chief = user.map { Permissions.mayDecide($0.person) } ?? false
        let mayPropose = !chief && user.map { Permissions.mayChange($0.person, account: c.account, policy: f.policy) == nil } == true
        let account = f.policy.account(c.account)
        let rules = account.flatMap { f.policy.rules(for: $0.platform) }
        let deletable = account.flatMap { f.policy.commentDeletion?.clause(for: $0) } != nil
        let noReplies = rules.map { $0.replies == .none } ?? false
        var actions: [CommentDecisionAction] = deletable ? [.hide, .delete, .keep] : [.keep]
        if !noReplies { actions.append(.correct) }
        var content: [BodyNode] = [.tag("article", [Attr("class", "comment"), Attr("aria-label", "コメント")], card(f, c, posts: posts))]
        let proposals = events.filter { $0.kind == "proposed" }
        if !proposals.isEmpty {
            content.append(.tag("section", [Attr("class", "notice"), Attr("aria-labelledby", "s-proposals")], [
                .tag("h2", [Attr("id", "s-proposals")], text: "担当者の提案（\(proposals.count)件）"),
                .tag("ul", [], proposals.map { .tag("li", [], text: "\($0.actor)（\(JapaneseTime.staff($0.at))）: \(visible($0.detail))") }),
            ]))
        }
        var limits: [String] = []
        if !deletable, let account {
            limits.append("\(account.platform.displayName)のアカウントには、コメントの削除の定め（4(8)/5(8)）がありません。非表示・削除はできません。")
        }
        if deletable, account?.platform == .youtube {
            limits.append("ユーチューブの API は他人のコメントを削除できないため、削除も非表示もコメントを「rejected」（公開から外す）にします。")
        }
        if noReplies, let rules, let account {
            limits.append("【\(rules.repliesClause)】\(account.platform.displayName)では返信による個別の対応は行いません。訂正の返信も問合せへの案内も送れません（送るものはありません）。")
        }
        if !limits.isEmpty { content.append(.tag("div", [Attr("class", "warn")], limits.map { .tag("p", [], text: $0) })) }
        let decisionFields: [BodyNode] = [
            .formError(typed.map { "\(chief ? "決定" : "提案")できませんでした: \($0.error)" }),
            .selectField("決定", name: "action", options: actions.map { (value: $0.rawValue, label: $0.displayName) }, selected: typed?.action ?? actions.first?.rawValue),
            deletable ? .selectField("削除の根拠", name: "ground", options: groundOptions(f.policy), selected: typed?.ground ?? c.assessment.grounds.first?.ground ?? "",
                                     error: typed.flatMap { $0.error.contains("根拠") ? $0.error : nil }) : .empty,
            .textArea("理由（どの部分が当たるか）", name: "reason", value: typed?.reason ?? "", rows: 2,
                      error: typed.flatMap { $0.error.contains("根拠") ? nil : $0.error }),
        ]
        if c.isDeleted, chief || mayPropose {
            content.append(.tag("p", [Attr("class", "notice")], text: c.decision == .delete && c.actionStatus == .done
                ? "このコメントは課長の決定によりプラットフォーム上で削除済みです。削除したコメントは決め直せません（決定と理由は記録に残っています）。"
                : "このコメントはプラットフォーム上で削除されています。削除されたコメントは決め直せません。"))
        } else if chief {
            content.append(.tag("section", [Attr("aria-labelledby", "s-decide")], [
                .tag("h2", [Attr("id", "s-decide")], text: "決定する"),
                .tag("p", [], text: "非表示・削除には根拠（①〜⑤）と理由が要ります。決定は記録・監査され、プラットフォームで一度だけ実行されます。訂正の返信は下書きになり、承認を経て発信されます。"),
                .postForm(SiteURL.commentStep(c.id!, "decide").path, csrf: f.csrf, decisionFields + [.button("決定する", kind: .primary)]),
            ]))
            if let rules, !noReplies {
                content.append(.tag("section", [Attr("aria-labelledby", "s-guidance")], [
                    .tag("h2", [Attr("id", "s-guidance")], text: "問合せに案内を返す"),
                    .tag("p", [], text: "問合せ・意見・苦情は従前の方法で受け付けます（\(rules.repliesClause)）。返すときは次の文だけを返信の下書きにし、通常の承認を経て発信します。"),
                    .tag("blockquote", [], [.tag("p", [], text: f.policy.inquiryGuidance(clause: rules.repliesClause))]),
                    .postForm(SiteURL.commentStep(c.id!, "guidance").path, csrf: f.csrf, [.button("案内を返信の下書きにする")]),
                ]))
            }
        } else if mayPropose {
            content.append(.tag("section", [Attr("aria-labelledby", "s-propose")], [
                .tag("h2", [Attr("id", "s-propose")], text: "決定を提案する"),
                .tag("p", [], text: "決めるのは\(f.policy.ownerRole.title)です。提案は記録・監査され、課長に示されます。"),
                .postForm(SiteURL.commentStep(c.id!, "propose").path, csrf: f.csrf, decisionFields + [.button("提案する", kind: .primary)]),
            ]))
        }
        content += [
            .tag("h2", [], text: "履歴"),
            history(events, attempts),
            attempts.isEmpty ? .empty : RecordsController.callsLink(comment: c.id!),
            LegalHolds.section(f, .comment, c.id!, hold: hold),
            RecordsController.downloadLink(f, comment: c),
            .tag("p", [], [.link(.comments, "コメントの一覧へ")]),
        ]
        return Layout.page(f, content)
    }

    // MARK: Confirming a deletion against the suggestion

    /// The step before a hide or delete against Koho's suggestion: the comment, what Koho suggested, the ground and
    /// the reason in full, and a checkbox the chief must tick; nothing is decided until this form comes back.
    static func confirmAgainst(_ f: PageFrame, _ c: Comment, action: CommentDecisionAction, ground: String, reason: String, posts: [UUID: Post]) -> HTML {
        let g = CommentService.groundCode(ground.trimmingCharacters(in: .whitespacesAndNewlines), policy: f.policy)
        let clause = f.policy.account(c.account).flatMap { f.policy.commentDeletion?.clause(for: $0) } ?? "4(8)"
        let content: [BodyNode] = [
            .tag("h2", [], text: "提案に反する削除の確認"),
            .tag("div", [Attr("class", "warn"), Attr("role", "alert")], [
                .tag("p", [], [.tag("strong", [Attr("class", "against")], text: "提案に反する削除"),
                               .text(" \(CommentService.suggestionWords(c))。【\(clause)】市や施策への批判は、どれほど厳しくても削除の理由ではありません。")]),
                .tag("p", [], text: "この決定は「提案に反する削除」として受信箱・監査記録・月次報告に示されます。"),
            ]),
            .tag("article", [Attr("class", "comment"), Attr("aria-label", "コメント")], card(f, c, posts: posts)),
            .tag("dl", [], [
                .tag("dt", [], text: "決定"), .tag("dd", [], text: action.displayName),
                .tag("dt", [], text: "削除の根拠"), .tag("dd", [], text: g.map { "\($0.number) \($0.description)" } ?? visible(ground)),
                .tag("dt", [], text: "理由"), .tag("dd", [], [.tag("div", [Attr("class", "post-body")], text: visible(reason))]),
            ]),
            .postForm(SiteURL.commentStep(c.id!, "decide").path, csrf: f.csrf, [
                .hidden("action", action.rawValue), .hidden("ground", ground), .hidden("reason", reason),
                .checkbox("Koho の提案に反して\(action.displayName)することを確認しました（根拠と理由は上のとおり）", name: "confirmAgainstSuggestion", checked: false),
                .button("提案に反して\(action.displayName)する", kind: .danger),
            ]),
            .tag("p", [], [.link(.comment(c.id!), "やめてコメントに戻る")]),
        ]
        return Layout.page(f, content)
    }
}
