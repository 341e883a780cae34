import Foundation

/// What Koho suggests the chief does with a comment. The chief decides; this is only a suggestion.
public enum CommentSuggestion: String, Sendable, Codable, CaseIterable {
    /// A deletion ground of 4(8)/5(8) is clearly met.
    case delete
    /// A ground may be met; the chief should look.
    case review
    /// It may mislead other readers: answer with a correction (4(7)/5(7)), do not delete.
    case correct
    /// Nothing to do (criticism, inquiries, ordinary comments).
    case keep
}

/// A stretch of the comment's text, offsets in Unicode scalars (start inclusive, end exclusive).
public struct EvidenceSpan: Sendable, Codable, Equatable {
    public var start: Int
    public var end: Int
    public var text: String

    public init(start: Int, end: Int, text: String) {
        self.start = start
        self.end = end
        self.text = text
    }
}

/// One deletion ground a comment may meet, with the text that shows it.
public struct GroundFlag: Sendable, Codable, Equatable {
    /// The policy's mark, `①`–`⑤`.
    public var ground: String
    /// The clause with the mark, e.g. `4(8)③`.
    public var clause: String
    /// A short reason in Japanese.
    public var reason: String
    public var evidence: [EvidenceSpan]

    public init(ground: String, clause: String, reason: String, evidence: [EvidenceSpan]) {
        self.ground = ground
        self.clause = clause
        self.reason = reason
        self.evidence = evidence
    }
}

/// The classifier's answer for one comment: the grounds it may meet (strongest first), whether it may mislead,
/// and the suggestion. This is the shape of `koho moderate`'s output lines and of the API's comment flags.
public struct CommentAssessment: Sendable, Codable, Equatable {
    public var grounds: [GroundFlag]
    public var misleading: Bool
    public var suggestion: CommentSuggestion

    public init(grounds: [GroundFlag], misleading: Bool, suggestion: CommentSuggestion) {
        self.grounds = grounds
        self.misleading = misleading
        self.suggestion = suggestion
    }
}
