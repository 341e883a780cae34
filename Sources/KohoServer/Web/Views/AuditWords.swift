import Foundation
import Plot
import KohoCore

/// The audit trail in words a person reads; the stored codes stay one hover (title) away.
enum AuditWords {
    static let actions: [String: String] = [
        "records.export": "記録一式の書き出し",
        "post.create": "作成", "post.submit": "提出", "post.approve": "承認", "post.reject": "差戻し", "post.cancel": "取消し",
        "post.edit": "編集", "post.expire": "承認の失効", "post.publishing": "発信の開始", "post.published": "発信済み",
        "post.publish.attempt": "発信の試行", "post.publish.failed": "発信失敗", "post.publish.held": "発信の保留",
        "post.publish.heldForApproval": "承認待ちに戻す", "post.publish.settled": "発信結果の確認", "post.publish.dryRun": "試験運転",
        "post.publish.published": "発信済み", "post.publish.unknown": "結果不明",
        "login": "ログイン", "login.failed": "ログインの失敗", "login.locked": "ログインのロック", "logout": "ログアウト",
        "user.add": "利用者の追加", "user.role": "利用者の設定変更", "user.password": "パスワード変更",
        "user.password.failed": "パスワード変更の失敗", "user.totp": "二段階認証の設定", "user.unlock": "ロックの解除",
        "token.create": "APIトークンの作成", "token.list": "APIトークンの一覧", "token.revoke": "APIトークンの取消し",
        "policy.change": "ポリシーの変更", "account.connect": "アカウントの接続", "account.needsReconnecting": "要再接続",
        "account.refresh": "トークンの更新",
        "profile.problem.found": "プロフィールの問題", "profile.problem.fixed": "プロフィールの問題の解消",
        "comment.decide": "コメントの決定", "comment.decide.againstSuggestion": "提案に反する削除", "comment.propose": "コメントの提案",
        "comment.hide": "コメントの非表示", "comment.delete": "コメントの削除", "comment.actionFailed": "コメントの処理の失敗",
        "comment.guidance": "コメントへの案内の返信", "comment.alarm.raised": "大量投稿の警告", "comment.alarm.cleared": "大量投稿の警告の解除",
        "post.hold": "発信の保留（災害モード・停止）", "post.release": "保留の解除", "post.reschedule": "予約日時の変更",
        "mail.sent": "メールの送信", "mail.failed": "メールの送信失敗",
        "disaster.on": "災害モードの開始", "disaster.off": "災害モードの終了",
        "alert.raise": "気象警報等の受信", "alert.update": "気象警報等の更新", "alert.lift": "気象警報等の解除", "alert.withdraw": "警報の下書きの取下げ",
        "intake.quarantine": "取り込めない記事の保留",
        "notice.create": "お知らせの作成", "notice.edit": "お知らせの編集", "notice.publish": "お知らせの掲載", "notice.resumed": "運用再開のお知らせ",
        "account.suspend": "アカウントの停止", "account.delete": "アカウントの削除", "account.resume": "アカウントの運用再開",
        "impersonation.report": "なりすましの通報", "impersonation.case.open": "なりすまし事案の登録",
        "impersonation.case.found": "なりすまし事案: 発見", "impersonation.case.warned": "なりすまし事案: 注意喚起",
        "impersonation.case.takedown_requested": "なりすまし事案: 削除依頼", "impersonation.case.press_notified": "なりすまし事案: 報道機関へ情報提供",
        "impersonation.case.closed": "なりすまし事案: 終了",
        "secrets.rotate": "秘密鍵の交換", "login.totpReused": "使用済みの確認コード",
    ]

    /// The stored codes whose words contain `q` (「承認」 finds post.approve and post.expire's 「承認の失効」).
    static func actions(matching q: String) -> [String] {
        actions.filter { $0.value.contains(q) }.map(\.key).sorted()
    }

    static func action(_ code: String) -> String { actions[code] ?? code }

    static func actionNode(_ code: String) -> BodyNode {
        .tag("span", [Attr("title", code)], text: action(code))
    }

    /// `draft → scheduled` as `下書き → 予約済み`.
    static func states(_ s: String) -> String {
        var out = s
        for state in PostState.allCases {
            out = out.replacingOccurrences(of: "\(state.rawValue) → ", with: "\(state.displayName) → ")
            out = out.replacingOccurrences(of: "→ \(state.rawValue)", with: "→ \(state.displayName)")
        }
        return out
    }

    /// The detail in words, with each SHA-256 cut to its first 12 digits (all 64 in the title); the stored detail, codes
    /// and all, one hover away.
    static func detail(_ s: String, action: String = "") -> BodyNode {
        let words = codesInWords(states(s), action: action)
        return words == s ? hashesCut(s) : .tag("span", [Attr("title", s)], [hashesCut(words)])
    }

    /// The stored codes a detail is written with (states, kinds, decisions, steps), by their words.
    static let codeWords: [String: String] = {
        var m: [String: String] = [:]
        for s in PostState.allCases { m[s.rawValue] = s.displayName }
        for k in Notice.Kind.allCases { m[k.rawValue] = k.displayName }
        for a in CommentDecisionAction.allCases { m[a.rawValue] = a.displayName }
        for s in ImpersonationCaseStep.allCases { m[s.rawValue] = s.displayName }
        for s in [ConnectionStatus.connected, .needsReconnecting, .notConnected] { m[s.rawValue] = s.displayName }
        for r in [CommentAlarm.Reason.surge, .misleading, .both] { m[r.rawValue] = r.displayName }
        m["active"] = "運用中"
        m["suspend"] = "停止"
        m["resume"] = "再開"
        m["reply"] = "返信"
        return m
    }()

    private static let codeToken = try! NSRegularExpression(pattern: #"(?<![A-Za-z0-9_./:@=-])[a-z][A-Za-z_]*(?![A-Za-z0-9_./:@=-])"#)

    /// Each code standing alone as a word (not inside an address, an id or `key=value`) by its words; a notice's
    /// `published` is 掲載中, a post's 発信済み.
    static func codesInWords(_ s: String, action: String) -> String {
        let ns = s as NSString
        var out = s
        for m in codeToken.matches(in: s, range: NSRange(location: 0, length: ns.length)).reversed() {
            let code = ns.substring(with: m.range)
            let words = action.hasPrefix("notice.") && code == Notice.Status.published.rawValue ? Notice.Status.published.displayName : codeWords[code]
            guard let words, let r = Range(m.range, in: out) else { continue }
            out.replaceSubrange(r, with: words)
        }
        return out
    }

    /// Machine times written into stored details and reasons (`2026-12-08T05:26:49+09:00`, `2026年12月7日(月) 21:42`) as an
    /// office writes them (`令和8年12月8日（火）05:26`).
    static func timesInWords(_ text: String) -> String {
        var out = text
        for m in out.matches(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?/).reversed() {
            guard let date = JapaneseTime.parseISO8601(String(m.output.0)) else { continue }
            out.replaceSubrange(m.range, with: JapaneseTime.staff(date))
        }
        for m in out.matches(of: /(\d{4})年(\d{1,2})月(\d{1,2})日\([月火水木金土日]\) ?(\d{2}:\d{2})?/).reversed() {
            let (y, mo, d) = (String(m.output.1), String(m.output.2), String(m.output.3))
            let iso = "\(y)-\(mo.count == 1 ? "0" + mo : mo)-\(d.count == 1 ? "0" + d : d)T\(m.output.4.map(String.init) ?? "00:00"):00"
            guard let date = JapaneseTime.parseISO8601(iso) else { continue }
            let words = JapaneseTime.staff(date)
            out.replaceSubrange(m.range, with: m.output.4 == nil ? String(words.dropLast(5)) : words)
        }
        return out
    }

    /// A text as written, with each SHA-256 in it cut to its first 12 digits (all 64 in the title), and its times in words.
    static func hashesCut(_ text: String) -> BodyNode {
        var nodes: [BodyNode] = []
        var rest = Substring(timesInWords(text))
        while let r = rest.range(of: "[0-9a-f]{64}", options: .regularExpression) {
            nodes.append(.text(String(rest[..<r.lowerBound])))
            let hash = String(rest[r])
            nodes.append(.tag("span", [Attr("class", "hash"), Attr("title", hash)], text: String(hash.prefix(12)) + "…"))
            rest = rest[r.upperBound...]
        }
        nodes.append(.text(String(rest)))
        return .group(nodes)
    }

    /// A post's subject as a link named by the start of its text; other subjects as written.
    static func subject(_ s: String, posts: [String: Post], policy: Policy) -> BodyNode {
        guard s.hasPrefix("post:"), let id = UUID(uuidString: String(s.dropFirst(5))) else { return .text(s.hasPrefix("user:") ? "利用者 " + s.dropFirst(5) : s) }
        guard let p = posts[s] else { return .link(.post(id), "投稿") }
        let text = (try? p.action.text) ?? ""
        let account = policy.account(p.account).map { PlatformLabel.mark($0.platform) + " " + $0.displayName } ?? p.account
        return .link(.post(id), "\(account): \(text.count > 24 ? String(text.prefix(24)) + "…" : text)")
    }
}
