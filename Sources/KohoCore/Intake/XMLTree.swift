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
        if data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw IntakeParseError("実体宣言（<!ENTITY）を含む XML は受け付けません")
        }
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
