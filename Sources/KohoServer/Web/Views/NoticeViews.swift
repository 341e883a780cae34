import Foundation
import Plot
import KohoCore

enum NoticeViews {
    static func clauses(_ policy: Policy, _ pick: (PlatformRules) -> String?) -> String {
        policy.accounts.map(\.platform).distinctElements().compactMap { policy.rules(for: $0).flatMap(pick) }.joined(separator: "・")
    }

    /// What a person typed into a notice's form that came back, and why.
    struct Typed {
        var kind: String
        var account: String
        var title: String
        var body: String
        /// The field the reason is about: kind, account, title or body.
        var field: String
        var error: String
        var version: Int?

        func error(for name: String) -> String? { field == name ? error : nil }
    }

    struct SuspensionTyped {
        var account: String
        var action: String
        var noticeId: String
        var error: String
    }

    struct Returned {
        var draft: Typed?
        var suspension: SuspensionTyped?
    }

    static func list(_ f: PageFrame, notices: [Notice], suspensions: [String: AccountSuspension], returned: Returned = .init()) -> HTML {
        let p = f.policy
        let mayWrite = f.user.map { Permissions.mayWrite($0.person) == nil } ?? false
        let chief = f.user.map { Permissions.mayDecide($0.person) } ?? false
        var content: [BodyNode] = [
            .tag("p", [], text: "市ホームページの公開ページに載せるお知らせです。なりすましアカウントへの注意（\(clauses(p, { $0.verificationClause }))）と、公式アカウントの停止・削除の理由（\(clauses(p, { $0.suspensionClause }))）。下書きは担当者も作れ、掲載するのは\(p.ownerRole.title)です。"),
            .tag("h2", [], text: "お知らせ（\(notices.count)件）"),
            notices.isEmpty ? .tag("p", [], text: "お知らせはまだありません。") : .table(["題名", "種類", "アカウント", "状態", "更新"], notices.map { n in
                [.link(.notice(n.id!), n.title), .text(n.kind.displayName), .text(p.account(n.account).map(PlatformLabel.text) ?? n.account),
                 .text(n.status.displayName + (n.resumedAt == nil ? "" : "（再開を追記）")), .text(JapaneseTime.staff(n.updatedAt))]
            }),
        ]
        if mayWrite {
            let d = returned.draft
            content += [
                .tag("h2", [Attr("id", "new-notice")], text: "お知らせの下書きを作る"),
                .formError(d.map { "保存できませんでした: \($0.error)" }),
                .postForm(SiteURL.notices.path, csrf: f.csrf, [
                    .selectField("種類", name: "kind", options: Notice.Kind.allCases.map { (value: $0.rawValue, label: $0.displayName) }, selected: d?.kind,
                                 error: d?.error(for: "kind")),
                    .selectField("対象の公式アカウント", name: "account", options: p.accounts.filter { a in f.user?.mayAct(on: a.id) ?? false }.map { (value: $0.id, label: PlatformLabel.text($0)) }, selected: d?.account,
                                 hint: "なりすましへの注意ではなりすまされたアカウント、停止・削除では止めるアカウント", error: d?.error(for: "account")),
                    .field("題名", name: "title", value: d?.title ?? "", required: true, error: d?.error(for: "title")),
                    .textArea("本文", name: "body", value: d?.body ?? "", rows: 8, hint: "空行で段落を分けます。停止・削除では、その理由を書いてください。",
                              error: d?.error(for: "body")),
                    .button("下書きを保存する", kind: notices.isEmpty || d != nil ? .primary : .secondary),
                ]),
            ]
        }
        content.append(.tag("h2", [], text: "アカウントの停止・削除・再開"))
        content.append(.tag("p", [], text: "\(p.ownerRole.title)は、理由を明示したお知らせ（種類「\(Notice.Kind.suspension.displayName)」）を公開ページに掲載した上で、アカウントを停止・削除できます。停止中、そのアカウントの予約は発信されず保留されます。"))
        for (i, a) in p.accounts.enumerated() {
            let s = suspensions[a.id]
            let rules = p.rules(for: a.platform)
            let live = notices.filter { $0.kind == .suspension && $0.account == a.id && $0.status == .published && $0.resumedAt == nil }
            var section: [BodyNode] = [
                .tag("h3", [Attr("id", "s-\(i)")], text: PlatformLabel.text(a)),
                .tag("p", [], text: "状態: " + (s.map { "\($0.action == .delete ? "削除" : "停止中")（\(JapaneseTime.staff($0.since))から、\($0.by)）" } ?? "運用中")),
            ]
            if chief {
                if s == nil, live.isEmpty, rules?.suspensionRequiresPublishedReason ?? true {
                    section.append(.tag("p", [Attr("class", "warn")], text: "このアカウントの停止・削除の理由を明示したお知らせが掲載されていないため、停止・削除はできません（\(rules?.suspensionClause ?? "")）。先にお知らせを作って掲載してください。"))
                }
                let actions: [SuspensionService.Action] = s == nil ? [.suspend, .delete] : s?.action == .suspend ? [.delete, .resume] : [.resume]
                let typed = returned.suspension.flatMap { $0.account == a.id ? $0 : nil }
                if let typed { section.append(.formError("実行できませんでした: \(typed.error)")) }
                section.append(.postForm(SiteURL.accountSuspension(a.id).path, csrf: f.csrf, [
                    .selectField("操作", name: "action", options: actions.map { (value: $0.rawValue, label: actionName($0)) }, selected: typed?.action,
                                 id: "f-action-\(i)", error: s == nil ? nil : typed?.error),
                    s != nil ? .empty : .selectField("理由のお知らせ（掲載中）", name: "noticeId",
                                                     options: [(value: "", label: "（選ばない）")] + live.map { (value: $0.idString, label: $0.title) },
                                                     selected: typed?.noticeId ?? live.first?.idString, id: "f-notice-\(i)", error: typed?.error),
                    .button("実行する", kind: .danger),
                ]))
            }
            content.append(.tag("section", [Attr("aria-labelledby", "s-\(i)")], section))
        }
        if !chief {
            content.append(.tag("p", [Attr("class", "notice")], text: "停止・削除・再開は\(p.ownerRole.title)だけが行えます。"))
        }
        return Layout.page(f, content)
    }

    static func actionName(_ a: SuspensionService.Action) -> String {
        switch a {
        case .suspend: return "停止する"
        case .delete: return "削除する"
        case .resume: return "再開する"
        }
    }

    static func show(_ f: PageFrame, _ n: Notice, ctx: KohoContext, typed: Typed? = nil) -> HTML {
        let p = f.policy
        let chief = f.user.map { Permissions.mayDecide($0.person) } ?? false
        let mayEdit = (f.user.map { Permissions.mayChange($0.person, account: n.account, policy: p) == nil } ?? false) && (n.status == .draft || chief)
        var content: [BodyNode] = [
            .tag("dl", [], [
                .tag("dt", [], text: "種類"), .tag("dd", [], text: n.kind.displayName),
                .tag("dt", [], text: "対象の公式アカウント"), .tag("dd", [], text: p.account(n.account).map(PlatformLabel.text) ?? n.account),
                .tag("dt", [], text: "状態"), .tag("dd", [], text: n.status.displayName + (n.publishedAt.map { "（\(JapaneseTime.staff($0))に掲載）" } ?? "")),
                .tag("dt", [], text: "作成"), .tag("dd", [], text: "\(n.createdBy)、\(JapaneseTime.staff(n.createdAt))"),
                .tag("dt", [], text: "更新"), .tag("dd", [], text: JapaneseTime.staff(n.updatedAt)),
                .tag("dt", [], text: "市ホームページでの場所"), .tag("dd", [], text: n.status == .published ? SuspensionService.publicURL(of: n, ctx) : "（掲載すると決まります）"),
            ]),
            n.status == .published ? .tag("p", [], [.link(href: PublicPage.notice(n.publicName).servedPath, "公開ページで見る（\(n.title)）")]) : .empty,
            .tag("h2", [], text: "本文"),
            .tag("div", [Attr("class", "post-body")], text: n.body),
        ]
        if let r = n.resumedAt { content.append(.tag("p", [], text: "追記: \(JapaneseTime.staff(r))に運用を再開しました。")) }
        if mayEdit {
            content += [
                .tag("h2", [], text: n.status == .draft ? "下書きを直す" : "掲載中のお知らせを直す"),
                n.status == .published ? .tag("p", [Attr("class", "warn")], text: "保存すると、直ちに公開ページとフィードに反映されます。") : .empty,
                .formError(typed.map { "保存できませんでした: \($0.error)" + ($0.version != n.lockVersion ? "（あなたの入力はこのフォームに残っています。保存し直すと上書きします）" : "") }),
                .postForm(SiteURL.notice(n.id!).path, csrf: f.csrf, [
                    .hidden("version", String(n.lockVersion)),
                    .field("題名", name: "title", value: typed?.title ?? n.title, required: true, error: typed?.error(for: "title")),
                    .textArea("本文", name: "body", value: typed?.body ?? n.body, rows: 10, error: typed?.error(for: "body")),
                    .button("保存する", kind: n.status == .draft && chief ? .secondary : .primary),
                ]),
            ]
        }
        if n.status == .draft {
            if chief {
                content += [
                    .tag("h2", [], text: "掲載"),
                    .tag("p", [Attr("class", "immediate")], text: "掲載すると、直ちに公開ページ（お知らせの一覧とフィード）に出ます。"),
                    .postForm(SiteURL.noticePublish(n.id!).path, csrf: f.csrf, [.hidden("version", String(n.lockVersion)), .button("公開ページに掲載する", kind: .primary)]),
                ]
            } else {
                content.append(.tag("p", [Attr("class", "notice")], text: "掲載するのは\(p.ownerRole.title)です。"))
            }
        }
        content.append(.tag("p", [], [.link(.notices, "お知らせ・アカウントの停止の一覧へ")]))
        return Layout.page(f, content)
    }
}
