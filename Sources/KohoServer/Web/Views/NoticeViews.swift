import Foundation
import Plot
import KohoCore

enum NoticeViews {
    static func clauses(_ policy: Policy, _ pick: (PlatformRules) -> String?) -> String {
        policy.accounts.map(\.platform).distinctElements().compactMap { policy.rules(for: $0).flatMap(pick) }.joined(separator: "・")
    }

    static func list(_ f: PageFrame, notices: [Notice], suspensions: [String: AccountSuspension]) -> HTML {
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
            content += [
                .tag("h2", [], text: "お知らせの下書きを作る"),
                .postForm(SiteURL.notices.path, csrf: f.csrf, [
                    .selectField("種類", name: "kind", options: Notice.Kind.allCases.map { (value: $0.rawValue, label: $0.displayName) }, selected: nil),
                    .selectField("対象の公式アカウント", name: "account", options: p.accounts.filter { a in f.user?.mayAct(on: a.id) ?? false }.map { (value: $0.id, label: PlatformLabel.text($0)) }, selected: nil,
                                 hint: "なりすましへの注意ではなりすまされたアカウント、停止・削除では止めるアカウント"),
                    .field("題名", name: "title", required: true),
                    .textArea("本文", name: "body", value: "", rows: 8, hint: "空行で段落を分けます。停止・削除では、その理由を書いてください。"),
                    .button("下書きを保存する"),
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
                section.append(.postForm(SiteURL.accountSuspension(a.id).path, csrf: f.csrf, [
                    .selectField("操作", name: "action", options: actions.map { (value: $0.rawValue, label: actionName($0)) }, selected: nil, id: "f-action-\(i)"),
                    s != nil ? .empty : .selectField("理由のお知らせ（掲載中）", name: "noticeId",
                                                     options: [(value: "", label: "（選ばない）")] + live.map { (value: $0.idString, label: $0.title) },
                                                     selected: live.first?.idString, id: "f-notice-\(i)"),
                    .button("実行する"),
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

    static func show(_ f: PageFrame, _ n: Notice, ctx: KohoContext) -> HTML {
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
                .tag("dt", [], text: "市ホームページでの場所"), .tag("dd", [], text: SuspensionService.publicURL(of: n.id!, ctx)),
            ]),
            n.status == .published ? .tag("p", [], [.link(href: PublicPage.notice(n.id!).servedPath, "公開ページで見る（\(n.title)）")]) : .empty,
            .tag("h2", [], text: "本文"),
            .tag("div", [Attr("class", "post-body")], text: n.body),
        ]
        if let r = n.resumedAt { content.append(.tag("p", [], text: "追記: \(JapaneseTime.staff(r))に運用を再開しました。")) }
        if mayEdit {
            content += [
                .tag("h2", [], text: n.status == .draft ? "下書きを直す" : "掲載中のお知らせを直す"),
                n.status == .published ? .tag("p", [Attr("class", "warn")], text: "保存すると、直ちに公開ページとフィードに反映されます。") : .empty,
                .postForm(SiteURL.notice(n.id!).path, csrf: f.csrf, [
                    .hidden("version", String(n.lockVersion)),
                    .field("題名", name: "title", value: n.title, required: true),
                    .textArea("本文", name: "body", value: n.body, rows: 10),
                    .button("保存する", kind: .primary),
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
