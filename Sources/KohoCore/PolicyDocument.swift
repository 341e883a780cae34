import Foundation

/// The policy's own text (`document:` in the policy file) read into blocks a page can render: the Markdown subset a
/// city's document uses (headings, paragraphs with hard line breaks, `-` lists, `[text](https://…)` links, `\_`
/// escapes). Anything else stays text, so nothing the city wrote is lost or turned into markup.
public enum PolicyDocument {
    public enum Inline: Equatable, Sendable {
        case text(String)
        case link(text: String, url: String)
        case lineBreak
    }

    public enum Block: Equatable, Sendable {
        /// Level 1 is the document's title; pages put it in their own `h1`.
        case heading(level: Int, text: String)
        case paragraph([Inline])
        case list([[Inline]])
    }

    public static func blocks(_ markdown: String) -> [Block] {
        var out: [Block] = []
        var paragraph: [String] = []
        var items: [String] = []
        func flush() {
            if !paragraph.isEmpty { out.append(.paragraph(inlines(lines: paragraph))); paragraph = [] }
            if !items.isEmpty { out.append(.list(items.map { inlines(lines: [$0]) })); items = [] }
        }
        for raw in markdown.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { flush(); continue }
            if let level = headingLevel(trimmed) {
                flush()
                let text = trimmed.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
                out.append(.heading(level: level, text: unescape(text)))
            } else if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") {
                if !paragraph.isEmpty { flush() }
                items.append(String(trimmed.dropFirst(2)))
            } else {
                if !items.isEmpty { flush() }
                paragraph.append(line)
            }
        }
        flush()
        return out
    }

    /// The document as plain text (headings, paragraphs, list items), for checks and search.
    public static func plainText(_ markdown: String) -> String {
        blocks(markdown).map { block -> String in
            switch block {
            case .heading(_, let t): return t
            case .paragraph(let inl): return text(inl)
            case .list(let items): return items.map(text).joined(separator: "\n")
            }
        }.joined(separator: "\n")
    }

    static func text(_ inl: [Inline]) -> String {
        inl.map { i -> String in
            switch i {
            case .text(let t): return t
            case .link(let t, _): return t
            case .lineBreak: return "\n"
            }
        }.joined()
    }

    static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        return hashes
    }

    /// The lines of one paragraph: a line ending in two spaces (or a backslash) breaks; others join without a space,
    /// as Japanese text does.
    static func inlines(lines: [String]) -> [Inline] {
        var out: [Inline] = []
        for (k, line) in lines.enumerated() {
            let hard = line.hasSuffix("  ") || line.hasSuffix("\\")
            var body = line.trimmingCharacters(in: .whitespaces)
            if body.hasSuffix("\\") { body.removeLast() }
            out += links(body)
            if k < lines.count - 1, hard { out.append(.lineBreak) }
        }
        return merge(out)
    }

    /// `[text](https://…)` as a link; only http and https addresses become links.
    static func links(_ s: String) -> [Inline] {
        var out: [Inline] = []
        var rest = Substring(s)
        while let open = rest.firstIndex(of: "[") {
            guard let close = rest[open...].firstIndex(of: "]"), rest.index(after: close) < rest.endIndex,
                  rest[rest.index(after: close)] == "(", let end = rest[close...].firstIndex(of: ")") else { break }
            let label = String(rest[rest.index(after: open)..<close])
            let url = String(rest[rest.index(close, offsetBy: 2)..<end]).trimmingCharacters(in: .whitespaces)
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                out.append(.text(unescape(String(rest[..<rest.index(after: end)]))))
                rest = rest[rest.index(after: end)...]
                continue
            }
            out.append(.text(unescape(String(rest[..<open]))))
            out.append(.link(text: unescape(label), url: unescape(url)))
            rest = rest[rest.index(after: end)...]
        }
        out.append(.text(unescape(String(rest))))
        return out.filter { $0 != .text("") }
    }

    /// Markdown's backslash escapes (`\_`, `\\_` as converters write an underscore) as the characters they stand for.
    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = ""
        var it = s.makeIterator()
        while let c = it.next() {
            guard c == "\\" else { out.append(c); continue }
            guard let n = it.next() else { break }
            if n == "\\" {
                // `\\_` in a converted document is an escaped underscore that was escaped twice.
                if let m = it.next() {
                    if "_*[]()#".contains(m) { out.append(m) } else { out.append("\\"); out.append(m) }
                } else { out.append("\\") }
            } else if "_*[]()#.-!`".contains(n) {
                out.append(n)
            } else {
                out.append("\\"); out.append(n)
            }
        }
        return out
    }

    static func merge(_ inl: [Inline]) -> [Inline] {
        var out: [Inline] = []
        for i in inl {
            if case .text(let t) = i, case .text(let prev)? = out.last { out[out.count - 1] = .text(prev + t) } else { out.append(i) }
        }
        return out
    }
}
