import Foundation

/// The tricks an impostor uses to make a name look like the city's, each undone by one stage of the fold. The scorer
/// names a trick in its reasons when undoing it was needed for the match (the match gets worse without that stage).
public struct FoldStages: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Full-width/half-width forms and other compatibility variants (NFKC), with case folding.
    public static let width = FoldStages(rawValue: 1 << 0)
    /// Hiragana for katakana and back.
    public static let kana = FoldStages(rawValue: 1 << 1)
    /// Digits standing for letters (0 → o, 1 → l; i folds with l, since 1 stands for either).
    public static let digits = FoldStages(rawValue: 1 << 2)
    /// Look-alike kanji and kana (市/巿, 平/乎, ロ/口, カ/力, エ/工, ニ/二, ー/一).
    public static let lookalike = FoldStages(rawValue: 1 << 3)
    /// Other confusable letters of UTS #39 (Cyrillic а for Latin a, ℓ for l …).
    public static let confusable = FoldStages(rawValue: 1 << 4)
    /// Inserted, doubled or changed separators, spaces, punctuation and invisible characters.
    public static let separators = FoldStages(rawValue: 1 << 5)

    public static let all: FoldStages = [.width, .kana, .digits, .lookalike, .confusable, .separators]
    public static let each: [FoldStages] = [.width, .kana, .digits, .lookalike, .confusable, .separators]
}

/// Folds a handle, display name or bio into a key on which look-alikes compare equal:
/// NFKC + case folding → hiragana to katakana → digits for letters → NFD → UTS #39 confusable mapping (and Koho's
/// supplement of look-alike kanji that confusables.txt lacks) → NFD → separators dropped.
public enum ImpersonationFolding {
    /// Look-alike kanji that confusables.txt does not map (checked against version 17.0.0).
    static let supplement: [UInt32: UInt32] = [
        0x5DFF: 0x5E02, // 巿 (ふつ) → 市
        0x4E4E: 0x5E73, // 乎 → 平
    ]

    public static func key(_ text: String, skipping: FoldStages = []) -> [UInt32] {
        key(text, stages: FoldStages.all.subtracting(skipping))
    }

    /// The cheaper fold for long free text (bios): NFKC, case, kana and separators, without the skeleton.
    public static func lightKey(_ text: String, limit: Int = 600) -> [UInt32] {
        var s = Substring(text)
        if s.unicodeScalars.count > limit { s = Substring(String(String.UnicodeScalarView(s.unicodeScalars.prefix(limit)))) }
        return key(String(s), stages: [.width, .kana, .separators])
    }

    /// A folded text, and the stages that changed something in it. Skipping a stage that changed nothing gives the
    /// same key, so the scorer folds again without a stage only where the stage did something (on either side).
    struct Folded: Sendable {
        var key: [UInt32]
        var touched: FoldStages
    }

    static func key(_ text: String, stages: FoldStages) -> [UInt32] { fold(text, stages: stages).key }

    static func fold(_ text: String, stages: FoldStages) -> Folded {
        if let folded = quickFold(text, stages: stages) { return folded }
        // Not known which stage changed what: say all did, so the reasons try each (as before).
        return Folded(key: referenceKey(text, stages: stages), touched: .all)
    }

    /// The fold of text made only of characters whose normal forms are known without Foundation's normaliser
    /// (ASCII, full-width ASCII, kana, kanji, CJK punctuation, common emoji, and the Latin, Greek and Cyrillic
    /// letters of `Letters`): the same key as `referenceKey`, several times faster, since most handles, names and
    /// bios are such text. Nil for any other text.
    /// `ImpersonationFoldingTests` holds the two equal on every character of these ranges and on mixed strings.
    static func quickFold(_ text: String, stages: FoldStages) -> Folded? {
        let width = stages.contains(.width), kana = stages.contains(.kana), digits = stages.contains(.digits)
        let lookalike = stages.contains(.lookalike), confusable = stages.contains(.confusable)
        let skeletonOn = lookalike || confusable
        var touched: FoldStages = []
        var keepsDigits = false
        var first: [UInt32] = []
        first.reserveCapacity(text.utf8.count)
        func take(_ value: UInt32) {
            var v = value
            if kana, (0x3041...0x3096).contains(v) || v == 0x309D || v == 0x309E {
                v += 0x60
                touched.insert(.kana)
            }
            if v == 0x30 || v == 0x31 || v == 0x69 {
                touched.insert(.digits)
                if digits { v = v == 0x30 ? 0x6F : 0x6C } else if v != 0x69 { keepsDigits = true }
            }
            if v >= 0x4E00, let mapped = supplement[v] {
                touched.insert(.lookalike)
                if lookalike { v = mapped }
            }
            first.append(v)
        }
        for scalar in text.unicodeScalars {
            var v = scalar.value
            switch v {
            case 0x41...0x5A: v += 0x20
            case 0...0x7F: break
            case 0xFF01...0xFF5E:
                // Full-width ASCII: NFKC gives the ASCII character.
                if width {
                    v -= 0xFEE0
                    touched.insert(.width)
                    if (0x41...0x5A).contains(v) { v += 0x20 }
                } else if (0xFF21...0xFF3A).contains(v) {
                    v += 0x20
                }
            case 0x3000:
                if width { v = 0x20; touched.insert(.width) }
            case _ where isKeptByNFKC(v):
                break
            case Letters.ranges:
                guard let letter = Letters.table[v] else { return nil }
                if width && letter.compatibilityChanges { touched.insert(.width) }
                for value in width ? letter.compatibility : letter.lowered { take(value) }
                continue
            default:
                return nil
            }
            take(v)
        }
        var mapped: [UInt32]
        // Without the digit stage, 0 and 1 stay as they are (the skeleton would make them o and l), and the reference
        // skips its first NFD; that is the same here only when no kana decomposes.
        if keepsDigits, first.contains(where: { decomposition(of: $0) != nil }) { return nil }
        if skeletonOn {
            mapped = []
            mapped.reserveCapacity(first.count + 8)
            var lastClass: UInt8 = 0
            for v in first {
                if keepsDigits && (v == 0x30 || v == 0x31) {
                    mapped.append(v)
                    lastClass = 0
                } else if let decomposed = decomposition(of: v) {
                    for d in decomposed {
                        guard skeletonStep(d, lookalike, confusable, &mapped, &touched, &lastClass) else { return nil }
                    }
                } else {
                    guard skeletonStep(v, lookalike, confusable, &mapped, &touched, &lastClass) else { return nil }
                }
            }
        } else {
            mapped = first
        }
        guard stages.contains(.separators) else { return Folded(key: mapped, touched: touched) }
        var out: [UInt32] = []
        out.reserveCapacity(mapped.count)
        for v in mapped {
            let separator: Bool
            switch v {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x3041...0x309F, 0x30A1...0x30FA, 0x30FC...0x30FF, 0x4E00...0x9FFF:
                separator = false
            case 0...0x7F:
                separator = true
            default:
                separator = Unicode.Scalar(v).map(isSeparator) ?? false
            }
            guard separator else { out.append(v); continue }
            touched.insert(.separators)
            if let last = out.last, isJapanese(last),
               v == 0x2D || Unicode.Scalar(v)?.properties.generalCategory == .dashPunctuation {
                out.append(0x30FC)
            }
        }
        return Folded(key: out, touched: touched)
    }

    /// One code point through the skeleton's mapping; false when the result would need normalising again (a
    /// prototype that decomposes, or combining marks out of canonical order).
    @inline(__always)
    private static func skeletonStep(_ v: UInt32, _ lookalike: Bool, _ confusable: Bool, _ mapped: inout [UInt32],
                                     _ touched: inout FoldStages, _ lastClass: inout UInt8) -> Bool {
        if let prototype = ConfusableSkeleton.foldedTable[v] {
            let japanese = isJapanese(v)
            if japanese ? lookalike : confusable {
                guard !prototype.decomposes else { return false }
                for (scalar, combiningClass) in zip(prototype.scalars, prototype.classes) {
                    if combiningClass > 0 && lastClass > combiningClass { return false }
                    mapped.append(scalar)
                    lastClass = combiningClass
                }
                touched.insert(japanese ? .lookalike : .confusable)
                return true
            }
        }
        let combiningClass = Self.combiningClass(v)
        if combiningClass > 0 && lastClass > combiningClass { return false }
        mapped.append(v)
        lastClass = combiningClass
        return true
    }

    /// NFD(NFKC(text)), as the reasons show a replaced character: letter by letter where the quick fold knows the
    /// letters, else with Foundation's normaliser.
    static func normalForm(_ text: String) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.utf8.count)
        func append(_ values: [UInt32]) { for v in values { if let s = Unicode.Scalar(v) { out.append(s) } } }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0...0x7F: out.append(scalar)
            case 0xFF01...0xFF5E: out.append(Unicode.Scalar(v - 0xFEE0)!)
            case 0x3000: out.append(" ")
            case _ where isKeptByNFKC(v):
                if let d = decomposition(of: v) { append(d) } else { out.append(scalar) }
            case Letters.ranges where Letters.table[v] != nil:
                append(Letters.table[v]!.normal)
            default:
                return Array(text.precomposedStringWithCompatibilityMapping.decomposedStringWithCanonicalMapping.unicodeScalars)
            }
        }
        return out
    }

    /// Kana, kanji, CJK punctuation, invisible formatting marks and common emoji: characters NFKC leaves as they are
    /// and that combine with nothing before them (the voiced kana decompose under NFD: `decomposition(of:)`).
    @inline(__always)
    static func isKeptByNFKC(_ v: UInt32) -> Bool {
        switch v {
        case 0x3001...0x3029, 0x3030...0x3035, 0x3041...0x3096, 0x309D, 0x309E, 0x30A0...0x30FE,
             0x3400...0x4DBF, 0x4E00...0x9FFF, 0x200B...0x200F, 0xFE00...0xFE0F,
             0x1F300...0x1F5FF, 0x1F600...0x1F64F, 0x1F680...0x1F6FF, 0x1F900...0x1F9FF:
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func combiningClass(_ v: UInt32) -> UInt8 {
        if v < 0x300 || (0x3400...0x9FFF).contains(v) { return 0 }
        if v == 0x3099 || v == 0x309A { return 8 }
        return Unicode.Scalar(v).map { UInt8($0.properties.canonicalCombiningClass.rawValue) } ?? 0
    }

    /// The canonical decomposition (NFD) of a code point the quick fold produces, when it has one.
    @inline(__always)
    static func decomposition(of v: UInt32) -> [UInt32]? {
        if (0x3040...0x30FF).contains(v) { return kanaDecomposition[Int(v - 0x3040)] }
        guard v >= 0xC0, v < 0x3040 else { return nil }
        return Letters.decompositions[v]
    }

    /// The canonical decompositions of the kana with voicing marks (が → か + ゛), from Foundation, indexed from U+3040.
    static let kanaDecomposition: [[UInt32]?] = (0x3040...0x30FF).map { v in
        guard let scalar = Unicode.Scalar(UInt32(v)) else { return nil }
        let d = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars.map(\.value)
        return d == [UInt32(v)] ? nil : d
    }

    /// Latin, Greek and Cyrillic letters and the letter-like symbols (ℓ), which impostors mix into handles: each
    /// letter's NFKC and lower case, and the decompositions of what those give, worked out once with Foundation's
    /// normaliser. A letter is taken only where folding letter by letter gives what folding the whole text gives: it
    /// combines with nothing before it (its NFKC starts with a code point of combining class 0).
    enum Letters {
        static let ranges: ClosedRange<UInt32> = 0xA0...0x214F

        struct Letter: Sendable {
            /// lower(NFKC(letter)), lower(letter), and NFD(NFKC(letter)).
            var compatibility: [UInt32]
            var lowered: [UInt32]
            var compatibilityChanges: Bool
            var normal: [UInt32]
        }

        static let taken: [ClosedRange<UInt32>] = [0xA0...0x2FF, 0x370...0x3FF, 0x400...0x482, 0x48A...0x52F,
                                                   0x1E00...0x1EFF, 0x2100...0x214F]

        static let table: [UInt32: Letter] = {
            var table: [UInt32: Letter] = [:]
            for range in taken {
                for v in range {
                    guard let scalar = Unicode.Scalar(v), scalar.properties.canonicalCombiningClass == .notReordered else { continue }
                    let compatibility = String(scalar).precomposedStringWithCompatibilityMapping.unicodeScalars
                    guard let head = compatibility.first, head.properties.canonicalCombiningClass == .notReordered,
                          String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars.first?.properties
                              .canonicalCombiningClass == .notReordered else { continue }
                    table[v] = Letter(compatibility: compatibility.flatMap { lower($0) }.map(\.value),
                                      lowered: lower(scalar).map(\.value),
                                      compatibilityChanges: !compatibility.elementsEqual([scalar]),
                                      normal: String(String.UnicodeScalarView(compatibility)).decomposedStringWithCanonicalMapping
                                          .unicodeScalars.map(\.value))
                }
            }
            return table
        }()

        /// NFD of every code point the letters fold to, where it differs.
        static let decompositions: [UInt32: [UInt32]] = {
            var out: [UInt32: [UInt32]] = [:]
            for letter in table.values {
                for v in letter.compatibility + letter.lowered where v >= 0xC0 && v < 0x3040 && out[v] == nil {
                    guard let scalar = Unicode.Scalar(v) else { continue }
                    let d = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars.map(\.value)
                    if d != [v] { out[v] = d }
                }
            }
            return out
        }()
    }

    /// The fold as first written, with Foundation's normalisers: the definition `quickFold` must agree with.
    static func referenceKey(_ text: String, stages: FoldStages) -> [UInt32] {
        let ascii = text.utf8.allSatisfy { $0 < 0x80 }
        let source = (!ascii && stages.contains(.width)) ? text.precomposedStringWithCompatibilityMapping : text
        var firstPass = String.UnicodeScalarView()
        var protected = Set<Int>()   // positions the skeleton must leave alone (digits when that stage is off)
        var index = 0
        for scalar in source.unicodeScalars {
            for lowered in lower(scalar) {
                var v = lowered.value
                if stages.contains(.kana), (0x3041...0x3096).contains(v) || v == 0x309D || v == 0x309E { v += 0x60 }
                // 1 stands for l and for i alike, so i folds with them (both sides of a comparison are folded).
                if v == 0x30 || v == 0x31 || v == 0x69 {
                    if stages.contains(.digits) { v = v == 0x30 ? 0x6F : 0x6C } else if v != 0x69 { protected.insert(index) }
                }
                if stages.contains(.lookalike), let mapped = supplement[v] { v = mapped }
                firstPass.append(Unicode.Scalar(v) ?? lowered)
                index += 1
            }
        }
        var mapped: [UInt32] = []
        mapped.reserveCapacity(firstPass.count + 4)
        let skeletonOn = stages.contains(.lookalike) || stages.contains(.confusable)
        let decomposed: String.UnicodeScalarView
        if skeletonOn && protected.isEmpty {
            decomposed = ConfusableSkeleton.nfd(String(firstPass)).unicodeScalars
        } else {
            decomposed = firstPass
        }
        index = 0
        for scalar in decomposed {
            defer { index += 1 }
            if skeletonOn, !protected.contains(index), let prototype = ConfusableSkeleton.table[scalar.value] {
                let japanese = isJapanese(scalar.value)
                if (japanese && stages.contains(.lookalike)) || (!japanese && stages.contains(.confusable)) {
                    for p in prototype { for l in lower(p) { mapped.append(l.value) } }
                    continue
                }
            }
            mapped.append(scalar.value)
        }
        if skeletonOn, mapped.contains(where: { $0 >= 0x80 }) {
            let view = String.UnicodeScalarView(mapped.compactMap(Unicode.Scalar.init))
            mapped = ConfusableSkeleton.nfd(String(view)).unicodeScalars.map(\.value)
        }
        guard stages.contains(.separators) else { return mapped }
        var out: [UInt32] = []
        out.reserveCapacity(mapped.count)
        for v in mapped {
            guard let scalar = Unicode.Scalar(v), isSeparator(scalar) else { out.append(v); continue }
            // A dash after kana or kanji is a long-vowel mark (コ－ヒ－ as コーヒー), not a separator.
            if scalar.properties.generalCategory == .dashPunctuation, let last = out.last, isJapanese(last) {
                out.append(0x30FC)
            }
        }
        return out
    }

    @inline(__always)
    static func lower(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        let v = scalar.value
        if v < 0x80 {
            return (0x41...0x5A).contains(v) ? [Unicode.Scalar(v + 0x20)!] : [scalar]
        }
        if isJapanese(v) { return [scalar] }
        let properties = scalar.properties
        guard properties.changesWhenLowercased else { return [scalar] }
        return Array(properties.lowercaseMapping.unicodeScalars)
    }

    /// Kana, kanji and the Japanese marks: where look-alikes are "形の似た漢字・かな" rather than foreign letters.
    @inline(__always)
    static func isJapanese(_ v: UInt32) -> Bool {
        (0x3000...0x30FF).contains(v) || (0x3400...0x9FFF).contains(v) || (0xF900...0xFAFF).contains(v)
            || (0x31F0...0x31FF).contains(v) || (0x2E80...0x2FDF).contains(v) || (0xFF61...0xFF9F).contains(v)
            || (0x20000...0x3FFFF).contains(v)
    }

    @inline(__always)
    static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 {
            return !((0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v))
        }
        if v == 0x30FC { return false }
        switch scalar.properties.generalCategory {
        case .spaceSeparator, .lineSeparator, .paragraphSeparator, .format, .control,
             .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation, .nonspacingMark, .enclosingMark:
            // Combining marks go too: after NFD they are the dakuten and accents an impostor adds or drops.
            // 〝 and ゛ stay meaningful only with their base, which is kept.
            return !(v == 0x3099 || v == 0x309A)
        default:
            return false
        }
    }
}

extension Array where Element == UInt32 {
    /// Whether `other` occurs as a contiguous run in self.
    func containsRun(_ other: [UInt32]) -> Bool {
        guard !other.isEmpty else { return true }
        guard other.count <= count else { return false }
        let first = other[0]
        var i = 0
        let last = count - other.count
        while i <= last {
            if self[i] == first {
                var j = 1
                while j < other.count && self[i + j] == other[j] { j += 1 }
                if j == other.count { return true }
            }
            i += 1
        }
        return false
    }

    /// Optimal string alignment distance (insertions, deletions, substitutions, adjacent transpositions), or
    /// `limit + 1` as soon as it is sure to exceed `limit`.
    func editDistance(to other: [UInt32], limit: Int) -> Int {
        let a = self, b = other
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        // Three rows on the stack: this runs for every official account for every candidate.
        let width = b.count + 1
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * width) { buffer in
            var prevPrev = buffer.baseAddress!, prev = prevPrev + width, cur = prev + width
            for j in 0..<width { prevPrev[j] = 0; prev[j] = j; cur[j] = 0 }
            for i in 1...a.count {
                cur[0] = i
                var rowMin = cur[0]
                for j in 1...b.count {
                    let cost = a[i - 1] == b[j - 1] ? 0 : 1
                    var d = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                    if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d = Swift.min(d, prevPrev[j - 2] + 1) }
                    cur[j] = d
                    rowMin = Swift.min(rowMin, d)
                }
                if rowMin > limit { return limit + 1 }
                (prevPrev, prev, cur) = (prev, cur, prevPrev)
            }
            return prev[b.count]
        }
    }
}
