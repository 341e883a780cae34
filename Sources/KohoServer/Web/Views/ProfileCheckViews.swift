import Plot
import KohoCore

/// What the profile checks found (3(2), 4(3), 5(3)): the chief's notice on the dashboard, and each account's state on
/// the accounts page.
enum ProfileCheckViews {
    static func notice(_ problems: [ProfileCheckRecord], policy: Policy) -> BodyNode {
        guard !problems.isEmpty else { return .empty }
        return .tag("section", [Attr("class", "warn"), Attr("role", "alert"), Attr("aria-labelledby", "profile-problems")], [
            .tag("h2", [Attr("id", "profile-problems")], text: "公式アカウントのプロフィールの問題（\(problems.count)件）"),
            .tag("ul", [], problems.map { r in
                .tag("li", [], [
                    .strong(.text(policy.account(r.account).map(PlatformLabel.text) ?? r.account)),
                    .text(": \(r.problem)（\(JapaneseTime.show(r.problemSince))から） "),
                    .link(.accounts, "アカウント画面で確かめる"),
                ])
            }),
        ])
    }

    static func section(_ a: Account, _ r: ProfileCheckRecord?, policy: Policy) -> BodyNode {
        guard let r else { return .empty }
        var nodes: [BodyNode] = []
        if !r.problem.isEmpty {
            nodes.append(.tag("p", [Attr("class", "warn"), Attr("role", "alert")],
                              text: "プロフィールの問題: \(r.problem)（\(JapaneseTime.show(r.problemSince))から、最後の確認 \(JapaneseTime.staff(r.checkedAt))）"))
        } else if r.verified == true {
            nodes.append(.tag("p", [Attr("class", "notice")], text: "プロフィール: Xの認証を確認しました（\(JapaneseTime.staff(r.checkedAt))）。"))
        } else if r.linksToCityPage == true {
            nodes.append(.tag("p", [Attr("class", "notice")], text: "プロフィール: 市ホームページのこのアカウントのページへのリンクを確認しました（\(JapaneseTime.staff(r.checkedAt))）。"))
        }
        if !r.website.isEmpty, a.platform != .x {
            nodes.append(.tag("p", [], text: "プロフィールにあるリンク: " + r.website.split(separator: "\n").joined(separator: "、")))
        }
        if !r.readError.isEmpty {
            nodes.append(.tag("p", [Attr("class", "warn")], text: "プロフィールの確認: \(r.readError)"))
        }
        return .group(nodes)
    }
}
