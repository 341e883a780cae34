import Plot
import Vapor
import KohoCore

/// Set on every page request: the suspended accounts, so that the compose page, a post's page and the lists say
/// why its posts are held.
struct SuspendedAccounts: StorageKey { typealias Value = [String: AccountSuspension] }

enum SuspensionView {
    /// Why nothing goes out on a suspended account, on the pages where posts for it are written and read.
    static func composeWarning(_ f: PageFrame, _ account: Account) -> BodyNode {
        guard let s = f.suspensions[account.id] else { return .empty }
        let clause = f.policy.rules(for: account.platform)?.suspensionClause ?? ""
        return .tag("p", [Attr("class", "warn"), Attr("role", "status")], [
            .tag("strong", [], text: "\(account.displayName)は\(s.action == .delete ? "削除" : "停止")されています（\(JapaneseTime.staff(s.since))から、\(clause)）。"),
            .text(" このアカウントへの投稿は発信されず、予約は保留されます。\(f.policy.ownerRole.title)が運用を再開すると、保留した予約は次の運用時間に発信されます。"),
        ])
    }
}
