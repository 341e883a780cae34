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

    static func key(_ text: String, stages: FoldStages) -> [UInt32] {
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
        var prevPrev = [Int](repeating: 0, count: b.count + 1)
        var prev = [Int](0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
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
