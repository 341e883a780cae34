import Foundation

/// A labelled comment of the moderation corpus (`Tests/KohoCoreTests/Fixtures/moderation-corpus/*.jsonl`): the
/// grounds a careful officer finds, whether it needs a correction (4(7)/5(7)), whether it criticises the city.
public struct LabelledComment: Sendable, Codable {
    public var text: String
    public var grounds: [String]
    public var misleading: Bool
    public var criticism: Bool
    public var kind: String

    public init(text: String, grounds: [String], misleading: Bool, criticism: Bool, kind: String) {
        self.text = text
        self.grounds = grounds
        self.misleading = misleading
        self.criticism = criticism
        self.kind = kind
    }

    /// One comment a line; a bad line stops with its number.
    public static func load(jsonLines data: Data, name: String) throws -> [LabelledComment] {
        var out: [LabelledComment] = []
        for (i, line) in data.split(separator: 0x0A).enumerated() where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
            do {
                out.append(try JSONDecoder().decode(LabelledComment.self, from: Data(line)))
            } catch {
                throw ModerationLexiconError(description: "\(name) の\(i + 1)行目を読めません（text、grounds、misleading、criticism、kind が要ります）")
            }
        }
        return out
    }

    /// The city's statements a part is measured against (`<part>-statements.jsonl`): one `CityStatement` a line.
    public static func loadStatements(jsonLines data: Data, name: String) throws -> [CityStatement] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var out: [CityStatement] = []
        for (i, line) in data.split(separator: 0x0A).enumerated() where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
            do {
                out.append(try decoder.decode(CityStatement.self, from: Data(line)))
            } catch {
                throw ModerationLexiconError(description: "\(name) の\(i + 1)行目を読めません（id、kind、title、text、publishedAt（ISO 8601）が要ります）")
            }
        }
        return out
    }
}

/// The issue's measures over a labelled corpus.
public struct ModerationScore: Sendable {
    public var comments = 0
    /// Comments that meet a deletion ground: how many got at least one ground, and the right one(s).
    public var withGround = 0, flagged = 0, rightGround = 0
    /// Legitimate comments (no ground, no rumour, criticism included): suggested for deletion, sent to review.
    public var legitimate = 0, legitimateDeleted = 0, legitimateReviewed = 0
    public var criticism = 0, criticismFlagged = 0
    public var rumours = 0, rumoursFound = 0, nonRumours = 0, nonRumoursMisleading = 0
    /// Per ground: found and expected, found and not expected, expected and not found.
    public var perGround: [String: (tp: Int, fp: Int, fn: Int)] = [:]
    public var misses: [String] = []

    /// `statements`: what the city had published when the part's comments were written; a claim that agrees with
    /// them is no rumour, one that contradicts them is.
    public static func measure(_ corpus: [LabelledComment], classifier: CommentClassifier = CommentClassifier(),
                               statements: [CityStatement] = []) -> ModerationScore {
        var s = ModerationScore()
        let index = statements.isEmpty ? nil : classifier.index(statements)
        for g in ModerationLexicon.marks { s.perGround[g] = (0, 0, 0) }
        for c in corpus {
            let a = classifier.assess(c.text, statements: index)
            let found = Set(a.grounds.map(\.ground)), expected = Set(c.grounds)
            s.comments += 1
            for g in ModerationLexicon.marks {
                var p = s.perGround[g]!
                if found.contains(g) && expected.contains(g) { p.tp += 1 }
                else if found.contains(g) { p.fp += 1 }
                else if expected.contains(g) { p.fn += 1 }
                s.perGround[g] = p
            }
            if !expected.isEmpty {
                s.withGround += 1
                if !found.isEmpty { s.flagged += 1 }
                if expected.isSubset(of: found) { s.rightGround += 1 }
            } else if !c.misleading {
                s.legitimate += 1
                if a.suggestion == .delete { s.legitimateDeleted += 1 }
                if a.suggestion == .review { s.legitimateReviewed += 1 }
            }
            if c.criticism {
                s.criticism += 1
                // A flag its labels do not give it: a critic's threat or slur keeps its own ground (4(8)①, ⑤).
                if !found.subtracting(expected).isEmpty || (a.misleading && !c.misleading) { s.criticismFlagged += 1 }
            }
            if c.misleading { s.rumours += 1; if a.misleading { s.rumoursFound += 1 } }
            else { s.nonRumours += 1; if a.misleading { s.nonRumoursMisleading += 1 } }
            if found != expected || a.misleading != c.misleading {
                s.misses.append("\(c.kind)\t期待 \(c.grounds.joined())\(c.misleading ? " 誤解" : "")\t結果 \(a.grounds.map(\.ground).joined())\(a.misleading ? " 誤解" : "")\t\(c.text.prefix(60))")
            }
        }
        return s
    }

    static func share(_ a: Int, _ b: Int) -> Double { b == 0 ? 1 : Double(a) / Double(b) }

    public var groundRecall: Double { Self.share(flagged, withGround) }
    public var rightGroundShare: Double { Self.share(rightGround, withGround) }
    public var legitimateReviewShare: Double { Self.share(legitimateReviewed, legitimate) }
    public var rumourRecall: Double { Self.share(rumoursFound, rumours) }
    public var nonRumourMisleadingShare: Double { Self.share(nonRumoursMisleading, nonRumours) }

    /// The figures as the README gives them, in Japanese.
    public func report(_ name: String) -> String {
        func pct(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
        var lines = ["\(name)（\(comments)件）:"]
        lines.append("  削除の根拠にあたるコメントに根拠が1つ以上: \(pct(groundRecall))（\(flagged)/\(withGround)）、正しい根拠: \(pct(rightGroundShare))（\(rightGround)/\(withGround)）")
        lines.append("  正当なコメントへの削除の提案: \(legitimateDeleted)/\(legitimate)、確認（review）へ: \(pct(legitimateReviewShare))（\(legitimateReviewed)/\(legitimate)）")
        lines.append("  市・市長・職員への批判に何かの印: \(criticismFlagged)/\(criticism)")
        lines.append("  訂正の要るうわさ（4(7)）を誤解のおそれとした: \(pct(rumourRecall))（\(rumoursFound)/\(rumours)）、うわさでないものを誤解のおそれとした: \(pct(nonRumourMisleadingShare))（\(nonRumoursMisleading)/\(nonRumours)）")
        let per = ModerationLexicon.marks.map { g -> String in
            let p = perGround[g]!
            return "\(g) 適合率 \(pct(Self.share(p.tp, p.tp + p.fp))) 再現率 \(pct(Self.share(p.tp, p.tp + p.fn)))"
        }
        lines.append("  根拠ごと: " + per.joined(separator: "、"))
        return lines.joined(separator: "\n")
    }
}
