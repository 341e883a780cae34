import Foundation

/// The words, phrases and settings the comment classifier works from. Built in as
/// `Moderation/moderation-lexicon.json` (embedded in the code); another city can pass its own with `load(json:)`.
/// Every term is folded as comments are (full-width, case), so a term may be written either way.
public struct ModerationLexicon: Sendable, Codable, Equatable {
    public enum Level: String, Sendable, Codable {
        /// The ground is clearly met: suggest `delete`.
        case clear
        /// The ground may be met: suggest `review`.
        case maybe
    }

    /// How a group's terms count.
    public enum Mode: String, Sendable, Codable {
        /// Wherever the term stands.
        case always
        /// An insult: `clear` when aimed at a person, a business or a group; nothing when aimed only at the city,
        /// its mayor, its staff as an institution, its policies or this account (criticism); `level` otherwise.
        case insult
        /// An accusation (泥棒, 詐欺師…): only when a person, a business or a group is named; then `clear`.
        case accusation
        /// A weak sign of advertising: counts only together with other signs or contact details.
        case sales
        /// Abuse such as a death wish: `clear`, also under `also` when aimed at a private target; only `maybe` when
        /// aimed at the city alone (the chief weighs rude criticism).
        case abuse
    }

    public struct TermGroup: Sendable, Codable, Equatable {
        public var ground: String
        public var level: Level
        public var mode: Mode?
        public var reason: String
        public var terms: [String]
        /// The term does not count when the text just before it ends with one of these…
        public var notBefore: [String]?
        /// …or when the text just after it begins with one of these.
        public var notAfter: [String]?
        /// The term counts only when one of these is also in the comment (野菜 with 手押し: drugs, not vegetables).
        public var requires: [String]?
        /// A second ground the same words meet when aimed at a private target.
        public var also: String?
        /// The term does not count in a sentence with one of these (a warning about fraud, a game, a question).
        public var notInSentence: [String]?
        /// With `requires`: one of those must stand in the same sentence within this many characters of the term
        /// (a verb of harm and a threatening ending, a drug and a selling verb), not anywhere in the comment.
        public var near: Int?
        /// With `near`: how many sentences apart the term and its companion may stand (0 when absent: the same one).
        public var nearSentences: Int?
        /// A word of `notInSentence` also clears the sentences next to it (…をうたう電話がありました。お気をつけて;
        /// 抗議のプラカードを持って立ってやる。覚悟しとけ).
        public var notInNearSentences: Bool?
        /// Said of the city, its bodies or staff with no one else named, the words are criticism, not this ground
        /// (老害 of the council; obscenity stays obscene whoever it is said of).
        public var cityIsNoTarget: Bool?
    }

    /// A sensitive fact about a named person (③).
    public struct FactGroup: Sendable, Codable, Equatable {
        public var level: Level
        public var reason: String
        public var terms: [String]
        public var notAfter: [String]?
    }

    /// A rumour that may mislead: a subject and a claim about it in one sentence (4(7)/5(7)).
    public struct Rumour: Sendable, Codable, Equatable {
        public var reason: String
        public var subjects: [String]
        public var claims: [String]
        public var notAfter: [String]?
        /// What the claim is about, in words (避難所, 断水…); the reason when absent.
        public var topic: String?
        /// Words that name the topic in the city's own statements (subjects when absent).
        public var statementSubjects: [String]?
        /// Words of a city statement on the topic that say the opposite of the claim (開設, 発令中, 安全…).
        public var counters: [String]?
        /// Words of a city statement on the topic that say the same as the claim (then it is no rumour).
        public var agrees: [String]?
        /// Only a claim passed on (らしい, って聞いた) counts: residents report roads and trains first-hand.
        public var hearsayOnly: Bool?
    }

    /// How names of persons are recognised: a run of kanji or katakana before an honorific or a staff title.
    public struct Names: Sendable, Codable, Equatable {
        public var honorifics: [String]
        /// Titles that make a named staff member a person (not the institution): 田中課長.
        public var titles: [String]
        /// Words before an honorific that are not names (皆さん, 市長さん, お客様…).
        public var notNames: [String]
        public var notAfterHonorific: [String]
    }

    public struct Links: Sendable, Codable, Equatable {
        public var affiliate: [String]
        public var shorteners: [String]
        /// Domains of public bodies: a link or an e-mail address there is not a ground.
        public var publicDomains: [String]
        /// Words of the city's name in a host that is not the city's (kodaira-shien.top): a link posing as the city.
        public var posingAsTheCity: [String]?
    }

    public struct Flood: Sendable, Codable, Equatable {
        /// Shorter comments (after dropping spaces and punctuation) are repeated innocently (ありがとう).
        public var minLength: Int
        public var shortReviewCount: Int
        public var reviewCount: Int
        public var deleteCount: Int
        /// Share of shared character pairs (Dice) above which two comments are near-same.
        public var similarity: Double
        public var emojiRunReview: Int
        public var emojiRunDelete: Int
        public var repeatRun: Int
        public var unitRepeats: Int
        public var mashLength: Int
    }

    public var version: Int
    /// Reasons of the grounds found by patterns rather than words (phone, myNumber, card, postal, address, email,
    /// affiliate, shortener, sales, flood, nonsense, emoji).
    public var reasons: [String: String]
    public var groups: [TermGroup]
    public var institutional: [String]
    public var personal: [String]
    public var names: Names
    public var sensitiveFacts: [FactGroup]
    /// Words that make a phone number or an address someone's home (自宅, 住んでる…).
    public var homeContext: [String]
    public var rumours: [Rumour]
    /// Hearsay (らしい, って聞いた…): a rumour asked about is still a rumour.
    public var hearsay: [String]
    /// Endings that make a sentence a question (an inquiry, not a claim).
    public var questionEndings: [String]
    public var links: Links
    public var publicPhoneNumbers: [String]
    public var publicPostalCodes: [String]
    public var publicAddresses: [String]
    public var flood: Flood
    /// Words of the language that contain shorter terms and mean something else (スカスカ, パチンコ, ガン無視):
    /// a term found inside one of them, and shorter than it, does not count.
    public var words: [String]?
    /// Words that name a business (工務店, 商店, 株式会社…): a target like a person.
    public var businesses: [String]?
    /// Words that name a group of people (外国人, 障害者, 高齢者…).
    public var groupTargets: [String]?
    /// Words of criticism (辞めろ, 無駄, 遅い, 反対…): said of the city, they make the comment criticism.
    public var criticism: [String]?
    /// Words that make a phone number or an e-mail address the writer's own (私の番号, 折り返し…).
    public var selfContact: [String]?
    /// Words of political speech about the city (リコール, 署名, 住民投票…): its contacts are not advertising or ③.
    public var politicalContext: [String]?
    /// Relations that point at a private person without a name (隣の奥さん, 向かいの家).
    public var relations: [String]?
    /// What said of a group is hate speech (出ていけ, 税金の無駄, 駆除…): a group word and one of these in a sentence.
    public var hate: [String]?
    /// Words that say a rumour is false (デマ, 誤情報): a sentence with one corrects, it does not mislead.
    public var debunk: [String]?
    /// Any emergency or city-service topic (避難所, 断水, 給付金…) with an alarming claim (中止, 閉鎖, 決壊…) passed on as
    /// hearsay or with a plea to spread it, when no rumour above names it: unverified.
    public var rumourTopics: [String]?
    public var alarmingClaims: [String]?
    public var spreadAsks: [String]?
    /// Thanks (ありがとう, 助かりました): a sentence that thanks the city passes on no rumour, whatever it mentions.
    public var gratitude: [String]?
    /// Reasons of ① (drug sales, fraud) whose adverts and seller's number are part of them, not ④ or ③ besides.
    public var adsSubsumedBy: [String]?
    /// Reasons of ④ that stay a ground of their own beside such a ① (an election call, religious solicitation).
    public var adsOwnGround: [String]?
    /// How a claim and the city's statements are read into topic, place, state and stance (4(7)/5(7)).
    public var claimReading: ClaimVocabulary?

    /// A claim or a statement read by meaning: what it is about (a topic), and what it says of it (a state on an axis,
    /// such as service: open or closed, order: issued or lifted). Two of them disagree when their topic and place
    /// meet and their states on one axis differ.
    public struct ClaimVocabulary: Sendable, Codable, Equatable {
        public struct Topic: Sendable, Codable, Equatable {
            public var name: String
            /// The axes a state of this topic is read on (service, order, safety, admission, fee, change, postponed, release).
            public var axes: [String]
            public var words: [String]
            /// The word is followed by a number the claim and the statement must agree on (震度4, 震度5強).
            public var measured: Bool?
        }
        public struct State: Sendable, Codable, Equatable {
            /// `axis:true|false`, one per axis the word speaks to (解除: order:false and service:true).
            public var readings: [String]
            /// A negation after the word (入れない, 異常はなく) turns it round; false for words that hold one already.
            public var negatable: Bool
            public var words: [String]
            public var notAfter: [String]?
        }
        public var topics: [Topic]
        public var states: [State]
        /// Negations after a state (ない, ません, へん, ねえ).
        public var negations: [String]
        /// Words after which a state describes a place or a case, not what is so (断水している地域, 解除の際).
        public var modifiers: [String]
        /// The whole city (全域, 市内全部, どこも): a scope beyond any named place.
        public var whole: [String]
        /// A long time (1週間, 来月まで, 当分): more than a restoration the city expects.
        public var long: [String]
        /// The city expects or reports a restoration (見込み, 復旧しました).
        public var restoring: [String]
        /// In a statement, a state that quotes what others say (という投稿): not what the city says.
        public var reported: [String]
        /// The city's districts and areas (花小金井, 鷹の台): places a claim names without 町 or 駅.
        public var districts: [String]?

        /// The first state that reads service:false alone: what 給食はなし says of its topic.
        var absentState: Int? { states.firstIndex { $0.readings == ["service:false"] } }
    }

    public static let marks = ["①", "②", "③", "④", "⑤"]

    /// Reads and checks a lexicon.
    public static func load(json: Data) throws -> ModerationLexicon {
        let lexicon: ModerationLexicon
        do {
            lexicon = try JSONDecoder().decode(ModerationLexicon.self, from: json)
        } catch {
            throw ModerationLexiconError(description: "辞書を読めません: \(error)")
        }
        for g in lexicon.groups {
            guard marks.contains(g.ground) else {
                throw ModerationLexiconError(description: "「\(g.reason)」の ground「\(g.ground)」は①〜⑤ではありません")
            }
            if let bad = g.terms.first(where: { ModerationText.folded($0).isEmpty }) {
                throw ModerationLexiconError(description: "「\(g.reason)」に空の語「\(bad)」があります")
            }
        }
        for key in ["phone", "myNumber", "card", "postal", "address", "email", "affiliate", "shortener", "sales",
                    "flood", "nonsense", "emoji"] where lexicon.reasons[key] == nil {
            throw ModerationLexiconError(description: "reasons に \(key) がありません")
        }
        return lexicon
    }

    /// The lexicon shipped with Koho.
    public static let builtIn: ModerationLexicon = {
        do {
            return try load(json: Data(PackageResources.moderation_lexicon_json))
        } catch {
            fatalError("組み込みのモデレーション辞書: \(error)")
        }
    }()
}

public struct ModerationLexiconError: Error, CustomStringConvertible {
    public let description: String
}

/// A lexicon made ready for matching: every term in one table keyed by its first scalar, so that a comment is
/// read once, left to right, whatever the number of terms.
final class CompiledLexicon: Sendable {
    enum Tag: Sendable, Equatable {
        case group(Int)
        case institutional
        case personal
        case honorific
        case title
        case fact(Int)
        case rumourSubject(Int)
        case rumourClaim(Int)
        case hearsay
        case question
        case home
        case word
        case business
        case groupTarget
        case criticism
        case selfContact
        case political
        case requirement(Int)
        case relation
        case hate
        case veto(Int)
        case debunk
        case rumourTopic
        case alarming
        case spread
        case statementSubject(Int)
        case counter(Int)
        case agree(Int)
        case claimTopic(Int)
        case claimState(Int)
        case claimWhole
        case claimLong
        case claimRestoring
        case claimReported
        case claimNegation
        case claimModifier
    }

    struct Entry: Sendable {
        let key: [UInt32]
        let tag: Tag
        let notBefore: [[UInt32]]
        let notAfter: [[UInt32]]
        /// ASCII words match whole words only (sex ≠ Essex).
        let wordStart: Bool
        let wordEnd: Bool
        /// A katakana term found in katakana: the katakana word must begin/end with it (カス is not in スカスカ).
        let kanaStart: Bool
        let kanaEnd: Bool
        /// A short hiragana term (しね, ばか): must stand as a word among hiragana (not 少しね, ばかり).
        let shortHiragana: Bool
    }

    struct Hit {
        let entry: Int
        let start: Int
        let end: Int
    }

    let lexicon: ModerationLexicon
    let entries: [Entry]
    private let byFirst: [UInt32: [Int]]
    /// The same for the BMP, by scalar: no hashing in the loop over a comment.
    private let byFirstBMP: [[Int32]]
    /// Every key end to end, so that the loop compares scalars without touching the entries.
    private let flatKeys: [UInt32]
    private let keyStart: [Int32]
    private let keyLength: [Int32]
    /// One bit per BMP scalar: does any term start with it.
    private let firstBits: [UInt64]
    let notNames: [[UInt32]]
    let publicPhones: Set<String>
    let publicPostal: Set<String>
    let publicAddresses: [[UInt32]]
    let publicDomains: [String]
    /// The reasons of the sensitive facts (③ by words, not by numbers).
    let factReasons: Set<String>
    let claimAxes: ClaimAxes?
    let claimDistricts: [[UInt32]]

    init(_ lexicon: ModerationLexicon) {
        self.lexicon = lexicon
        var entries: [Entry] = []
        func add(_ terms: [String], _ tag: Tag, notBefore: [String]? = nil, notAfter: [String]? = nil) {
            let nb = (notBefore ?? []).map(ModerationText.folded).filter { !$0.isEmpty }
            let na = (notAfter ?? []).map(ModerationText.folded).filter { !$0.isEmpty }
            var seen = Set<[UInt32]>()
            for t in terms {
                let folded = ModerationText.folded(t)
                // The same word in the other kana (しね/シネ, ぼったくり/ボッタクリ) reads the same.
                for key in [folded, Self.otherKana(folded)].compactMap({ $0 }) where seen.insert(key).inserted {
                    guard let first = key.first, let last = key.last else { continue }
                    let allHiragana = key.allSatisfy(Chars.isHiragana)
                    entries.append(Entry(key: key, tag: tag, notBefore: nb, notAfter: na,
                                         wordStart: Chars.isASCIIAlnum(first), wordEnd: Chars.isASCIIAlnum(last),
                                         kanaStart: Chars.isKatakana(first), kanaEnd: Chars.isKatakana(last),
                                         shortHiragana: allHiragana && key.count <= 2 && Self.isGround(tag)))
                }
            }
        }
        for (i, g) in lexicon.groups.enumerated() { add(g.terms, .group(i), notBefore: g.notBefore, notAfter: g.notAfter) }
        add(lexicon.institutional, .institutional)
        add(lexicon.personal, .personal)
        add(lexicon.names.honorifics, .honorific, notAfter: lexicon.names.notAfterHonorific)
        add(lexicon.names.titles, .title)
        for (i, f) in lexicon.sensitiveFacts.enumerated() { add(f.terms, .fact(i), notAfter: f.notAfter) }
        for (i, r) in lexicon.rumours.enumerated() {
            add(r.subjects, .rumourSubject(i))
            add(r.claims, .rumourClaim(i), notAfter: r.notAfter)
        }
        add(lexicon.hearsay, .hearsay)
        add(lexicon.questionEndings, .question)
        add(lexicon.homeContext, .home)
        add(lexicon.words ?? [], .word)
        add(lexicon.businesses ?? [], .business)
        add(lexicon.groupTargets ?? [], .groupTarget)
        add(lexicon.criticism ?? [], .criticism)
        add(lexicon.selfContact ?? [], .selfContact)
        add(lexicon.politicalContext ?? [], .political)
        add(lexicon.relations ?? [], .relation)
        add(lexicon.hate ?? [], .hate)
        add(lexicon.debunk ?? [], .debunk)
        add(lexicon.gratitude ?? [], .debunk)
        add(lexicon.rumourTopics ?? [], .rumourTopic)
        add(lexicon.alarmingClaims ?? [], .alarming)
        add(lexicon.spreadAsks ?? [], .spread)
        for (i, r) in lexicon.rumours.enumerated() {
            add(r.statementSubjects ?? r.subjects, .statementSubject(i))
            add(r.counters ?? [], .counter(i))
            add(r.agrees ?? [], .agree(i))
        }
        if let v = lexicon.claimReading {
            for (i, t) in v.topics.enumerated() { add(t.words, .claimTopic(i)) }
            for (i, st) in v.states.enumerated() { add(st.words, .claimState(i), notAfter: st.notAfter) }
            add(v.whole, .claimWhole)
            add(v.long, .claimLong)
            add(v.restoring, .claimRestoring)
            add(v.reported, .claimReported)
            add(v.negations, .claimNegation)
            add(v.modifiers, .claimModifier)
        }
        for (i, g) in lexicon.groups.enumerated() {
            add(g.requires ?? [], .requirement(i))
            add(g.notInSentence ?? [], .veto(i))
        }
        self.entries = entries

        var byFirst: [UInt32: [Int]] = [:]
        var bits = [UInt64](repeating: 0, count: 1024)
        for (i, e) in entries.enumerated() {
            byFirst[e.key[0], default: []].append(i)
            if e.key[0] < 0x10000 { bits[Int(e.key[0] >> 6)] |= 1 << UInt64(e.key[0] & 63) }
        }
        for k in byFirst.keys { byFirst[k]!.sort { entries[$0].key.count > entries[$1].key.count } }
        self.byFirst = byFirst
        var bmp = [[Int32]](repeating: [], count: 0x10000)
        for (k, list) in byFirst where k < 0x10000 { bmp[Int(k)] = list.map(Int32.init) }
        self.byFirstBMP = bmp
        var flat: [UInt32] = [], starts: [Int32] = [], lengths: [Int32] = []
        for e in entries {
            starts.append(Int32(flat.count))
            lengths.append(Int32(e.key.count))
            flat.append(contentsOf: e.key)
        }
        self.flatKeys = flat
        self.keyStart = starts
        self.keyLength = lengths
        self.firstBits = bits
        self.notNames = lexicon.names.notNames.map(ModerationText.folded)
        self.publicPhones = Set(lexicon.publicPhoneNumbers.map(Self.digits))
        self.publicPostal = Set(lexicon.publicPostalCodes.map(Self.digits))
        self.publicAddresses = lexicon.publicAddresses.map(ModerationText.folded)
        self.publicDomains = lexicon.links.publicDomains.map { $0.lowercased() }
        self.factReasons = Set(lexicon.sensitiveFacts.map(\.reason))
        self.claimAxes = lexicon.claimReading.map(ClaimAxes.init)
        self.claimDistricts = (lexicon.claimReading?.districts ?? []).map(ModerationText.folded)
    }

    /// A term written in one kana only (hiragana or katakana, with ー), in the other; nil for any other term.
    static func otherKana(_ key: [UInt32]) -> [UInt32]? {
        if key.allSatisfy({ Chars.isHiragana($0) || $0 == 0x30FC }), key.contains(where: Chars.isHiragana) {
            return key.map { Chars.isHiragana($0) ? $0 + 0x60 : $0 }
        }
        if key.allSatisfy({ Chars.isKatakana($0) }), key.contains(where: { $0 != 0x30FC }),
           key.allSatisfy({ $0 == 0x30FC || $0 <= 0x30F6 }) {
            return key.map { $0 == 0x30FC ? $0 : $0 - 0x60 }
        }
        return nil
    }

    static func isGround(_ tag: Tag) -> Bool {
        switch tag {
        case .group, .fact, .hate: return true
        default: return false
        }
    }

    /// Particles and endings that may stand next to a short hiragana word (お前はしね, ばかだ).
    static let particlesBefore: Set<UInt32> = Set("はもがらよわぞねをにとん".unicodeScalars.map(\.value))
    static let endingsAfter: Set<UInt32> = Set("よやばだかじすねなでっ".unicodeScalars.map(\.value))

    static let eRow: Set<UInt32> = Set("えけせてねへめれげぜでべぺ".unicodeScalars.map(\.value))

    static func isLongMark(_ c: UInt32) -> Bool { c == 0x30FC || c == 0x301C || c == 0x7E || c == 0xFF5E }

    static func digits(_ s: String) -> String {
        String(String.UnicodeScalarView(ModerationText.folded(s).filter(Chars.isDigit).compactMap(Unicode.Scalar.init)))
    }

    /// Every term found in `s`, by start then longest first.
    func scan(_ s: [UInt32]) -> [Hit] {
        var hits: [Hit] = []
        let n = s.count
        s.withUnsafeBufferPointer { p in
            flatKeys.withUnsafeBufferPointer { keys in
                for i in 0..<n {
                    let c = p[i]
                    if c < 0x10000 && firstBits[Int(c >> 6)] & (1 << UInt64(c & 63)) == 0 { continue }
                    if c < 0x10000 {
                        for idx in byFirstBMP[Int(c)] { match(Int(idx), at: i, p, keys, &hits) }
                    } else if let list = byFirst[c] {
                        for idx in list { match(idx, at: i, p, keys, &hits) }
                    }
                }
            }
        }
        return Self.shadowed(hits, entries)
    }

    @inline(__always)
    private func match(_ idx: Int, at i: Int, _ p: UnsafeBufferPointer<UInt32>, _ keys: UnsafeBufferPointer<UInt32>,
                       _ hits: inout [Hit]) {
        let n = p.count
        let len = Int(keyLength[idx]), start = Int(keyStart[idx])
        guard i + len <= n else { return }
        var k = 1
        while k < len { if p[i + k] != keys[start + k] { return }; k += 1 }
        let e = entries[idx]
        if e.wordStart, i > 0, Chars.isASCIIAlnum(p[i - 1]) { return }
        if e.wordEnd, i + len < n, Chars.isASCIIAlnum(p[i + len]) { return }
        // シネシネシネ: the same word again and again is still that word.
        // できねーゴミ: a long mark after hiragana belongs to the hiragana before it.
        if e.kanaStart, i > 0, Chars.isKatakana(p[i - 1]), !Self.endsWith(p, at: i, e.key),
           !(p[i - 1] == 0x30FC && i > 1 && Chars.isHiragana(p[i - 2])) { return }
        if e.kanaEnd, i + len < n, Chars.isKatakana(p[i + len]), !(p[i + len - 1] == 0x30FC), !Self.startsWith(p, at: i + len, e.key) { return }
        if e.shortHiragana {
            if i > 0, Chars.isHiragana(p[i - 1]), !Self.particlesBefore.contains(p[i - 1]) { return }
            // 入れ替えろ, 考えろ: kana of the e-row after a kanji end the verb written in that kanji.
            if i > 0, Chars.isKanji(p[i - 1]), Self.eRow.contains(p[i]) { return }
            if i > 0, p[i - 1] == 0x5C11 { return }
            if i + len < n, Chars.isHiragana(p[i + len]), !Self.endingsAfter.contains(p[i + len]) { return }
        }
        // A long vowel and more kana go on with the word (しね〜ま is シネマ, not しね).
        if e.shortHiragana || e.kanaEnd, i + len + 1 < n, Self.isLongMark(p[i + len]),
           Chars.isKatakana(p[i + len + 1]) || (Chars.isHiragana(p[i + len + 1]) && !Self.endingsAfter.contains(p[i + len + 1])) { return }
        // 様式, 氏名, 君主: a one-kanji honorific with a kanji after it is the start of another word.
        if case .honorific = e.tag, len == 1, Chars.isKanji(p[i]), i + 1 < n, Chars.isKanji(p[i + 1]) { return }
        if e.notBefore.contains(where: { Self.endsWith(p, at: i, $0) }) { return }
        if e.notAfter.contains(where: { Self.startsWith(p, at: i + len, $0) && !Self.hearsayRashii(p, at: i + len, $0) }) { return }
        hits.append(Hit(entry: idx, start: i, end: i + len))
    }

    /// Drops the hits that lie inside a longer dictionary word (the longest match wins, as in a segmentation),
    /// and keeps the words themselves out of the answer.
    static func shadowed(_ hits: [Hit], _ entries: [Entry]) -> [Hit] {
        let words = hits.filter { entries[$0.entry].tag == .word }
        guard !words.isEmpty else { return hits }
        return hits.filter { h in
            let tag = entries[h.entry].tag
            if tag == .word { return false }
            switch tag {
            case .group, .fact, .honorific, .title, .hate, .personal, .groupTarget, .rumourClaim, .business: break
            default: return true
            }
            // Inside a longer word, or starting inside one (全部|落ちた has no 部落, 封殺|する no 殺す).
            return !words.contains { w in (w.start <= h.start && h.end <= w.end && (w.end - w.start) > (h.end - h.start))
                || (w.start < h.start && h.start < w.end) }
        }
    }

    /// 中止になったらしい: a condition word ending in ら (になったら, されたら) followed by しい is hearsay, not a condition.
    static func hearsayRashii(_ p: UnsafeBufferPointer<UInt32>, at i: Int, _ w: [UInt32]) -> Bool {
        guard w.last == 0x3089 else { return false }
        let k = i + w.count
        return k + 2 <= p.count && p[k] == 0x3057 && p[k + 1] == 0x3044
    }

    static func startsWith(_ p: UnsafeBufferPointer<UInt32>, at i: Int, _ w: [UInt32]) -> Bool {
        guard i + w.count <= p.count else { return false }
        for k in 0..<w.count where p[i + k] != w[k] { return false }
        return true
    }

    static func endsWith(_ p: UnsafeBufferPointer<UInt32>, at i: Int, _ w: [UInt32]) -> Bool {
        guard i - w.count >= 0 else { return false }
        for k in 0..<w.count where p[i - w.count + k] != w[k] { return false }
        return true
    }

    static let builtIn = CompiledLexicon(ModerationLexicon.builtIn)
}
