import Foundation

/// What the chief decides for a comment (4(8)/5(8), 4(7)/5(7)).
public enum CommentDecisionAction: String, Codable, Sendable, CaseIterable {
    case delete, hide, keep, correct

    public var displayName: String {
        switch self {
        case .delete: return "削除"
        case .hide: return "非表示"
        case .keep: return "そのまま"
        case .correct: return "訂正の返信"
        }
    }

    /// The decisions that change the comment on its platform, and so need a ground of 4(8)/5(8).
    public var actsOnPlatform: Bool { self == .delete || self == .hide }
}

extension CommentDeletionRules {
    /// The ground from its mark (`③`) or its code (`privacy`); nil if the policy has none such.
    public func ground(_ raw: String) -> DeletionGround? {
        grounds.first { $0.number == raw || $0.code == raw }
    }
}

/// The rules of a decision on a comment, and the one refusal of a reply where the platform takes none.
extension PolicyChecker {
    /// Replies are not how this account answers (X, 3(6)): the refusal of a reply draft, a correction decision and
    /// an answer to an inquiry alike. Nil where the platform takes replies.
    public func replyNotAllowed(on account: Account) -> Violation? {
        guard let rules = policy.rules(for: account.platform), rules.replies == .none else { return nil }
        let clause = rules.repliesClause
        return Violation(rule: clause, code: "reply.notAllowed",
                         message: "【\(clause)】\(account.platform.displayName)では返信による個別の対応は行いません。問合せ・意見・苦情は従前の方法で受け付けます。訂正が必要なら投稿で行ってください")
    }

    /// Why `action` may not be decided on a comment on `accountID` with `ground` and `reason` (empty when it may).
    public func checkCommentDecision(_ action: CommentDecisionAction, account accountID: String, ground: String, reason: String) -> [Violation] {
        guard let account = policy.account(accountID) else { return checkCommentDeletion(account: accountID, ground: ground) }
        let deletion = policy.commentDeletion
        let clause = deletion?.clause(for: account) ?? deletion?.clauses.values.sorted().joined(separator: "、") ?? ""
        switch action {
        case .delete, .hide:
            // The account first: no ground makes a deletion lawful where the clause does not apply.
            let notCovered = checkCommentDeletion(account: account.id, ground: deletion?.grounds.first?.code ?? "")
                .filter { $0.code == "commentDeletion.notApplicable" }
            if !notCovered.isEmpty { return notCovered }
            var v: [Violation] = []
            let g = ground.trimmingCharacters(in: .whitespacesAndNewlines)
            if g.isEmpty {
                v.append(Violation(rule: clause, code: "commentDeletion.groundRequired",
                                   message: "【\(clause)】\(action.displayName)には削除の理由（①〜⑤）のどれに当たるかを指定してください"))
            } else {
                v += checkCommentDeletion(account: account.id, ground: deletion?.ground(g)?.code ?? g)
            }
            if reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                v.append(Violation(rule: clause, code: "commentDeletion.reasonRequired",
                                   message: "【\(clause)】\(action.displayName)の理由（どの部分が当たるか）を書いてください"))
            }
            return v
        case .correct:
            return replyNotAllowed(on: account).map { [$0] } ?? []
        case .keep:
            return []
        }
    }

    /// Whether hiding or deleting goes against what Koho suggested: it suggested keeping the comment, or found it to
    /// be criticism of the city (which is never a ground, 4(8)/5(8)).
    public static func againstSuggestion(_ action: CommentDecisionAction, _ assessment: CommentAssessment) -> Bool {
        action.actsOnPlatform && (assessment.suggestion == .keep || assessment.criticism)
    }

    /// What Koho suggested, in the words the confirmation shows.
    public static func suggestionWords(_ assessment: CommentAssessment) -> String {
        var parts: [String] = []
        if assessment.suggestion == .keep { parts.append("Koho の提案は「そのまま」（削除の根拠は見つかっていません）") }
        if assessment.criticism { parts.append("Koho は市・市長・職員・施策への批判と判定しています") }
        return parts.joined(separator: "。")
    }

    /// The refusal of a hide or delete against the suggestion that the chief has not explicitly confirmed.
    public func confirmationRequired(_ action: CommentDecisionAction, account: String, ground: String, reason: String,
                                     assessment: CommentAssessment) -> Violation {
        let clause = policy.account(account).flatMap { policy.commentDeletion?.clause(for: $0) } ?? "4(8)"
        let g = policy.commentDeletion?.ground(ground.trimmingCharacters(in: .whitespacesAndNewlines))
        let groundText = g.map { "\($0.number) \($0.description)" } ?? ground
        return Violation(rule: clause, code: "commentDeletion.againstSuggestion",
                         message: "【\(clause)】\(Self.suggestionWords(assessment))。批判は削除の理由ではありません。それでも\(action.displayName)するなら、根拠（\(groundText)）と理由（\(reason.trimmingCharacters(in: .whitespacesAndNewlines))）を確かめ、提案に反する削除であることを明示して確認してください（API では \"confirmAgainstSuggestion\": true）")
    }
}
