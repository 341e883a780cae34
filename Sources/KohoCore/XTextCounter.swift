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

/// Emoji sequences, recognised from Unicode properties so that they agree with
/// twitter-text's emoji regex (TwitterTextEmojiRegex / twemoji-parser): keycaps, flags
/// (the regex's list of valid pairs), tag sequences (England, Scotland, Wales), modifier
/// (skin tone) sequences, presentation sequences with U+FE0F, and ZWJ sequences.
///
/// The regex is generated from Unicode 12 data and lists the recommended sequences one by
/// one; here the rules are structural, so sequences newer than Unicode 12 (❤️‍🔥, 🧔‍♂️, 🤝🏻, …)
/// also count once, any chain of emoji joined by U+200D counts once, and U+FE0F after an
/// emoji-presentation character is absorbed (the regex counts it as a second emoji).
enum XTextEmoji {
    /// UTF-16 length of the emoji sequence starting at `i`, or 0.
    static func sequenceLength(_ u: UnsafeBufferPointer<UInt16>, at i: Int) -> Int {
        let n = u.count
        let c = u[i]
        // Fast exits for the bulk of text: ASCII letters, kana, kanji, hangul, fullwidth forms.
        if c < 0x80 {
            guard c == 0x23 || c == 0x2A || (c >= 0x30 && c <= 0x39) else { return 0 }
            // Keycap: [#*0-9] FE0F? 20E3
            var j = i + 1
            if j < n, u[j] == 0xFE0F { j += 1 }
            return j < n && u[j] == 0x20E3 ? j + 1 - i : 0
        }
        if c < 0x2000 { return c == 0xA9 || c == 0xAE ? elementEnd(u, at: i).map { $0 - i } ?? 0 : 0 }
        switch c {
        case 0x3000...0x302F, 0x3031...0x303C, 0x303E...0x31FF, 0x3400...0x9FFF, 0xAC00...0xD7A3, 0xFF00...0xFFEF:
            return 0
        default:
            break
        }

        let (first, firstLength) = scalar(u, at: i)
        // Flags: a valid pair of regional indicators; a lone one is an emoji by itself.
        if isRegionalIndicator(first) {
            let (second, _) = i + 2 < n ? scalar(u, at: i + 2) : (0, 0)
            if isRegionalIndicator(second), isValidFlag(first, second) { return 4 }
            return 2
        }
        // Tag sequences: 🏴 + tag characters + CANCEL TAG.
        if first == 0x1F3F4 {
            var j = i + firstLength
            var tags = 0
            while j + 1 < n, case let (t, 2) = scalar(u, at: j), t >= 0xE0020, t <= 0xE007E {
                j += 2
                tags += 1
            }
            if tags > 0, j + 1 < n, scalar(u, at: j).0 == 0xE007F { return j + 2 - i }
        }
        guard var end = elementEnd(u, at: i) else { return 0 }
        // ZWJ sequences: element (ZWJ element)*
        while end + 1 < n, u[end] == 0x200D, let next = elementEnd(u, at: end + 1) {
            end = next
        }
        return end - i
    }

    /// End of one emoji element at `i`: an emoji code point with its U+FE0F and skin tone.
    /// Emoji that default to text presentation need U+FE0F when twitter-text's regex
    /// requires it (©, ®, ™, ♟) and are never emoji before U+FE0E.
    private static func elementEnd(_ u: UnsafeBufferPointer<UInt16>, at i: Int) -> Int? {
        let n = u.count
        let (v, length) = scalar(u, at: i)
        guard v >= 0xA9, !isRegionalIndicator(v), let s = Unicode.Scalar(v) else { return nil }
        let properties = s.properties
        guard properties.isEmoji else { return nil }
        var j = i + length
        if j < n, u[j] == 0xFE0E { return nil }
        if j < n, u[j] == 0xFE0F {
            j += 1
        } else if !properties.isEmojiPresentation, v < 0x2000 || v == 0x2122 || v == 0x265F {
            return nil
        }
        if properties.isEmojiModifierBase, j + 1 < n, case let (m, 2) = scalar(u, at: j),
           m >= 0x1F3FB, m <= 0x1F3FF {
            j += 2
        }
        return j
    }

    @inline(__always)
    private static func scalar(_ u: UnsafeBufferPointer<UInt16>, at i: Int) -> (UInt32, Int) {
        let c = u[i]
        if c >= 0xD800, c <= 0xDBFF, i + 1 < u.count, u[i + 1] >= 0xDC00, u[i + 1] <= 0xDFFF {
            return (0x10000 + ((UInt32(c) - 0xD800) << 10) + (UInt32(u[i + 1]) - 0xDC00), 2)
        }
        return (UInt32(c), 1)
    }

    @inline(__always)
    private static func isRegionalIndicator(_ v: UInt32) -> Bool { v >= 0x1F1E6 && v <= 0x1F1FF }

    /// The flag pairs of twitter-text's emoji regex (Unicode 12 RGI flags): for each first
    /// letter A–Z, the second letters that make a flag.
    private static let flagSeconds: [String] = [
        "CDEFGILMOQRSTUWXZ", "ABDEFGHIJLMNOQRSTVWYZ", "ACDFGHIKLMNOPRUVWXYZ", "EGJKMOZ",
        "ACEGHRSTU", "IJKMOR", "ABDEFGHILMNPQRSTUWY", "KMNRTU", "CDELMNOQRST", "EMOP",
        "EGHIMNPRWYZ", "ABCIKRSTUVY", "ACDEFGHKLMNOPQRSTUVWXYZ", "ACEFGILOPRUZ", "M",
        "AEFGHKLMNRSTWY", "A", "EOSUW", "ABCDEGHIJKLMNORSTVXYZ", "ACDFGHJKLMNORTVWZ", "AGMNSYZ",
        "ACEGINU", "FS", "K", "ET", "AMW",
    ]

    private static let validFlags: Set<UInt16> = {
        var set = Set<UInt16>()
        for (i, seconds) in flagSeconds.enumerated() {
            for s in seconds.utf8 { set.insert(UInt16(i) << 8 | UInt16(s - 0x41)) }
        }
        return set
    }()

    private static func isValidFlag(_ a: UInt32, _ b: UInt32) -> Bool {
        validFlags.contains(UInt16(a - 0x1F1E6) << 8 | UInt16(b - 0x1F1E6))
    }
}
