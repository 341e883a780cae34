import Foundation

/// Finds in a comment what the deletion grounds of 4(8)/5(8) name, and what may mislead (4(7)/5(7)).
/// No server, no network: lexicons and patterns are data.
public struct CommentClassifier: Sendable {
    public init() {}

    /// `deletionClause` is the account's clause (`4(8)`, `5(8)`), used in each flag's `clause` (`4(8)③`).
    /// `recentTexts` are other recent comments on the same account, for floods (the same text many times).
    public func assess(_ text: String, platform: Platform? = nil, deletionClause: String = "4(8)",
                       recentTexts: [String] = []) -> CommentAssessment {
        // The lexicons and patterns land with the classifier; until then nothing is flagged.
        CommentAssessment(grounds: [], misleading: false, suggestion: .keep)
    }
}
