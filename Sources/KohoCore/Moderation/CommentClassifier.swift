import Foundation

/// Finds in a comment what the deletion grounds of 4(8)/5(8) name, and what may mislead (4(7)/5(7)).
/// No server, no network: lexicons and patterns are data (`ModerationLexicon`).
///
/// Criticism of the city, its mayor, its staff as an institution, its policies, services, spending or this account
/// is never a ground, however harsh: insults count only when aimed at a person, a business or a group.
public struct CommentClassifier: Sendable {
    let compiled: CompiledLexicon

    /// The built-in lexicon, compiled once per process.
    public init() { compiled = CompiledLexicon.builtIn }

    public init(lexicon: ModerationLexicon) { compiled = CompiledLexicon(lexicon) }

    public var lexicon: ModerationLexicon { compiled.lexicon }

    /// `deletionClause` is the account's clause (`4(8)`, `5(8)`), used in each flag's `clause` (`4(8)③`).
    /// `recentTexts` are other recent comments on the same account (not this one), for floods (the same text many
    /// times). `platform` is accepted for the callers' sake; the grounds are the same on every platform.
    /// `statements` are what the city has published lately (alerts, posts, notices): a rumour that contradicts one
    /// is `contradicted` with it as the source, one that agrees with one is no rumour.
    public func assess(_ text: String, platform: Platform? = nil, deletionClause: String = "4(8)",
                       recentTexts: [String] = [], statements: CityStatementIndex? = nil) -> CommentAssessment {
        assess(text, platform: platform, deletionClause: deletionClause, recent: RecentComments(newestFirst: recentTexts),
               statements: statements)
    }

    /// The same, with the recent comments kept folded (an ingest compares each new comment with the same ones).
    public func assess(_ text: String, platform: Platform? = nil, deletionClause: String = "4(8)",
                       recent: RecentComments, statements: CityStatementIndex? = nil) -> CommentAssessment {
        var analysis = CommentAnalysis(ModerationText(text), compiled)
        analysis.statements = statements
        analysis.run(recent: recent.keys)
        return analysis.assessment(clause: deletionClause)
    }

    /// The city's statements made ready for this classifier's rumours (once per batch, not per comment).
    public func index(_ statements: [CityStatement]) -> CityStatementIndex {
        CityStatementIndex(statements, compiled)
    }
}

/// An account's latest comments as the flood check compares a new one with them, newest first: each text is folded
/// once, when it comes in, rather than again for every comment compared with it.
public struct RecentComments: Sendable {
    public let capacity: Int
    /// Folded, without punctuation and spaces.
    private(set) var keys: [[UInt32]]

    public init(newestFirst texts: [String], capacity: Int? = nil) {
        self.capacity = capacity ?? texts.count
        keys = texts.prefix(self.capacity).map { CommentAnalysis.floodKey(ModerationText.folded($0)) }
    }

    public var count: Int { keys.count }

    /// `text` as the newest; the oldest goes once there are `capacity`.
    public mutating func insert(_ text: String) {
        guard capacity > 0 else { return }
        keys.insert(CommentAnalysis.floodKey(ModerationText.folded(text)), at: 0)
        if keys.count > capacity { keys.removeLast() }
    }
}

struct FlagBuilder {
    var level: ModerationLexicon.Level
    var reasons: [String] = []
    var spans: [Range<Int>] = []
    var target: CommentTargetKind? = nil
    var targetSpan: Range<Int>? = nil
}

/// Whom a sentence speaks of: a named person, a relation, a business, a group (private targets), or the city.
struct TargetMention {
    let range: Range<Int>
    let kind: CommentTargetKind
    let sentence: Int32
}

/// One comment's classification: the folded text, the terms found in it, and the flags as they are raised.
struct CommentAnalysis {
    typealias Level = ModerationLexicon.Level
    let t: ModerationText
    let lex: CompiledLexicon
    let s: [UInt32]
    let n: Int
    var hits: [CompiledLexicon.Hit] = []
    /// The sentence of each folded scalar.
    var sentenceOf: [Int32] = []
    var sentenceEnds: [UInt32] = []
    /// Scalars inside a link or an e-mail address: their digits are not phone numbers.
    var consumed: [Bool]
    var flags: [String: FlagBuilder] = [:]
    var contacts: [Range<Int>] = []
    var names: [Range<Int>] = []
    var personalIn: Set<Int32> = []
    var institutionalIn: Set<Int32> = []
    var hasHomeContext = false
    var salesSpans: [Range<Int>] = []
    var salesTerms = Set<Int>()
    var misleading = false
    var statements: CityStatementIndex? = nil
    var rumour: RumourFinding? = nil
    var mentions: [TargetMention] = []
    /// The private mentions (persons, businesses, groups), all and by sentence: looked up per flag, built once.
    var privateMentions: [TargetMention] = []
    var privateBySentence: [Int32: [TargetMention]] = [:]
    var personOrBusinessIn = Set<Int32>()
    var criticismIn = Set<Int32>()
    var selfContactIn = Set<Int32>()
    var political = false
    var requirementsMet = Set<Int>()
    var requirementHits: [Int: [Range<Int>]] = [:]
    var hateIn: [Int32: Range<Int>] = [:]
    var insultIn = Set<Int32>()
    var vetoed = Set<VetoKey>()
    var accusations: [Range<Int>] = []
    var hateFlagged = Set<Int32>()
    var referringInsults: [Range<Int>] = []
    var posingLinks: [Range<Int>] = []
    struct VetoKey: Hashable { let group: Int; let sentence: Int32 }

    init(_ t: ModerationText, _ lex: CompiledLexicon) {
        self.t = t
        self.lex = lex
        self.s = t.s
        self.n = t.s.count
        self.consumed = [Bool](repeating: false, count: t.s.count)
    }

    mutating func flag(_ ground: String, _ level: Level, _ reason: String, _ spans: [Range<Int>],
                       target: TargetMention? = nil) {
        var f = flags[ground] ?? FlagBuilder(level: level)
        if f.target == nil, let target { f.target = target.kind; f.targetSpan = target.range }
        if level == .clear && f.level == .maybe {
            f.level = .clear
            f.reasons.removeAll { $0 == reason }
            f.reasons.insert(reason, at: 0)
        } else if !f.reasons.contains(reason) {
            f.reasons.append(reason)
        }
        f.spans.append(contentsOf: spans.filter { !$0.isEmpty })
        flags[ground] = f
    }

    func reason(_ key: String) -> String { lex.lexicon.reasons[key] ?? key }

    mutating func run(recent: [[UInt32]]) {
        guard n > 0 else { return }
        hits = lex.scan(s)
        splitSentences()
        findNamesAndTargets()
        scanLinks()
        scanTerms()
        scanHate()
        scanNumbers()
        scanKanjiAddresses()
        scanPlates()
        scoreSales()
        scanRumours()
        scanNonsense()
        scanFlood(recent)
    }

    // MARK: - Sentences and targets

    mutating func splitSentences() {
        sentenceOf = [Int32](repeating: 0, count: n)
        var id: Int32 = 0
        for i in 0..<n {
            sentenceOf[i] = id
            let c = s[i]
            if Chars.isSentenceEnd(c), !(i + 1 < n && Chars.isSentenceEnd(s[i + 1])) {
                sentenceEnds.append(c)
                id += 1
            }
        }
        if sentenceEnds.count <= Int(id) { sentenceEnds.append(0) }
    }

    /// Whether the hit is all the comment says, but for punctuation, spaces and emoji.
    func wholeComment(_ h: CompiledLexicon.Hit) -> Bool {
        (0..<h.start).allSatisfy { Chars.isPunctuationOrSpace(s[$0]) || Chars.isEmoji(s[$0]) }
            && (h.end..<n).allSatisfy { Chars.isPunctuationOrSpace(s[$0]) || Chars.isEmoji(s[$0]) || Chars.isEmojiModifier(s[$0]) }
    }

    /// Whether the target named last is of `kind` and holds the hit (連中 in 生活保護の連中, 委託業者 in 市の委託業者).
    func lastMention(_ kind: CommentTargetKind, covers h: CompiledLexicon.Hit) -> Bool {
        guard let m = mentions.last, m.kind == kind else { return false }
        return m.range.lowerBound <= h.start && h.end <= m.range.upperBound
    }

    mutating func findNamesAndTargets() {
        for h in hits {
            let e = lex.entries[h.entry]
            let sentence = sentenceOf[h.start]
            switch e.tag {
            case .institutional:
                institutionalIn.insert(sentence)
                mentions.append(TargetMention(range: h.start..<h.end, kind: .city, sentence: sentence))
            case .personal:
                if lastMention(.group, covers: h) { continue }
                if let g = mentions.last, g.kind == .group, g.sentence == sentence,
                   g.range.upperBound == h.start || (g.range.upperBound + 1 == h.start && s[g.range.upperBound] == 0x306E)
                    || (g.range.upperBound > h.start && g.range.lowerBound < h.start) {
                    // 生活保護の連中, 外国人の奴ら: the people of a group named just before are that group.
                    mentions.append(TargetMention(range: g.range.lowerBound..<h.end, kind: .group, sentence: sentence))
                } else if actsForTheCity(h) || addressesTheCity(h) {
                    // この施策を考えた奴ら: the people who made the city's policy are its agents, not private persons.
                    institutionalIn.insert(sentence)
                    mentions.append(TargetMention(range: h.start..<h.end, kind: .city, sentence: sentence))
                } else {
                    personalIn.insert(sentence)
                    mentions.append(TargetMention(range: h.start..<h.end, kind: .privatePerson, sentence: sentence))
                }
            case .relation:
                if lastMention(.group, covers: h) { continue }
                var range = h.start..<h.end
                if s[h.start] == 0x306E, let g = mentions.last, g.kind == .group, g.sentence == sentence,
                   g.range.upperBound == h.start || g.range.upperBound == h.start + 1 {
                    // 生活保護のやつら: the people of a group.
                    personalIn.insert(sentence)
                    mentions.append(TargetMention(range: g.range.lowerBound..<h.end, kind: .group, sentence: sentence))
                    break
                }
                if s[h.start] == 0x3055 || s[h.start] == 0x3093, let name = nameBeforeKinship(h.start) {
                    // 佐々木さんちの, 原田んとこの: the name goes with it.
                    range = name.lowerBound..<h.end
                } else if s[h.start] == 0x306E {
                    // 山田のじいさん, 佐藤の旦那: a kinship word after a name (not うちの, 市長の, 隣の).
                    guard let name = nameBeforeKinship(h.start) else { continue }
                    range = name.lowerBound..<h.end
                }
                personalIn.insert(sentence)
                names.append(range)
                mentions.append(TargetMention(range: range, kind: .privatePerson, sentence: sentence))
            case .business:
                // 市の委託業者, 指定管理者: a business acting for the city is its agent.
                if lastMention(.city, covers: h) { continue }
                personalIn.insert(sentence)
                let name = businessName(h)
                if privateBySentence[sentence]?.contains(where: { $0.kind == .business && $0.range.overlaps(name) }) == true { continue }
                mentions.append(TargetMention(range: name, kind: .business, sentence: sentence))
            case .groupTarget:
                personalIn.insert(sentence)
                mentions.append(TargetMention(range: h.start..<h.end, kind: .group, sentence: sentence))
            case .home: hasHomeContext = true
            case .criticism: criticismIn.insert(sentence)
            case .selfContact: selfContactIn.insert(sentence)
            case .political: political = true
            case .requirement(let g):
                requirementsMet.insert(g)
                requirementHits[g, default: []].append(h.start..<h.end)
            case .veto(let g):
                vetoed.insert(VetoKey(group: g, sentence: sentence))
                if lex.lexicon.groups[g].notInNearSentences == true {
                    vetoed.insert(VetoKey(group: g, sentence: sentence - 1))
                    vetoed.insert(VetoKey(group: g, sentence: sentence + 1))
                }
            case .honorific:
                if let name = nameBefore(h, title: false) {
                    names.append(name)
                    personalIn.insert(sentence)
                    mentions.append(TargetMention(range: name, kind: .privatePerson, sentence: sentence))
                }
            case .title:
                // 鈴木課長: staff named in their office act as the city's agents; what is said of them is criticism.
                // Their health or family is still their own (③ reads `names`).
                if let name = nameBefore(h, title: true) {
                    names.append(name)
                    institutionalIn.insert(sentence)
                    mentions.append(TargetMention(range: name, kind: .city, sentence: sentence))
                }
            default: break
            }
            if let m = mentions.last, m.kind != .city, privateBySentence[m.sentence]?.last?.range != m.range {
                privateMentions.append(m)
                privateBySentence[m.sentence, default: []].append(m)
                if m.kind != .group { personOrBusinessIn.insert(m.sentence) }
            }
        }
    }

    /// A business word with the name before it (田中工務店, 駅前のラーメン屋).
    func businessName(_ h: CompiledLexicon.Hit) -> Range<Int> {
        var b = h.start
        while b > 0 && h.start - b < 12 && (Chars.isKanji(s[b - 1]) || Chars.isKatakana(s[b - 1]) || Chars.isASCIIAlnum(s[b - 1])
            || (Chars.isHiragana(s[b - 1]) && !Self.nameStops.contains(s[b - 1]))) { b -= 1 }
        var e = h.end
        // 店は, 屋は: the particle is not part of the name.
        if e > h.start + 1, s[e - 1] == 0x306F { e -= 1 }
        return b..<e
    }

    /// The private target a flag at `pos` is about: the nearest one in its sentence (before it first), else the
    /// comment's only kind of private target.
    func privateTarget(near pos: Int) -> TargetMention? {
        let sentence = sentenceOf[pos]
        let own = privateBySentence[sentence] ?? []
        if let before = own.filter({ $0.range.lowerBound <= pos }).max(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            return before
        }
        if let after = own.min(by: { $0.range.lowerBound < $1.range.lowerBound }) { return after }
        if institutionalIn.contains(sentence) { return nil }
        return privateMentions.min { abs($0.range.lowerBound - pos) < abs($1.range.lowerBound - pos) }
    }

    /// A run of kanji (1–4) or katakana (2–8) just before an honorific or a title, unless it is a word like 皆 or 市長.
    func nameBefore(_ h: CompiledLexicon.Hit, title: Bool) -> Range<Int>? {
        let k = h.start
        guard k > 0 else { return nil }
        var b = k
        if Chars.isKanji(s[k - 1]) {
            while b > 0 && Chars.isKanji(s[b - 1]) { b -= 1 }
            guard k - b <= (title ? 3 : 4) else { return nil }
        } else if Chars.isKatakana(s[k - 1]) && !title {
            while b > 0 && Chars.isKatakana(s[b - 1]) { b -= 1 }
            guard k - b >= 2 && k - b <= 8 else { return nil }
        } else if Chars.isHiragana(s[k - 1]) && !title && Self.isChildHonorific(s[h.start..<h.end]) {
            // A child's name in hiragana (ゆいちゃん, そうたくん): up to four kana back to a particle or a mark.
            while b > 0 && k - b < 4 && Chars.isHiragana(s[b - 1]) && !Self.nameStops.contains(s[b - 1]) { b -= 1 }
            guard k - b >= 2 else { return nil }
        } else {
            return nil
        }
        let run = s[b..<k]
        for w in lex.notNames where run.count >= w.count && run.suffix(w.count).elementsEqual(w) { return nil }
        return b..<h.end
    }

    /// A run of one to four kanji or two to eight katakana before `of` (the の of 山田のじいさん) that is a name.
    func nameBeforeKinship(_ of: Int) -> Range<Int>? {
        var b = of
        if of > 0 && Chars.isKanji(s[of - 1]) {
            while b > 0 && Chars.isKanji(s[b - 1]) && of - b < 5 { b -= 1 }
            guard of - b <= 4 else { return nil }
        } else if of > 0 && Chars.isKatakana(s[of - 1]) {
            while b > 0 && Chars.isKatakana(s[b - 1]) && of - b < 9 { b -= 1 }
            guard of - b >= 2 && of - b <= 8 else { return nil }
        } else {
            return nil
        }
        let run = s[b..<of]
        for w in lex.notNames where run.count >= w.count && run.suffix(w.count).elementsEqual(w) { return nil }
        return b..<of
    }

    static let agentVerbs: [[UInt32]] = ["考えた", "決めた", "作った", "進めた", "通した", "企画した", "計画した", "決定した", "承認した",
                                         "許可した", "強行した", "可決した", "推進した", "担当した"].map { Array($0.unicodeScalars.map(\.value)) }

    /// 奴ら, 人, 連中 right after a verb of deciding or making (考えた, 決めた) in a sentence about the city's policy,
    /// plan or budget: the city's agents.
    func actsForTheCity(_ h: CompiledLexicon.Hit) -> Bool {
        let before = s[max(0, h.start - 6)..<h.start]
        guard Self.agentVerbs.contains(where: { before.count >= $0.count && before.suffix($0.count).elementsEqual($0) }) else { return false }
        let sentence = sentenceOf[h.start]
        return hits.contains { $0.end <= h.start && sentenceOf[$0.start] == sentence && lex.entries[$0.entry].tag == .institutional }
    }

    static let secondPerson: [[UInt32]] = ["あんた", "お前", "おまえ", "てめえ", "てめー", "テメー", "貴様", "きさま", "あなた"]
        .map { Array($0.unicodeScalars.map(\.value)) }

    /// 市長、あんたは…: a second-person word in a sentence that names the city or its agent first speaks to them.
    func addressesTheCity(_ h: CompiledLexicon.Hit) -> Bool {
        guard Self.secondPerson.contains(where: { s[h.start..<h.end].elementsEqual($0) }) else { return false }
        let sentence = sentenceOf[h.start]
        return hits.contains { $0.end <= h.start && sentenceOf[$0.start] == sentence && lex.entries[$0.entry].tag == .institutional }
    }

    static let childHonorifics: [[UInt32]] = ["くん", "ちゃん"].map { Array($0.unicodeScalars.map(\.value)) }
    static let nameStops: Set<UInt32> = Set("のはがにをへ".unicodeScalars.map(\.value))
    static func isChildHonorific(_ h: ArraySlice<UInt32>) -> Bool {
        h.elementsEqual("ちゃん".unicodeScalars.map(\.value)) || h.elementsEqual("くん".unicodeScalars.map(\.value))
    }

    func personalTarget(_ sentence: Int32) -> Bool {
        if personalIn.contains(sentence) { return true }
        return !institutionalIn.contains(sentence) && !personalIn.isEmpty
    }

    func institutionalTarget(_ sentence: Int32) -> Bool {
        institutionalIn.contains(sentence) || (!personalIn.contains(sentence) && !institutionalIn.isEmpty)
    }

    // MARK: - Words

    mutating func scanTerms() {
        for h in hits {
            let e = lex.entries[h.entry]
            switch e.tag {
            case .group(let g):
                let group = lex.lexicon.groups[g]
                let sentence = sentenceOf[h.start]
                if group.requires?.isEmpty == false && !requirementsMet.contains(g) { continue }
                let apart = Int32(group.nearSentences ?? 0)
                if let near = group.near, !(requirementHits[g] ?? []).contains(where: { r in
                    abs(sentenceOf[r.lowerBound] - sentence) <= apart && !r.overlaps(h.start..<h.end)
                        && (r.lowerBound >= h.end ? r.lowerBound - h.end : h.start - min(h.start, r.upperBound)) <= near
                }) { continue }
                if vetoed.contains(VetoKey(group: g, sentence: sentence)) { continue }
                let span = [h.start..<h.end]
                let target = privateTarget(near: h.start)
                let needsTarget = group.ground != "①" && group.ground != "④"
                switch group.mode ?? .always {
                case .always:
                    // 市議会は老害の巣窟: a ⑤ word said of the city's own bodies and staff, with no one else named, is criticism.
                    if group.cityIsNoTarget == true, institutionalTarget(sentence),
                       !(privateBySentence[sentence] ?? []).contains(where: { !$0.range.overlaps(h.start..<h.end) }) { continue }
                    flag(group.ground, group.level, group.reason, span, target: needsTarget ? target : nil)
                    if let also = group.also, let target { flag(also, group.level, group.reason, span, target: target) }
                case .insult:
                    insultIn.insert(sentence)
                    // 隣のジジイ、…: the rude word is how the person is named; what is said of them is the ground.
                    if privateMentions.contains(where: { $0.range.lowerBound <= h.start && h.end == $0.range.upperBound }) {
                        referringInsults.append(h.start..<h.end)
                    }
                    // Words against a group are weighed as hate speech (⑤), not as an insult of a person.
                    if target?.kind == .group && !personalIn.isEmpty && personOrBusinessIn.isEmpty { continue }
                    if personalTarget(sentence), let target {
                        flag(group.ground, .clear, group.reason, span, target: target)
                    } else if target == nil, criticismIn.contains(sentence), wholeComment(h) {
                        // 「無能」 alone under the city's post: a verdict on the account that posted it, criticism.
                        institutionalIn.insert(sentence)
                    } else if !institutionalTarget(sentence) {
                        flag(group.ground, group.level, group.reason, span, target: target)
                    }
                case .accusation:
                    insultIn.insert(sentence)
                    if personalTarget(sentence), let target, target.kind != .group {
                        flag(group.ground, .clear, group.reason, span, target: target)
                        accusations.append(h.start..<h.end)
                    }
                case .abuse:
                    insultIn.insert(sentence)
                    if personalTarget(sentence), let target {
                        flag(group.ground, .clear, group.reason, span, target: target)
                        if let also = group.also { flag(also, .clear, group.reason, span, target: target) }
                    } else if institutionalTarget(sentence) {
                        // Said of the city, its mayor or its staff as such: criticism however rude, not a ground.
                        continue
                    } else {
                        flag(group.ground, .clear, group.reason, span, target: target)
                    }
                case .sales:
                    salesSpans.append(h.start..<h.end)
                    salesTerms.insert(h.entry)
                }
            case .fact(let f):
                let fact = lex.lexicon.sensitiveFacts[f]
                // 前科, 不倫 said as an accusation is ②, not a second ground for the same words.
                if accusations.contains(where: { $0.overlaps(h.start..<h.end) }) { continue }
                if let name = names.min(by: { distance($0, h) < distance($1, h) }), distance(name, h) <= 60,
                   !isWritersOwn(name) {
                    let person = TargetMention(range: name, kind: .privatePerson, sentence: sentenceOf[name.lowerBound])
                    flag("③", fact.level, fact.reason, [name, h.start..<h.end], target: person)
                    // 高橋さんは逮捕された: a named person's arrest or record is their privacy and an accusation too.
                    if f == 1 { flag("②", .clear, fact.reason, [name, h.start..<h.end], target: person) }
                }
            case .hate:
                let sentence = sentenceOf[h.start]
                // 帰れる, 出ていけない: a verb going on is not the imperative.
                if h.end < n, Chars.isHiragana(s[h.end]), !Self.hateEndings.contains(s[h.end]) { continue }
                // 死ねと言ってるのと同じ: the words reported of someone (the city's decision), not said.
                if Self.reported(s, after: h.end) { continue }
                if hateIn[sentence] == nil { hateIn[sentence] = h.start..<h.end }
            default: break
            }
        }
    }

    /// A name that is the writer's own family (うちの子, 息子の…) is not someone else's privacy.
    func isWritersOwn(_ name: Range<Int>) -> Bool {
        let own: [[UInt32]] = ["うちの", "私の", "僕の", "俺の", "わたしの", "自分の", "我が家の", "うちは"].map { Array($0.unicodeScalars.map(\.value)) }
        let from = max(0, name.lowerBound - 4)
        let window = s[from..<name.lowerBound]
        if own.contains(where: { w in window.count >= w.count && window.suffix(w.count).elementsEqual(w) }) { return true }
        // 我が家は三丁目の角の家です: the writer says where they live, earlier in the same sentence.
        let home: [[UInt32]] = ["我が家は", "うちは", "私の家は", "うちの家は", "自宅は"].map { Array($0.unicodeScalars.map(\.value)) }
        let sentence = sentenceOf[name.lowerBound]
        var b = name.lowerBound
        while b > 0 && sentenceOf[b - 1] == sentence && name.lowerBound - b < 16 { b -= 1 }
        let before = s[b..<name.lowerBound]
        return home.contains { w in before.count >= w.count && (0...(before.count - w.count)).contains { o in
            before.dropFirst(o).prefix(w.count).elementsEqual(w) } }
    }

    /// Hate speech: a group named with what wishes it gone, dead or worth less, in one sentence (外国人は出ていけ).
    mutating func scanHate() {
        for m in privateMentions where m.kind == .group {
            // 外人が増えた。全員追い出せ: an imperative in the next sentence, with no one else named there, is said of
            // the same group.
            let next = m.sentence + 1
            let nextImperative = hateIn[next].flatMap { p in
                Self.imperativeEnds.contains(s[p.upperBound - 1]) && privateBySentence[next] == nil ? p : nil }
            guard let pred = hateIn[m.sentence].flatMap({ $0.lowerBound >= m.range.upperBound ? $0 : nil }) ?? nextImperative
            else { continue }
            // An imperative (出ていけ, 帰れ, 消えろ, 来るな) may come after a few words; a judgement (税金の無駄, いらない)
            // only right after the group and its particle, or it is an opinion about a policy for that group.
            let gap = pred.lowerBound - m.range.upperBound
            let imperative = Self.imperativeEnds.contains(s[pred.upperBound - 1])
            guard sentenceOf[pred.lowerBound] != m.sentence || gap <= (imperative ? 16 : 3) else { continue }
            flag("⑤", .clear, reason("hate"), [m.range, pred], target: m)
            hateFlagged.insert(m.sentence)
        }
    }

    static let reportEndings: [[UInt32]] = ["と言", "って言", "と同じ", "というこ", "ってこと"].map { Array($0.unicodeScalars.map(\.value)) }
    static func reported(_ s: [UInt32], after end: Int) -> Bool {
        reportEndings.contains { w in end + w.count <= s.count && s[end..<end + w.count].elementsEqual(w) }
    }

    static let hateEndings: Set<UInt32> = Set("よやっねとでだぞば".unicodeScalars.map(\.value))
    static let imperativeEnds: Set<UInt32> = Set("けれせろなね除離き".unicodeScalars.map(\.value))

    /// Advertising: several signs together, or signs with a way to reach the seller (a link, a phone, an e-mail).
    mutating func scoreSales() {
        // A link in the city's name where the comment speaks as the city (【小平市】…) and sells nothing: a shop may
        // carry the town's name in its own.
        if !posingLinks.isEmpty, !institutionalIn.isEmpty, salesTerms.isEmpty {
            flag("①", .clear, reason("posingLink"), posingLinks)
        }
        let score = salesTerms.count + (contacts.isEmpty ? 0 : 1)
        if !salesTerms.isEmpty && score >= 2 {
            flag("④", score >= 3 ? .clear : .maybe, reason("sales"), salesSpans + contacts)
        }
    }

    func distance(_ r: Range<Int>, _ h: CompiledLexicon.Hit) -> Int {
        if r.upperBound <= h.start { return h.start - r.upperBound }
        if h.end <= r.lowerBound { return r.lowerBound - h.end }
        return 0
    }

    // MARK: - Links and e-mail addresses

    static func isLinkChar(_ c: UInt32) -> Bool {
        c > 0x20 && c < 0x7F && c != 0x22 && c != 0x27 && c != 0x3C && c != 0x3E && c != 0x60 && c != 0x28 && c != 0x29
            && c != 0x5B && c != 0x5D && c != 0x7B && c != 0x7D && c != 0x7C && c != 0x5C && c != 0x5E
    }

    static func isDomainChar(_ c: UInt32) -> Bool { Chars.isASCIIAlnum(c) || c == 0x2D || c == 0x2E }
    static func isLocalChar(_ c: UInt32) -> Bool {
        Chars.isASCIIAlnum(c) || c == 0x2E || c == 0x5F || c == 0x25 || c == 0x2B || c == 0x2D
    }

    func string(_ r: Range<Int>) -> String {
        String(String.UnicodeScalarView(s[r].compactMap(Unicode.Scalar.init)))
    }

    func isPublic(host: String) -> Bool {
        lex.publicDomains.contains { host == $0 || host.hasSuffix("." + $0) }
    }

    mutating func scanLinks() {
        var i = 0
        while i < n {
            guard Self.isLinkChar(s[i]) else { i += 1; continue }
            var j = i
            while j < n && Self.isLinkChar(s[j]) { j += 1 }
            scanLinkRun(i..<j)
            i = j
        }
    }

    /// One run of URL characters: a link, an e-mail address, or neither.
    mutating func scanLinkRun(_ run: Range<Int>) {
        let text = string(run)
        if let scheme = text.range(of: "https://") ?? text.range(of: "http://") ?? text.range(of: "www.") {
            let startOffset = text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: scheme.lowerBound)
            var end = run.upperBound
            while end > run.lowerBound + startOffset + 1, [0x2E, 0x2C, 0x21, 0x3F, 0x3A, 0x3B].contains(s[end - 1]) { end -= 1 }
            link(run.lowerBound + startOffset..<end)
            return
        }
        if let at = s[run].firstIndex(of: 0x40) {
            var a = at
            while a > run.lowerBound && Self.isLocalChar(s[a - 1]) { a -= 1 }
            var b = at + 1
            while b < run.upperBound && Self.isDomainChar(s[b]) { b += 1 }
            while b > at + 1 && (s[b - 1] == 0x2E || s[b - 1] == 0x2D) { b -= 1 }
            let domain = string(at + 1..<b)
            let labels = domain.split(separator: ".")
            if a < at, labels.count >= 2, let tld = labels.last, tld.count >= 2, tld.allSatisfy({ $0.isLetter }) {
                for k in a..<b { consumed[k] = true }
                guard !isPublic(host: domain) else { return }
                // A recall petition's or a residents' group's address, or the writer's own: political speech and
                // a complaint, not someone's privacy.
                if political && names.isEmpty { return }
                contacts.append(a..<b)
                if isWritersContact(a) { return }
                flag("③", .clear, reason("email"), [a..<b], target: privateTarget(near: a))
            }
            return
        }
        // A bare domain with a path or a well-known ending: bit.ly/xyz, example.com
        let host = text.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") } }),
              let tld = labels.last, tld.allSatisfy({ $0.isLetter }), tld.count >= 2,
              text.contains("/") || ["com", "net", "jp", "org", "info", "biz", "xyz", "shop", "site", "top", "online", "io",
                                       "me", "ly", "to", "gl", "cc", "tk"].contains(tld.lowercased()) else { return }
        link(run)
    }

    mutating func link(_ r: Range<Int>) {
        for k in r { consumed[k] = true }
        let url = string(r)
        var rest = Substring(url)
        if let p = rest.range(of: "://") { rest = rest[p.upperBound...] }
        let host = String(rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" && $0 != ":" })
        if isPublic(host: host) { return }
        contacts.append(r)
        if let words = lex.lexicon.links.posingAsTheCity, words.contains(where: { host.lowercased().contains($0) }) {
            posingLinks.append(r)
        }
        if lex.lexicon.links.affiliate.contains(where: { url.contains($0) }) {
            flag("④", .clear, reason("affiliate"), [r])
        } else if lex.lexicon.links.shorteners.contains(where: { host == $0 || host.hasSuffix("." + $0) }) {
            flag("④", .maybe, reason("shortener"), [r])
        }
    }

    // MARK: - Numbers: phone, My Number, card, postal code, address

    mutating func scanNumbers() {
        var i = 0
        while i < n {
            guard Chars.isDigit(s[i]), !consumed[i] else { i += 1; continue }
            if i > 0 && (Chars.isASCIIAlnum(s[i - 1]) || s[i - 1] == 0x2E) {
                while i < n && Chars.isASCIIAlnum(s[i]) { i += 1 }
                continue
            }
            var runs: [Range<Int>] = []
            var seps: [[UInt32]] = []
            var j = i
            while true {
                let rs = j
                while j < n && Chars.isDigit(s[j]) && !consumed[j] { j += 1 }
                runs.append(rs..<j)
                var k = j
                var sep: [UInt32] = []
                while k < n && sep.count < 3 && Chars.isNumberSeparator(s[k]) && !consumed[k] { sep.append(s[k]); k += 1 }
                guard runs.count < 8, !sep.isEmpty, k < n, Chars.isDigit(s[k]), !consumed[k], Self.validSeparator(sep) else { break }
                seps.append(sep)
                j = k
            }
            let end = classifyNumber(runs: runs, seps: seps)
            i = max(end, runs[0].upperBound)
        }
    }

    static func validSeparator(_ sep: [UInt32]) -> Bool {
        let hyphens = sep.filter(Chars.isHyphen).count
        let spaces = sep.filter { $0 == 0x20 || $0 == 0x3001 }.count
        let dots = sep.filter { $0 == 0x2E }.count
        return hyphens <= 1 && spaces <= 1 && dots <= 1 && hyphens + dots <= 1
    }

    /// Classifies the number written as `runs` of digits; returns where it ends.
    mutating func classifyNumber(runs: [Range<Int>], seps: [[UInt32]]) -> Int {
        let first = runs[0].lowerBound
        let before: UInt32? = first > 0 ? s[first - 1] : nil
        let plus = before == 0x2B
        let start = (before == 0x2B || before == 0x28) ? first - 1 : first
        func digits(_ k: Int) -> [UInt8] { runs[0..<k].flatMap { s[$0].map { UInt8($0 - 0x30) } } }
        let all = digits(runs.count)
        let lens = runs.map(\.count)
        let end = runs.last!.upperBound
        let after: UInt32? = end < n ? s[end] : nil
        let hyphensOnly = seps.allSatisfy { $0.count == 1 && Chars.isHyphen($0[0]) }

        if all.count == 12, lens == [12] || lens == [4, 4, 4], !plus, Self.validMyNumber(all) {
            flag("③", .clear, reason("myNumber"), [start..<end])
            return end
        }
        if (13...19).contains(all.count), lens.count == 1 || lens.allSatisfy({ (3...6).contains($0) }),
           Set(all).count > 1, Self.luhn(all) {
            flag("③", .clear, reason("card"), [start..<end])
            return end
        }
        if all.count == 7, (lens == [3, 4] && hyphensOnly) || lens == [7], postalMarkBefore(start) {
            if !lex.publicPostal.contains(String(all.map { Character(String($0)) })) {
                flag("③", .maybe, reason("postal"), [postalStart(start)..<end])
            }
            return end
        }
        // Phone numbers, also when more digits follow after a space (the longest prefix that is one).
        for k in stride(from: runs.count, through: 1, by: -1) {
            var d = digits(k)
            if plus, d.count >= 11, d.count <= 12, d[0] == 8, d[1] == 1 { d = [0] + d.dropFirst(2) }
            let klens = runs[0..<k].map(\.count)
            guard (10...11).contains(d.count), d[0] == 0, d[1] != 0, klens.count <= 4, klens.count == 1 || klens.allSatisfy({ $0 <= 5 })
            else { continue }
            let e = runs[k - 1].upperBound
            if let a = e < n ? s[e] : nil, Chars.isASCIIAlnum(a) { continue }
            let key = String(d.map { Character(String($0)) })
            if lex.publicPhones.contains(key) { return e }
            if political && names.isEmpty { return e }
            contacts.append(start..<e)
            if isWritersContact(start) { return e }
            let prefix3 = Array(d.prefix(3)), prefix4 = Array(d.prefix(4))
            if prefix4 == [0, 1, 2, 0] || prefix4 == [0, 8, 0, 0] || prefix4 == [0, 5, 7, 0] { return e }
            let mobile = d.count == 11 && [[0, 7, 0], [0, 8, 0], [0, 9, 0], [0, 5, 0]].contains(prefix3)
            // 042-345-6789（平日9時〜17時）の市民相談課: a landline given as a city office's is the office's.
            let sentence = sentenceOf[start]
            if !mobile, institutionalIn.contains(sentence), privateBySentence[sentence] == nil { return e }
            flag("③", mobile || hasHomeContext || !names.isEmpty ? .clear : .maybe, reason("phone"), [start..<e],
                 target: privateTarget(near: start))
            return e
        }
        // 2-1333 or 1-2-3 after a town name: an address down to the house.
        if (2...3).contains(lens.count), hyphensOnly, lens.allSatisfy({ $0 <= 4 }), let b = before, Chars.isKanji(b) || Chars.isKatakana(b),
           !(after.map { Self.counterAfterNumber.contains($0) } ?? false) {
            addressFlag(expandTownBack(first)..<end)
            return end
        }
        return end
    }

    /// A number or address the writer gives as their own (私の携帯, 折り返しください), with no one else named.
    func isWritersContact(_ pos: Int) -> Bool {
        guard !selfContactIn.isEmpty, names.isEmpty, salesTerms.isEmpty else { return false }
        let sentence = sentenceOf[pos]
        // あいつの連絡先は…: someone else is named where the number stands.
        if privateBySentence[sentence]?.contains(where: { $0.kind != .group }) == true { return false }
        // わたくし、…の田村と申します。…連絡は 070-…まで: the writer introduces themself anywhere in the comment.
        return !selfContactIn.isEmpty
    }

    /// 年月日時分回円人点歳位件号%: a number that counts something, not a house.
    static let counterAfterNumber: Set<UInt32> = Set("年月日時分秒回円人点歳位件号%個本枚台階度倍番".unicodeScalars.map(\.value))

    func postalMarkBefore(_ start: Int) -> Bool {
        var k = start
        while k > 0 && s[k - 1] == 0x20 { k -= 1 }
        if k > 0 && (s[k - 1] == 0x3012 || s[k - 1] == 0x3036) { return true }
        let mark = Array("郵便番号".unicodeScalars.map(\.value))
        let window = s[max(0, k - 6)..<k]
        return window.count >= mark.count && (0...(window.count - mark.count)).contains { o in
            window.dropFirst(o).prefix(mark.count).elementsEqual(mark)
        }
    }

    func postalStart(_ start: Int) -> Int {
        var k = start
        while k > 0 && s[k - 1] == 0x20 { k -= 1 }
        if k > 0 && (s[k - 1] == 0x3012 || s[k - 1] == 0x3036) { return k - 1 }
        return start
    }

    mutating func addressFlag(_ r: Range<Int>) {
        let text = s[r]
        // うちの住所は…: the writer's own address in an inquiry.
        if isWritersContact(r.lowerBound) { return }
        for p in lex.publicAddresses where text.count >= p.count && text.suffix(p.count).elementsEqual(p) { return }
        flag("③", hasHomeContext || !names.isEmpty ? .clear : .maybe, reason("address"), [r], target: privateTarget(near: r.lowerBound))
    }

    /// The town name before a house number: kanji and katakana back to a particle or punctuation (at most 16).
    func expandTownBack(_ from: Int) -> Int {
        var b = from
        while b > 0 && from - b < 16 && (Chars.isKanji(s[b - 1]) || Chars.isKatakana(s[b - 1]) || Chars.isNumeral(s[b - 1])) { b -= 1 }
        return b
    }

    static func validMyNumber(_ d: [UInt8]) -> Bool {
        // 行政手続における特定の個人を識別するための番号の利用等に関する法律施行令 8条: P(n) the n-th digit from the
        // right (check digit excluded), Q(n) = n+1 (n ≤ 6) or n−5; check = 11 − (ΣPQ mod 11), 0 when the rest ≤ 1.
        guard d.count == 12 else { return false }
        var sum = 0
        for n in 1...11 {
            let p = Int(d[11 - n])
            let q = n <= 6 ? n + 1 : n - 5
            sum += p * q
        }
        let r = sum % 11
        let check = r <= 1 ? 0 : 11 - r
        return check == Int(d[11])
    }

    static func luhn(_ d: [UInt8]) -> Bool {
        var sum = 0
        for (i, digit) in d.reversed().enumerated() {
            var v = Int(digit)
            if i % 2 == 1 { v *= 2; if v > 9 { v -= 9 } }
            sum += v
        }
        return sum % 10 == 0
    }

    func healthHit() -> Range<Int>? {
        for h in hits { if case .fact(0) = lex.entries[h.entry].tag { return h.start..<h.end } }
        return nil
    }

    static let houseWords: [[UInt32]] = ["家", "アパート", "マンション", "一軒家", "お宅", "宅"].map { Array($0.unicodeScalars.map(\.value)) }

    /// Where a word for a house ends, if one starts within `within` scalars from `from` in the same sentence.
    func houseWord(from: Int, within: Int) -> Int? {
        var k = from
        while k < min(n, from + within), !Chars.isSentenceEnd(s[k]) {
            for w in Self.houseWords where k + w.count <= n && s[k..<k + w.count].elementsEqual(w) { return k + w.count }
            k += 1
        }
        return nil
    }

    /// 3丁目5番地, 三丁目5番12号, 2丁目5-10, 1333番地, 5番3号.
    mutating func scanKanjiAddresses() {
        let chome: [UInt32] = [0x4E01, 0x76EE], banchi: [UInt32] = [0x756A, 0x5730]
        let ban: UInt32 = 0x756A, go: UInt32 = 0x53F7
        var covered = 0
        func numeralRun(from k: Int) -> Int {
            var e = k
            while e < n && Chars.isNumeral(s[e]) { e += 1 }
            return e
        }
        // The number's start is looked for only where an address word follows it: walking back from every numeral
        // of a run was quadratic (a comment of 8,000 numerals held a poll for 10 s).
        func numeralStart(before i: Int) -> Int {
            var start = i - 1
            while start > 0 && Chars.isNumeral(s[start - 1]) { start -= 1 }
            return start
        }
        var i = 1
        while i < n {
            guard i >= covered, Chars.isNumeral(s[i - 1]), !consumed[i] else { i += 1; continue }
            var end: Int? = nil
            if s[i] == chome[0], i + 1 < n, s[i + 1] == chome[1] {
                // A town down to its 丁目 with an illness in the same comment points at one household.
                let numStart = numeralStart(before: i)
                let town = expandTownBack(numStart)
                if town < numStart, let health = healthHit() {
                    flag("③", .clear, reason("addressHealth"), [town..<(i + 2), health],
                         target: TargetMention(range: town..<(i + 2), kind: .privatePerson, sentence: sentenceOf[i]))
                }
                var k = i + 2
                while k < n && s[k] == 0x20 { k += 1 }
                // 五丁目のグレーの家, 三丁目の角のアパート: a town down to its 丁目 with the house described.
                if town < numStart, k < n, s[k] == 0x306E, let house = houseWord(from: k + 1, within: 10) {
                    addressFlag(town..<house)
                }
                let e = numeralRun(from: k)
                if e > k, e < n {
                    var m = e
                    if m + 1 < n && s[m] == banchi[0] && s[m + 1] == banchi[1] { m += 2 }
                    else if s[m] == ban || Chars.isHyphen(s[m]) { m += 1 }
                    if m > e {
                        let e2 = numeralRun(from: m)
                        end = e2 > m ? (e2 < n && s[e2] == go ? e2 + 1 : e2) : m
                    }
                }
            } else if s[i] == banchi[0], i + 1 < n, s[i + 1] == banchi[1] {
                end = i + 2
            } else if s[i] == 0x53F7, i + 1 < n, s[i + 1] == 0x5BA4, i >= 2, Chars.isDigit(s[i - 1]) || Chars.isNumeral(s[i - 1]) {
                // コーポ小平205号室: a building's name and a room number point at one household.
                var b = i - 1
                while b > 0 && (Chars.isDigit(s[b - 1]) || Chars.isNumeral(s[b - 1])) { b -= 1 }
                if b > 0, Chars.isKanji(s[b - 1]) || Chars.isKatakana(s[b - 1]) { end = i + 2 }
            } else if s[i] == ban {
                let e = numeralRun(from: i + 1)
                if e > i + 1, e < n, s[e] == go { end = e + 1 }
            }
            if let end {
                addressFlag(expandTownBack(numeralStart(before: i))..<end)
                covered = end
                i = end
            } else {
                i += 1
            }
        }
    }

    /// A car's number plate (多摩 300 さ 12-34, 練馬５００ほ７７‐８８): a place in kanji, a class number of two or three
    /// digits, one hiragana, and the number (12-34 or 1234). Whose car it is needs a person to look.
    mutating func scanPlates() {
        func skipSpaces(_ k: Int, _ step: Int) -> Int {
            var k = k
            while k >= 0 && k < n && s[k] == 0x20 { k += step }
            return k
        }
        var i = 1
        while i < n - 1 {
            defer { i += 1 }
            guard Chars.isHiragana(s[i]) else { continue }
            // The class number before the kana, and the place before it.
            var b = skipSpaces(i - 1, -1)
            var digits = 0
            while b >= 0 && Chars.isDigit(s[b]) { b -= 1; digits += 1 }
            guard (2...3).contains(digits) else { continue }
            b = skipSpaces(b, -1)
            guard b >= 0, Chars.isKanji(s[b]) else { continue }
            var place = b
            while place > 0 && Chars.isKanji(s[place - 1]) && b - place < 4 { place -= 1 }
            // The number after the kana: 12-34, 1234, ・・12.
            var e = skipSpaces(i + 1, 1)
            var d1 = 0
            while e < n && Chars.isDigit(s[e]) { e += 1; d1 += 1 }
            var d2 = 0
            if e < n, Chars.isHyphen(s[e]) || (0x2010...0x2015).contains(s[e]) || s[e] == 0x2212 {
                var k = e + 1
                while k < n && Chars.isDigit(s[k]) { k += 1; d2 += 1 }
                if d2 == 2 { e = k }
            }
            guard (d2 == 2 && (1...2).contains(d1)) || (d2 == 0 && d1 == 4) else { continue }
            flag("③", .maybe, reason("plate"), [place..<e], target: privateTarget(near: place))
            i = e
        }
    }

    // MARK: - Rumours (4(7)/5(7))

    /// The comment's claims read by meaning and set against the city's statements: nil when none of them is covered.
    func judgeClaims() -> CityStatementIndex.Judgement? {
        guard let statements, !statements.isEmpty, let axes = lex.claimAxes else { return nil }
        var skip = Set<Int32>(), hearsay = Set<Int32>()
        var anyState = false
        for h in hits {
            switch lex.entries[h.entry].tag {
            case .question: skip.insert(sentenceOf[h.start])
            case .debunk:
                // 「避難指示解除」ってLINEが来たけど…信じないでおきます: the correction may follow in the next sentence.
                skip.insert(sentenceOf[h.start])
                skip.insert(sentenceOf[h.start] - 1)
            case .claimState, .claimNegation: anyState = true
            case .claimTopic(let t) where axes.measured.contains(t): anyState = true
            case .hearsay, .spread: hearsay.insert(sentenceOf[h.start])
            default: break
            }
        }
        guard anyState else { return nil }
        for (i, end) in sentenceEnds.enumerated() where end == 0x3F { skip.insert(Int32(i)) }
        var ranges: [Range<Int>] = []
        var from = 0
        for i in 1...n where i == n || sentenceOf[i] != sentenceOf[from] {
            ranges.append(from..<i)
            from = i
        }
        // Criticism tells what the writer went through (体育館は寒すぎ, 車椅子じゃ通れない): only what it passes on
        // (らしい, って) is a claim to set against the city.
        let critical = isCriticism
        for k in quotativeTte() { hearsay.insert(sentenceOf[k]) }
        let claims = ClaimReading.read(s, hits: hits, lex: lex, axes: axes, sentences: ranges, statement: false,
                                       skip: { i in
            let sentence = sentenceOf[ranges[i].lowerBound]
            // ＞避難所を開設しました: a quoted line of the city's own post.
            if s[ranges[i].lowerBound] == 0x3E { return true }
            return skip.contains(sentence) || (critical && !hearsay.contains(sentence))
        }, passedOn: { hearsay.contains(sentenceOf[ranges[$0].lowerBound]) })
        return claims.isEmpty ? nil : statements.judge(claims)
    }

    mutating func scanRumours() {
        let judged = judgeClaims()
        if case .contradicts(let source, let claim)? = judged {
            let topic = lex.lexicon.claimReading?.topics[claim.topic].name ?? ""
            misleading = true
            rumour = RumourFinding(status: .contradicted, claim: t.evidence(claim.span), topic: topic, source: source)
            return
        }
        scanRumoursByKind()
        // What the city itself says, read by meaning, is no rumour whatever the kinds above made of it.
        if case .agrees? = judged { misleading = false; rumour = nil }
    }

    mutating func scanRumoursByKind() {
        var subjects: [(rumour: Int, hit: CompiledLexicon.Hit)] = []
        var claims: [(rumour: Int, hit: CompiledLexicon.Hit)] = []
        var hearsay = Set<Int32>(), question = Set<Int32>(), debunked = Set<Int32>()
        var topics: [CompiledLexicon.Hit] = [], alarming: [CompiledLexicon.Hit] = [], spread = false
        for h in hits {
            switch lex.entries[h.entry].tag {
            case .rumourSubject(let r): subjects.append((r, h))
            case .rumourClaim(let r): claims.append((r, h))
            case .hearsay: hearsay.insert(sentenceOf[h.start])
            case .question: question.insert(sentenceOf[h.start])
            case .debunk:
                // …という話が回ってますが、…。デマに注意: the word that calls it false may follow in the next sentence.
                debunked.insert(sentenceOf[h.start])
                debunked.insert(sentenceOf[h.start] - 1)
            case .rumourTopic: topics.append(h)
            case .alarming: alarming.append(h)
            case .spread: spread = true
            default: break
            }
        }
        guard !claims.isEmpty || !alarming.isEmpty else { return }
        for (i, end) in sentenceEnds.enumerated() where end == 0x3F { question.insert(Int32(i)) }
        for k in quotativeTte() { hearsay.insert(sentenceOf[k]) }
        var agreed = false
        defer { if rumour == nil && !agreed { scanPassedOnClaims(topics, alarming, hearsay: hearsay, spread: spread, question: question, debunked: debunked) } }
        // Where one claim fits several kinds (中央公民館の避難所は閉鎖: a facility, a shelter), the kind whose subject
        // stands nearest the claim is what it is about.
        var candidates: [(rumour: Int, hit: CompiledLexicon.Hit, subject: CompiledLexicon.Hit?, gap: Int)] = []
        for c in claims {
            let sentence = sentenceOf[c.hit.start]
            if debunked.contains(sentence) { continue }
            if question.contains(sentence) && !hearsay.contains(sentence) { continue }
            let kind = lex.lexicon.rumours[c.rumour]
            if kind.hearsayOnly == true && !hearsay.contains(sentence) { continue }
            if Self.conditional(s, after: c.hit.end) { continue }
            func gap(_ h: CompiledLexicon.Hit) -> Int { h.end <= c.hit.start ? c.hit.start - h.end : h.start - c.hit.end }
            // 断水してる: a claim that holds its subject names it.
            let subject = subjects.filter { $0.rumour == c.rumour && sentenceOf[$0.hit.start] == sentence
                && abs($0.hit.start - c.hit.start) <= 30 && (!($0.hit.start < c.hit.end && c.hit.start < $0.hit.end)
                    || (c.hit.start <= $0.hit.start && $0.hit.end < c.hit.end)) }
                .min { gap($0.hit) < gap($1.hit) }
            // A claim that names its own subject (避難指示が出た) needs none.
            guard subject != nil || kind.subjects.isEmpty else { continue }
            candidates.append((c.rumour, c.hit, subject?.hit, subject.map { gap($0.hit) } ?? 0))
        }
        for c in candidates.enumerated().sorted(by: { ($0.element.gap, $0.offset) < ($1.element.gap, $1.offset) }).map(\.element) {
            let sentence = sentenceOf[c.hit.start]
            let kind = lex.lexicon.rumours[c.rumour]
            let from = min(c.subject?.start ?? c.hit.start, c.hit.start)
            let to = max(c.subject?.end ?? c.hit.end, c.hit.end)
            let claim = t.evidence(from..<to)
            let topic = kind.topic ?? kind.reason
            switch statements?.check(rumour: c.rumour, places: placesIn(sentence: sentence)) {
            case .agrees?:
                // The city itself says so: passing it on is not misleading.
                agreed = true
                continue
            case .contradicts(let source)?:
                misleading = true
                rumour = RumourFinding(status: .contradicted, claim: claim, topic: topic, source: source)
                return
            case nil:
                misleading = true
                rumour = RumourFinding(status: .unverified, claim: claim, topic: topic)
                return
            }
        }
    }

    static let plainEndings: Set<UInt32> = Set("るすくぐむぶつういただんぬ".unicodeScalars.map(\.value))

    /// 壊すって。通れないって、: って after a plain ending (not the て-form of 閉まって, 待って), closing the clause,
    /// passes on what someone said.
    func quotativeTte() -> [Int] {
        var out: [Int] = []
        var k = 1
        while k + 1 < n {
            defer { k += 1 }
            guard s[k] == 0x3063, s[k + 1] == 0x3066, Self.plainEndings.contains(s[k - 1]) else { continue }
            let after: UInt32 = k + 2 < n ? s[k + 2] : 0x3002
            if Chars.isSentenceEnd(after) || Chars.isPunctuationOrSpace(after) || Chars.isEmoji(after) || Chars.isASCIILetter(after)
                || "よねさばな".unicodeScalars.contains(where: { $0.value == after }) { out.append(k) }
        }
        return out
    }

    /// The places a sentence names (第六小の避難所): a claim about one place is checked against what the city said of it.
    func placesIn(sentence: Int32) -> [[UInt32]] {
        guard let from = sentenceOf.firstIndex(of: sentence) else { return [] }
        var to = from
        while to < n && sentenceOf[to] == sentence { to += 1 }
        return PlaceNames.find(s[from..<to])
    }

    /// The fallback: a topic of the city's services or an emergency and an alarming claim in one sentence, passed on
    /// (らしい, って聞いた) or with a plea to spread it. Unverified: no kind of rumour above says what would answer it.
    mutating func scanPassedOnClaims(_ topics: [CompiledLexicon.Hit], _ alarming: [CompiledLexicon.Hit], hearsay: Set<Int32>,
                                     spread: Bool, question: Set<Int32>, debunked: Set<Int32>) {
        for c in alarming {
            let sentence = sentenceOf[c.start]
            guard hearsay.contains(sentence) || spread, !debunked.contains(sentence) else { continue }
            if question.contains(sentence) && !hearsay.contains(sentence) { continue }
            // 中止になったら, 閉鎖の場合: a condition, not a claim.
            if Self.conditional(s, after: c.end) { continue }
            guard let topic = topics.first(where: { sentenceOf[$0.start] == sentence && abs($0.start - c.start) <= 20
                && !($0.start < c.end && c.start < $0.end) }) else { continue }
            misleading = true
            rumour = RumourFinding(status: .unverified, claim: t.evidence(min(topic.start, c.start)..<max(topic.end, c.end)),
                                   topic: string(topic.start..<topic.end))
            return
        }
    }

    static let conditionalEndings: [[UInt32]] = ["たら", "た場合", "の場合", "なら", "ときは", "時は", "かどうか", "かも", "に備え",
                                                  "しないで", "の際", "の訓練", "されたら", "になったら", "したら", "しても", "ても"]
        .map { Array($0.unicodeScalars.map(\.value)) }

    static func conditional(_ s: [UInt32], after end: Int) -> Bool {
        for w in conditionalEndings {
            var k = end
            // Up to four kana of the verb's ending between the claim and the condition (閉鎖されたら).
            for _ in 0...4 {
                if k + w.count <= s.count && s[k..<k + w.count].elementsEqual(w) {
                    // 〜たらしい is hearsay (中止になったらしい), not 〜たら.
                    let hearsay: [UInt32] = [0x3089, 0x3057, 0x3044]
                    if w.last == 0x3089, k + w.count + 2 <= s.count, s[(k + w.count - 1)..<(k + w.count + 2)].elementsEqual(hearsay) { return false }
                    return true
                }
                guard k < s.count, Chars.isHiragana(s[k]) else { break }
                k += 1
            }
        }
        return false
    }

    // MARK: - ⑤ floods, nonsense, walls of emoji

    mutating func scanNonsense() {
        let f = lex.lexicon.flood
        var nonsense: [Range<Int>] = []
        var emojiTotal = 0, visible = 0
        var run = 0, runStart = 0, runEnd = 0
        func closeEmojiRun(_ me: inout CommentAnalysis) {
            if run >= f.emojiRunDelete { me.flag("⑤", .clear, me.reason("emoji"), [runStart..<runEnd]) }
            else if run >= f.emojiRunReview { me.flag("⑤", .maybe, me.reason("emoji"), [runStart..<runEnd]) }
            run = 0
        }
        for i in 0..<n {
            let c = s[i]
            if c != 0x20 && c != 0x0A { visible += 1 }
            if Chars.isEmoji(c) {
                if run == 0 { runStart = i }
                run += 1
                emojiTotal += 1
                runEnd = i + 1
            } else if Chars.isEmojiModifier(c) || c == 0x20 {
                continue
            } else if run > 0 {
                closeEmojiRun(&self)
            }
        }
        if run > 0 { closeEmojiRun(&self) }
        if emojiTotal >= f.emojiRunDelete && emojiTotal * 10 >= visible * 8 {
            flag("⑤", .clear, reason("emoji"), [0..<n])
        }

        // One character many times, or a short unit many times (www　www　www: spaces or line breaks between the units too).
        let at = (0..<n).filter { s[$0] != 0x20 && s[$0] != 0x3000 && s[$0] != 0x0A && s[$0] != 0x0D }
        let m = at.count
        func span(_ a: Int, _ b: Int) -> Range<Int> { at[a]..<(at[b - 1] + 1) }
        var i = 0
        while i < m {
            let c = s[at[i]]
            if Chars.isPunctuationOrSpace(c) || Chars.isEmoji(c) { i += 1; continue }
            var j = i + 1
            while j < m && s[at[j]] == c { j += 1 }
            if j - i >= f.repeatRun { nonsense.append(span(i, j)); i = j; continue }
            var found = false
            for u in 2...4 where i + u * f.unitRepeats <= m {
                if (i + 1..<i + u).allSatisfy({ s[at[$0]] == c }) || (i..<i + u).contains(where: { Chars.isPunctuationOrSpace(s[at[$0]]) }) { continue }
                var k = i + u
                while k + u <= m && (0..<u).allSatisfy({ s[at[k + $0]] == s[at[i + $0]] }) { k += u }
                if (k - i) / u >= f.unitRepeats { nonsense.append(span(i, k)); i = k; found = true; break }
            }
            if !found { i += 1 }
        }
        // A comment that is nothing but repetition is clearly a flood; a mash of letters may be a word Koho does not know.
        let repeated = nonsense.reduce(0) { $0 + $1.count }
        // Keyboard mash: a long run of Latin letters with hardly a vowel (asdfghjkl).
        i = 0
        while i < n {
            guard Chars.isASCIILetter(s[i]), !consumed[i] else { i += 1; continue }
            var j = i
            var vowels = 0
            while j < n && Chars.isASCIILetter(s[j]) {
                if [0x61, 0x65, 0x69, 0x6F, 0x75].contains(s[j]) { vowels += 1 }
                j += 1
            }
            if j - i >= f.mashLength && vowels * 5 < j - i { nonsense.append(i..<j) }
            i = j
        }
        guard !nonsense.isEmpty else { return }
        flag("⑤", repeated >= 15 && repeated * 10 >= visible * 8 ? .clear : .maybe, reason("nonsense"), nonsense)
    }

    static func floodKey(_ s: [UInt32]) -> [UInt32] { s.filter { !Chars.isPunctuationOrSpace($0) } }

    static func bigrams(_ k: [UInt32]) -> Set<UInt64> {
        var set = Set<UInt64>(minimumCapacity: k.count)
        if k.count >= 2 { for i in 0..<(k.count - 1) { set.insert(UInt64(k[i]) << 32 | UInt64(k[i + 1])) } }
        return set
    }

    /// `recent`: the other comments' flood keys.
    mutating func scanFlood(_ recent: [[UInt32]]) {
        guard !recent.isEmpty else { return }
        let f = lex.lexicon.flood
        let key = Self.floodKey(s)
        guard !key.isEmpty else { return }
        let long = key.count >= f.minLength
        let grams = long ? Self.bigrams(key) : []
        var count = 1
        for other in recent {
            if other == key { count += 1; continue }
            guard long, other.count * 4 >= key.count * 3, key.count * 4 >= other.count * 3 else { continue }
            // Dice over character pairs, without building the other comment's set.
            var shared = 0
            for j in 0..<(other.count - 1) where grams.contains(UInt64(other[j]) << 32 | UInt64(other[j + 1])) { shared += 1 }
            if Double(2 * min(shared, grams.count)) / Double(grams.count + other.count - 1) >= f.similarity { count += 1 }
        }
        let text = reason("flood") + "（\(count)件）"
        if long && count >= f.deleteCount {
            flag("⑤", .clear, text, [0..<n])
        } else if count >= (long ? f.reviewCount : f.shortReviewCount) {
            flag("⑤", .maybe, text, [0..<n])
        }
    }

    // MARK: - The answer

    func assessment(clause: String) -> CommentAssessment {
        let order = ModerationLexicon.marks
        var flags = self.flags
        if let two = flags["②"], flags.keys.contains(where: { $0 != "②" }),
           two.spans.allSatisfy({ sp in referringInsults.contains(sp) }) { flags["②"] = nil }
        // An accusation or insult of a named adult carries the facts it is made of (住んでる, 生活保護): ② alone. Of a
        // child (…くん, …ちゃん) what harms is that the child is named with a school: ③ alone.
        if let two = flags["②"], let three = flags["③"], let span = two.targetSpan, three.targetSpan == span || three.target == .privatePerson,
           three.reasons.allSatisfy({ lex.factReasons.contains($0) }) {
            let name = s[span]
            if name.count > 2, Self.childHonorifics.contains(where: { name.suffix($0.count).elementsEqual($0) }) { flags["②"] = nil }
            else if !three.reasons.contains(where: { $0 == lex.lexicon.sensitiveFacts[0].reason || $0 == lex.lexicon.sensitiveFacts[1].reason }) {
                flags["③"] = nil
            }
        }
        // Selling drugs or posing as the city to defraud: the advertising and the seller's number are how it is done,
        // not a second ground (an election or religious call stays one).
        if let one = flags["①"], one.level == .clear, one.reasons.contains(where: { (lex.lexicon.adsSubsumedBy ?? []).contains($0) }) {
            if let ad = flags["④"], ad.reasons.allSatisfy({ !(lex.lexicon.adsOwnGround ?? []).contains($0) }) { flags["④"] = nil }
            if let three = flags["③"], three.target == nil, three.reasons.allSatisfy({ $0 == reason("phone") || $0 == reason("email") }) {
                flags["③"] = nil
            }
        }
        if isCriticism {
            // Words against no private target in a comment that criticises the city: a person may look, Koho does
            // not suggest deleting it. (Floods and walls of emoji are not words against anyone.)
            let structural = [reason("flood"), reason("nonsense"), reason("emoji")]
            for (g, f) in flags where (g == "②" || g == "⑤") && (f.target == nil || f.target == .city) && f.level == .clear
                && !f.reasons.contains(where: { r in structural.contains { r.hasPrefix($0) } }) {
                flags[g]?.level = .maybe
            }
        }
        let grounds = flags.sorted { a, b in
            if a.value.level != b.value.level { return a.value.level == .clear }
            return (order.firstIndex(of: a.key) ?? 9) < (order.firstIndex(of: b.key) ?? 9)
        }.map { ground, f in
            GroundFlag(ground: ground, clause: clause + ground, reason: f.reasons.prefix(3).joined(separator: "、"),
                       evidence: merged(f.spans).map(t.evidence), target: f.target,
                       targetText: f.targetSpan.map { t.evidence($0).text })
        }
        let suggestion: CommentSuggestion
        if flags.values.contains(where: { $0.level == .clear }) { suggestion = .delete }
        else if !flags.isEmpty { suggestion = .review }
        else if misleading { suggestion = .correct }
        else { suggestion = .keep }
        return CommentAssessment(grounds: grounds, misleading: misleading, suggestion: suggestion,
                                 criticism: isCriticism, rumour: rumour)
    }

    /// The comment speaks of the city (its mayor, staff, policies, services) with criticism or rude words, and
    /// the sentences that do so name no private target.
    var isCriticism: Bool {
        let critical = criticismIn.union(insultIn)
        return critical.contains { sentence in
            !hateFlagged.contains(sentence) && (institutionalIn.contains(sentence) || (!institutionalIn.isEmpty && !personalIn.contains(sentence)))
                && !personOrBusinessIn.contains(sentence)
        }
    }

    func merged(_ spans: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for r in spans.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, r.lowerBound < last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }
}
