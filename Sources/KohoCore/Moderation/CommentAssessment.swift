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
    /// Whom the flag is about (every ground but ① and ④ needs a target), and the words naming them.
    public var target: CommentTargetKind?
    public var targetText: String?

    public init(ground: String, clause: String, reason: String, evidence: [EvidenceSpan],
                target: CommentTargetKind? = nil, targetText: String? = nil) {
        self.ground = ground
        self.clause = clause
        self.reason = reason
        self.evidence = evidence
        self.target = target
        self.targetText = targetText
    }
}

/// Who a flag or a criticism is about.
public enum CommentTargetKind: String, Sendable, Codable, CaseIterable {
    /// A private person (a name with an honorific or in a name position, a relation such as 隣の奥さん, a child).
    case privatePerson
    /// A business, a shop, a company.
    case business
    /// A group of people (nationality, disability, age, …).
    case group
    /// The city, the mayor in office, councillors in their public role, departments and staff as the city's agents:
    /// never a private target.
    case city
}

/// A factual claim in a comment about an emergency or a city service, set against what the city has published.
public struct RumourFinding: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// The city's own statement (`source`) says otherwise: a correction reply (4(7)/5(7)) can cite it.
        case contradicted
        /// Stated as fact, but nothing the city has published says either way.
        case unverified
    }
    public var status: Status
    /// The claim's words in the comment.
    public var claim: EvidenceSpan
    /// What the claim is about, in words (避難所, 断水, 避難指示, …).
    public var topic: String
    /// The city's statement that contradicts it (for `contradicted`).
    public var source: CityStatement?

    public init(status: Status, claim: EvidenceSpan, topic: String, source: CityStatement? = nil) {
        self.status = status
        self.claim = claim
        self.topic = topic
        self.source = source
    }
}

/// Something the city itself has published recently (an agency alert it holds, a published post, a public notice,
/// an article of its website): what a rumour is checked against.
public struct CityStatement: Sendable, Codable, Equatable, Hashable {
    public enum Kind: String, Sendable, Codable { case alert, post, notice, article }
    public var id: String
    public var kind: Kind
    public var title: String
    public var text: String
    public var url: String?
    public var publishedAt: Date

    public init(id: String, kind: Kind, title: String, text: String, url: String?, publishedAt: Date) {
        self.id = id
        self.kind = kind
        self.title = title
        self.text = text
        self.url = url
        self.publishedAt = publishedAt
    }
}

/// The classifier's answer for one comment: the grounds it may meet (strongest first), whether it may mislead,
/// and the suggestion. This is the shape of `koho moderate`'s output lines and of the API's comment flags.
public struct CommentAssessment: Sendable, Codable, Equatable {
    public var grounds: [GroundFlag]
    public var misleading: Bool
    public var suggestion: CommentSuggestion
    /// The comment criticises the city, its mayor, its staff or its policies (however harshly): deleting or hiding
    /// it against the suggestion needs the chief's explicit confirmation.
    public var criticism: Bool
    /// The rumour found, if any (`misleading` is true for it).
    public var rumour: RumourFinding?

    public init(grounds: [GroundFlag], misleading: Bool, suggestion: CommentSuggestion, criticism: Bool = false,
                rumour: RumourFinding? = nil) {
        self.grounds = grounds
        self.misleading = misleading
        self.suggestion = suggestion
        self.criticism = criticism
        self.rumour = rumour
    }

    private enum CodingKeys: String, CodingKey { case grounds, misleading, suggestion, criticism, rumour }

    /// Assessments stored before `criticism` and `rumour` existed read as neither.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        grounds = try c.decode([GroundFlag].self, forKey: .grounds)
        misleading = try c.decode(Bool.self, forKey: .misleading)
        suggestion = try c.decode(CommentSuggestion.self, forKey: .suggestion)
        criticism = try c.decodeIfPresent(Bool.self, forKey: .criticism) ?? false
        rumour = try c.decodeIfPresent(RumourFinding.self, forKey: .rumour)
    }
}
