import Foundation

/// The text of an emergency draft cut to fit a post on X.
public enum EmergencyDraftText {
    /// What the link appended after the text costs: a line break and a t.co link.
    public static let urlReservation = 1 + XTextConfiguration.v3.transformedURLLength
    public static let ellipsis = "…"

    /// `text` unchanged when it fits `toWeightedLength` (X's weighted count, with `urlReservation` kept free
    /// when `reservingURL`), else its longest beginning that fits with an ellipsis, cut after 。、！？ or at a
    /// space or bracket where that keeps most of the text, else at the end of a phrase (kana particles before
    /// a kanji word), and only failing both between any two characters that are not both part of a number
    /// (`1,000`, `10:30`, `３.５`) or a Latin word. Never inside a URL.
    /// Returns "" when not even the ellipsis fits.
    public static func shorten(_ text: String, toWeightedLength limit: Int, reservingURL: Bool) -> String {
        let budget = limit - (reservingURL ? urlReservation : 0)
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if XTextCounter.weightedLength(trimmed) <= budget { return trimmed }
        let ellipsisWeight = XTextCounter.weightedLength(ellipsis)
        guard budget >= ellipsisWeight else { return "" }

        let chars = Array(trimmed)
        // Offsets (in Characters) that fall inside a URL, which is kept whole or left out whole.
        var insideURL = [Bool](repeating: false, count: chars.count + 1)
        for r in XTextCounter.extractURLs(trimmed) {
            let start = trimmed.distance(from: trimmed.startIndex, to: r.lowerBound)
            let end = trimmed.distance(from: trimmed.startIndex, to: r.upperBound)
            if start + 1 <= end - 1 { for k in (start + 1)...(end - 1) where k <= chars.count { insideURL[k] = true } }
        }
        // Three kinds of cut: after 。、！？ or at a space or bracket (a clause ends); after kana particles
        // before a kanji or katakana word (a phrase ends); anywhere else that splits no number or Latin word.
        var strong: [Int] = []
        var phrase: [Int] = []
        var weak: [Int] = []
        for k in 1..<chars.count {
            guard !insideURL[k] else { continue }
            let before = chars[k - 1], after = chars[k]
            if isStrongBreak(before) || before.isWhitespace || after.isWhitespace || isOpening(after) {
                strong.append(k)
                phrase.append(k)
                weak.append(k)
            } else if !isClosing(after), !isOpening(before), !(isWordish(chars, k - 1) && isWordish(chars, k)) {
                weak.append(k)
                if isHiragana(before), !isHiragana(after) { phrase.append(k) }
            }
        }
        func candidate(_ k: Int) -> String {
            var s = String(chars[0..<k])
            while let last = s.last, last.isWhitespace || "、,，・".contains(last) { s.removeLast() }
            return s.isEmpty ? "" : s + ellipsis
        }
        func fits(_ k: Int) -> Bool {
            let c = candidate(k)
            return !c.isEmpty && XTextCounter.weightedLength(c) <= budget
        }
        // Longest fitting prefix: weighted length grows with the prefix, so a binary search finds it.
        func longest(_ cuts: [Int]) -> Int? {
            var lo = 0, hi = cuts.count - 1
            var best: Int?
            while lo <= hi {
                let mid = (lo + hi) / 2
                if fits(cuts[mid]) { best = cuts[mid]; lo = mid + 1 } else { hi = mid - 1 }
            }
            return best
        }
        let bestStrong = longest(strong) ?? 0
        let bestPhrase = longest(phrase) ?? 0
        let bestWeak = longest(weak) ?? 0
        // A clean break wins unless it throws away more than a third of what a finer cut would keep.
        if bestStrong > 0, bestStrong * 3 >= max(bestPhrase, bestWeak) * 2 { return candidate(bestStrong) }
        if bestPhrase > 0, bestPhrase * 3 >= bestWeak * 2 { return candidate(bestPhrase) }
        if bestWeak > 0 { return candidate(bestWeak) }
        return ""
    }

    // MARK: The drafts' texts, as a resident reads them

    /// The draft's first line: the article's title marked 【緊急】, once. A title that already says so (【緊急】,
    /// 【緊急情報】, ［緊急］, [緊急], 〔緊急〕, 緊急: …) is kept as the city wrote it.
    public static func headline(_ title: String) -> String {
        let t = title.trimmingCharacters(in: .whitespacesAndNewlines)
        let opening = t.unicodeScalars.first.map { "【［[〔（(≪《<＜".unicodeScalars.contains($0) } ?? false
        let head = opening ? String(t.dropFirst()) : t
        if head.hasPrefix("緊急") { return t }
        return "【緊急】" + t
    }

    /// An article of the city's site or mail magazine as the text of an emergency draft: the headline, then the
    /// summary where it says more; cut to X's limit (keeping room for the article's link) on X.
    public static func article(title: String, summary: String, platform: Platform, hasLink: Bool) -> String {
        let head = headline(title)
        let body = summary.trimmingCharacters(in: .whitespacesAndNewlines)
        let full = body.isEmpty || body == title.trimmingCharacters(in: .whitespacesAndNewlines) ? head : head + "\n" + body
        switch platform {
        case .x: return shorten(full, toWeightedLength: XTextConfiguration.v3.maxWeightedLength, reservingURL: hasLink)
        default: return String(full.prefix(60_000))
        }
    }

    /// An agency message as the text of a draft that waits for the city's article: the message named as the agency
    /// names it, its time as people write it (「12月7日22時01分」), and what it says for the city.
    public static func agencyReport(title: String, reportDateTime: String, summary: String, platform: Platform) -> String {
        let text = "気象庁の「\(title)」（\(spokenTime(reportDateTime))）: \(summary)"
        return platform == .x ? shorten(text, toWeightedLength: XTextConfiguration.v3.maxWeightedLength, reservingURL: true) : text
    }

    /// `2026-12-07T22:01:00+09:00` as 「12月7日22時01分」 in Tokyo time; a time that does not read is given as written.
    public static func spokenTime(_ iso: String) -> String {
        guard let d = JapaneseTime.parseISO8601(iso.trimmingCharacters(in: .whitespacesAndNewlines)) else { return iso }
        let (day, minutes) = JapaneseTime.local(d, JapaneseTime.tokyo)
        return "\(day.month)月\(day.day)日\(minutes / 60)時\(JapaneseTime.pad(minutes % 60))分"
    }

    private static func isOpening(_ c: Character) -> Bool { "「『（(【\"“".contains(c) }

    private static func isHiragana(_ c: Character) -> Bool {
        guard let s = c.unicodeScalars.first else { return false }
        return (0x3041...0x309F).contains(s.value)
    }

    private static func isStrongBreak(_ c: Character) -> Bool {
        "。、！？!?」』）)】\n．，・".contains(c)
    }

    /// Punctuation that must not begin the cut-off part's place (cutting before it would strand it).
    private static func isClosing(_ c: Character) -> Bool {
        "。、！？!?」』）)】．，,.:;：；ー〜～％%".contains(c)
    }

    /// Part of a number or of a Latin word: ASCII and full-width letters and digits, any numeral, and the
    /// separators inside a number (`1,000`, `3.5`, `10:30`, `2026/12/02`) when digits stand on both sides.
    private static func isWordish(_ chars: [Character], _ i: Int) -> Bool {
        let c = chars[i]
        if isLatinOrDigit(c) || c.isNumber { return true }
        if ",.:/-，．：／－".contains(c), i > 0, i + 1 < chars.count,
           chars[i - 1].isNumber || isLatinOrDigit(chars[i - 1]),
           chars[i + 1].isNumber || isLatinOrDigit(chars[i + 1]) {
            return true
        }
        return false
    }

    private static func isLatinOrDigit(_ c: Character) -> Bool {
        guard let s = c.unicodeScalars.first else { return false }
        switch s.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F: return true
        case 0xFF10...0xFF19, 0xFF21...0xFF3A, 0xFF41...0xFF5A: return true
        default: return false
        }
    }
}
