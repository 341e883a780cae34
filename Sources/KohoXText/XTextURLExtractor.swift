// URL extraction for XTextCounter, following twitter-text 3.1's extractor
// (js/src/extractUrlsWithIndices.js and the regexes in js/src/regexp/*).
//
// twitter-text finds URLs with one big regular expression run over UTF-16 code units:
//
//   (precedingChar | ^) (https?://)? domain (:port)? (/path)? (?query)?
//
// and then post-processes each match (IDNA label lengths, bare domains reduced to their
// ASCII part, t.co slugs). This file is a hand-written matcher for that expression: it
// reproduces the regex's leftmost-match and backtracking order, but runs in linear time on
// ordinary text and needs no NSRegularExpression (the TLD alternation alone has ~1,600
// branches). Everything works on UTF-16 offsets, like the JavaScript original.

/// A URL found by `XTextURLExtractor`, as UTF-16 offsets into the scanned text.
struct XTextURLMatch: Sendable, Equatable {
    var start: Int
    var end: Int
}

/// twitter-text's URL extractor over a UTF-16 buffer.
struct XTextURLExtractor {
    private let u: UnsafeBufferPointer<UInt16>
    private let n: Int
    /// `runEnd[i]`: the first index at or after `i` holding a character that cannot be part
    /// of a domain label. Lets a label be found in O(1) even inside long CJK runs, which
    /// twitter-text's (Unicode-friendly) label class swallows whole.
    private var runEnd: [Int32]
    /// Scratch storage for label start offsets of the domain being matched.
    private var labelStarts: [Int] = []
    /// `lastDomainEnd` per label start: -2 unknown, -1 none (allocated on first use).
    private var memo: [Int32] = []

    private static let maxURLLength = 4096
    private static let maxTcoSlugLength = 40
    private static let maxLabelLength = 63

    /// Extracts URLs from `text` (UTF-16 code units) and returns their ranges, in order.
    static func extract(_ text: UnsafeBufferPointer<UInt16>) -> [XTextURLMatch] {
        // twitter-text's own shortcut: no '.', no URL.
        guard text.contains(0x2E) else { return [] }
        var extractor = XTextURLExtractor(text)
        return extractor.run()
    }

    private init(_ text: UnsafeBufferPointer<UInt16>) {
        u = text
        n = text.count
        var ends = [Int32](repeating: 0, count: n + 1)
        ends[n] = Int32(n)
        var i = n - 1
        while i >= 0 {
            ends[i] = XTextChars.isLabelChar(text[i]) ? ends[i + 1] : Int32(i)
            i -= 1
        }
        runEnd = ends
    }

    // MARK: - The extraction loop (extractUrlsWithIndices)

    private struct RawMatch {
        var before: UInt16?      // the preceding character ($2), nil for ^
        var start: Int           // URL start ($3)
        var end: Int             // URL end
        var protocolLength: Int  // length of $4, 0 if absent
        var domainStart: Int     // $5
        var domainEnd: Int
        var hasPath: Bool        // $7 non-empty
    }

    private mutating func run() -> [XTextURLMatch] {
        var urls: [XTextURLMatch] = []
        var lastIndex = 0
        while let m = nextMatch(from: lastIndex) {
            // Like RegExp.exec with /g: the next search starts where this match ended,
            // whether or not the match is kept.
            lastIndex = m.end
            let protocolLength = m.protocolLength > 0 ? m.protocolLength : 8 // "https://"
            guard isValidURL(length: m.end - m.start, protocolLength: protocolLength,
                             domainStart: m.domainStart, domainEnd: m.domainEnd) else { continue }
            if m.protocolLength == 0 {
                // Bare domains: not after - _ . / and only their ASCII part.
                if let b = m.before, b == 0x2D || b == 0x5F || b == 0x2E || b == 0x2F { continue }
                let domains = asciiDomains(from: m.domainStart, to: m.domainEnd)
                guard !domains.isEmpty else { continue }
                urls.append(contentsOf: domains)
                if m.hasPath { urls[urls.count - 1].end = m.end }
            } else {
                var end = m.end
                if let tco = tcoURL(from: m.start, to: m.end) {
                    if tco.slugLength > Self.maxTcoSlugLength { continue }
                    end = tco.end
                }
                urls.append(XTextURLMatch(start: m.start, end: end))
            }
        }
        return urls
    }

    /// The leftmost match of the URL expression at or after `from`, in the regex's order:
    /// at each position first "preceding character + URL", then (at 0 only) "^ + URL".
    private mutating func nextMatch(from: Int) -> RawMatch? {
        var i = from
        while i < n {
            let c = u[i]
            if XTextChars.isURLPrecedingChar(c), let m = matchURL(at: i + 1, before: c) { return m }
            if i == 0, let m = matchURL(at: 0, before: nil) { return m }
            i += 1
        }
        return nil
    }

    /// `(https?://)? domain (:port)? (/path)? (?query)?` anchored at `p`.
    private mutating func matchURL(at p: Int, before: UInt16?) -> RawMatch? {
        guard p < n else { return nil }
        let protocolLength = protocolLength(at: p)
        var domainStart = p + protocolLength
        var domainEnd = protocolLength > 0 ? matchDomain(at: domainStart) : nil
        var usedProtocol = protocolLength
        if domainEnd == nil, protocolLength > 0 {
            // (https?://)? backtracks to "no protocol"; the domain then has to start at p.
            usedProtocol = 0
            domainStart = p
            domainEnd = matchDomain(at: p)
        } else if protocolLength == 0 {
            domainEnd = matchDomain(at: p)
        }
        guard let dEnd = domainEnd else { return nil }

        var pos = dEnd
        // (?::([0-9]+))?
        if pos + 1 < n, u[pos] == 0x3A, XTextChars.isDigit(u[pos + 1]) {
            pos += 2
            while pos < n, XTextChars.isDigit(u[pos]) { pos += 1 }
        }
        // (\/validUrlPath*)?
        var hasPath = false
        if pos < n, u[pos] == 0x2F {
            hasPath = true
            pos = matchPath(from: pos + 1)
        }
        // (\?validUrlQueryChars*validUrlQueryEndingChars)?
        if pos < n, u[pos] == 0x3F, let q = matchQuery(from: pos + 1) {
            pos = q
        }
        return RawMatch(before: before, start: p, end: pos, protocolLength: usedProtocol,
                        domainStart: domainStart, domainEnd: dEnd, hasPath: hasPath)
    }

    /// Length of a case-insensitive "http://" or "https://" at `p`, else 0.
    private func protocolLength(at p: Int) -> Int {
        guard p + 7 <= n,
              u[p] | 0x20 == 0x68, u[p + 1] | 0x20 == 0x74, u[p + 2] | 0x20 == 0x74, u[p + 3] | 0x20 == 0x70
        else { return 0 }
        var q = p + 4
        if u[q] | 0x20 == 0x73 { q += 1 }
        guard q + 3 <= n, u[q] == 0x3A, u[q + 1] == 0x2F, u[q + 2] == 0x2F else { return 0 }
        return q + 3 - p
    }

    // MARK: - Domain

    /// `validSubdomain* validDomainName (validGTLD | validCCTLD | validPunycode)` at `p`;
    /// returns the end of the domain. Labels end at a '.', so the only freedom the regex has
    /// is how many labels `validSubdomain*` takes. It tries the most first, so the domain name
    /// is the last label of the chain that is followed by a TLD (and has no '_').
    private mutating func matchDomain(at p: Int) -> Int? {
        guard p < n, XTextChars.isDomainChar(u[p]) else { return nil }
        let end = lastDomainEnd(fromLabel: p)
        return end >= 0 ? end : nil
    }

    /// Whether a label (a subdomain: domain characters, '-', '_', not starting or ending in
    /// '-' or '_', followed by '.') starts at `q`.
    @inline(__always)
    private func isLabel(at q: Int) -> Bool {
        guard q < n, XTextChars.isDomainChar(u[q]) else { return false }
        let e = Int(runEnd[q])
        return e < n && u[e] == 0x2E && XTextChars.isDomainChar(u[e - 1])
    }

    /// For the chain of labels starting at `q`: the end of the TLD after its last label that
    /// can be a domain name, or -1. Memoised per label start, since every start inside a
    /// chain shares the rest of the chain; this keeps texts like "a.a.a.a…" linear.
    private mutating func lastDomainEnd(fromLabel q: Int) -> Int {
        if memo.isEmpty { memo = [Int32](repeating: -2, count: n) }
        labelStarts.removeAll(keepingCapacity: true)
        var cur = q
        var resolved: Int32 = -1
        while isLabel(at: cur) {
            if memo[cur] != -2 {
                resolved = memo[cur]
                break
            }
            labelStarts.append(cur)
            cur = Int(runEnd[cur]) + 1
        }
        while let s = labelStarts.popLast() {
            if resolved < 0 {
                let e = Int(runEnd[s])
                if let tldEnd = matchTLD(at: e + 1, limit: n), !contains(0x5F, from: s, to: e) {
                    resolved = Int32(tldEnd)
                }
            }
            memo[s] = resolved
        }
        return Int(resolved)
    }

    private func contains(_ c: UInt16, from s: Int, to e: Int) -> Bool {
        var i = s
        while i < e {
            if u[i] == c { return true }
            i += 1
        }
        return false
    }

    /// `(?:gTLD)(?=[^0-9a-zA-Z@]|$)`, then ccTLD likewise, then `xn--[-0-9a-z]+`.
    /// `limit` plays the role of the end of the input (`$`).
    private func matchTLD(at t: Int, limit: Int) -> Int? {
        guard t < limit else { return nil }
        if let end = XTextTLDTrie.shared.longestMatch(in: u, at: t, limit: limit) { return end }
        // Punycode TLD: no lookahead, greedy.
        guard t + 5 <= limit,
              u[t] | 0x20 == 0x78, u[t + 1] | 0x20 == 0x6E, u[t + 2] == 0x2D, u[t + 3] == 0x2D,
              XTextChars.isPunycodeChar(u[t + 4])
        else { return nil }
        var e = t + 5
        while e < limit, XTextChars.isPunycodeChar(u[e]) { e += 1 }
        return e
    }

    // MARK: - Path and query

    /// `validUrlPath*` from `p` (just after the '/'). Each repetition runs to the last
    /// path-ending character (or balanced parenthesis group) of the run of path characters,
    /// so the whole thing stops there too.
    private func matchPath(from p: Int) -> Int {
        var pos = p
        var end = p
        while pos < n {
            let c = u[pos]
            if XTextChars.isPathChar(c) {
                pos += 1
                if XTextChars.isPathEndingChar(c) { end = pos }
            } else if c == 0x28, let close = matchBalancedParens(at: pos) {
                pos = close
                end = pos
            } else {
                break
            }
        }
        return end
    }

    /// `\((?:G+|(?:G*\(G+\)G*))\)` at `p` (which holds '(').
    private func matchBalancedParens(at p: Int) -> Int? {
        var q = p + 1
        while q < n, XTextChars.isPathChar(u[q]) { q += 1 }
        guard q < n else { return nil }
        if u[q] == 0x29 { return q > p + 1 ? q + 1 : nil }
        guard u[q] == 0x28 else { return nil }
        var r = q + 1
        while r < n, XTextChars.isPathChar(u[r]) { r += 1 }
        guard r > q + 1, r < n, u[r] == 0x29 else { return nil }
        var s = r + 1
        while s < n, XTextChars.isPathChar(u[s]) { s += 1 }
        guard s < n, u[s] == 0x29 else { return nil }
        return s + 1
    }

    /// `validUrlQueryChars* validUrlQueryEndingChars` from `p` (just after the '?'),
    /// bounded by `limit`.
    private func matchQuery(from p: Int, limit: Int? = nil) -> Int? {
        let limit = limit ?? n
        var q = p
        var end: Int?
        while q < limit, XTextChars.isQueryChar(u[q]) {
            if XTextChars.isQueryEndingChar(u[q]) { end = q + 1 }
            q += 1
        }
        return end
    }

    // MARK: - Post-processing

    /// `isValidUrl` + `idna.toAscii`: every label must punycode-encode to 1...63
    /// characters, a domain starting with "xn--" must contain an ASCII domain, and the URL
    /// (counted with a protocol) must not exceed 4096 characters.
    private func isValidURL(length: Int, protocolLength: Int, domainStart: Int, domainEnd: Int) -> Bool {
        if domainEnd - domainStart >= 4, u[domainStart] == 0x78, u[domainStart + 1] == 0x6E,
           u[domainStart + 2] == 0x2D, u[domainStart + 3] == 0x2D,
           asciiDomains(from: domainStart, to: domainEnd, firstOnly: true).isEmpty {
            return false
        }
        var s = domainStart
        while s <= domainEnd {
            var e = s
            while e < domainEnd, u[e] != 0x2E { e += 1 }
            guard let encoded = XTextPunycode.toASCIILength(u, from: s, to: e),
                  encoded >= 1, encoded <= Self.maxLabelLength else { return false }
            s = e + 1
        }
        return protocolLength + length <= Self.maxURLLength
    }

    /// All matches of `validAsciiDomain` (`(?:[-a-z0-9À-ɏ…]+\.)+(?:gTLD|ccTLD|punycode)`, /gi)
    /// inside the domain `[from, to)`, as absolute offsets.
    private func asciiDomains(from: Int, to: Int, firstOnly: Bool = false) -> [XTextURLMatch] {
        var found: [XTextURLMatch] = []
        var s = from
        while s < to {
            guard XTextChars.isASCIIDomainLabelChar(u[s]) else { s += 1; continue }
            // The labels this start can take: runs of label characters each ending in '.'.
            var dots: [Int] = []
            var q = s
            while q < to, XTextChars.isASCIIDomainLabelChar(u[q]) {
                var r = q
                while r < to, XTextChars.isASCIIDomainLabelChar(u[r]) { r += 1 }
                guard r < to, u[r] == 0x2E else {
                    if dots.isEmpty { q = r }
                    break
                }
                dots.append(r)
                q = r + 1
            }
            if dots.isEmpty {
                // No '.' after this run: no start inside it can match either.
                s = max(q, s + 1)
                continue
            }
            var matchEnd: Int?
            var k = dots.count
            while k > 0, matchEnd == nil {
                matchEnd = matchTLD(at: dots[k - 1] + 1, limit: to)
                k -= 1
            }
            if let e = matchEnd {
                found.append(XTextURLMatch(start: s, end: e))
                if firstOnly { return found }
                s = e
            } else {
                // Any later start inside this chain meets a subset of the same TLD positions.
                s = dots[dots.count - 1] + 1
            }
        }
        return found
    }

    /// `^https?:\/\/t\.co\/([a-z0-9]+)(?:\?Q*QE)?` (case-insensitive) on the URL `[from, to)`.
    private func tcoURL(from: Int, to: Int) -> (end: Int, slugLength: Int)? {
        let p = protocolLength(at: from)
        guard p > 0 else { return nil }
        var q = from + p
        guard q + 5 <= to, u[q] | 0x20 == 0x74, u[q + 1] == 0x2E, u[q + 2] | 0x20 == 0x63,
              u[q + 3] | 0x20 == 0x6F, u[q + 4] == 0x2F else { return nil }
        q += 5
        let slugStart = q
        while q < to, XTextChars.isASCIIAlphanumeric(u[q]) { q += 1 }
        guard q > slugStart else { return nil }
        let slugLength = q - slugStart
        if q < to, u[q] == 0x3F, let e = matchQuery(from: q + 1, limit: to) { q = e }
        return (q, slugLength)
    }
}

// MARK: - Character classes

/// The character classes of twitter-text's URL regexes, on UTF-16 code units.
enum XTextChars {
    /// `validDomainChars`: anything but punctuation, spaces, invalid characters and
    /// directional marks.
    @inline(__always)
    static func isDomainChar(_ c: UInt16) -> Bool {
        switch c {
        // ASCII: twitter-text's `punct` (which has no '"' and no '`') and ASCII spaces.
        case 0x09...0x0D, 0x20, 0x21, 0x23...0x2F, 0x3A...0x40, 0x5B...0x5F, 0x7B...0x7E:
            return false
        case 0x00...0x7F:
            return true
        case 0x85, 0xA0, 0x061C, 0x1680, 0x180E, 0x2000...0x200A, 0x200E, 0x200F,
             0x2028...0x202F, 0x205F, 0x2066...0x2069, 0x3000, 0xFEFF, 0xFFFE, 0xFFFF:
            return false
        default:
            return true
        }
    }

    /// Domain characters plus '-' and '_' (the characters a label may contain).
    @inline(__always)
    static func isLabelChar(_ c: UInt16) -> Bool {
        c == 0x2D || c == 0x5F || isDomainChar(c)
    }

    /// `validUrlPrecedingChars`: not `[A-Za-z0-9@＠$#＃]` and not an invalid character.
    @inline(__always)
    static func isURLPrecedingChar(_ c: UInt16) -> Bool {
        if c < 0x80 {
            return !(isASCIIAlphanumeric(c) || c == 0x40 || c == 0x24 || c == 0x23)
        }
        return !(c == 0xFF20 || c == 0xFF03 || c == 0xFFFE || c == 0xFEFF || c == 0xFFFF)
    }

    @inline(__always)
    static func isDigit(_ c: UInt16) -> Bool { c >= 0x30 && c <= 0x39 }

    @inline(__always)
    static func isASCIIAlphanumeric(_ c: UInt16) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A)
    }

    @inline(__always)
    static func isPunycodeChar(_ c: UInt16) -> Bool { c == 0x2D || isASCIIAlphanumeric(c) }

    /// `latinAccentChars`.
    @inline(__always)
    static func isLatinAccent(_ c: UInt16) -> Bool {
        switch c {
        case 0xC0...0xD6, 0xD8...0xF6, 0xF8...0xFF, 0x100...0x24F, 0x253, 0x254, 0x256, 0x257,
             0x259, 0x25B, 0x263, 0x268, 0x26F, 0x272, 0x289, 0x28B, 0x2BB, 0x300...0x36F,
             0x1E00...0x1EFF:
            return true
        default:
            return false
        }
    }

    /// The label characters of `validAsciiDomain`: `[-a-z0-9]` and Latin accents.
    @inline(__always)
    static func isASCIIDomainLabelChar(_ c: UInt16) -> Bool {
        c == 0x2D || isASCIIAlphanumeric(c) || isLatinAccent(c)
    }

    /// The TLD lookahead `(?=[^0-9a-zA-Z@]|$)` fails on these. (The newest validGTLD.js
    /// also blocks '+' and '-', but then "http://domain.com-that-…" would not give
    /// "http://domain.com" as every version of conformance/extract.yml expects.)
    @inline(__always)
    static func blocksTLD(_ c: UInt16) -> Bool {
        isASCIIAlphanumeric(c) || c == 0x40
    }

    /// `validGeneralUrlPathChars`: `[a-z0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&]`, Cyrillic, Latin accents.
    @inline(__always)
    static func isPathChar(_ c: UInt16) -> Bool {
        switch c {
        case 0x21, 0x23...0x27, 0x2A...0x2F, 0x3A, 0x3B, 0x3D, 0x40, 0x5B, 0x5D, 0x5F, 0x7C, 0x7E:
            return true
        case 0x00...0x7F:
            return isASCIIAlphanumeric(c)
        default:
            return (c >= 0x400 && c <= 0x4FF) || c == 0x2013 || isLatinAccent(c)
        }
    }

    /// The character part of `validUrlPathEndingChars`: `[+\-a-z0-9=_#/]`, Cyrillic, Latin accents.
    @inline(__always)
    static func isPathEndingChar(_ c: UInt16) -> Bool {
        switch c {
        case 0x23, 0x2B, 0x2D, 0x2F, 0x3D, 0x5F:
            return true
        case 0x00...0x7F:
            return isASCIIAlphanumeric(c)
        default:
            return (c >= 0x400 && c <= 0x4FF) || isLatinAccent(c)
        }
    }

    /// `validUrlQueryChars`: `[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]`.
    @inline(__always)
    static func isQueryChar(_ c: UInt16) -> Bool {
        switch c {
        case 0x21, 0x23...0x2F, 0x3A, 0x3B, 0x3D, 0x3F, 0x40, 0x5B, 0x5D, 0x5F, 0x7C, 0x7E:
            return true
        default:
            return isASCIIAlphanumeric(c)
        }
    }

    /// `validUrlQueryEndingChars`: `[a-z0-9\-_&=#/]`.
    @inline(__always)
    static func isQueryEndingChar(_ c: UInt16) -> Bool {
        switch c {
        case 0x23, 0x26, 0x2D, 0x2F, 0x3D, 0x5F:
            return true
        default:
            return isASCIIAlphanumeric(c)
        }
    }
}

// MARK: - TLD matching

/// A trie of `XTopLevelDomains` for matching the TLD alternation of twitter-text's regex.
/// With the lookahead `(?=[^0-9a-zA-Z@]|$)`, two TLDs can only both match where one is a
/// prefix of the other (e.g. 嘉里 and 嘉里大酒店), and twitter-text lists the longer first;
/// so the regex's choice is the longest TLD that matches.
struct XTextTLDTrie: Sendable {
    private struct Node: Sendable {
        var children: [UInt16: Int32] = [:]
        var isTerminal = false
    }

    private var nodes: [Node] = [Node()]

    static let shared = XTextTLDTrie(XTopLevelDomains.generic + XTopLevelDomains.country)

    init(_ tlds: [String]) {
        for tld in tlds {
            var node = 0
            for c in tld.utf16 {
                let key = Self.fold(c)
                if let next = nodes[node].children[key] {
                    node = Int(next)
                } else {
                    nodes.append(Node())
                    let next = nodes.count - 1
                    nodes[node].children[key] = Int32(next)
                    node = next
                }
            }
            nodes[node].isTerminal = true
        }
    }

    /// End of the longest TLD at `t` that is followed by the end (`limit`) or by a character
    /// other than `[0-9a-zA-Z@]`.
    func longestMatch(in u: UnsafeBufferPointer<UInt16>, at t: Int, limit: Int) -> Int? {
        var node = 0
        var i = t
        var best: Int?
        while i < limit, let next = nodes[node].children[Self.fold(u[i])] {
            node = Int(next)
            i += 1
            if nodes[node].isTerminal, i == limit || !XTextChars.blocksTLD(u[i]) { best = i }
        }
        return best
    }

    /// Case folding for the regex's /i flag, enough for the scripts TLDs use.
    @inline(__always)
    static func fold(_ c: UInt16) -> UInt16 {
        switch c {
        case 0x41...0x5A, 0xC0...0xD6, 0xD8...0xDE, 0x391...0x3A1, 0x3A3...0x3AB, 0x410...0x42F:
            return c + 0x20
        case 0x400...0x40F:
            return c + 0x50
        case 0x531...0x556:
            return c + 0x30
        default:
            return c
        }
    }
}

// MARK: - Punycode

/// Punycode (RFC 3492) as used by twitter-text's `idna.toAscii` (punycode.js `toASCII`).
enum XTextPunycode {
    private static let maxInt = 0x7FFF_FFFF

    /// Length of punycode.js `toASCII(label)` for the label `u[from..<to]`, or nil where it
    /// would throw. Like punycode.js, 。．｡ also separate labels here.
    static func toASCIILength(_ u: UnsafeBufferPointer<UInt16>, from: Int, to: Int) -> Int? {
        var total = 0
        var s = from
        var first = true
        while true {
            var e = s
            while e < to, !isSeparator(u[e]) { e += 1 }
            if !first { total += 1 }
            first = false
            guard let len = encodedLength(u, from: s, to: e) else { return nil }
            total += len
            if total > 1_000 { return total } // far beyond any limit; stop early
            if e >= to { break }
            s = e + 1
        }
        return total
    }

    @inline(__always)
    private static func isSeparator(_ c: UInt16) -> Bool {
        c == 0x2E || c == 0x3002 || c == 0xFF0E || c == 0xFF61
    }

    /// Length of one label: itself if ASCII, else "xn--" + the punycode encoding.
    private static func encodedLength(_ u: UnsafeBufferPointer<UInt16>, from: Int, to: Int) -> Int? {
        var codePoints: [Int] = []
        var ascii = true
        var i = from
        while i < to {
            let c = u[i]
            if c >= 0x80 { ascii = false }
            if c >= 0xD800, c <= 0xDBFF, i + 1 < to, u[i + 1] >= 0xDC00, u[i + 1] <= 0xDFFF {
                codePoints.append(0x10000 + ((Int(c) - 0xD800) << 10) + (Int(u[i + 1]) - 0xDC00))
                i += 2
            } else {
                codePoints.append(Int(c))
                i += 1
            }
        }
        if ascii { return codePoints.count }
        // Every code point costs at least one output character: no need to encode labels
        // that cannot fit in 63 characters anyway.
        if codePoints.count > 63 { return 4 + codePoints.count }
        guard let len = punycodeLength(codePoints) else { return nil }
        return 4 + len
    }

    /// Length of the RFC 3492 encoding of `input`.
    static func punycodeLength(_ input: [Int]) -> Int? {
        let base = 36, tMin = 1, tMax = 26
        var n = 128, delta = 0, bias = 72
        let basicLength = input.reduce(0) { $0 + ($1 < 0x80 ? 1 : 0) }
        var output = basicLength + (basicLength > 0 ? 1 : 0)
        var handled = basicLength
        while handled < input.count {
            var m = maxInt
            for c in input where c >= n && c < m { m = c }
            let handledPlusOne = handled + 1
            if m - n > (maxInt - delta) / handledPlusOne { return nil }
            delta += (m - n) * handledPlusOne
            n = m
            for c in input {
                if c < n {
                    delta += 1
                    if delta > maxInt { return nil }
                }
                if c == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                        if q < t { break }
                        output += 1
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output += 1
                    bias = adapt(delta, handledPlusOne, handled == basicLength)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return output
    }

    private static func adapt(_ delta: Int, _ numPoints: Int, _ firstTime: Bool) -> Int {
        var delta = firstTime ? delta / 700 : delta >> 1
        delta += delta / numPoints
        var k = 0
        while delta > 455 { // ((36 - 1) * 26) >> 1
            delta /= 35
            k += 36
        }
        return k + (36 * delta) / (delta + 38)
    }
}
