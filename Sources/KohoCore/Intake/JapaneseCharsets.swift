import Foundation

/// Text from the bytes of a mail in the charsets Japanese mail uses. Foundation on Linux decodes
/// ISO-2022-JP and Shift_JIS (as CP932, with the NEC and IBM extensions) but not EUC-JP, which is therefore
/// re-encoded as ISO-2022-JP first (same JIS X 0208 rows, another framing). A byte that does not decode
/// becomes U+FFFD; the rest of the text is kept.
public enum JapaneseCharsets {
    public enum Charset: Sendable, Equatable {
        case utf8, iso2022JP, shiftJIS, eucJP, latin1, windows1252, utf16
    }

    public static func charset(named raw: String) -> Charset? {
        switch raw.trimmingCharacters(in: .whitespaces).lowercased() {
        case "utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968": return .utf8
        case "iso-2022-jp", "iso-2022-jp-1", "iso-2022-jp-2", "iso-2022-jp-3", "iso-2022-jp-2004", "csiso2022jp", "jis":
            return .iso2022JP
        case "shift_jis", "shift-jis", "sjis", "x-sjis", "cp932", "windows-31j", "ms932", "ms_kanji", "csshiftjis",
             "shift_jis-2004", "shift_jisx0213", "x-ms-cp932":
            return .shiftJIS
        case "euc-jp", "x-euc-jp", "eucjp", "cseucpkdfmtjapanese", "euc-jis-2004", "ujis": return .eucJP
        case "iso-8859-1", "latin1", "l1": return .latin1
        case "windows-1252", "cp1252": return .windows1252
        case "utf-16", "utf16": return .utf16
        default: return nil
        }
    }

    /// Decodes with the named charset; an unknown or missing name falls back to a guess.
    public static func decode(_ bytes: [UInt8], charset name: String?) -> String {
        let cs = name.flatMap(charset(named:)) ?? guess(bytes)
        return decode(bytes, as: cs)
    }

    public static func decode(_ bytes: [UInt8], as charset: Charset) -> String {
        switch charset {
        case .utf8:
            if let s = String(data: Data(bytes), encoding: .utf8) { return s }
            // Mislabelled mail is common: a Japanese charset that fits whole beats replacement characters.
            let g = guess(bytes)
            return g == .utf8 ? String(decoding: bytes, as: UTF8.self) : decode(bytes, as: g)
        case .iso2022JP: return iso2022JP(bytes)
        case .shiftJIS: return shiftJIS(bytes)
        case .eucJP: return eucJP(bytes)
        case .latin1: return String(decoding: bytes.map { UInt16($0) }, as: UTF16.self)
        case .windows1252: return String(data: Data(bytes), encoding: .windowsCP1252) ?? String(decoding: bytes.map { UInt16($0) }, as: UTF16.self)
        case .utf16: return String(data: Data(bytes), encoding: .utf16) ?? String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Which Japanese charset unlabelled bytes are in: ESC sequences mean ISO-2022-JP, valid UTF-8 means
    /// UTF-8, otherwise whichever of Shift_JIS and EUC-JP reads more of the bytes as double-byte characters.
    public static func guess(_ bytes: [UInt8]) -> Charset {
        if bytes.contains(0x1B) { return .iso2022JP }
        if String(data: Data(bytes), encoding: .utf8) != nil { return .utf8 }
        var sjisScore = 0, eucScore = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b >= 0x80, i + 1 < bytes.count {
                let t = bytes[i + 1]
                if (0x81...0x9F).contains(b) || (0xE0...0xFC).contains(b), (0x40...0xFC).contains(t), t != 0x7F { sjisScore += 1 }
                if (0xA1...0xFE).contains(b), (0xA1...0xFE).contains(t) { eucScore += 1 }
                if b == 0x8E, (0xA1...0xDF).contains(t) { eucScore += 1 }
                i += 2
            } else { i += 1 }
        }
        // Bytes 0x81–0x9F lead only in Shift_JIS; EUC-JP never uses them as a lead except 0x8E/0x8F.
        return eucScore > sjisScore ? .eucJP : .shiftJIS
    }

    static func shiftJIS(_ bytes: [UInt8]) -> String {
        if let s = String(data: Data(bytes), encoding: .shiftJIS) { return s }
        // Decode character by character so that one broken byte costs one character.
        var out = ""
        var i = 0
        var run: [UInt8] = []
        func flush() {
            if !run.isEmpty { out += String(decoding: run, as: UTF8.self); run.removeAll() }
        }
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 { run.append(b); i += 1; continue }
            flush()
            if (0xA1...0xDF).contains(b) {
                out += String(data: Data([b]), encoding: .shiftJIS) ?? "\u{FFFD}"
                i += 1
            } else if i + 1 < bytes.count, let s = String(data: Data([b, bytes[i + 1]]), encoding: .shiftJIS) {
                out += s
                i += 2
            } else {
                out += "\u{FFFD}"
                i += 1
            }
        }
        flush()
        return out
    }

    static func iso2022JP(_ bytes: [UInt8]) -> String {
        if let s = String(data: Data(bytes), encoding: .iso2022JP) { return s }
        // Split at escape sequences and decode each run on its own, character by character when it fails.
        var out = ""
        var mode: [UInt8] = [0x1B, 0x28, 0x42]
        var i = 0
        var segment: [UInt8] = []
        func flush() {
            guard !segment.isEmpty else { return }
            if mode == [0x1B, 0x28, 0x42] || mode == [0x1B, 0x28, 0x4A] {
                out += String(decoding: segment.map { $0 & 0x7F }, as: UTF8.self)
            } else if let s = String(data: Data(mode + segment + [0x1B, 0x28, 0x42]), encoding: .iso2022JP) {
                out += s
            } else {
                let width = mode == [0x1B, 0x28, 0x49] ? 1 : 2
                var k = 0
                while k < segment.count {
                    let ch = Array(segment[k..<min(k + width, segment.count)])
                    out += String(data: Data(mode + ch + [0x1B, 0x28, 0x42]), encoding: .iso2022JP) ?? "\u{FFFD}"
                    k += width
                }
            }
            segment.removeAll()
        }
        while i < bytes.count {
            if bytes[i] == 0x1B {
                flush()
                var len = 3
                if i + 3 < bytes.count, bytes[i + 1] == 0x24, bytes[i + 2] == 0x28 { len = 4 }
                mode = Array(bytes[i..<min(i + len, bytes.count)])
                i += len
                continue
            }
            if bytes[i] == 0x0A || bytes[i] == 0x0D {
                // A line end returns to ASCII in well-formed mail; keep the line break whatever the mode.
                flush()
                out += String(UnicodeScalar(bytes[i]))
                i += 1
                continue
            }
            segment.append(bytes[i])
            i += 1
        }
        flush()
        return out
    }

    static func eucJP(_ bytes: [UInt8]) -> String {
        var jis: [UInt8] = []
        jis.reserveCapacity(bytes.count + bytes.count / 2)
        enum Mode { case ascii, kanji, kana }
        var mode = Mode.ascii
        func switchTo(_ m: Mode) {
            guard m != mode else { return }
            switch m {
            case .ascii: jis += [0x1B, 0x28, 0x42]
            case .kanji: jis += [0x1B, 0x24, 0x42]
            case .kana: jis += [0x1B, 0x28, 0x49]
            }
            mode = m
        }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                switchTo(.ascii); jis.append(b); i += 1
            } else if b == 0x8E, i + 1 < bytes.count, (0xA1...0xDF).contains(bytes[i + 1]) {
                switchTo(.kana); jis.append(bytes[i + 1] - 0x80); i += 2
            } else if b == 0x8F, i + 2 < bytes.count {
                // JIS X 0212 (rare); Foundation cannot decode it: the geta mark stands in, as mail clients do.
                switchTo(.kanji); jis += [0x22, 0x2E]; i += 3
            } else if (0xA1...0xFE).contains(b), i + 1 < bytes.count, (0xA1...0xFE).contains(bytes[i + 1]) {
                switchTo(.kanji); jis += [b - 0x80, bytes[i + 1] - 0x80]; i += 2
            } else {
                // Not EUC-JP: a JIS X 0208 "〓" marks the broken byte.
                switchTo(.kanji); jis += [0x22, 0x2E]; i += 1
            }
        }
        switchTo(.ascii)
        return iso2022JP(jis)
    }
}
