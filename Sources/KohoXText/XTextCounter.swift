// Weighted length of a post on X, as twitter-text 3.1 computes it (`parseTweet` with
// config/v3.json): text is NFC-normalised, URLs found by twitter-text's extractor count
// `transformedURLLength` each, an emoji sequence counts `defaultWeight` whatever its code
// points, and every other code point weighs `defaultWeight` unless it falls in one of the
// configured ranges. Pure Swift + Foundation (Foundation only for NFC normalisation).

import Foundation

/// Weighting rules of twitter-text (`config/v*.json`).
public struct XTextConfiguration: Sendable, Equatable {
    /// Code points in `range` weigh `weight` (in `scale` units).
    public struct WeightedRange: Sendable, Equatable {
        public var range: ClosedRange<UInt32>
        public var weight: Int

        public init(_ range: ClosedRange<UInt32>, weight: Int) {
            self.range = range
            self.weight = weight
        }
    }

    /// Longest valid post, in weighted characters.
    public var maxWeightedLength: Int
    /// Weights are given in units of 1/`scale` character.
    public var scale: Int
    /// Weight of a code point outside `ranges`, and of an emoji sequence.
    public var defaultWeight: Int
    /// Code point ranges with their own weight; the first that matches wins.
    public var ranges: [WeightedRange]
    /// Every URL counts as this many characters (the length of a t.co link).
    public var transformedURLLength: Int
    /// Count each emoji sequence as one `defaultWeight` unit (v3) instead of per code point.
    public var emojiParsingEnabled: Bool

    public init(maxWeightedLength: Int, scale: Int, defaultWeight: Int, ranges: [WeightedRange],
                transformedURLLength: Int, emojiParsingEnabled: Bool) {
        self.maxWeightedLength = maxWeightedLength
        self.scale = scale
        self.defaultWeight = defaultWeight
        self.ranges = ranges
        self.transformedURLLength = transformedURLLength
        self.emojiParsingEnabled = emojiParsingEnabled
    }

    private static let latinAndPunctuation: [WeightedRange] = [
        WeightedRange(0x0000...0x10FF, weight: 100),
        WeightedRange(0x2000...0x200D, weight: 100),
        WeightedRange(0x2010...0x201F, weight: 100),
        WeightedRange(0x2032...0x2037, weight: 100),
    ]

    /// twitter-text `config/v3.json`, what X uses today: 280, emoji sequences count 2.
    public static let v3 = XTextConfiguration(
        maxWeightedLength: 280, scale: 100, defaultWeight: 200, ranges: latinAndPunctuation,
        transformedURLLength: 23, emojiParsingEnabled: true)

    /// twitter-text `config/v2.json`: as v3 but every emoji code point counts separately.
    public static let v2 = XTextConfiguration(
        maxWeightedLength: 280, scale: 100, defaultWeight: 200, ranges: latinAndPunctuation,
        transformedURLLength: 23, emojiParsingEnabled: false)
}

/// What `XTextCounter.parse` found, with twitter-text's field meanings.
public struct XTextParseResult: Sendable, Equatable {
    /// Weighted length in characters (what X shows as n/280).
    public let weightedLength: Int
    /// Non-blank, within `maxWeightedLength`, and free of U+FFFE, U+FEFF, U+FFFF.
    public let isValid: Bool
    /// `weightedLength` in thousandths of `maxWeightedLength` (may exceed 1000).
    public let permillage: Int
    /// The leading part of the text that fits, in UTF-16 offsets of the input
    /// (twitter-text's inclusive validRangeStart...validRangeEnd as a half-open range).
    public let validRange: Range<Int>
    /// The whole input, in UTF-16 offsets (displayRangeStart...displayRangeEnd).
    public let displayRange: Range<Int>

    public init(weightedLength: Int, isValid: Bool, permillage: Int, validRange: Range<Int>,
                displayRange: Range<Int>) {
        self.weightedLength = weightedLength
        self.isValid = isValid
        self.permillage = permillage
        self.validRange = validRange
        self.displayRange = displayRange
    }
}

/// The weighted character counter of X (twitter-text 3.1 `parseTweet`).
public enum XTextCounter {
    /// Parses `text` the way twitter-text's `parseTweet` does.
    public static func parse(_ text: String, configuration: XTextConfiguration = .v3) -> XTextParseResult {
        let inputLength = text.utf16.count
        guard inputLength > 0 else {
            return XTextParseResult(weightedLength: 0, isValid: false, permillage: 0,
                                    validRange: 0..<0, displayRange: 0..<0)
        }
        let normalized = XTextNormalization.nfc(text)
        let units = Array(normalized.utf16)
        return units.withUnsafeBufferPointer { buffer in
            parse(buffer, inputLength: inputLength, configuration: configuration)
        }
    }

    /// `parse(text).weightedLength` with the v3 configuration.
    public static func weightedLength(_ text: String) -> Int {
        parse(text).weightedLength
    }

    /// The URLs twitter-text's extractor finds in `text` (with or without scheme, bare
    /// domains with a known TLD, t.co links cut after their slug), as ranges of `text`.
    /// `parse` runs the same extractor on the NFC form of the text.
    public static func extractURLs(_ text: String) -> [Range<String.Index>] {
        let units = Array(text.utf16)
        let matches = units.withUnsafeBufferPointer { XTextURLExtractor.extract($0) }
        var ranges: [Range<String.Index>] = []
        ranges.reserveCapacity(matches.count)
        let view = text.utf16
        var index = view.startIndex
        var offset = 0
        for m in matches {
            index = view.index(index, offsetBy: m.start - offset)
            let end = view.index(index, offsetBy: m.end - m.start)
            ranges.append(index..<end)
            index = end
            offset = m.end
        }
        return ranges
    }

    private static func parse(_ u: UnsafeBufferPointer<UInt16>, inputLength: Int,
                              configuration config: XTextConfiguration) -> XTextParseResult {
        let n = u.count
        let urls = XTextURLExtractor.extract(u)
        let scaledMax = config.maxWeightedLength * config.scale
        let urlWeight = config.transformedURLLength * config.scale

        var weighted = 0
        var offset = 0
        var validOffset = 0
        var hasInvalid = false
        var isBlank = true
        var nextURL = 0

        while offset < n {
            while nextURL < urls.count, urls[nextURL].start < offset { nextURL += 1 }
            if nextURL < urls.count, urls[nextURL].start == offset {
                let length = urls[nextURL].end - offset
                weighted += urlWeight
                offset += length
                isBlank = false
                if !hasInvalid, weighted <= scaledMax { validOffset += length }
                nextURL += 1
                continue
            }

            let c = u[offset]
            var scalar = UInt32(c)
            var length = 1
            if c >= 0xD800, c <= 0xDBFF, offset + 1 < n, u[offset + 1] >= 0xDC00, u[offset + 1] <= 0xDFFF {
                scalar = 0x10000 + ((UInt32(c) - 0xD800) << 10) + (UInt32(u[offset + 1]) - 0xDC00)
                length = 2
            }
            var weight = config.defaultWeight
            let emojiLength = config.emojiParsingEnabled ? XTextEmoji.sequenceLength(u, at: offset) : 0
            if emojiLength > 0 {
                length = emojiLength
            } else {
                for r in config.ranges where r.range.contains(scalar) {
                    weight = r.weight
                    break
                }
            }
            if isBlank, !XTextNormalization.isBlank(scalar) { isBlank = false }
            if c == 0xFFFE || c == 0xFEFF || c == 0xFFFF { hasInvalid = true }
            weighted += weight
            offset += length
            if !hasInvalid, weighted <= scaledMax { validOffset += length }
        }

        let weightedLength = config.scale > 0 ? weighted / config.scale : weighted
        // twitter-text adds the whole length change of normalisation to the valid end.
        let normalizationOffset = inputLength - n
        let validEnd = min(max(validOffset + normalizationOffset, 0), inputLength)
        return XTextParseResult(
            weightedLength: weightedLength,
            isValid: !isBlank && !hasInvalid && weightedLength <= config.maxWeightedLength,
            permillage: config.maxWeightedLength > 0 ? weightedLength * 1000 / config.maxWeightedLength : 0,
            validRange: 0..<validEnd,
            displayRange: 0..<inputLength)
    }
}

// MARK: - Normalisation

enum XTextNormalization {
    /// NFC of `text`. Only the stretches around code points that NFC may change go through
    /// Foundation, in short chunks cut at normalisation boundaries (before a code point for
    /// which `mayChangeUnderNFC` is false): Foundation's normaliser is quadratic on long
    /// inputs, and most text needs no work at all.
    static func nfc(_ text: String) -> String {
        var needsWork = false
        for scalar in text.unicodeScalars where mayChangeUnderNFC(scalar.value) {
            needsWork = true
            break
        }
        guard needsWork else { return text }
        let scalars = text.unicodeScalars
        var i = scalars.startIndex
        while !mayChangeUnderNFC(scalars[i].value) { i = scalars.index(after: i) }
        var result = String.UnicodeScalarView()
        var copied = scalars.startIndex      // everything before this is in `result`
        var boundary = scalars.startIndex    // latest index with a normalisation boundary before it
        var chunkStart: String.Index?        // start of the pending chunk to normalise
        var chunkLength = 0                  // scalars in the pending chunk
        var stableRun = 0                    // unchangeable scalars since the last changeable one

        func flush(upTo end: String.Index) {
            guard let start = chunkStart else { return }
            result.append(contentsOf: String(scalars[start..<end]).precomposedStringWithCanonicalMapping.unicodeScalars)
            copied = end
            chunkStart = nil
        }

        // Scan from the last boundary before the first changeable code point.
        var j = scalars.startIndex
        while j < i {
            if !mayChangeUnderNFC(scalars[j].value) { boundary = j }
            j = scalars.index(after: j)
        }
        while i < scalars.endIndex {
            if mayChangeUnderNFC(scalars[i].value) {
                if chunkStart == nil {
                    result.append(contentsOf: scalars[copied..<boundary])
                    chunkStart = boundary
                    chunkLength = scalars.distance(from: boundary, to: i)
                }
                stableRun = 0
            } else {
                if chunkStart != nil, stableRun >= 16 || chunkLength >= 256 { flush(upTo: i) }
                boundary = i
                stableRun += 1
            }
            if chunkStart != nil { chunkLength += 1 }
            i = scalars.index(after: i)
        }
        flush(upTo: scalars.endIndex)
        result.append(contentsOf: scalars[copied..<scalars.endIndex])
        return String(result)
    }

    /// Conservative NFC quick check: false only for code points that are unchanged by NFC,
    /// have canonical combining class 0 and never combine with a preceding character.
    /// (Checked exhaustively against Foundation's NFC over all code points.)
    @inline(__always)
    static func mayChangeUnderNFC(_ v: UInt32) -> Bool {
        if v < 0x300 { return false }
        switch v {
        case 0x3000...0x3029, 0x3030...0x3098, 0x309B...0x9FFF, 0xAC00...0xD7A3, 0xFF00...0xFFEF:
            return false
        case 0x0340...0x0344, 0x0374, 0x037E, 0x0387, 0x0900...0x0DFF, 0x0F00...0x0FFF,
             0x1025...0x102E, 0x1100...0x11FF, 0x1B00...0x1B7F, 0x1F00...0x1FFF, 0x2000, 0x2001,
             0x2126, 0x212A, 0x212B, 0x2329, 0x232A, 0x2ADC, 0xF900...0xFAFF, 0xFB1D...0xFB4F,
             0x11000...0x11FFF, 0x1D15E...0x1D1C0, 0x2F800...0x2FA1F:
            return true
        default:
            return Unicode.Scalar(v).map { $0.properties.canonicalCombiningClass.rawValue != 0 } ?? false
        }
    }

    /// What makes a post blank: Java's `trim()` set (U+0000...U+0020) plus Unicode White_Space.
    @inline(__always)
    static func isBlank(_ v: UInt32) -> Bool {
        if v <= 0x20 { return true }
        if v < 0x85 { return false }
        return Unicode.Scalar(v)?.properties.isWhitespace ?? false
    }
}

// MARK: - Emoji

/// Emoji sequences exactly as twitter-text's emoji regex finds them (`XTextEmojiPattern`): its
/// alternatives in its order, the first that matches wins. Sequences newer than the pattern's
/// Unicode 12 data are not one emoji to it (🧔‍♀️ is 🧔, U+200D, ♀️: 5), and a U+FE0F it cannot
/// attach to an emoji counts as an emoji of its own; X's composer counts the same way.
enum XTextEmoji {
    /// UTF-16 length of the emoji sequence starting at `i`, or 0.
    static func sequenceLength(_ u: UnsafeBufferPointer<UInt16>, at i: Int) -> Int {
        let c = u[i]
        // Fast exits for the bulk of text: letters, kana, kanji, hangul, fullwidth forms.
        if c < 0x80, c != 0x23, c != 0x2A, c < 0x30 || c > 0x39 { return 0 }
        switch c {
        case 0x3000...0x302F, 0x3031...0x303C, 0x303E...0x31FF, 0x3400...0x9FFF, 0xAC00...0xD7A3, 0xFF00...0xFFEF:
            return 0
        default:
            break
        }
        let pattern = XTextEmojiMatcher.shared
        let (v, _) = XTextEmojiMatcher.scalar(u, at: i)
        guard pattern.starts.contains(v) else { return 0 }
        for alternative in pattern.alternatives where alternative.first?.contains(v) ?? true {
            if let end = XTextEmojiMatcher.match(alternative.node, u, i, { $0 }) { return end - i }
        }
        return 0
    }
}

/// A compiled form of the small regular-expression language the emoji pattern uses: alternation,
/// `(?:…)`, `(?!…)`, classes with ranges, `?`, and `\u{…}`/`\uXXXX` escapes.
struct XTextEmojiMatcher: Sendable {
    struct ScalarSet: Sendable {
        var ranges: [ClosedRange<UInt32>]
        func contains(_ v: UInt32) -> Bool {
            var lo = 0, hi = ranges.count - 1
            while lo <= hi {
                let mid = (lo + hi) / 2
                if v < ranges[mid].lowerBound { hi = mid - 1 } else if v > ranges[mid].upperBound { lo = mid + 1 } else { return true }
            }
            return false
        }
        static func union(_ sets: [ScalarSet]) -> ScalarSet {
            var all = sets.flatMap(\.ranges).sorted { $0.lowerBound < $1.lowerBound }
            var merged: [ClosedRange<UInt32>] = []
            for r in all {
                if let last = merged.last, r.lowerBound <= last.upperBound &+ 1 {
                    merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
                } else {
                    merged.append(r)
                }
            }
            all = merged
            return ScalarSet(ranges: all)
        }
    }

    indirect enum Node: Sendable {
        case scalars(ScalarSet)
        case sequence([Node])
        case alternation([Node])
        case optional(Node)
        case notFollowedBy(Node)
    }

    struct Alternative: Sendable {
        let node: Node
        /// The scalars it can start with; nil when it could start with anything.
        let first: ScalarSet?
    }

    let alternatives: [Alternative]
    /// Every scalar some alternative starts with.
    let starts: ScalarSet

    static let shared = XTextEmojiMatcher(pattern: XTextEmojiPattern.source)

    init(pattern: String) {
        var parser = Parser(scalars: Array(pattern.unicodeScalars))
        let root = parser.alternation()
        precondition(parser.position == parser.scalars.count, "emoji pattern: unexpected character at \(parser.position)")
        let top: [Node]
        if case .alternation(let list) = root { top = list } else { top = [root] }
        alternatives = top.map { Alternative(node: $0, first: Self.firstSet($0)) }
        starts = ScalarSet.union(alternatives.compactMap(\.first))
    }

    private static func firstSet(_ n: Node) -> ScalarSet? {
        switch n {
        case .scalars(let s): return s
        case .alternation(let list):
            let sets = list.map(firstSet)
            return sets.contains { $0 == nil } ? nil : ScalarSet.union(sets.compactMap { $0 })
        case .sequence(let list):
            var sets: [ScalarSet] = []
            for item in list {
                switch item {
                case .optional(let inner):
                    guard let s = firstSet(inner) else { return nil }
                    sets.append(s)
                case .notFollowedBy:
                    continue
                default:
                    guard let s = firstSet(item) else { return nil }
                    sets.append(s)
                    return ScalarSet.union(sets)
                }
            }
            return nil
        case .optional, .notFollowedBy:
            return nil
        }
    }

    @inline(__always)
    static func scalar(_ u: UnsafeBufferPointer<UInt16>, at i: Int) -> (UInt32, Int) {
        let c = u[i]
        if c >= 0xD800, c <= 0xDBFF, i + 1 < u.count, u[i + 1] >= 0xDC00, u[i + 1] <= 0xDFFF {
            return (0x10000 + ((UInt32(c) - 0xD800) << 10) + (UInt32(u[i + 1]) - 0xDC00), 2)
        }
        return (UInt32(c), 1)
    }

    /// Backtracking match of `n` at `i`, then of the rest (`next`); the end of the whole match.
    static func match(_ n: Node, _ u: UnsafeBufferPointer<UInt16>, _ i: Int, _ next: (Int) -> Int?) -> Int? {
        switch n {
        case .scalars(let set):
            guard i < u.count else { return nil }
            let (v, length) = scalar(u, at: i)
            return set.contains(v) ? next(i + length) : nil
        case .sequence(let items):
            func from(_ k: Int, _ j: Int) -> Int? {
                k == items.count ? next(j) : match(items[k], u, j) { from(k + 1, $0) }
            }
            return from(0, i)
        case .alternation(let list):
            for item in list { if let end = match(item, u, i, next) { return end } }
            return nil
        case .optional(let inner):
            return match(inner, u, i, next) ?? next(i)
        case .notFollowedBy(let inner):
            return match(inner, u, i, { $0 }) == nil ? next(i) : nil
        }
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var position = 0

        private var peek: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

        private mutating func take(_ s: String) -> Bool {
            let wanted = Array(s.unicodeScalars)
            guard position + wanted.count <= scalars.count, Array(scalars[position..<position + wanted.count]) == wanted else { return false }
            position += wanted.count
            return true
        }

        mutating func alternation() -> Node {
            var list = [sequence()]
            while take("|") { list.append(sequence()) }
            return list.count == 1 ? list[0] : .alternation(list)
        }

        mutating func sequence() -> Node {
            var items: [Node] = []
            while let c = peek, c != "|", c != ")" {
                var atom: Node
                if take("(?:") {
                    atom = alternation()
                    precondition(take(")"), "emoji pattern: unclosed group")
                } else if take("(?!") {
                    atom = .notFollowedBy(alternation())
                    precondition(take(")"), "emoji pattern: unclosed group")
                } else if take("[") {
                    var ranges: [ClosedRange<UInt32>] = []
                    while !take("]") {
                        let lo = literal()
                        if peek == "-", position + 1 < scalars.count, scalars[position + 1] != "]" {
                            position += 1
                            ranges.append(lo...literal())
                        } else {
                            ranges.append(lo...lo)
                        }
                    }
                    atom = .scalars(ScalarSet.union([ScalarSet(ranges: ranges)]))
                } else {
                    let v = literal()
                    atom = .scalars(ScalarSet(ranges: [v...v]))
                }
                if take("?") { atom = .optional(atom) }
                items.append(atom)
            }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        /// One character: `\u{hex}`, `\uXXXX`, or itself.
        private mutating func literal() -> UInt32 {
            if take("\\u{") {
                var hex = ""
                while let c = peek, c != "}" { hex.unicodeScalars.append(c); position += 1 }
                position += 1
                return UInt32(hex, radix: 16)!
            }
            if take("\\u") {
                let hex = String(String.UnicodeScalarView(scalars[position..<position + 4]))
                position += 4
                return UInt32(hex, radix: 16)!
            }
            defer { position += 1 }
            return scalars[position].value
        }
    }
}
