import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A small element tree read with Foundation's XMLParser, for the feeds and the agency's messages.
/// Names are local names (namespaces resolved, prefixes dropped); `namespace` keeps the URI.
struct XMLElement: Sendable {
    var name: String
    var namespace: String
    var attributes: [String: String]
    var children: [XMLElement] = []
    /// Character data directly inside this element (CDATA included), untrimmed.
    var text: String = ""

    func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }
    func children(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }

    /// The element at a path of local names, `path("Head", "Title")`.
    func path(_ names: String...) -> XMLElement? {
        var e: XMLElement? = self
        for n in names { e = e?.child(n) }
        return e
    }

    /// Trimmed text of a child, nil when the child is missing or empty.
    func value(_ names: String...) -> String? {
        var e: XMLElement? = self
        for n in names { e = e?.child(n) }
        guard let t = e?.text.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
        return t
    }

    /// All text inside, children included, in document order (for Atom's xhtml content).
    var allText: String {
        children.isEmpty ? text : text + children.map(\.allText).joined()
    }
}

enum XMLTree {
    struct Limits: Sendable {
        var maxBytes: Int
        var maxElements: Int
        var maxDepth: Int
    }

    /// Parses a whole document. Documents that declare entities are refused outright: none of the formats we
    /// read needs them, and refusing them closes the door on entity expansion attacks.
    static func parse(_ data: Data, limits: Limits) throws -> XMLElement {
        guard data.count <= limits.maxBytes else {
            throw IntakeParseError("大きすぎます（\(data.count) バイト、上限 \(limits.maxBytes) バイト）")
        }
        guard !data.isEmpty else { throw IntakeParseError("中身が空です") }
        // The byte checks below read ASCII: in UTF-16 or UTF-32 `<!ENTITY` has other bytes, and an encoding the
        // parser converts itself could hide it too. Such documents are refused before anything else is looked at.
        let declared = try checkEncoding(data)
        // Japanese sites label their feeds Shift_JIS and mean code page 932 (①, ㈱, 髙), which the parser's own
        // Shift_JIS refuses whole; the text is read as browsers read it and handed on as UTF-8.
        let data = try transcodedToUTF8(data, declared: declared)
        if data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw IntakeParseError("実体宣言（<!ENTITY）を含む XML は受け付けません")
        }
        try checkAttributeCounts(data, max: maxAttributes)
        let builder = Builder(limits: limits)
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let ok = parser.parse()
        if let limitError = builder.limitError { throw limitError }
        guard ok, let root = builder.root else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "不明な理由"
            throw IntakeParseError("XML として読めません（\(parser.lineNumber) 行目: \(reason)）")
        }
        return root
    }

    /// More attributes than this on one element are refused: the parser checks each against all the others, so
    /// 400,000 attributes took 48 s. No feed or agency message carries more than a handful.
    static let maxAttributes = 256

    static let acceptedEncodings: Set<String> = [
        "utf-8", "utf8", "us-ascii", "ascii", "shift_jis", "shift-jis", "sjis", "windows-31j", "cp932", "euc-jp",
        "iso-2022-jp", "iso-8859-1", "latin1", "windows-1252", "cp1252", "x-sjis", "ms932", "x-euc-jp",
    ]

    /// A document in a Japanese multi-byte encoding (Shift_JIS as CP932, EUC-JP, ISO-2022-JP) as UTF-8, its
    /// declaration saying so; any other document as it is.
    static func transcodedToUTF8(_ data: Data, declared: String) throws -> Data {
        guard let charset = JapaneseCharsets.charset(named: declared), [.shiftJIS, .eucJP, .iso2022JP].contains(charset) else { return data }
        var text = JapaneseCharsets.decode([UInt8](data), as: charset)
        if let r = text.range(of: #"encoding\s*=\s*["'][^"']*["']"#, options: .regularExpression),
           text.distance(from: text.startIndex, to: r.lowerBound) < 200 {
            text.replaceSubrange(r, with: "encoding=\"UTF-8\"")
        }
        return Data(text.utf8)
    }

    /// The declared encoding (lower case; `utf-8` when none is declared), refused where it is not one Koho reads.
    @discardableResult
    static func checkEncoding(_ data: Data) throws -> String {
        let head = [UInt8](data.prefix(4))
        let utf16 = head.starts(with: [0xFE, 0xFF]) || head.starts(with: [0xFF, 0xFE])
            || (head.count >= 2 && (head[0] == 0 || head[1] == 0))
        if utf16 || head.starts(with: [0x00, 0x00, 0xFE, 0xFF]) {
            throw IntakeParseError("UTF-16・UTF-32 の XML は受け付けません（UTF-8 で送られるものだけを読みます）")
        }
        // The declared encoding, when there is one, must be one that keeps ASCII as ASCII.
        var name = "utf-8"
        let prolog = [UInt8](data.prefix(200))
        if prolog.starts(with: Array("<?xml".utf8)), let end = prolog.firstIndex(of: UInt8(ascii: ">")) {
            let decl = String(decoding: prolog[..<end], as: UTF8.self).lowercased()
            if let r = decl.range(of: "encoding") {
                let rest = decl[r.upperBound...].drop(while: { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" })
                name = String(rest.prefix(while: { $0 != "\"" && $0 != "'" && $0 != " " && $0 != "?" }))
            }
        }
        guard acceptedEncodings.contains(name) else {
            throw IntakeParseError("XML の文字コード「\(name.prefix(40))」は受け付けません（UTF-8・Shift_JIS・EUC-JP など）")
        }
        // Foundation's parser traps on a name that is not UTF-8 (`<\u{C3}/item>` stopped the process): a document read
        // as UTF-8 must be UTF-8 throughout. The other encodings are converted by the parser, which refuses bad bytes.
        if ["utf-8", "utf8", "us-ascii", "ascii"].contains(name), String(data: data, encoding: .utf8) == nil {
            let valid = String(decoding: data, as: UTF8.self).unicodeScalars.prefix { $0 != "\u{FFFD}" }.reduce(0) { $0 + UTF8.width($1) }
            throw IntakeParseError("UTF-8 として読めないバイトがあります（\(valid + 1) バイト目付近）")
        }
        return name
    }

    /// Counts the attributes of each start tag in one pass over the bytes (quoted values, comments, CDATA and
    /// declarations skipped), and refuses the processing instructions the parser cannot take.
    static func checkAttributeCounts(_ data: Data, max: Int) throws {
        try data.withUnsafeBytes { (b: UnsafeRawBufferPointer) in
            let n = b.count
            func find(_ pattern: [UInt8], from: Int) -> Int {
                var i = from
                while i + pattern.count <= n {
                    if b[i] == pattern[0] {
                        var k = 1
                        while k < pattern.count, b[i + k] == pattern[k] { k += 1 }
                        if k == pattern.count { return i + pattern.count }
                    }
                    i += 1
                }
                return n
            }
            var i = 0
            while i < n {
                guard b[i] == UInt8(ascii: "<") else { i += 1; continue }
                let next = i + 1 < n ? b[i + 1] : 0
                if next == UInt8(ascii: "!") {
                    if i + 3 < n, b[i + 2] == UInt8(ascii: "-"), b[i + 3] == UInt8(ascii: "-") { i = find(Array("-->".utf8), from: i + 4) }
                    else if i + 8 < n, b[i + 2] == UInt8(ascii: "[") { i = find(Array("]]>".utf8), from: i + 3) }
                    else { i += 2 }
                    continue
                }
                if next == UInt8(ascii: "?") {
                    // A processing instruction with nothing after its target (`<?xm?>`) made Foundation's parser read a
                    // null pointer (found by `koho fuzz feed`).
                    let end = find(Array("?>".utf8), from: i + 2)
                    var k = i + 2
                    while k < end - 2, b[k] != 0x20, b[k] != 0x09, b[k] != 0x0A, b[k] != 0x0D { k += 1 }
                    while k < end - 2, b[k] == 0x20 || b[k] == 0x09 || b[k] == 0x0A || b[k] == 0x0D { k += 1 }
                    let closed = end >= i + 4 && b[end - 2] == UInt8(ascii: "?") && b[end - 1] == UInt8(ascii: ">")
                    if closed, k >= end - 2 {
                        throw IntakeParseError("中身のない処理命令（<?…?>）を含む XML は受け付けません")
                    }
                    i = end
                    continue
                }
                var count = 0
                var quote: UInt8 = 0
                i += 1
                while i < n {
                    let c = b[i]
                    if quote != 0 { if c == quote { quote = 0 } }
                    else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") { quote = c }
                    else if c == UInt8(ascii: "=") {
                        count += 1
                        if count > max { throw IntakeParseError("属性が多すぎる要素があります（1 要素に上限 \(max) 個）") }
                    } else if c == UInt8(ascii: ">") { break }
                    i += 1
                }
                i += 1
            }
        }
    }

    private final class Builder: NSObject, XMLParserDelegate {
        let limits: Limits
        var stack: [XMLElement] = []
        var root: XMLElement?
        var count = 0
        var limitError: IntakeParseError?

        init(limits: Limits) { self.limits = limits }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            count += 1
            if count > limits.maxElements || stack.count >= limits.maxDepth {
                limitError = IntakeParseError("要素が多すぎるか深すぎます（上限 \(limits.maxElements) 要素・深さ \(limits.maxDepth)）")
                parser.abortParsing()
                return
            }
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            var attrs: [String: String] = [:]
            for (k, v) in attributeDict {
                attrs[k.split(separator: ":").last.map(String.init) ?? k] = v
            }
            stack.append(XMLElement(name: local, namespace: namespaceURI ?? "", attributes: attrs))
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            guard let done = stack.popLast() else { return }
            if stack.isEmpty { root = done } else { stack[stack.count - 1].children.append(done) }
        }

        func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
            limitError = IntakeParseError("実体宣言（<!ENTITY）を含む XML は受け付けません")
            parser.abortParsing()
        }

        func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
            limitError = IntakeParseError("実体宣言（<!ENTITY）を含む XML は受け付けません")
            parser.abortParsing()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self)
        }
    }
}
