import Foundation

/// Plain text from the HTML that feeds and mail carry: tags dropped, block ends as line breaks, entities
/// decoded, `script`/`style` contents left out. Not a renderer; enough to draft from.
public enum HTMLText {
    public static func plainText(_ html: String) -> String {
        var out = ""
        out.reserveCapacity(html.utf8.count)
        var i = html.startIndex
        let blockTags: Set<String> = ["br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table",
                                      "ul", "ol", "blockquote", "pre", "hr", "section", "article", "header", "footer"]
        while i < html.endIndex {
            let ch = html[i]
            if ch == "<" {
                if html[i...].hasPrefix("<!--") {
                    if let end = html.range(of: "-->", range: html.index(i, offsetBy: 4)..<html.endIndex) {
                        i = end.upperBound
                    } else { i = html.endIndex }
                    continue
                }
                guard let close = html[i...].firstIndex(of: ">") else { out.append(contentsOf: html[i...]); break }
                let inner = html[html.index(after: i)..<close]
                let isEnd = inner.hasPrefix("/")
                let name = inner.drop(while: { $0 == "/" }).prefix(while: { $0.isLetter || $0.isNumber }).lowercased()
                i = html.index(after: close)
                if !isEnd, name == "script" || name == "style" {
                    if let end = html.range(of: "</\(name)", options: .caseInsensitive, range: i..<html.endIndex),
                       let gt = html[end.upperBound...].firstIndex(of: ">") {
                        i = html.index(after: gt)
                    } else { i = html.endIndex }
                    continue
                }
                if blockTags.contains(name), !out.isEmpty, !out.hasSuffix("\n") { out.append("\n") }
                continue
            }
            out.append(ch)
            i = html.index(after: i)
        }
        let decoded = decodeEntities(out)
        // Collapse runs of blank space the markup left, keep line structure.
        var lines: [String] = []
        for line in decoded.split(separator: "\n", omittingEmptySubsequences: false) {
            let collapsed = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\u{00A0}" })
                .joined(separator: " ")
            if collapsed.isEmpty, lines.last?.isEmpty ?? true { continue }
            lines.append(collapsed)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// `href` targets that are http(s) URLs, in document order.
    public static func links(_ html: String) -> [String] {
        var result: [String] = []
        var search = html.startIndex..<html.endIndex
        while let r = html.range(of: "href", options: .caseInsensitive, range: search) {
            search = r.upperBound..<html.endIndex
            var j = r.upperBound
            while j < html.endIndex, html[j] == " " { j = html.index(after: j) }
            guard j < html.endIndex, html[j] == "=" else { continue }
            j = html.index(after: j)
            while j < html.endIndex, html[j] == " " { j = html.index(after: j) }
            guard j < html.endIndex else { break }
            let quote: Character? = html[j] == "\"" || html[j] == "'" ? html[j] : nil
            if quote != nil { j = html.index(after: j) }
            var end = j
            while end < html.endIndex {
                let c = html[end]
                if let q = quote { if c == q { break } } else if c == " " || c == ">" { break }
                end = html.index(after: end)
            }
            // The search goes on after the value: from just after `href`, a run of unquoted `href=href=…` was scanned
            // to its end once for each (quadratic).
            search = (end < html.endIndex ? html.index(after: end) : end)..<html.endIndex
            let value = decodeEntities(String(html[j..<end])).trimmingCharacters(in: .whitespaces)
            let lower = value.lowercased()
            if lower.hasPrefix("http://") || lower.hasPrefix("https://") { result.append(value) }
        }
        return result
    }

    private static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "copy": "©", "reg": "®",
        "hellip": "…", "mdash": "—", "ndash": "–", "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”",
        "yen": "¥", "times": "×", "middot": "·", "bull": "•",
    ]

    public static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            let ch = text[i]
            if ch == "&", let semi = text[i...].prefix(12).firstIndex(of: ";") {
                let body = text[text.index(after: i)..<semi]
                var replacement: String?
                if body.hasPrefix("#x") || body.hasPrefix("#X") {
                    if let v = UInt32(body.dropFirst(2), radix: 16), let s = Unicode.Scalar(v) { replacement = String(s) }
                } else if body.hasPrefix("#") {
                    if let v = UInt32(body.dropFirst()), let s = Unicode.Scalar(v) { replacement = String(s) }
                } else {
                    replacement = named[String(body)]
                }
                if let r = replacement {
                    out += r
                    i = text.index(after: semi)
                    continue
                }
            }
            out.append(ch)
            i = text.index(after: i)
        }
        return out
    }
}
