import Foundation

/// A comment folded for matching (NFKC: full-width ASCII and digits to half-width, half-width kana to full-width,
/// compatibility forms such as ㈱ or 𝐒 to plain letters; ASCII lower-cased; dashes to `-`; zero-width characters
/// dropped), with, for each folded scalar, the index of the scalar of the original text it came from, so that evidence
/// is reported in the original text's Unicode scalars.
struct ModerationText {
    /// The folded scalars' values.
    let s: [UInt32]
    /// `origin[i]` is the index in `original` of the scalar that `s[i]` came from.
    let origin: [Int32]
    /// `originEnd[i]` is where the original scalars of `s[i]` end (a kana and its voiced mark fold into one).
    let originEnd: [Int32]
    let original: [Unicode.Scalar]

    init(_ text: String) {
        let original = Array(text.unicodeScalars)
        var s: [UInt32] = []
        var origin: [Int32] = []
        var originEnd: [Int32] = []
        s.reserveCapacity(original.count)
        origin.reserveCapacity(original.count)
        originEnd.reserveCapacity(original.count)
        ModerationText.fold(original) { value, start, end in
            s.append(value)
            origin.append(Int32(start))
            originEnd.append(Int32(end))
        }
        self.s = s
        self.origin = origin
        self.originEnd = originEnd
        self.original = original
    }

    /// The folded form alone (lexicon terms, recent comments).
    static func folded(_ text: String) -> [UInt32] {
        var s: [UInt32] = []
        let original = Array(text.unicodeScalars)
        s.reserveCapacity(original.count)
        fold(original) { value, _, _ in s.append(value) }
        return s
    }

    var count: Int { s.count }

    /// The original text's scalar range of the folded range `r` (non-empty).
    func originalRange(_ r: Range<Int>) -> Range<Int> {
        Int(origin[r.lowerBound])..<Int(originEnd[r.upperBound - 1])
    }

    func evidence(_ r: Range<Int>) -> EvidenceSpan {
        let o = originalRange(r)
        var text = String.UnicodeScalarView()
        text.append(contentsOf: original[o])
        return EvidenceSpan(start: o.lowerBound, end: o.upperBound, text: String(text))
    }

    private static func fold(_ original: [Unicode.Scalar], _ emit: (UInt32, Int, Int) -> Void) {
        var i = 0
        let n = original.count
        while i < n {
            let v = original[i].value
            // Numbers written in kanji numerals (〇九〇‐一二三四…) or spelled in kana (ぜろきゅうぜろ…) read as digits.
            if let consumed = foldSpelledNumber(original, i, emit) { i = consumed; continue }
            // A space inside a Japanese word (し　ね, 死 ね) hides it: a single space between kana or kanji carries no text.
            if v == 0x20 || v == 0x3000, i > 0, i + 1 < n, isJapaneseLetter(original[i - 1].value),
               isJapaneseLetter(original[i + 1].value) {
                i += 1; continue
            }
            // Letters spelled one by one (Ｓ Ｅ Ｘ) read as the word.
            if v == 0x20 || v == 0x3000, i > 0, i + 1 < n, isLoneLetter(original, i - 1), isLoneLetter(original, i + 1) {
                i += 1; continue
            }
            // A voiced or semi-voiced mark after a kana (decomposed ガ, half-width ｶﾞ) composes with it.
            if i + 1 < n, let base = kanaBase(v) {
                let mark = original[i + 1].value
                if mark == 0x3099 || mark == 0xFF9E || mark == 0x309B, let voiced = voicedKana[base] {
                    emit(voiced, i, i + 2); i += 2; continue
                }
                let katakana = base >= 0x30A1 ? base : base + 0x60
                if mark == 0x309A || mark == 0xFF9F || mark == 0x309C, (0x30CF...0x30DB).contains(katakana), (katakana - 0x30CF) % 3 == 0 {
                    emit(base + 2, i, i + 2); i += 2; continue
                }
            }
            switch v {
            case 0x41...0x5A: emit(v + 0x20, i, i + 1)
            case 0x00...0x7F: emit(v, i, i + 1)
            case 0x3001...0x301B, 0x301D...0x30FF, 0x3400...0x9FFF: emit(v, i, i + 1)
            case 0x3000: emit(0x20, i, i + 1)
            case 0x301C: emit(0x7E, i, i + 1)
            case 0xFF01...0xFF5E:
                let a = v - 0xFEE0
                emit((0x41...0x5A).contains(a) ? a + 0x20 : a, i, i + 1)
            // Zero-width characters, soft hyphens and variation selectors hide words from matching; they carry no text.
            case 0x200B...0x200F, 0x2060...0x2064, 0xFEFF, 0x00AD, 0xFE00...0xFE0F, 0xE0100...0xE01EF: break
            case 0x2010...0x2015, 0x2212, 0xFE58, 0xFE63: emit(0x2D, i, i + 1)
            case 0x1F000...0x1FAFF, 0x2600...0x27BF: emit(v, i, i + 1)
            case 0xFF61...0xFF9F: emit(halfwidthKana[Int(v - 0xFF61)], i, i + 1)
            default:
                let folded = String(String.UnicodeScalarView([original[i]])).precomposedStringWithCompatibilityMapping
                for u in folded.unicodeScalars {
                    let w = u.value
                    emit((0x41...0x5A).contains(w) ? w + 0x20 : (0xFF01...0xFF5E).contains(w) ? w - 0xFEE0 : w, i, i + 1)
                }
            }
            i += 1
        }
    }

    /// A Latin letter (half- or full-width) with a space or an end on both sides.
    static func isLoneLetter(_ o: [Unicode.Scalar], _ i: Int) -> Bool {
        func letter(_ k: Int) -> Bool {
            let v = o[k].value
            return (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || (v >= 0xFF21 && v <= 0xFF3A) || (v >= 0xFF41 && v <= 0xFF5A)
        }
        func gap(_ k: Int) -> Bool { k < 0 || k >= o.count || !letter(k) }
        return letter(i) && gap(i - 1) && gap(i + 1)
    }

    static func isJapaneseLetter(_ v: UInt32) -> Bool {
        (v >= 0x3041 && v <= 0x30FA) || v == 0x30FC || (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0xFF66 && v <= 0xFF9F)
    }

    /// 〇 零 一 二 三 四 五 六 七 八 九 (not 十: a count, not a digit of a phone number).
    static func kanjiDigit(_ v: UInt32) -> UInt32? {
        switch v {
        case 0x3007, 0x96F6: return 0
        case 0x4E00: return 1
        case 0x4E8C: return 2
        case 0x4E09: return 3
        case 0x56DB: return 4
        case 0x4E94: return 5
        case 0x516D: return 6
        case 0x4E03: return 7
        case 0x516B: return 8
        case 0x4E5D: return 9
        default: return nil
        }
    }

    /// Digits spelled in kana, longest first within each start (きゅう before く, しち before し).
    static let kanaDigitWords: [([UInt32], UInt32)] = {
        let words: [(String, UInt32)] = [
            ("ぜろ", 0), ("ゼロ", 0), ("れい", 0), ("まる", 0), ("いち", 1), ("イチ", 1), ("に", 2), ("ニ", 2), ("さん", 3),
            ("サン", 3), ("よん", 4), ("ヨン", 4), ("し", 4), ("シ", 4), ("ご", 5), ("ゴ", 5), ("ろく", 6), ("ロク", 6),
            ("なな", 7), ("ナナ", 7), ("しち", 7), ("シチ", 7), ("はち", 8), ("ハチ", 8), ("きゅう", 9), ("キュウ", 9),
            ("きゅー", 9), ("キュー", 9), ("く", 9), ("ク", 9),
        ]
        return words.map { (Array($0.0.unicodeScalars.map(\.value)), $0.1) }.sorted { $0.0.count > $1.0.count }
    }()

    static func isSpelledSeparator(_ v: UInt32) -> Bool {
        v == 0x20 || v == 0x3000 || v == 0x2D || v == 0x2010 || v == 0x2011 || v == 0x2012 || v == 0x2013 || v == 0x2014
            || v == 0x2212 || v == 0xFF0D || v == 0x30FC || v == 0xFF70 || v == 0x3001 || v == 0x30FB || v == 0x3001
    }

    /// A phone-length number (8 digits or more) in kanji numerals or kana words starting at `i`: emits its digits
    /// (separators as `-`) and returns where it ends; nil when there is none (then nothing is emitted).
    private static func foldSpelledNumber(_ o: [Unicode.Scalar], _ i: Int, _ emit: (UInt32, Int, Int) -> Void) -> Int? {
        let first = o[i].value
        let kanji = kanjiDigit(first) != nil
        guard kanji || (first >= 0x3041 && first <= 0x30FA) else { return nil }
        // Not a word that merely ends in a numeral (三丁目 is an address; 十 is a count).
        if i > 0, kanji ? kanjiDigit(o[i - 1].value) != nil : isKana(o[i - 1].value) && !isParticle(o[i - 1].value) { return nil }
        // 奥さん、ぜろ…: さん and に after a kanji are an honorific and a particle, not 3 and 2.
        if !kanji, i > 0, kanjiDigit(o[i - 1].value) == nil, (0x4E00...0x9FFF).contains(o[i - 1].value),
           first == 0x306B || (first == 0x3055 && i + 1 < o.count && o[i + 1].value == 0x3093) { return nil }
        var parts: [(UInt32, Int, Int)] = []
        var digits = 0
        var k = i
        let n = o.count
        while k < n {
            let v = o[k].value
            if kanji, let d = kanjiDigit(v) {
                parts.append((0x30 + d, k, k + 1)); digits += 1; k += 1; continue
            }
            if !kanji, let m = kanaDigitWords.first(where: { w in
                k + w.0.count <= n && (0..<w.0.count).allSatisfy { o[k + $0].value == w.0[$0] } }) {
                parts.append((0x30 + m.1, k, k + m.0.count)); digits += 1; k += m.0.count; continue
            }
            if isSpelledSeparator(v), digits > 0, let last = parts.last, last.0 != 0x2D {
                parts.append((0x2D, k, k + 1)); k += 1; continue
            }
            break
        }
        while let last = parts.last, last.0 == 0x2D { parts.removeLast() }
        // …ごろくななはちに電話して: a last に after eleven digits is the particle, not a 2.
        if !kanji, digits == 12, let last = parts.last, last.2 - last.1 == 1, o[last.1].value == 0x306B {
            parts.removeLast(); digits -= 1
            while let l = parts.last, l.0 == 0x2D { parts.removeLast() }
        }
        guard digits >= 8, let end = parts.last?.2 else { return nil }
        // A kana number must end at a word's end (not ろくに見ない…).
        if !kanji, end < n, isKana(o[end].value), !isParticle(o[end].value), !"へまがだ".unicodeScalars.contains(o[end]) { return nil }
        for p in parts { emit(p.0, p.1, p.2) }
        return end
    }

    /// は が を に の も で と: a number may follow them.
    static func isParticle(_ v: UInt32) -> Bool {
        v == 0x306F || v == 0x304C || v == 0x3092 || v == 0x306B || v == 0x306E || v == 0x3082 || v == 0x3067 || v == 0x3068
    }

    static func isKana(_ v: UInt32) -> Bool { (v >= 0x3041 && v <= 0x30FA) || (v >= 0xFF66 && v <= 0xFF9D) }

    /// The full-width katakana of a kana scalar that may take a voiced mark (hiragana, katakana, half-width).
    private static func kanaBase(_ v: UInt32) -> UInt32? {
        if v >= 0xFF66 && v <= 0xFF9D { return halfwidthKana[Int(v - 0xFF61)] }
        if v >= 0x30A1 && v <= 0x30FA { return v }
        if v >= 0x3041 && v <= 0x3096 { return v }
        return nil
    }

    /// U+FF61…U+FF9F (NFKC, marks as the spacing ゛゜).
    static let halfwidthKana: [UInt32] = [
        0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30E3, 0x30E5, 0x30E7, 0x30C3,
        0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB, 0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB,
        0x30BD, 0x30BF, 0x30C1, 0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5, 0x30D8,
        0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9, 0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF,
        0x30F3, 0x309B, 0x309C,
    ]

    /// Kana (katakana and hiragana) → with the voiced mark.
    static let voicedKana: [UInt32: UInt32] = {
        var m: [UInt32: UInt32] = [0x30A6: 0x30F4, 0x3046: 0x3094, 0x30EF: 0x30F7, 0x30F2: 0x30FA]
        for base in [0x30AB, 0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1, 0x30C4,
                     0x30C6, 0x30C8, 0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB] as [UInt32] {
            m[base] = base + 1
            m[base - 0x60] = base - 0x60 + 1
        }
        return m
    }()
}

/// Character classes on folded scalars.
enum Chars {
    static func isDigit(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isASCIILetter(_ c: UInt32) -> Bool { c >= 0x61 && c <= 0x7A }
    static func isASCIIAlnum(_ c: UInt32) -> Bool { isDigit(c) || isASCIILetter(c) }
    static func isKanji(_ c: UInt32) -> Bool { (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || c == 0x3005 }
    static func isKatakana(_ c: UInt32) -> Bool { (c >= 0x30A1 && c <= 0x30FA) || c == 0x30FC }
    static func isHiragana(_ c: UInt32) -> Bool { c >= 0x3041 && c <= 0x3096 }
    static let kanjiDigits: [UInt32: Int] = [0x3007: 0, 0x4E00: 1, 0x4E8C: 2, 0x4E09: 3, 0x56DB: 4, 0x4E94: 5,
                                             0x516D: 6, 0x4E03: 7, 0x516B: 8, 0x4E5D: 9, 0x5341: 10]
    /// A digit or a kanji numeral (addresses: 三丁目五番地).
    static func isNumeral(_ c: UInt32) -> Bool { isDigit(c) || kanjiDigits[c] != nil }
    /// Separators inside a written number: hyphens (incl. ー after folding), spaces, parentheses, dots.
    static func isNumberSeparator(_ c: UInt32) -> Bool {
        c == 0x2D || c == 0x30FC || c == 0x20 || c == 0x28 || c == 0x29 || c == 0x2E || c == 0xFF70 || c == 0x3001
    }
    static func isHyphen(_ c: UInt32) -> Bool { c == 0x2D || c == 0x30FC || c == 0xFF70 }
    /// Ends a sentence for the purpose of "in the same sentence".
    static func isSentenceEnd(_ c: UInt32) -> Bool {
        c == 0x3002 || c == 0x21 || c == 0x3F || c == 0x0A || c == 0x0D
    }
    /// Punctuation and spaces, left out when comparing comments for floods.
    static func isPunctuationOrSpace(_ c: UInt32) -> Bool {
        c <= 0x20 || (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60)
            || (c >= 0x7B && c <= 0x7E) || (c >= 0x3000 && c <= 0x303F) || c == 0x30FB || (c >= 0x2000 && c <= 0x206F)
    }
    static func isEmoji(_ c: UInt32) -> Bool {
        if c >= 0x1F000 && c <= 0x1FAFF { return !(c >= 0x1F3FB && c <= 0x1F3FF) }
        if c >= 0x2600 && c <= 0x27BF { return true }
        return c == 0x2B50 || c == 0x2B55 || c == 0x203C || c == 0x2049 || c == 0x3030
    }
    /// Skin tones, joiners: part of an emoji sequence but not an emoji of their own.
    static func isEmojiModifier(_ c: UInt32) -> Bool { (c >= 0x1F3FB && c <= 0x1F3FF) || c == 0x200D || c == 0x20E3 }
}
