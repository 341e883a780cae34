import Foundation

/// The city's recent statements (alerts, published posts, notices) read once for the rumours the classifier knows:
/// for each kind of rumour, the newest statement that says the opposite of such a claim, and whether one says the same.
public struct CityStatementIndex: Sendable {
    enum Verdict {
        case agrees
        case contradicts(CityStatement)
    }

    public let statements: [CityStatement]
    private let contradicting: [Int: CityStatement]
    private let agreeing: Set<Int>

    init(_ statements: [CityStatement], _ lex: CompiledLexicon) {
        self.statements = statements
        var contradicting: [Int: CityStatement] = [:]
        var agreeing = Set<Int>()
        // Newest first: the city's latest word on a topic is the one a correction cites.
        for st in statements.sorted(by: { $0.publishedAt > $1.publishedAt }) {
            let hits = lex.scan(ModerationText.folded(st.title + "\n" + st.text))
            var subjects = Set<Int>(), counters = Set<Int>(), agrees = Set<Int>()
            for h in hits {
                switch lex.entries[h.entry].tag {
                case .statementSubject(let r): subjects.insert(r)
                case .counter(let r): counters.insert(r)
                case .agree(let r): agrees.insert(r)
                default: break
                }
            }
            for r in subjects {
                if agrees.contains(r) && contradicting[r] == nil { agreeing.insert(r) }
                else if counters.contains(r) && contradicting[r] == nil && !agreeing.contains(r) { contradicting[r] = st }
            }
            // A rumour with no subject of its own (予言) is answered by any statement that calls it false.
            for r in counters where lex.lexicon.rumours[r].subjects.isEmpty && lex.lexicon.rumours[r].statementSubjects == nil
                && contradicting[r] == nil {
                contradicting[r] = st
            }
        }
        self.contradicting = contradicting
        self.agreeing = agreeing
    }

    /// What the city's statements say of a claim of rumour kind `rumour`; nil when none speaks of it.
    func check(rumour: Int) -> Verdict? {
        if agreeing.contains(rumour) { return .agrees }
        return contradicting[rumour].map(Verdict.contradicts)
    }

    public var isEmpty: Bool { statements.isEmpty }
}
