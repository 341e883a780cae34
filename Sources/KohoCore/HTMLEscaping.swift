/// Escapes text for HTML and XML, in element content and in quoted attribute values alike.
///
/// By Unicode scalar, never by `Character`: `"` or `<` followed by a combining mark is one Character, and a
/// Character-wise escaper let it through (attribute injection in the staff pages, an ill-formed Atom feed).
/// Control characters, which are not allowed in HTML or XML text, are shown as their pictures (U+2400…), so
/// that a reader sees them instead of losing what follows.
public enum HTMLEscaping {
    public static func escape(_ text: String) -> String { escape(text, quotes: true) }

    /// For element content: `&`, `<` and `>` (quotes need no escape there), controls shown.
    public static func escapeText(_ text: String) -> String { escape(text, quotes: false) }

    private static func escape(_ text: String, quotes: Bool) -> String {
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars {
            switch u {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"" where quotes: out.append(contentsOf: "&quot;".unicodeScalars)
            case "'" where quotes: out.append(contentsOf: "&#39;".unicodeScalars)
            default: appendVisible(u, to: &out)
            }
        }
        return String(out)
    }

    /// For XML (the Atom feed): as `escape`, with the characters XML 1.0 does not allow (U+FFFE, U+FFFF)
    /// replaced by U+FFFD and bidi controls shown, since the feed is public.
    public static func xml(_ text: String) -> String { showingBidiControls(escape(text)) }

    /// Bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) as `[U+202E]`: on public pages a
    /// right-to-left override would make a notice read other than it is written.
    public static func showingBidiControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isBidiControl) else { return text }
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars {
            if isBidiControl(u) {
                out.append(contentsOf: "[U+\(hex(u.value))]".unicodeScalars)
            } else {
                out.append(u)
            }
        }
        return String(out)
    }

    public static func isBidiControl(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: return true
        default: return false
        }
    }

    /// C0 controls (but tab, line feed, carriage return) as U+2400 + code, DEL as U+2421, C1 controls as
    /// `[U+0085]`; the noncharacters U+FFFE and U+FFFF as U+FFFD.
    static func appendVisible(_ u: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
        switch u.value {
        case 0x09, 0x0A, 0x0D: out.append(u)
        case 0x00...0x1F: out.append(Unicode.Scalar(0x2400 + u.value)!)
        case 0x7F: out.append("\u{2421}")
        case 0x80...0x9F: out.append(contentsOf: "[U+\(hex(u.value))]".unicodeScalars)
        case 0xFFFE, 0xFFFF: out.append("\u{FFFD}")
        default: out.append(u)
        }
    }

    static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension String {
    /// NUL as U+2400 (␀). SQLite's reader cuts a text at its first NUL and PostgreSQL refuses one: a platform's text,
    /// name or id keeps its NUL visibly, and what follows it, instead of being cut or failing the whole delivery.
    public var nulAsSymbol: String {
        guard unicodeScalars.contains("\u{0}") else { return self }
        var out = String.UnicodeScalarView()
        for u in unicodeScalars { out.append(u == "\u{0}" ? "\u{2400}" : u) }
        return String(out)
    }
}
