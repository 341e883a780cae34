import Foundation

/// The city's recent statements (alerts, published posts, notices) read once for the rumours the classifier knows:
/// for each kind of rumour, the statements that say the opposite of such a claim or the same, newest first, with the
/// places each names (小平第六小学校, 中央公民館, 上水南町), so that a claim about one place is set only against what the
/// city said of that place, or of the whole city.
public struct CityStatementIndex: Sendable {
    enum Verdict {
        case agrees
        case contradicts(CityStatement)
    }

    struct Said {
        let statement: CityStatement
        let agrees: Bool
        /// Places the statement names, in `PlaceNames.key` form; empty: it speaks of the whole city.
        let places: [[UInt32]]
    }

    public let statements: [CityStatement]
    private let said: [Int: [Said]]
    /// The same from single sentences that name places, in statements that name several.
    private let bySentence: [Int: [Said]]
    /// Each statement read by meaning (topic, place, state), newest first.
    private let facts: [(statement: CityStatement, facts: [ClaimFact])]

    init(_ statements: [CityStatement], _ lex: CompiledLexicon) {
        self.statements = statements
        var said: [Int: [Said]] = [:], bySentence: [Int: [Said]] = [:]
        var facts: [(statement: CityStatement, facts: [ClaimFact])] = []
        /// The kinds of rumour a piece of the city's text answers, and whether it says the same as such a claim.
        func answers(_ folded: [UInt32], hits scanned: [CompiledLexicon.Hit]? = nil) -> [(rumour: Int, agrees: Bool, counters: Set<Int>)] {
            let hits = scanned ?? lex.scan(folded)
            var subjects = Set<Int>(), counters = Set<Int>(), agrees = Set<Int>()
            var counterSpans: [Int: [Range<Int>]] = [:]
            for h in hits {
                switch lex.entries[h.entry].tag {
                case .statementSubject(let r): subjects.insert(r)
                case .counter(let r):
                    counters.insert(r)
                    counterSpans[r, default: []].append(h.start..<h.end)
                default: break
                }
            }
            // 通行止めを解除しました, 決壊のおそれはありません: an agreeing word inside a counter says the opposite.
            for h in hits {
                guard case .agree(let r) = lex.entries[h.entry].tag else { continue }
                if counterSpans[r]?.contains(where: { $0.overlaps(h.start..<h.end) }) == true { continue }
                agrees.insert(r)
            }
            // 通行止めにしていた…を解除しました: a statement that also says the opposite of the claim answers it.
            return subjects.filter { agrees.contains($0) || counters.contains($0) }.sorted()
                .map { ($0, agrees.contains($0) && !counters.contains($0), counters) }
                + counters.filter { lex.lexicon.rumours[$0].subjects.isEmpty && lex.lexicon.rumours[$0].statementSubjects == nil
                    && !subjects.contains($0) }.sorted().map { ($0, false, counters) }
        }
        // Newest first: the city's latest word on a topic (and place) is the one a correction cites.
        for st in statements.sorted(by: { $0.publishedAt > $1.publishedAt }) {
            let folded = ModerationText.folded(st.title + "\n" + st.text)
            let places = PlaceNames.find(folded[...])
            let hits = lex.scan(folded)
            if let axes = lex.claimAxes {
                let sentences = ClaimReading.sentences(folded)
                let titleTopics = hits.filter { $0.start < (sentences.first?.upperBound ?? 0) }.compactMap { h -> Int? in
                    if case .claimTopic(let t) = lex.entries[h.entry].tag { return t } else { return nil }
                }
                let read = ClaimReading.read(folded, hits: hits, lex: lex, axes: axes, sentences: sentences,
                                             inheritTopics: titleTopics,
                                             inheritPlaces: sentences.first.map { ClaimPlaces.find(folded[$0], lex) } ?? [],
                                             titleFallback: ClaimPlaces.find(folded[...], lex), statement: true)
                if !read.isEmpty { facts.append((st, read)) }
            }
            for a in answers(folded, hits: hits) {
                let own = lex.lexicon.rumours[a.rumour]
                let general = own.subjects.isEmpty && own.statementSubjects == nil && a.counters.contains(a.rumour)
                said[a.rumour, default: []].append(Said(statement: st, agrees: a.agrees, places: general ? [] : places))
            }
            // 花小金井南町の避難指示を解除しました。鈴木町の避難指示は継続しています: with several places, what one sentence says
            // of its place answers a claim about that place.
            guard places.count > 1 else { continue }
            for sentence in folded.split(whereSeparator: { $0 == 0x3002 || $0 == 0x0A }) {
                let here = PlaceNames.find(sentence)
                guard !here.isEmpty else { continue }
                for a in answers(Array(sentence)) {
                    bySentence[a.rumour, default: []].append(Said(statement: st, agrees: a.agrees, places: here))
                }
            }
        }
        self.said = said
        self.bySentence = bySentence
        self.facts = facts
    }

    enum Judgement {
        case agrees
        /// The statement, and the comment's claim it contradicts.
        case contradicts(CityStatement, ClaimFact)
    }

    /// Sets a comment's claims against what the city said, newest statement first: a claim contradicts when a
    /// statement speaks of the same topic on the same axis for the same place (or the whole city) and says otherwise,
    /// or names fewer places than the claim's whole city, or expects a restoration sooner than the claim's long time.
    /// Nil when no statement covers any claim: unverifiable.
    func judge(_ claims: [ClaimFact]) -> Judgement? {
        var agreed = false
        for c in claims {
            for (statement, said) in facts {
                let onTopic = said.filter { $0.topic == c.topic && $0.axis == c.axis }
                // A claim about a place is answered by what the city said of that place, else of the whole city; a
                // claim naming no place by everything the statement said of the topic.
                var covering = c.places.isEmpty ? onTopic : onTopic.filter { ClaimPlaces.overlap(c.places, $0.places) }
                if covering.contains(where: { !$0.summary }) { covering.removeAll(where: \.summary) }
                if covering.isEmpty && !c.places.isEmpty { covering = onTopic.filter { $0.places.isEmpty } }
                guard !covering.isEmpty else { continue }
                if let m = c.measure {
                    if covering.contains(where: { $0.measure == m }) { agreed = true; break }
                    return .contradicts(statement, c)
                }
                if c.long, !c.value, covering.contains(where: \.restoring) { return .contradicts(statement, c) }
                if c.whole, !c.value, covering.contains(where: { !$0.places.isEmpty && $0.value == c.value }) {
                    return .contradicts(statement, c)
                }
                if covering.allSatisfy({ $0.value == c.value }) { agreed = true; break }
                if !c.places.isEmpty {
                    if covering.contains(where: { $0.value == c.value }) { agreed = true; break }
                    return .contradicts(statement, c)
                }
                // Said of no place where the city says one thing of some places and another of others: passed on
                // (避難指示、もう解除されたって), it speaks of all and contradicts; told first-hand, it may be of one place.
                if c.passedOn || c.whole || !covering.contains(where: { $0.value == c.value }) { return .contradicts(statement, c) }
                break
            }
        }
        return agreed ? .agrees : nil
    }

    /// What the city's statements say of a claim of rumour kind `rumour` about `places` (none: the claim names no
    /// place); nil when none speaks of it. A statement that names other places only says nothing of this claim.
    func check(rumour: Int, places: [[UInt32]] = []) -> Verdict? {
        if !places.isEmpty, let s = bySentence[rumour]?.first(where: { PlaceNames.overlap(places, $0.places) }) {
            return s.agrees ? .agrees : .contradicts(s.statement)
        }
        for s in said[rumour] ?? [] {
            guard places.isEmpty || s.places.isEmpty || PlaceNames.overlap(places, s.places) else { continue }
            return s.agrees ? .agrees : .contradicts(s.statement)
        }
        return nil
    }

    public var isEmpty: Bool { statements.isEmpty }
}

/// Names of places in folded text: a name run (kanji, katakana, numerals) before a place word (小学校, 公民館, 公園,
/// 町…), and the short forms of schools (第六小, 二中). Keys drop the long school words (小平第六小学校 → 小平第六小), so
/// that a short form is a tail of the full name.
enum PlaceNames {
    static let suffixes: [(word: [UInt32], key: [UInt32])] = [
        ("小学校", "小"), ("中学校", "中"), ("高等学校", "高"), ("高校", "高"), ("公民館", "公民館"), ("地域センター", "センター"),
        ("センター", "センター"), ("会館", "会館"), ("体育館", "体育館"), ("図書館", "図書館"), ("交流館", "交流館"), ("児童館", "児童館"),
        ("公園", "公園"), ("保育園", "保育園"), ("幼稚園", "幼稚園"), ("駅", "駅"), ("町", "町"),
    ].map { (Array($0.0.unicodeScalars.map(\.value)), Array($0.1.unicodeScalars.map(\.value))) }
    static let shortSchool: Set<UInt32> = [0x5C0F, 0x4E2D]  // 小, 中
    static let dai: UInt32 = 0x7B2C  // 第

    static func isNameChar(_ c: UInt32) -> Bool { Chars.isKanji(c) || Chars.isKatakana(c) || Chars.isDigit(c) }

    /// The places named in `s`, as keys.
    static func find(_ s: ArraySlice<UInt32>) -> [[UInt32]] {
        var out: [[UInt32]] = []
        var i = s.startIndex
        while i < s.endIndex {
            var matched = false
            for (word, key) in suffixes where i + word.count <= s.endIndex && s[i..<i + word.count].elementsEqual(word) {
                let name = nameRun(s, before: i)
                // 公民館 alone names no place; 町 needs a name of two or more (上水南町, not 下町).
                if name.count >= (key.count == 1 && word.count == 1 ? 2 : 1) { out.append(Array(s[name]) + key) }
                i += word.count
                matched = true
                break
            }
            if matched { continue }
            // 第六小, 十二小, 二中 (not followed by 学校, handled above): numerals, with or without 第.
            if shortSchool.contains(s[i]), i > s.startIndex, Chars.isNumeral(s[i - 1]) {
                var b = i
                while b > s.startIndex && Chars.isNumeral(s[b - 1]) { b -= 1 }
                if b > s.startIndex && s[b - 1] == dai { b -= 1 }
                let next = i + 1 < s.endIndex ? s[i + 1] : 0
                if !Chars.isKanji(next) || next == 0x306E { out.append(Array(s[b...i])) }
            }
            i += 1
        }
        return out
    }

    /// The name run just before `end`: up to ten kanji, katakana or digits.
    static func nameRun(_ s: ArraySlice<UInt32>, before end: Int) -> Range<Int> {
        var b = end
        while b > s.startIndex && end - b < 10 && isNameChar(s[b - 1]) { b -= 1 }
        return b..<end
    }

    /// Two lists of places share one: the same key, or one the tail of the other (第六小 and 小平第六小).
    static func overlap(_ a: [[UInt32]], _ b: [[UInt32]]) -> Bool {
        a.contains { x in b.contains { y in x.count >= 2 && y.count >= 2 && (x.ends(with: y) || y.ends(with: x)) } }
    }
}

private extension Array where Element == UInt32 {
    func ends(with tail: [UInt32]) -> Bool { count >= tail.count && suffix(tail.count).elementsEqual(tail) }
}
