import Foundation

/// A mail magazine message, as the intake needs it.
public struct MailMessage: Sendable, Equatable {
    /// Message-ID without the angle brackets.
    public var messageID: String?
    /// The sender's address (lower-cased domain kept as written).
    public var from: String
    public var fromName: String?
    public var subject: String
    public var date: Date?
    /// The plain text body, decoded; from `text/html` stripped of markup when there is no plain part.
    public var text: String
    /// http(s) URLs in the body, in order of appearance, each once.
    public var links: [String]
    /// The `Authentication-Results` headers, unfolded, topmost (the last relay's) first.
    public var authenticationResults: [String] = []

    public init(messageID: String?, from: String, fromName: String?, subject: String, date: Date?, text: String, links: [String]) {
        self.messageID = messageID
        self.from = from
        self.fromName = fromName
        self.subject = subject
        self.date = date
        self.text = text
        self.links = links
    }
}

/// RFC 5322 with MIME (RFC 2045–2047): folded headers, encoded words, multipart, quoted-printable and
/// base64, and the Japanese charsets of `JapaneseCharsets`.
public enum MailParser {
    /// Larger messages are refused; a mail magazine issue is a few kilobytes.
    public static let maxBytes = 16 * 1024 * 1024
    static let maxDepth = 16

    public static func parse(_ data: Data) throws -> MailMessage {
        guard data.count <= maxBytes else {
            throw IntakeParseError("メールが大きすぎます（\(data.count) バイト、上限 \(maxBytes) バイト）")
        }
        let bytes = [UInt8](data)
        let (headers, bodyStart) = splitHeaders(bytes, from: 0, to: bytes.count)
        guard !headers.isEmpty, bodyStart != nil || headers.count > 1 else {
            throw IntakeParseError("メールとして読めません（ヘッダーがありません）")
        }
        guard let fromField = headers.first(where: { $0.name == "from" }) else {
            throw IntakeParseError("メールとして読めません（From ヘッダーがありません）")
        }
        // The address is the addr-spec a mail server sees: taken from the unfolded header before any encoded word is
        // decoded (a decoded `=?…?=` could carry a forged `<address>`); only the display name is decoded.
        let (address, name) = try senderAddress(fromField.raw)
        let subject = headers.first(where: { $0.name == "subject" }).map { decodeHeader($0.raw) } ?? ""
        let date: Date?
        do { date = try headers.first(where: { $0.name == "date" }).flatMap { try InternetDates.readRFC822(decodeHeader($0.raw)) } } catch {
            throw IntakeParseError("Date ヘッダーを受け付けません: \(error)")
        }
        let messageID = headers.first(where: { $0.name == "message-id" }).map {
            decodeHeader($0.raw).trimmingCharacters(in: CharacterSet(charactersIn: "<> \t"))
        }.flatMap { $0.isEmpty ? nil : $0 }

        var plain: String?
        var html: String?
        if let start = bodyStart {
            collect(headers: headers, bytes: bytes, range: start..<bytes.count, depth: 0, plain: &plain, html: &html)
        }
        let text: String
        var links: [String]
        if let p = plain {
            text = p
            links = TextURLs.find(in: p)
        } else if let h = html {
            text = HTMLText.plainText(h)
            links = HTMLText.links(h) + TextURLs.find(in: text)
        } else {
            text = ""
            links = []
        }
        var seen = Set<String>()
        links = links.filter { seen.insert($0).inserted }
        var message = MailMessage(messageID: messageID, from: address, fromName: name, subject: subject, date: date,
                                  text: text, links: links)
        message.authenticationResults = headers.filter { $0.name == "authentication-results" }
            .map { String(decoding: $0.raw, as: UTF8.self) }
        return message
    }

    /// Whether the topmost `Authentication-Results` written by `authservID` (RFC 8601; lower ones may be the sender's
    /// own) says the message passed SPF or DKIM for the domain of `from` (a pass for the attacker's own domain is none).
    public static func authenticated(_ results: [String], authservID: String, from: String) -> Bool {
        let domain = from.split(separator: "@").last.map { $0.lowercased() } ?? ""
        let id = authservID.lowercased()
        guard let mine = results.first(where: { r in
            let head = r.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
            return head.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map { $0.lowercased() } == id
        }) else { return false }
        // Comments `( … )` are not results.
        var bare = "", depth = 0
        for c in mine.lowercased() {
            if c == "(" { depth += 1 } else if c == ")" { depth = max(0, depth - 1) } else if depth == 0 { bare.append(c) }
        }
        let methods = bare.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
        return methods.contains { m in
            guard m.hasPrefix("spf=pass") || m.hasPrefix("dkim=pass") else { return false }
            return m.split(whereSeparator: { $0 == " " || $0 == "\t" }).contains { p in
                let kv = p.split(separator: "=", maxSplits: 1)
                guard kv.count == 2, ["header.d", "header.i", "smtp.mailfrom", "header.from"].contains(String(kv[0])) else { return false }
                let d = kv[1].split(separator: "@").last.map(String.init) ?? ""
                return !domain.isEmpty && (d == domain || d.hasSuffix("." + domain))
            }
        }
    }

    // MARK: headers

    struct Header {
        var name: String   // lower-cased
        var raw: [UInt8]   // unfolded value bytes
    }

    /// Headers up to the first empty line; the body starts after it (nil when there is none).
    static func splitHeaders(_ b: [UInt8], from: Int, to end: Int) -> ([Header], Int?) {
        var headers: [Header] = []
        var i = from
        var current: Header?
        while i < end {
            var lineEnd = i
            while lineEnd < end, b[lineEnd] != 0x0A { lineEnd += 1 }
            var contentEnd = lineEnd
            if contentEnd > i, b[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            let next = min(lineEnd + 1, end)
            if contentEnd == i {
                if let c = current { headers.append(c) }
                return (headers, next)
            }
            if b[i] == 0x20 || b[i] == 0x09 {
                // Folded continuation: the line break goes, the white space stays (RFC 5322 2.2.3).
                current?.raw += b[i..<contentEnd]
            } else if let colon = b[i..<contentEnd].firstIndex(of: 0x3A) {
                if let c = current { headers.append(c) }
                let name = String(decoding: b[i..<colon], as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased()
                var v = colon + 1
                while v < contentEnd, b[v] == 0x20 || b[v] == 0x09 { v += 1 }
                current = Header(name: name, raw: Array(b[v..<contentEnd]))
            } else if headers.isEmpty && current == nil {
                return ([], nil)
            } else if b[i..<contentEnd].starts(with: Array("From ".utf8)) {
                // mbox separator line; skip.
            } else {
                // Not a header line: the headers ended without the blank line.
                if let c = current { headers.append(c) }
                return (headers, i)
            }
            i = next
        }
        if let c = current { headers.append(c) }
        return (headers, nil)
    }

    /// A header value as text: raw 8-bit bytes in a guessed charset, RFC 2047 encoded words decoded, adjacent
    /// encoded words joined (their bytes together, since Japanese mailers split a character across words).
    static func decodeHeader(_ raw: [UInt8]) -> String {
        decodeWords(JapaneseCharsets.decode(raw, charset: nil))
    }

    /// The encoded words of `text` decoded. Linear: where the next `?=` and the next blank lie is computed once for
    /// every position, so an `=?` that opens no word costs nothing more (searching to the end for each was quadratic).
    public static func decodeWords(_ text: String) -> String {
        guard text.contains("=?") else { return text }
        let s = Array(text.unicodeScalars)
        let n = s.count
        var nextClose = [Int](repeating: n, count: n + 1)
        var nextBlank = [Int](repeating: n, count: n + 1)
        var k = n - 1
        while k >= 0 {
            nextClose[k] = s[k] == "?" && k + 1 < n && s[k + 1] == "=" ? k : nextClose[k + 1]
            nextBlank[k] = s[k] == " " || s[k] == "\t" ? k : nextBlank[k + 1]
            k -= 1
        }
        func string(_ r: Range<Int>) -> String {
            var v = String.UnicodeScalarView()
            v.append(contentsOf: s[r])
            return String(v)
        }
        // =?charset?E?text?=
        func word(at open: Int) -> (charset: String, bytes: [UInt8], end: Int)? {
            let csStart = open + 2
            var q1 = csStart
            while q1 < n, q1 - csStart <= 64, s[q1] != "?", s[q1] != " ", s[q1] != "\t" { q1 += 1 }
            guard q1 < n, s[q1] == "?", q1 + 2 < n, s[q1 + 2] == "?" else { return nil }
            var charset = string(csStart..<q1)
            if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) } // RFC 2231 language
            let textStart = q1 + 3
            let close = nextClose[textStart]
            guard close < n, nextBlank[textStart] > close else { return nil }
            let payload = Array(string(textStart..<close).utf8)
            let bytes: [UInt8]
            switch s[q1 + 1] {
            case "B", "b": bytes = base64(payload)
            case "Q", "q": bytes = quotedPrintable(payload, underscoreIsSpace: true)
            default: return nil
            }
            return (charset, bytes, close + 2)
        }
        var out = ""
        var pendingBytes: [UInt8] = []
        var pendingCharset: String?
        func flushPending() {
            if let cs = pendingCharset { out += JapaneseCharsets.decode(pendingBytes, charset: cs) }
            pendingBytes = []
            pendingCharset = nil
        }
        var pos = 0, i = 0
        while true {
            var open = i
            while open + 1 < n, !(s[open] == "=" && s[open + 1] == "?") { open += 1 }
            guard open + 1 < n else { break }
            guard let w = word(at: open) else {
                flushPending()
                out += string(pos..<open) + "=?"
                pos = open + 2
                i = pos
                continue
            }
            if pendingCharset != nil, s[pos..<open].allSatisfy({ $0 == " " || $0 == "\t" }) {
                // White space between encoded words is not part of the text (RFC 2047 6.2).
            } else {
                flushPending()
                out += string(pos..<open)
            }
            if pendingCharset != nil, pendingCharset?.lowercased() != w.charset.lowercased() { flushPending() }
            pendingCharset = w.charset
            pendingBytes += w.bytes
            pos = w.end
            i = pos
        }
        flushPending()
        out += string(pos..<n)
        return out
    }

    /// The sender of a `From:` header as a mail server reads it (RFC 5322 3.4): one mailbox, `name <addr-spec>` or
    /// a bare addr-spec with an optional `(comment)`, in the raw header (encoded words not decoded). The display
    /// name, and only it, is decoded.
    static func senderAddress(_ raw: [UInt8]) throws -> (String, String?) {
        let text = JapaneseCharsets.decode(raw, charset: nil)
        let s = Array(text.unicodeScalars)
        func shown() -> String {
            let t = String(text.prefix(200))
            return t.containsControlCharacter ? "（制御文字を含む）" : t
        }
        func refuse(_ why: String) -> IntakeParseError { IntakeParseError("差出人のアドレスが読めません（\(why)）: From: \(shown())") }
        // Outside quoted strings and comments: where the angle brackets are, and the text with comments left out.
        var bare: [Unicode.Scalar] = []
        var comment: [Unicode.Scalar] = []
        var angleOpen: Int?, angleClose: Int?
        var inQuote = false, depth = 0
        var i = 0
        while i < s.count {
            let c = s[i]
            if inQuote {
                if c == "\\", i + 1 < s.count { bare.append(c); bare.append(s[i + 1]); i += 2; continue }
                if c == "\"" { inQuote = false }
                bare.append(c)
            } else if depth > 0 {
                if c == "\\", i + 1 < s.count { comment.append(s[i + 1]); i += 2; continue }
                if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
                if depth > 0 { comment.append(c) }
            } else if c == "(" {
                depth = 1
                if !comment.isEmpty { comment.append(" ") }
            } else {
                if c == "\"" { inQuote = true }
                if c == "<", angleOpen == nil { angleOpen = bare.count }
                if c == ">", angleOpen != nil, angleClose == nil { angleClose = bare.count }
                bare.append(c)
            }
            i += 1
        }
        func str<C: Collection>(_ c: C) -> String where C.Element == Unicode.Scalar {
            var v = String.UnicodeScalarView()
            v.append(contentsOf: c)
            return String(v)
        }
        let address: String
        var name: String?
        if let open = angleOpen {
            guard let close = angleClose else { throw refuse("< が閉じていません") }
            // Nothing may follow the address but blanks: `x@evil =?…<addr>…?=` is not a sender at `addr`.
            guard bare[(close + 1)...].allSatisfy({ $0 == " " || $0 == "\t" }) else { throw refuse("> の後に文字があります") }
            address = str(bare[(open + 1)..<close]).trimmingCharacters(in: .whitespaces)
            var phrase = decodeWords(str(bare[..<open])).trimmingCharacters(in: .whitespaces)
            if phrase.hasPrefix("\""), phrase.hasSuffix("\""), phrase.count >= 2 {
                phrase = String(phrase.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
            }
            name = phrase.isEmpty ? nil : phrase
        } else {
            address = str(bare).trimmingCharacters(in: .whitespaces)
            let c = decodeWords(str(comment)).trimmingCharacters(in: .whitespaces)
            name = c.isEmpty ? nil : c
        }
        guard isAddrSpec(address) else { throw refuse("アドレスの形ではありません") }
        return (address, name)
    }

    /// `local@domain` in dot-atoms: no blanks, no quotes, no controls, one `@`.
    static func isAddrSpec(_ a: String) -> Bool {
        let parts = a.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, a.utf8.count <= 320 else { return false }
        let atext = Set("!#$%&'*+-/=?^_`{|}~.".unicodeScalars)
        func ok(_ part: Substring, domain: Bool) -> Bool {
            !part.hasPrefix(".") && !part.hasSuffix(".") && !part.contains("..") && part.unicodeScalars.allSatisfy { c in
                if c.value < 0x80 {
                    let alnum = ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
                    return alnum || (domain ? (c == "-" || c == ".") : atext.contains(c))
                }
                // Internationalized addresses (RFC 6532): letters and digits beyond ASCII, nothing invisible.
                return c.properties.isAlphabetic || c.properties.numericType != nil
            }
        }
        return ok(parts[0], domain: false) && ok(parts[1], domain: true)
    }

    // MARK: MIME

    struct ContentType {
        var type: String = "text/plain"
        var params: [String: String] = [:]
    }

    static func contentType(_ headers: [Header]) -> ContentType {
        guard let h = headers.first(where: { $0.name == "content-type" }) else { return ContentType() }
        let value = String(decoding: h.raw, as: UTF8.self)
        let parts = splitParams(value)
        var ct = ContentType()
        if let t = parts.first?.trimmingCharacters(in: .whitespaces).lowercased(), t.contains("/") { ct.type = t }
        for p in parts.dropFirst() {
            guard let eq = p.firstIndex(of: "=") else { continue }
            let k = p[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var v = p[p.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            ct.params[k] = v
        }
        return ct
    }

    /// Splits at `;` outside quotes.
    private static func splitParams(_ s: String) -> [String] {
        var parts: [String] = []
        var cur = ""
        var inQuote = false
        for ch in s {
            if ch == "\"" { inQuote.toggle() }
            if ch == ";", !inQuote { parts.append(cur); cur = ""; continue }
            cur.append(ch)
        }
        parts.append(cur)
        return parts
    }

    private static func collect(headers: [Header], bytes: [UInt8], range: Range<Int>, depth: Int,
                                plain: inout String?, html: inout String?) {
        guard depth < maxDepth, plain == nil else { return }
        let ct = contentType(headers)
        let disposition = headers.first(where: { $0.name == "content-disposition" })
            .map { String(decoding: $0.raw, as: UTF8.self).lowercased() } ?? ""
        if ct.type.hasPrefix("multipart/") {
            guard let boundary = ct.params["boundary"], !boundary.isEmpty else {
                return
            }
            for partRange in multipartParts(bytes, range: range, boundary: boundary) {
                let (ph, start) = splitHeaders(bytes, from: partRange.lowerBound, to: partRange.upperBound)
                // A part with no headers at all is text/plain (RFC 2046 5.1).
                let bodyRange = (start ?? partRange.lowerBound)..<partRange.upperBound
                collect(headers: ph, bytes: bytes, range: bodyRange, depth: depth + 1, plain: &plain, html: &html)
                if plain != nil { return }
            }
            return
        }
        if ct.type == "message/rfc822" {
            let (mh, start) = splitHeaders(bytes, from: range.lowerBound, to: range.upperBound)
            if let s = start { collect(headers: mh, bytes: bytes, range: s..<range.upperBound, depth: depth + 1, plain: &plain, html: &html) }
            return
        }
        guard ct.type == "text/plain" || ct.type == "text/html", !disposition.hasPrefix("attachment") else { return }
        let encoding = headers.first(where: { $0.name == "content-transfer-encoding" })
            .map { String(decoding: $0.raw, as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased() } ?? "7bit"
        let raw = Array(bytes[range])
        let decoded: [UInt8]
        switch encoding {
        case "base64": decoded = base64(raw)
        case "quoted-printable": decoded = quotedPrintable(raw, underscoreIsSpace: false)
        default: decoded = raw
        }
        var text = JapaneseCharsets.decode(decoded, charset: ct.params["charset"])
        text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        if ct.type == "text/plain" {
            plain = text
        } else if html == nil {
            html = text
        }
    }

    /// Byte ranges of the parts between `--boundary` lines, the preamble and epilogue left out.
    static func multipartParts(_ b: [UInt8], range: Range<Int>, boundary: String) -> [Range<Int>] {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Range<Int>] = []
        var partStart: Int?
        var i = range.lowerBound
        while i < range.upperBound {
            var lineEnd = i
            while lineEnd < range.upperBound, b[lineEnd] != 0x0A { lineEnd += 1 }
            if b[i] == 0x2D, lineEnd - i >= delimiter.count, b[i..<(i + delimiter.count)].elementsEqual(delimiter) {
                let after = i + delimiter.count
                let isClose = after + 1 < range.upperBound && b[after] == 0x2D && b[after + 1] == 0x2D
                if let s = partStart {
                    // The line break before the delimiter belongs to the delimiter.
                    var e = i
                    if e > s, b[e - 1] == 0x0A { e -= 1 }
                    if e > s, b[e - 1] == 0x0D { e -= 1 }
                    parts.append(s..<max(s, e))
                }
                if isClose { return parts }
                partStart = min(lineEnd + 1, range.upperBound)
            }
            i = lineEnd + 1
        }
        if let s = partStart, s < range.upperBound { parts.append(s..<range.upperBound) }
        return parts
    }

    // MARK: transfer encodings

    static func base64(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in input {
            let v: UInt32
            switch c {
            case 65...90: v = UInt32(c - 65)
            case 97...122: v = UInt32(c - 71)
            case 48...57: v = UInt32(c + 4)
            case 43, 45: v = 62
            case 47, 95: v = 63
            case 61: return out  // padding: the data ends here
            default: continue    // line breaks and stray characters
            }
            acc = (acc << 6) | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xFF))
            }
        }
        return out
    }

    static func quotedPrintable(_ input: [UInt8], underscoreIsSpace: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: return c - 48
            case 65...70: return c - 55
            case 97...102: return c - 87
            default: return nil
            }
        }
        var i = 0
        while i < input.count {
            let c = input[i]
            if c == 0x3D {
                // Soft line break: "=" then optional white space then the line end.
                var j = i + 1
                while j < input.count, input[j] == 0x20 || input[j] == 0x09 { j += 1 }
                if j < input.count, input[j] == 0x0D || input[j] == 0x0A {
                    if input[j] == 0x0D, j + 1 < input.count, input[j + 1] == 0x0A { j += 1 }
                    i = j + 1
                    continue
                }
                if j == input.count { i = j; continue }
                if i + 2 < input.count, let h = hex(input[i + 1]), let l = hex(input[i + 2]) {
                    out.append(h << 4 | l)
                    i += 3
                    continue
                }
                out.append(c)  // a stray "=" is kept as it is
                i += 1
                continue
            }
            out.append(underscoreIsSpace && c == 0x5F ? 0x20 : c)
            i += 1
        }
        return out
    }
}
