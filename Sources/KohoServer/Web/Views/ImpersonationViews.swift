import Foundation
import Plot
import KohoCore

enum ImpersonationViews {
    static func percent(_ score: Double) -> String { String(format: "%.2f", score) }

    /// A report that came back: what was typed, which field the reason is about, and the reason.
    struct TypedReport {
        var platform = "", target = "", name = "", bio = "", note = ""
        var field = "", error = ""
        func error(for f: String) -> String? { field == f ? error : nil }
    }

    static func list(_ f: PageFrame, cases: [ImpersonationCase], scan: ImpersonationScanStatus?, typed: TypedReport? = nil) -> HTML {
        let open = cases.filter(\.isOpen), closed = cases.filter { !$0.isOpen }
        let rows: ([ImpersonationCase]) -> [[BodyNode]] = { list in
            list.map { c -> [BodyNode] in
                [.link(.impersonationCase(c.id!), "\(c.platform.displayName) \(c.handle)"), .text(c.name.isEmpty ? "—" : c.name),
                 .text(percent(c.score)), .text(c.imitates), .text(c.step.displayName + (c.outcome.map { "（\($0.displayName)）" } ?? "")),
                 .text(JapaneseTime.staff(c.updatedAt))]
            }
        }
        let headers = ["アカウント", "表示名", "スコア", "なりすまされている公式アカウント", "段階", "更新"]
        var content: [BodyNode] = [
            .tag("p", [], text: "市を名乗る偽のアカウント（なりすまし）への対応です（\(clauses(f.policy))）。発見 → 市ホームページでの注意喚起 → 運営者への削除依頼 → 必要に応じて報道機関へ情報提供 → 終了、の順に\(f.policy.ownerRole.title)が進めます。"),
            .tag("h2", [], text: "対応中の事案（\(open.count)件）"),
            open.isEmpty ? .tag("p", [], text: "対応中の事案はありません。") : .table(headers, rows(open)),
        ]
        if let scan {
            content.append(.tag("p", [], text: "検索による発見: 最後の実行 \(JapaneseTime.show(scan.lastRun))、候補 \(scan.candidates)件、新しい事案 \(scan.opened)件。\(scan.notes.joined(separator: " "))"))
        }
        if f.user?.role != .viewer {
            content += [
                .tag("h2", [], text: "なりすましと思われるアカウントを報告する"),
                .formError(typed.map { "報告できませんでした: \($0.error)" }),
                .postForm(SiteURL.impersonationReport.path, csrf: f.csrf, [
                    .selectField("プラットフォーム", name: "platform", options: [(value: "", label: "URL から判断する")] + Platform.allCases.map { (value: $0.rawValue, label: $0.displayName) },
                                 selected: typed?.platform ?? "", error: typed?.error(for: "platform")),
                    .field("アカウントの URL またはハンドル", name: "target", value: typed?.target ?? "", required: true,
                           hint: "例: https://x.com/kodaira__tokyo または @kodaira__tokyo", error: typed?.error(for: "target")),
                    .field("表示名（見たとおりに）", name: "name", value: typed?.name ?? "", error: typed?.error(for: "name")),
                    .textArea("自己紹介（見たとおりに）", name: "bio", value: typed?.bio ?? "", rows: 3, error: typed?.error(for: "bio")),
                    .textArea("メモ（どこで見つけたか、何を発信しているか）", name: "note", value: typed?.note ?? "", rows: 3, error: typed?.error(for: "note")),
                    .button("報告する", kind: .primary),
                ]),
            ]
        }
        content += [.tag("h2", [], text: "終了した事案（\(closed.count)件）"),
                    closed.isEmpty ? .tag("p", [], text: "終了した事案はありません。") : .table(headers, rows(closed))]
        return Layout.page(f, content)
    }

    static func clauses(_ policy: Policy) -> String {
        let c = policy.accounts.map(\.platform).distinctElements().compactMap { p -> String? in
            policy.rules(for: p)?.verificationClause ?? policy.accounts.first { $0.platform == p }?.clause
        }
        return c.isEmpty ? "運用ポリシー" : c.joined(separator: "・")
    }

    /// A step's form that came back: the step, what was typed in it, and why it was refused.
    struct TypedStep {
        var step: String
        var title = "", body = "", text = "", outcome = "", note = ""
        var error: String
        /// The field the reason is about: the title when it names the title, else the step's main text.
        func error(for field: String, of step: String) -> String? {
            guard self.step == step else { return nil }
            switch field {
            case "title": return error.contains("題名") ? error : nil
            case "outcome": return error.contains("終了の理由") ? error : nil
            default: return error.contains("題名") || error.contains("終了の理由") ? nil : error
            }
        }
    }

    static func show(_ f: PageFrame, _ c: ImpersonationCase, steps: [ImpersonationCaseStepRecord], notice: Notice?, ctx: KohoContext,
                     hold: LegalHold? = nil, typed: TypedStep? = nil) -> HTML {
        let evidence = ImpersonationCaseService.evidence(c, ctx)
        let chief = f.user.map { Permissions.mayDecide($0.person) } ?? false
        var content: [BodyNode] = [
            LegalHolds.section(f, .impersonationCase, c.id!, hold: hold),
            .tag("p", [], text: "段階: \(c.step.displayName)" + (c.outcome.map { "（\($0.displayName)）" } ?? "")),
            .tag("h2", [], text: "証拠（見つけたときのアカウント）"),
            .tag("dl", [], [
                .tag("dt", [], text: "プラットフォーム"), .tag("dd", [], text: c.platform.displayName),
                .tag("dt", [], text: "ハンドル・ID"), .tag("dd", [], text: c.handle + (c.platformId.isEmpty ? "" : "（ID \(c.platformId)）")),
                .tag("dt", [], text: "URL"), .tag("dd", [], text: c.profileURL),
                .tag("dt", [], text: "表示名"), .tag("dd", [], text: c.name.isEmpty ? "（なし）" : c.name),
                .tag("dt", [], text: "自己紹介"), .tag("dd", [Attr("class", "post-body")], text: c.bio.isEmpty ? "（なし）" : c.bio),
                .tag("dt", [], text: "確認日時"), .tag("dd", [], text: JapaneseTime.staff(c.seenAt)),
                .tag("dt", [], text: "発見の経緯"), .tag("dd", [], text: c.source.displayName + "（\(c.reportedBy)）" + (c.reportNote.isEmpty ? "" : "：\(c.reportNote)")),
                .tag("dt", [], text: "スコア"), .tag("dd", [], text: "\(percent(c.score))（しきい値 \(percent(ImpersonationScorer.defaultThreshold))）"),
                .tag("dt", [], text: "なりすまされている公式アカウント"),
                .tag("dd", [], text: evidence.map { "\($0.imitated.displayName)（\($0.imitated.handle)、\($0.imitated.url)）" } ?? c.imitates),
            ]),
            .tag("h3", [], text: "判定の理由"),
            .tag("ul", [], c.reasonList.map { BodyNode.tag("li", [], text: $0) }),
            .tag("h2", [], text: "経過"),
            .table(["段階", "誰が", "いつ", "内容"], steps.map { s -> [BodyNode] in
                [.text(s.step.displayName), .text(s.actor), .text(JapaneseTime.staff(s.at)), .tag("div", [Attr("class", "post-body")], text: s.note)]
            }),
        ]
        if let notice {
            content.append(.tag("p", [], text: "市ホームページのお知らせ: 「\(notice.title)」（\(notice.status.displayName)、\(SuspensionService.publicURL(of: notice, ctx))）"))
        }
        guard c.isOpen, let evidence else { return Layout.page(f, content + [.tag("p", [], [.link(.impersonation, "なりすまし対応の一覧へ")])]) }
        guard chief else {
            return Layout.page(f, content + [
                .tag("p", [Attr("class", "notice")], text: "次の段階へ進められるのは\(f.policy.ownerRole.title)だけです。"),
                .tag("p", [], [.link(.impersonation, "なりすまし対応の一覧へ")]),
            ])
        }
        content.append(.tag("h2", [], text: "次の段階"))
        if let typed { content.append(.formError("記録できませんでした: \(typed.error)")) }
        let mine = { (step: String) in typed.flatMap { $0.step == step ? $0 : nil } }
        let noticeURL = notice.flatMap { $0.status == .published ? SuspensionService.publicURL(of: $0, ctx) : nil }
        for next in c.step.next {
            switch next {
            case .warned:
                let (title, body) = ImpersonationTexts.warning(evidence, policy: f.policy)
                content.append(.tag("section", [Attr("aria-labelledby", "s-warn")], [
                    .tag("h3", [Attr("id", "s-warn")], text: "市ホームページで注意喚起する"),
                    .tag("p", [], text: "文面を確かめて直してから掲載してください。公開ページのお知らせとして掲載されます。"),
                    .postForm(SiteURL.impersonationStep(c.id!, "warn").path, csrf: f.csrf, [
                        .field("題名", name: "title", value: mine("warn")?.title ?? title, required: true, error: typed?.error(for: "title", of: "warn")),
                        .textArea("本文", name: "body", value: mine("warn")?.body ?? body, rows: 10, error: typed?.error(for: "body", of: "warn")),
                        .button("注意喚起を掲載する", kind: .primary),
                    ]),
                ]))
            case .takedownRequested:
                let form = PlatformReportForm.of(c.platform)
                content.append(.tag("section", [Attr("aria-labelledby", "s-takedown")], [
                    .tag("h3", [Attr("id", "s-takedown")], text: "運営者へ削除を依頼する"),
                    .tag("p", [], [.text("送付先: \(form.name) "), .link(href: form.url, "\(c.platform.displayName)の報告フォームを開く")]),
                    .postForm(SiteURL.impersonationStep(c.id!, "takedown").path, csrf: f.csrf, [
                        .textArea("削除依頼の文面", name: "text", value: mine("takedown")?.text ?? ImpersonationTexts.takedownRequest(evidence, policy: f.policy, noticeURL: noticeURL),
                                  rows: 16, id: "takedown-text", error: typed?.error(for: "text", of: "takedown")),
                        .button("削除依頼を送ったことを記録する"),
                    ]),
                ]))
            case .pressNotified:
                content.append(.tag("section", [Attr("aria-labelledby", "s-press")], [
                    .tag("h3", [Attr("id", "s-press")], text: "報道機関へ情報提供する（必要な場合）"),
                    .postForm(SiteURL.impersonationStep(c.id!, "press").path, csrf: f.csrf, [
                        .textArea("情報提供の文面", name: "text", value: mine("press")?.text ?? ImpersonationTexts.pressNotice(evidence, policy: f.policy, noticeURL: noticeURL),
                                  rows: 12, id: "press-text", error: typed?.error(for: "text", of: "press")),
                        .button("情報提供したことを記録する"),
                    ]),
                ]))
            case .closed:
                content.append(.tag("section", [Attr("aria-labelledby", "s-close")], [
                    .tag("h3", [Attr("id", "s-close")], text: "事案を終了する"),
                    .postForm(SiteURL.impersonationStep(c.id!, "close").path, csrf: f.csrf, [
                        .selectField("終了の理由", name: "outcome", options: [(value: "", label: "（選んでください）")] + ImpersonationCaseOutcome.allCases.map { (value: $0.rawValue, label: $0.displayName) },
                                     selected: mine("close")?.outcome, error: typed?.error(for: "outcome", of: "close")),
                        .field("メモ", name: "note", value: mine("close")?.note ?? "", error: typed?.error(for: "note", of: "close")),
                        .button("終了する", kind: .danger),
                    ]),
                ]))
            case .found:
                break
            }
        }
        content.append(.tag("p", [], [.link(.impersonation, "なりすまし対応の一覧へ")]))
        return Layout.page(f, content)
    }
}
