import Plot
import KohoCore
import Foundation

enum ComposeView {
    struct Model {
        let user: User
        var form: PostsController.ComposeForm
        var editing: Post?
        var check: (CheckResult, Date)?
        /// What the policy refused when saving or submitting.
        var refused: [Violation] = []
        var inputError: String?
        /// The field `inputError` is about, to say it beside that field too.
        var inputField: String?
        /// Why the save failed (an expired form, a change by someone else); what was typed is in `form`.
        var failure: String?
        /// The chief's latest return of the post being edited.
        var returned: AuditEntry?
    }

    static func limitText(_ p: Platform) -> String {
        switch p {
        case .x: return "Xの上限: 280（日本語などは1文字を2、URLは23と数えます）"
        case .facebook: return "フェイスブックの上限: \(PlatformLimits.facebookTextCharacters)文字"
        case .youtube: return "ユーチューブ: タイトル\(PlatformLimits.youtubeTitleCharacters)文字、説明\(PlatformLimits.youtubeDescriptionBytes)バイトまで。「<」「>」は使えません"
        }
    }

    /// How much to cut when the text is over the platform's limit, in the unit staff count in
    /// (for X, Japanese characters count 2 each, so the excess in Japanese characters is half of it, rounded up). The
    /// other limits are counted as the check counts them (Unicode scalars, bytes).
    static func howMuchToCut(_ r: CheckResult, platform: Platform) -> [String] {
        guard let rendering = r.rendering else { return [] }
        var out: [String] = []
        switch platform {
        case .x:
            let limit = XTextConfiguration.v3.maxWeightedLength
            if let w = r.weightedLength, w > limit {
                let over = w - limit
                out.append(XLengthAdvice.cut(over: over))
            }
        case .facebook:
            let over = rendering.text.unicodeScalars.count - PlatformLimits.facebookTextCharacters
            if over > 0 { out.append("あと\(over)文字分減らしてください") }
        case .youtube:
            let over = rendering.text.utf8.count - PlatformLimits.youtubeDescriptionBytes
            if over > 0 { out.append("説明をあと\(over)バイト分（日本語ならおよそ\((over + 2) / 3)文字分）減らしてください") }
            let titleOver = (rendering.title ?? "").trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.count - PlatformLimits.youtubeTitleCharacters
            if titleOver > 0 { out.append("タイトルをあと\(titleOver)文字分減らしてください") }
        }
        return out
    }

    static func page(_ f: PageFrame, _ m: Model) -> HTML {
        let policy = f.policy
        let accounts = policy.accounts.filter { m.user.mayAct(on: $0.id) }
        guard let accountID = m.form.account, let account = policy.account(accountID) else {
            // Step one: choose the account, so that the form can offer that account's categories without scripts.
            return Layout.page(f, [
                accounts.isEmpty ? .tag("p", [Attr("class", "warn")], text: "担当に指定されたアカウントがありません。") : .empty,
                .tag("form", [Attr("method", "get"), Attr("action", SiteURL.compose.path)], [
                    .selectField("アカウント", name: "account", options: accounts.map { ($0.id, "\($0.displayName)（\($0.platform.displayName) \($0.handle)）") }, selected: nil),
                    .button("次へ", kind: .primary),
                ]),
            ])
        }
        let rules = policy.rules(for: account.platform)
        let fm = m.form
        func err(_ name: String) -> String? { m.inputField == name ? m.inputError : nil }
        let target = m.editing.map { SiteURL.postEdit($0.id!).path } ?? SiteURL.compose.path
        var fields: [BodyNode] = [
            SuspensionView.composeWarning(f, account),
            .hidden("account", account.id),
            .tag("p", [], [.text("アカウント: "), PlatformLabel.node(account, fallback: account.id), .text("［\(account.clause)］")]),
            // Only the kinds the platform's rules allow at all (no 引用 where quotes are never made).
            .selectField("種類", name: "kind", options: PlannedAction.Kind.allCases.filter { kind in
                switch kind {
                case .post: return true
                case .reply: return rules.map { $0.replies != PlatformRules.ReplyRule.none } ?? true
                case .quote: return rules.map { $0.quotes != PlatformRules.QuoteRule.none } ?? true
                }
            }.map { ($0.rawValue, $0.displayName) }, selected: fm.kind ?? "post", error: err("kind")),
            .selectField("情報発信する内容の区分［\(account.categoriesClause)］", name: "category",
                         options: [("", "（選んでください）")] + account.categories.map { ($0.code, "\($0.code) \($0.name)" + ($0.chiefJudgement ? "（\(policy.ownerRole.title)の判断）" : "")) },
                         selected: fm.category, error: err("category")),
        ]
        if account.platform == .youtube {
            fields.append(.field("動画のタイトル", name: "title", value: fm.title ?? "", error: err("title")))
        }
        fields += [
            .textArea(account.platform == .youtube ? "動画の説明" : "本文", name: "text", value: fm.text ?? "", hint: limitText(account.platform), error: err("text")),
            // Filled by /static/compose.js as staff write, beside the text; the 確認 button gives the same answer without scripts.
            .tag("div", [Attr("id", "live-check"), Attr("class", "live-check"), Attr("aria-live", "polite"), Attr("data-check-url", SiteURL.composeCheck.path)]),
            .textArea("リンク（1行に1つ）", name: "links", value: fm.links ?? "", rows: 2, error: err("links")),
        ]
        // Fields no category of the account can use are left out; a value already given stays, so nothing is lost.
        let needsSource = account.categories.contains { $0.sourceArticle == .required }
        let mayBeEmergency = account.categories.contains(where: \.emergencyEligible)
        // Shown by the page's script only for the categories or kinds they apply to (all of them without scripts).
        func only(categories: [String]? = nil, kinds: [PlannedAction.Kind]? = nil, _ nodes: [BodyNode]) -> BodyNode {
            var attrs: [Attr] = [Attr("class", "for-some")]
            if let categories { attrs.append(Attr("data-for-categories", categories.joined(separator: " "))) }
            if let kinds { attrs.append(Attr("data-for-kinds", kinds.map(\.rawValue).joined(separator: " "))) }
            return .tag("div", attrs, nodes)
        }
        let sourceCategories = account.categories.filter { $0.sourceArticle == .required }.map(\.code)
        let emergencyCategories = account.categories.filter(\.emergencyEligible).map(\.code)
        if needsSource || !(fm.sourceURL ?? "").isEmpty {
            let names = sourceCategories.joined(separator: "・")
            fields.append(only(categories: sourceCategories, [.field("出典記事のURL", name: "sourceURL", value: fm.sourceURL ?? "", type: "url",
                                                                     hint: "区分\(names)では、掲載済みの記事のURLが必要です", error: err("sourceURL"))]))
        }
        fields.append(.field("予約日時", name: "scheduledAt", value: fm.scheduledAt ?? "", type: "datetime-local",
                             hint: "空欄なら次の運用時間の始まり\(mayBeEmergency ? "（緊急なら直ちに）。運用時間外の指定は緊急の場合に限ります" : "")［\(rules?.hoursClause ?? "")］", error: err("scheduledAt")))
        if mayBeEmergency || fm.emergency != nil {
            fields.append(only(categories: emergencyCategories, [
                .checkbox("緊急として扱う（運用時間外の発信）", name: "emergency", checked: fm.emergency != nil),
                .field("緊急とする理由", name: "emergencyReason", value: fm.emergencyReason ?? "", error: err("emergencyReason")),
            ]))
        }
        if let rules, !rules.articleOrigins.isEmpty {
            fields.append(.selectField("記事の出所［\(rules.articleOriginsClause ?? "")］", name: "articleOrigin",
                                       options: [("", "（選んでください）")] + rules.articleOrigins.map { ($0.code, $0.name) }, selected: fm.articleOrigin, error: err("articleOrigin")))
        }
        if rules?.replies == .correctionOnly {
            fields.append(only(kinds: [.reply], [.selectField("返信の目的［\(rules?.repliesClause ?? "")］", name: "replyPurpose",
                                                              options: [("", "（返信でない）"), ("correction", "訂正・釈明")], selected: fm.replyPurpose, error: err("replyPurpose"))]))
        }
        if rules.map({ $0.replies != .none }) ?? false {
            fields.append(only(kinds: [.reply], [.field("返信先（種類が返信のとき: コメントまたは投稿のIDかURL）", name: "inReplyTo", value: fm.inReplyTo ?? "", error: err("inReplyTo"))]))
        }
        if rules?.quotes != PlatformRules.QuoteRule.none {
            fields.append(only(kinds: [.quote], [.field("引用するアカウント", name: "quotedAccount", value: fm.quotedAccount ?? "", error: err("quotedAccount"))]))
        }
        if let v = fm.version { fields.append(.hidden("version", String(v))) }
        fields.append(.tag("div", [], [
            .button("確認", name: "intent", value: "check"),
            .text(" "),
            .button(m.editing == nil ? "下書きとして保存" : "変更を保存", name: "intent", value: "save",
                    kind: m.editing == nil && account.platform != .youtube ? .secondary : .primary),
            m.editing == nil && account.platform != .youtube ? .group([.text(" "), .button("保存して提出", name: "intent", value: "submit", kind: .primary)]) : .empty,
        ]))
        if m.editing == nil, account.platform != .youtube, mayBeEmergency {
            // Said before the button, without scripts: an emergency leaves no time to take it back.
            let chief = policy.ownerRole.title
            let warn = fm.emergency != nil
                ? "緊急として提出すると、予約日時が空欄なら、\(PlatformLabel.text(account))に直ちに発信されます（\(chief)の承認が要る区分では承認されたとき）。"
                : "「緊急として扱う」を選んで提出すると、予約日時が空欄なら\(PlatformLabel.text(account))に直ちに発信されます。"
            fields.insert(.tag("p", [Attr("class", "warn"), Attr("id", "immediate-warning")], text: warn), at: fields.count - 1)
        }
        if account.platform == .youtube, m.editing == nil {
            fields.append(.tag("p", [], text: "YouTubeの投稿は、下書きを保存した後、投稿のページで動画ファイルを添付してから提出します。"))
        } else if account.platform == .x, m.editing == nil {
            fields.append(.tag("p", [], text: "画像を付けるときは、保存した後に投稿のページで添付します（任意）。"))
        }
        var content: [BodyNode] = []
        if let r = m.returned { content.append(PostView.returnedNotice(r, policy: policy)) }
        if let e = m.failure { content.append(.tag("p", [Attr("class", "error"), Attr("role", "alert")], text: e)) }
        if let e = m.inputError { content.append(.tag("p", [Attr("class", "error"), Attr("role", "alert")], text: "入力の誤り: \(e)")) }
        if let (result, at) = m.check { content.append(checkResult(result, at, account, policy)) }
        if !m.refused.isEmpty {
            if m.editing?.state == .draft { content.append(.tag("p", [Attr("role", "status")], text: "下書きとして保存しましたが、提出できませんでした。")) }
            content.append(.violations(m.refused))
        }
        if let state = m.editing?.state, state == .scheduled || state == .submitted {
            // Said before the button: a save never publishes, and what it does instead must be plain.
            let chief = policy.ownerRole.title
            let text = state == .submitted
                ? "この投稿は承認を待っています。変更を保存しても発信されず、\(chief)の承認を待ち続けます。"
                : "予約済みの投稿です。変更を保存すると承認は取り消され、\(chief)の承認が要る投稿（緊急を含む）は承認待ちに、そうでない投稿は下書きに戻ります（改めて提出するまで発信されません）。"
            content.append(.tag("p", [Attr("class", "warn"), Attr("id", "save-does-not-publish")], text: text))
        }
        content.append(.postForm(target, csrf: f.csrf, fields))
        content.append(.tag("script", [Attr("src", SiteURL.composeScript.path), Attr("defer", "defer")]))
        return Layout.page(f, content)
    }

    static func checkResult(_ r: CheckResult, _ at: Date, _ account: Account, _ policy: Policy) -> BodyNode {
        var items: [BodyNode] = []
        if r.ok { items.append(.tag("p", [Attr("class", "notice"), Attr("role", "status")], text: "ポリシーに合っています。予約日時: \(JapaneseTime.staff(at))")) }
        for cut in howMuchToCut(r, platform: account.platform) { items.append(.tag("p", [Attr("class", "error")], [.strong(.text(cut))])) }
        items.append(.violations(r.violations))
        if let rendering = r.rendering { items.append(RenderingPreview.card(rendering, account: account, heading: "h3")) }
        if r.usesHoursException { items.append(.tag("p", [Attr("class", "warn")], text: "運用時間外の緊急の発信です。\(policy.ownerRole.title)にただちに示されます。")) }
        if !r.approvalReasons.isEmpty {
            items.append(.tag("div", [Attr("class", "notice")], [
                .tag("p", [], text: "\(policy.ownerRole.title)の承認が必要です:"),
                .tag("ul", [], r.approvalReasons.map { .tag("li", [], text: $0) }),
            ]))
        }
        return .tag("section", [Attr("aria-label", "確認の結果")], [.tag("h2", [], text: "確認の結果")] + items)
    }
}

enum PostView {
    struct Model {
        let post: Post
        let action: PlannedAction
        let history: [AuditEntry]
        let policyLabel: String
        let user: User
        var attempts: [PublishAttempt] = []
        /// Set when submitting or approving publishes at once.
        var goesOutAt: Immediate?
        /// What keeps a draft from being submitted, as the policy says it.
        var draftViolations: [Violation] = []
        /// A frame of the attached video is on file.
        var hasPoster = false
        /// Every saved text of the post (`post_versions`).
        var versions: [PostVersion] = []
        /// ffmpeg is installed, so videos attached get a frame.
        var framesAvailable = false
        /// The legal hold on the post, if any.
        var legalHold: LegalHold?
        /// A step refused for its input (a return without a reason): the step, what was typed and why.
        var refusedStep: (step: String, reason: String, message: String)?
    }

    struct Immediate {
        /// The chief still approves it: then it goes out at the approval.
        let needsChief: Bool
        let emergency: Bool
    }

    /// Why the chief sent the post back, where staff look first.
    static func returnedNotice(_ e: AuditEntry, policy: Policy) -> BodyNode {
        .tag("section", [Attr("class", "warn"), Attr("role", "alert"), Attr("aria-label", "差戻しの理由")], [
            .tag("p", [], [.strong(.text("\(e.actor)（\(policy.ownerRole.title)）が差し戻しました（\(JapaneseTime.staff(e.at))）。")),
                           .text(" 理由: "), .text(e.reason)]),
        ])
    }

    static func immediateWarning(_ text: String) -> BodyNode {
        .tag("p", [Attr("class", "warn immediate")], [.strong(.text("ご注意: ")), .text(text)])
    }

    static func page(_ f: PageFrame, _ m: Model) -> HTML {
        let p = m.post, a = m.action, policy = f.policy
        let account = policy.account(p.account)
        let suspendedNote = account.map { SuspensionView.composeWarning(f, $0) } ?? .empty
        var rows: [(String, String)] = [
            ("状態", p.state.displayName),
            ("アカウント", account.map(PlatformLabel.text) ?? p.account),
            ("区分", p.category.flatMap { c in account?.category(c).map { "\($0.code) \($0.name)［\($0.clause)］" } } ?? (p.category ?? "—")),
            ("種類", a.kind.displayName),
            ("予約日時", (p.scheduledAt.map { JapaneseTime.displayWithEra($0) } ?? "—")
                + (p.chosenAt == nil ? (p.emergency ? "（自動: 緊急のため直ちに）" : "（自動: 次の運用時間）") : "")),
        ]
        if let t = a.title { rows.append(("タイトル", t)) }
        if !a.links.isEmpty { rows.append(("リンク", a.links.joined(separator: " "))) }
        if let s = a.sourceURL { rows.append(("出典記事", s)) }
        if a.emergency { rows.append(("緊急", "はい（理由: \(a.emergencyReason ?? "")）")) }
        if let o = p.articleOrigin {
            let name = account.flatMap { policy.rules(for: $0.platform)?.articleOrigins.first { $0.code == o }?.name } ?? o
            rows.append(("記事の出所", name))
        }
        rows += [("作成者", p.authorName), ("検査したポリシー", m.policyLabel), ("版", String(p.lockVersion))]
        var content: [BodyNode] = []
        if p.state == .rejected, let r = m.history.last(where: { $0.action == "post.reject" }) {
            content.append(returnedNotice(r, policy: policy))
        }
        if p.usesHoursException {
            content.append(.tag("p", [Attr("class", "warn"), Attr("role", "alert")], text: "運用時間外に緊急として発信する投稿です。"))
        }
        if !m.draftViolations.isEmpty {
            content.append(.tag("p", [Attr("class", "warn")], text: "この下書きはまだポリシーに合わないため、提出できません。編集して直してください。"))
            content.append(.violations(m.draftViolations))
        }
        content.append(suspendedNote)
        if f.sandbox { content.append(.tag("p", [], [.text("発信先: "), Layout.sandboxMark(f)])) }
        // What the chief reads to approve comes first and largest, with the attached image itself.
        let image = attachedImage(m)
        switch try? m.post.rendering(policy)?.get() {
        case let rendering?:
            content.append(.tag("div", [Attr("class", "post-main")], [RenderingPreview.card(rendering, account: account), image]))
        default:
            content.append(.tag("h2", [], text: "本文"))
            content.append(.tag("div", [Attr("class", "post-body")], text: a.text))
            content.append(image)
        }
        if !p.reasons.isEmpty {
            content.append(.tag("h2", [], text: "\(policy.ownerRole.title)の承認が必要な理由"))
            content.append(.tag("ul", [], p.reasons.map { .tag("li", [], text: $0) }))
        }
        // The steps sit right under the preview, where the eye is; the details and the history follow.
        content.append(.tag("section", [Attr("class", "actions-top"), Attr("aria-labelledby", "h-actions")],
                            [.tag("h2", [Attr("id", "h-actions")], text: "操作"), actions(f, m)]))
        content.append(.tag("h2", [], text: "詳細"))
        content.append(.tag("dl", [], rows.flatMap { [BodyNode.tag("dt", [], text: $0.0), .tag("dd", [], text: $0.1)] }))
        if let platform = account?.platform, a.kind != .reply { content.append(media(f, m, platform: platform)) }
        content.append(ConnectionViews.publishing(p, attempts: m.attempts, sandbox: f.sandbox))
        if !m.attempts.isEmpty, let id = p.id { content.append(RecordsController.callsLink(post: id)) }
        if let id = p.id { content.append(LegalHolds.section(f, .post, id, hold: m.legalHold)) }
        content.append(.tag("h2", [], text: "履歴"))
        content.append(.table(["日時", "誰が", "何を", "内容", "理由"], m.history.map {
            [.text(JapaneseTime.staff($0.at)), .text($0.actor), AuditWords.actionNode($0.action), AuditWords.detail($0.detail, action: $0.action), AuditWords.hashesCut($0.reason)]
        }))
        content.append(PostVersionsAPI.section(m.versions, policy: policy))
        content.append(RecordsController.downloadLink(f, post: p))
        return Layout.page(f, content)
    }

    /// An attached image as the platform will show it, so that the chief approves what they have seen.
    static func attachedImage(_ m: Model) -> BodyNode { attachedImage(m.post) }

    static func attachedImage(_ post: Post) -> BodyNode {
        guard let file = post.mediaFile, PostMedia.format(ofFile: file)?.kind == .image, let id = post.id else { return .empty }
        return .tag("img", [Attr("src", SiteURL.postImage(id).path), Attr("class", "attached-image"), Attr("width", "480"),
                            Attr("alt", "添付した画像\(post.mediaName.map { "「\($0)」" } ?? "")")])
    }

    /// An attached video's frame (made by ffmpeg when the video was attached), or why there is none.
    static func videoFrame(_ post: Post, hasPoster: Bool, framesAvailable: Bool) -> BodyNode {
        guard let file = post.mediaFile, PostMedia.format(ofFile: file)?.kind == .video, let id = post.id else { return .empty }
        if hasPoster {
            return .tag("img", [Attr("src", SiteURL.postPoster(id).path), Attr("width", "480"), Attr("class", "poster"),
                                Attr("alt", "添付した動画\(post.mediaName.map { "「\($0)」" } ?? "")の1秒目の画面")])
        }
        return .tag("p", [Attr("class", "hint")], text: framesAvailable
            ? "この動画の画面はありません（ffmpeg が読み取れませんでした）。動画ファイルを開いて確かめてください。"
            : "このサーバーには ffmpeg がないため、動画の画面は表示できません（入れると、次に添付した動画から表示します）。")
    }

    /// The post's file (a YouTube video, an X image): what is attached, and a form to attach one while the post may change.
    static func media(_ f: PageFrame, _ m: Model, platform: Platform) -> BodyNode {
        guard let accepted = PostMedia.accepted(on: platform) else { return .empty }
        let p = m.post
        let what = accepted.kind.displayName
        var items: [BodyNode] = [.tag("h2", [], text: what)]
        if let file = p.mediaFile {
            let bytes = (p.mediaBytes ?? 0).formatted(.number.locale(Locale(identifier: "ja_JP")))
            let sha = String(file.prefix { $0 != "." })
            items.append(.tag("p", [], [
                .text("添付済み: "), .tag("strong", [], text: p.mediaName ?? "（名前の記録なし）"),
                .text("　\(bytes) バイト（SHA-256 "), .tag("code", [Attr("title", sha)], text: "\(sha.prefix(12))…"), .text("）"),
            ]))
            if accepted.kind == .video { items.append(videoFrame(p, hasPoster: m.hasPoster, framesAvailable: m.framesAvailable)) }
        } else if accepted.kind == .video {
            items.append(.tag("p", [Attr("class", "warn")], text: "動画ファイルが添付されていません。提出する前に添付してください。"))
        } else {
            items.append(.tag("p", [], text: "画像は添付されていません（任意）。"))
        }
        if p.state.isEditable, m.user.mayAct(on: p.account) {
            let note = p.state == .scheduled || p.state == .submitted ? "添付し直すと、\(f.policy.ownerRole.title)の承認をもう一度受けます。" : nil
            items.append(.tag("form", [Attr("method", "post"), Attr("action", SiteURL.postMedia(p.id!).path), Attr("enctype", "multipart/form-data"),
                                       Attr("data-upload", "1")], [
                .csrf(f.csrf), .hidden("version", String(p.lockVersion)),
                .field("\(what)ファイル（\(accepted.names)）", name: "media", type: "file", required: true, hint: note,
                       extra: [Attr("accept", accepted.kind == .video ? "video/*" : "image/jpeg,image/png,image/gif,image/webp")],
                       error: m.refusedStep.flatMap { $0.step == "media" ? $0.message : nil }),
                .button(p.mediaFile == nil ? "\(what)を添付する" : "\(what)を差し替える"),
                // Filled by the page's script while a large file is sent.
                .tag("progress", [Attr("hidden", nil), Attr("aria-label", "送信の進み具合")]),
                .tag("p", [Attr("class", "upload-status"), Attr("role", "status")]),
            ]))
            items.append(.tag("script", [Attr("src", SiteURL.composeScript.path), Attr("defer", "defer")]))
        }
        return .tag("section", [Attr("aria-label", what)], items)
    }

    static func actions(_ f: PageFrame, _ m: Model) -> BodyNode {
        let p = m.post, u = m.user
        let version = BodyNode.hidden("version", String(p.lockVersion))
        let place = f.policy.account(p.account).map(PlatformLabel.text) ?? p.account
        var forms: [BodyNode] = []
        for event in PostWorkflow.events(from: p.state) {
            switch event {
            case .submit where u.mayAct(on: p.account) && m.draftViolations.isEmpty:
                var parts = [version]
                if let now = m.goesOutAt, !now.needsChief || now.emergency {
                    parts.append(immediateWarning(now.needsChief
                        ? "この投稿は、\(f.policy.ownerRole.title)が承認すると\(place)に直ちに発信されます。"
                        : "提出すると、承認を待たずに\(place)に直ちに発信されます。取り消す時間はありません。"))
                }
                forms.append(.postForm(SiteURL.postStep(p.id!, "submit").path, csrf: f.csrf, parts + [.button("提出する", kind: .primary)]))
            case .approve where u.role == .chief:
                var parts = [version]
                if m.goesOutAt != nil {
                    parts.append(immediateWarning("承認すると、\(place)に直ちに発信されます。取り消す時間はありません。"))
                }
                forms.append(.postForm(SiteURL.postStep(p.id!, "approve").path, csrf: f.csrf, parts + [.button("承認する", kind: .primary)]))
            case .reject where u.role == .chief:
                let typed = m.refusedStep.flatMap { $0.step == "reject" ? $0 : nil }
                forms.append(.postForm(SiteURL.postStep(p.id!, "reject").path, csrf: f.csrf,
                                       [version, .field("差戻しの理由", name: "reason", value: typed?.reason ?? "", required: true, id: "f-reject-reason",
                                                        error: typed?.message),
                                        .button("差し戻す", kind: .danger)]))
            case .cancel where u.mayAct(on: p.account):
                let typed = m.refusedStep.flatMap { $0.step == "cancel" ? $0 : nil }
                forms.append(.postForm(SiteURL.postStep(p.id!, "cancel").path, csrf: f.csrf,
                                       [version, .field("取消しの理由", name: "reason", value: typed?.reason ?? "", id: "f-cancel-reason", error: typed?.message),
                                        .button("取り消す", kind: .danger)]))
            case .edit where u.mayAct(on: p.account):
                forms.append(.tag("p", [], [.link(.postEdit(p.id!), "編集する")]))
            default:
                break
            }
        }
        return forms.isEmpty ? .tag("p", [], text: "行える操作はありません。") : .group(forms)
    }
}
