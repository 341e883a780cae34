import Foundation

/// What one sentence says of one topic: a state on one axis (the shelter: service closed; the evacuation order:
/// order lifted), where (places named; none: anywhere), and how far (the whole city, a long time). Claims in comments
/// and facts in the city's statements are read the same way, so that they can be set against each other by meaning
/// rather than by matching phrases.
struct ClaimFact: Sendable {
    let topic: Int
    let axis: Int
    let value: Bool
    let places: [[UInt32]]
    /// 全域, 市内全部: the claim reaches beyond any place the city named.
    let whole: Bool
    /// 1週間は続く, 来週まで: a duration beyond a restoration the city expects.
    let long: Bool
    /// The city expects or reports a restoration (見込み, 復旧しました).
    var restoring: Bool
    /// The comment passes it on (らしい, って, 回ってきた).
    var passedOn = false
    /// A statement's title that names no place, read as of every place of its text: a summary, which a sentence
    /// about the place itself outweighs.
    var summary = false
    /// For a measured topic (震度), its number in half steps (4 → 8, 5弱 → 10, 5強 → 11); nil otherwise.
    var measure: Int? = nil
    /// The folded range that says it (topic to state).
    let span: Range<Int>
}

/// The vocabulary of `ModerationLexicon.ClaimVocabulary` with its axes numbered.
struct ClaimAxes: Sendable {
    let names: [String]
    /// Per state: its readings as (axis, value).
    let readings: [[(axis: Int, value: Bool)]]
    /// Per topic: the axes it is read on.
    let topicAxes: [Set<Int>]
    let measureAxis: Int
    let measured: Set<Int>

    init(_ v: ModerationLexicon.ClaimVocabulary) {
        var names: [String] = []
        func axis(_ name: String) -> Int {
            if let i = names.firstIndex(of: name) { return i }
            names.append(name)
            return names.count - 1
        }
        readings = v.states.map { st in
            st.readings.compactMap { r in
                let parts = r.split(separator: ":")
                guard parts.count == 2 else { return nil }
                return (axis(String(parts[0])), parts[1] == "true")
            }
        }
        topicAxes = v.topics.map { Set($0.axes.map(axis)) }
        measureAxis = axis("measure")
        measured = Set(v.topics.indices.filter { v.topics[$0].measured == true })
        self.names = names
    }
}

enum ClaimReading {
    /// Reads the sentences of folded text `s` (its `hits`) into facts. `sentences` are the sentences' ranges in order;
    /// `skip` leaves out a sentence (a question, a condition, a correction). A sentence naming no topic speaks of the
    /// topics of `inheritTopics` (the statement's title) or of the sentence before (a comment); a sentence naming no
    /// place speaks of the places named before it (in a statement, from `inheritPlaces`, the title's) unless it names
    /// the whole city (市内, 全域).
    static func read(_ s: [UInt32], hits: [CompiledLexicon.Hit], lex: CompiledLexicon, axes: ClaimAxes,
                     sentences: [Range<Int>], inheritTopics: [Int]? = nil, inheritPlaces: [[UInt32]] = [], titleFallback: [[UInt32]] = [],
                     statement: Bool, skip: (Int) -> Bool = { _ in false }, passedOn: (Int) -> Bool = { _ in false }) -> [ClaimFact] {
        guard let vocab = lex.lexicon.claimReading else { return [] }
        var out: [ClaimFact] = []
        var previousTopics: [(topic: Int, start: Int, end: Int)] = []
        var statementRestoring = false
        // In a statement, a sentence naming no place goes on about the places of the sentence before (or the title).
        var placesBefore = inheritPlaces
        var h = 0
        for (index, range) in sentences.enumerated() {
            var topics: [(topic: Int, start: Int, end: Int)] = []
            var states: [(state: Int, start: Int, end: Int)] = []
            var negations: [Int] = [], modifiers: [Range<Int>] = [], reported: [Int] = []
            var whole = false, long = false, restoring = false
            while h < hits.count && hits[h].start < range.lowerBound { h += 1 }
            var k = h
            while k < hits.count && hits[k].start < range.upperBound {
                let hit = hits[k]
                switch lex.entries[hit.entry].tag {
                case .claimTopic(let t):
                    // The longest topic word (水道水 holds 水道 and 道).
                    if let last = topics.last, last.start <= hit.start && hit.end <= last.end
                        && (hit.end - hit.start < last.end - last.start || last.topic == t) { break }
                    topics.append((t, hit.start, hit.end))
                case .claimState(let st):
                    // The longest state at a position (通行止め解除 is not 通行止め and 止め).
                    if let last = states.last, hit.start < last.end, !(hit.start == last.start && hit.end == last.end) {
                        // が出|出た: of two overlapping states, the one that reaches further.
                        if hit.end > last.end { states[states.count - 1] = (st, hit.start, hit.end) }
                        break
                    }
                    states.append((st, hit.start, hit.end))
                case .claimWhole: whole = true
                case .claimLong: long = true
                case .claimRestoring: restoring = true
                case .claimReported: reported.append(hit.start)
                case .claimNegation: negations.append(hit.start)
                case .claimModifier: modifiers.append(hit.start..<hit.end)
                default: break
                }
                k += 1
            }
            defer { if !topics.isEmpty { previousTopics = topics } }
            // 震度は5強, 震度6: the number after a measured topic.
            if !skip(index) {
                for t in topics where axes.measured.contains(t.topic) {
                    guard let m = measure(s, after: t.end, range) else { continue }
                    let places = ClaimPlaces.find(s[range], lex)
                    out.append(ClaimFact(topic: t.topic, axis: axes.measureAxis, value: true,
                                         places: places.isEmpty ? (statement ? placesBefore : inheritPlaces) : places,
                                         whole: false, long: false, restoring: false, passedOn: passedOn(index),
                                         measure: m.value, span: t.start..<m.end))
                }
            }
            statementRestoring = statementRestoring || restoring
            // 給食はなし, バスはもうない: a service said not to be there, with no other word for its state.
            if let absent = vocab.absentState {
                for t in topics where t.end < range.upperBound && [0x306F, 0x3082, 0x304C].contains(s[t.end]) {
                    guard let k = negations.first(where: { $0 > t.end && $0 <= t.end + 5 }),
                          !states.contains(where: { $0.start >= t.end && $0.start < k }),
                          !(t.end..<k).contains(where: { s[$0] == 0x3001 }) else { continue }
                    states.append((absent, k, k + 1))
                }
                states.sort { $0.start < $1.start }
            }
            if states.isEmpty || skip(index) { continue }
            var places = ClaimPlaces.find(s[range], lex)
            // 体育館のほうはまだやってる: a facility set against another (福祉会館は閉まった) names a place; what is said
            // is of the topic before.
            for t in topics where startsWithHou(s, t.end, range) {
                places.append(Array(s[t.start..<t.end]))
                topics.removeAll { $0.start == t.start }
                if topics.isEmpty { topics = statement ? [] : previousTopics }
            }
            let ownPlaces = places
            if statement && !places.isEmpty { placesBefore = places }
            // A title that names no place (避難指示を継続しています) sums up the places of the text.
            if statement && index == 0 && places.isEmpty && !whole { places = titleFallback }
            if places.isEmpty && !whole { places = statement ? placesBefore : inheritPlaces }
            // Per topic and axis, the last state said of it: Japanese puts the predicate last (発令していた…を解除しました).
            var last: [Int: (value: Bool, from: Int, to: Int)] = [:]
            var previousEnd = range.lowerBound
            var ownBefore: [(topic: Int, start: Int, end: Int)] = []
            for (i, st) in states.enumerated() {
                let limit = min(i + 1 < states.count ? states[i + 1].start : range.upperBound, st.end + 14, range.upperBound)
                // 決壊のおそれがあるという投稿: what others say, quoted by the city.
                if statement, reported.contains(where: { $0 >= st.end && $0 - st.end <= 16 }) { continue }
                // 停電している地域はありません, 放流の予定もありません: a place or plan said not to exist negates the state;
                // 断水していない地域の水 only describes a place.
                var negated = false, existence = false, described = false
                var j = st.end
                let window = st.end..<max(st.end, limit)
                let clauseEnd = window.first { s[$0] == 0x3001 || s[$0] == 0x2C } ?? window.upperBound
                if let m = modifiers.first(where: { $0.lowerBound >= st.end && $0.lowerBound < clauseEnd }) {
                    existence = negations.contains { $0 >= m.upperBound && $0 - m.upperBound <= 5 }
                    described = !existence
                    negated = existence
                } else {
                    while j < clauseEnd {
                        if negations.contains(j) { negated = true; break }
                        // 来ん, 通れん: ん right after the stem, not ん of んだ, んです.
                        if j == st.end, s[j] == 0x3093 {
                            let next: UInt32 = j + 1 < s.count ? s[j + 1] : 0
                            if ![0x3060, 0x3067, 0x3058, 0x3084, 0x3059].contains(next) { negated = true; break }
                        }
                        j += 1
                    }
                }
                // ガス漏れの通報は確認されていません, 被害の報告はありません: in the city's word, a thing said not to be found.
                if statement, negated, st.end < range.upperBound, s[st.end] == no { existence = true }
                if described || (!existence && !predicate(s, st.start, st.end, range, topics)) { continue }
                // 中止になったら, 解除の場合, 警報出ても: a condition, not what is so.
                if CommentAnalysis.conditional(s, after: st.end) || CommentAnalysis.conditional(s, after: st.end - 1)
                    || conditionFollows(s, st.end, range) { continue }
                if !vocab.states[st.state].negatable { negated = false }
                // The topics between the state before and this one (市役所の窓口、中央図書館、各公民館は…開いています),
                // else the nearest before it, else those inherited.
                // The same word read twice (利用でき: service and admission) speaks of the same topics.
                let sameSpan = i > 0 && states[i - 1].start == st.start && states[i - 1].end == st.end
                var own = sameSpan ? ownBefore : topics.filter { $0.start >= previousEnd && $0.start <= st.start }
                previousEnd = st.end
                defer { ownBefore = own }
                if own.isEmpty { own = topics.filter { $0.start < st.start }.suffix(1) }
                if own.isEmpty {
                    own = statement ? (inheritTopics ?? []).map { ($0, range.lowerBound, range.lowerBound) } : previousTopics
                }
                for (axis, value) in axes.readings[st.state] {
                    // 復旧は来月, 復旧まで3日: with a long time, a restoration is still to come.
                    if long && value && axes.names[axis] == "service" { continue }
                    for t in head(own.filter { axes.topicAxes[$0.topic].contains(axis) }, s) {
                        last[t.topic << 8 | axis] = (negated ? !value : value, min(t.start, st.start), st.end)
                    }
                }
            }
            for (key, v) in last.sorted(by: { $0.key < $1.key }) {
                out.append(ClaimFact(topic: key >> 8, axis: key & 0xFF, value: v.value, places: places, whole: whole,
                                     long: long, restoring: restoring, passedOn: passedOn(index),
                                     summary: statement && index == 0 && ownPlaces.isEmpty,
                                     span: max(range.lowerBound, v.from)..<v.to))
            }
        }
        // 断水しています。…18時ごろ復旧の見込みです: a statement that expects a restoration says so of all it reports.
        if statement && statementRestoring { for i in out.indices { out[i].restoring = true } }
        return out
    }

    /// A number (digits or kanji numerals) within two scalars after `end`, with 弱 or 強 after it.
    static func measure(_ s: [UInt32], after end: Int, _ range: Range<Int>) -> (value: Int, end: Int)? {
        var k = end
        while k < range.upperBound && k - end < 2 && !Chars.isNumeral(s[k]) { k += 1 }
        var n = 0, digits = 0
        while k < range.upperBound && Chars.isNumeral(s[k]) && digits < 2 {
            n = n * 10 + (Chars.isDigit(s[k]) ? Int(s[k] - 0x30) : (Chars.kanjiDigits[s[k]] ?? 0))
            k += 1
            digits += 1
        }
        guard digits > 0 else { return nil }
        var value = n * 2
        if k < range.upperBound && s[k] == 0x5F37 { value += 1; k += 1 }       // 強
        else if k < range.upperBound && s[k] == 0x5F31 { k += 1 }              // 弱
        return (value, k)
    }

    static let hou: [[UInt32]] = ["のほう", "の方"].map { Array($0.unicodeScalars.map(\.value)) }
    static func startsWithHou(_ s: [UInt32], _ at: Int, _ range: Range<Int>) -> Bool {
        hou.contains { w in at + w.count <= range.upperBound && s[at..<at + w.count].elementsEqual(w) }
    }

    static let particles: Set<UInt32> = Set("のにでをがはへ".unicodeScalars.map(\.value))
    static let listJoiners: Set<UInt32> = Set("と、・や".unicodeScalars.map(\.value))
    static let subjectMarkers: Set<UInt32> = Set("は、がも".unicodeScalars.map(\.value))

    /// The topics a state is said of, of those before it: the last, those listed with it (窓口、中央図書館、各公民館;
    /// 避難指示と市内の大雨警報), and the subject the sentence opens with (市役所の窓口、今日は…), not those that only
    /// qualify another (地震による津波, 体育館の避難所).
    static func head(_ topics: [(topic: Int, start: Int, end: Int)], _ s: [UInt32]) -> [(topic: Int, start: Int, end: Int)] {
        guard var k = topics.indices.last else { return [] }
        while k > 0 {
            let gap = topics[k - 1].end..<max(topics[k - 1].end, topics[k].start)
            if gap.contains(where: { particles.contains(s[$0]) }) && !gap.contains(where: { listJoiners.contains(s[$0]) }) { break }
            k -= 1
        }
        var out = Array(topics[k...])
        if k > 0, let first = topics.first, first.end < s.count, subjectMarkers.contains(s[first.end]) { out.insert(first, at: 0) }
        return out
    }

    static let compoundTails: Set<UInt32> = Set("中済続寸".unicodeScalars.map(\.value))
    static let no: UInt32 = 0x306E

    /// Whether a state stands as the predicate, not inside a noun phrase: 断水の情報, 開設時刻, 避難所開設のお知らせ
    /// name a thing; 発令していた高齢者等避難 describes the topic after it; 開設しましたじゃない quotes a saying.
    static func predicate(_ s: [UInt32], _ start: Int, _ end: Int, _ range: Range<Int>,
                          _ topics: [(topic: Int, start: Int, end: Int)]) -> Bool {
        guard end < range.upperBound else { return true }
        let next = s[end]
        // 断水の情報, 開設のお知らせ name a thing; ひびの入った is ひびが入った.
        if next == no {
            guard end + 2 < range.upperBound, Chars.isKanji(s[end + 1]), Chars.isHiragana(s[end + 2]) else { return false }
            return true
        }
        if Chars.isKanji(next) && !compoundTails.contains(next) { return false }
        var k = end
        while k < range.upperBound && k - end < 6 && Chars.isHiragana(s[k]) { k += 1 }
        if k > end && k < range.upperBound && topics.contains(where: { $0.start == k }) { return false }
        let said = s[end..<k]
        for polite in politeEndings where said.count > polite.count {
            if let at = (0...(said.count - polite.count)).first(where: { said.dropFirst($0).starts(with: polite) }),
               said.dropFirst(at + polite.count).first.map({ $0 == 0x3058 || $0 == 0x3067 }) == true { return false }
        }
        return true
    }
    static let politeEndings: [[UInt32]] = ["ました", "です"].map { Array($0.unicodeScalars.map(\.value)) }

    /// 1週間続いたら困る, 中止なら: a condition later in the sentence governs the state.
    static func conditionFollows(_ s: [UInt32], _ end: Int, _ range: Range<Int>) -> Bool {
        var k = end
        while k + 1 < range.upperBound {
            if s[k] == 0x305F && s[k + 1] == 0x3089 {
                // たらしい is hearsay.
                if !(k + 3 < s.count && s[k + 2] == 0x3057 && s[k + 3] == 0x3044) { return true }
            }
            if s[k] == 0x5834 && s[k + 1] == 0x5408 { return true }  // 場合
            k += 1
        }
        return false
    }

    /// The sentences of folded text: ends at 。！？ and line breaks.
    static func sentences(_ s: [UInt32]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var from = 0
        for i in 0..<s.count where Chars.isSentenceEnd(s[i]) {
            if i > from { out.append(from..<i) }
            from = i + 1
        }
        if from < s.count { out.append(from..<s.count) }
        return out
    }
}

/// Places a claim names: those of `PlaceNames`, roads and lines (府中街道, たかの台通り, 新宿線), and the city's
/// districts of the lexicon (花小金井, 鷹の台), so that a claim about a district the city did not name is not answered
/// by what it said of another.
enum ClaimPlaces {
    static let generic: [[UInt32]] = ["市立", "都立", "各", "市内", "全"].map { Array($0.unicodeScalars.map(\.value)) }
    static let roads: [[UInt32]] = ["街道", "通り", "大橋", "線"].map { Array($0.unicodeScalars.map(\.value)) }

    static func find(_ s: ArraySlice<UInt32>, _ lex: CompiledLexicon) -> [[UInt32]] {
        // 市立小中学校, 各公民館: every one of a kind, not a place.
        var out = PlaceNames.find(s).filter { p in !generic.contains { p.starts(with: $0) } }
        for d in lex.claimDistricts {
            var i = s.startIndex
            while i + d.count <= s.endIndex {
                if s[i..<i + d.count].elementsEqual(d), !out.contains(where: { $0.count > d.count && $0.starts(with: d) }) {
                    out.append(d)
                    break
                }
                i += 1
            }
        }
        var i = s.startIndex
        while i < s.endIndex {
            for w in roads where i + w.count <= s.endIndex && s[i..<i + w.count].elementsEqual(w) {
                let name = PlaceNames.nameRun(s, before: i)
                if name.count >= 1 { out.append(Array(s[name]) + w) }
            }
            i += 1
        }
        return out
    }
}

extension ClaimPlaces {
    /// Two lists of places share one: the same, or one the head or tail of the other (花小金井 and 花小金井南町, 第六小
    /// and 小平第六小).
    static func overlap(_ a: [[UInt32]], _ b: [[UInt32]]) -> Bool {
        a.contains { x in b.contains { y in
            x.count >= 2 && y.count >= 2 && (x.starts(with: y) || y.starts(with: x) || x.reversed().starts(with: y.reversed())
                || y.reversed().starts(with: x.reversed()))
        } }
    }
}
