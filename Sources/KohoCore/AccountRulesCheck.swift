import Foundation

/// The rules about accounts and comments rather than posts: deleting a comment on one of the
/// five grounds (4(8), 5(8)) and suspending or deleting an account (3(7), 4(9), 5(9)).
extension PolicyChecker {
    /// Whether the chief may delete a comment on `account` on the ground with code `ground`.
    public func checkCommentDeletion(account id: String, ground: String) -> [Violation] {
        guard let account = policy.account(id) else { return [unknownAccount(id)] }
        guard let rules = policy.commentDeletion, let clause = rules.clause(for: account) else {
            let clauses = policy.commentDeletion?.clauses.values.sorted().joined(separator: "、") ?? ""
            return [Violation(rule: clauses, code: "commentDeletion.notApplicable",
                              message: "【\(clauses)】コメント削除の定めは\(account.displayName)には適用されません")]
        }
        guard rules.grounds.contains(where: { $0.code == ground }) else {
            let known = rules.grounds.map { "\($0.number) \($0.code)" }.joined(separator: "、")
            return [Violation(rule: clause, code: "commentDeletion.unknownGround",
                              message: "【\(clause)】削除の理由「\(ground)」は定めにありません（\(known)）")]
        }
        return []
    }

    /// Suspending or deleting an account: only after its reason is published on the city website.
    public func checkSuspension(account id: String, publishedReasonURL: String?) -> [Violation] {
        guard let account = policy.account(id), let rules = policy.rules(for: account.platform) else { return [unknownAccount(id)] }
        guard rules.suspensionRequiresPublishedReason else { return [] }
        let clause = rules.suspensionClause
        let siteHost = URL(string: policy.organization.website)?.host?.lowercased() ?? ""
        guard let s = publishedReasonURL, let url = URL(string: s), let host = url.host?.lowercased(),
              url.scheme == "https" || url.scheme == "http" else {
            return [Violation(rule: clause, code: "suspension.reasonNotPublished",
                              message: "【\(clause)】アカウントの停止・削除は、市ホームページ（\(siteHost)）にその理由を明示した上で行います。理由を掲載したページのURLを指定してください")]
        }
        guard host == siteHost else {
            return [Violation(rule: clause, code: "suspension.reasonNotOnCityWebsite",
                              message: "【\(clause)】停止・削除の理由は市ホームページ（\(siteHost)）に明示します（指定: \(host)）")]
        }
        return []
    }

    public func unknownAccount(_ id: String) -> Violation {
        Violation(rule: "2", code: "account.unknown",
                  message: "アカウント「\(id)」はこのポリシーで運用するアカウントではありません（運用するアカウント: \(policy.accounts.map(\.id).joined(separator: ", "))）")
    }
}
