/// JSON written by hand for the few answers that are read most often (a list of posts, a rendering's hash), byte for
/// byte as Foundation's `JSONEncoder` writes it: its Codable machinery cost more than the rest of such an answer.
/// Strings are escaped as `JSONEncoder` does (`\b \t \n \f \r` by name, other control characters as `\u00xx`, `/`
/// as `\/` unless `escapingSlashes` is false); `JSONTextTests` compares the two on messy text.
public struct JSONText: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false
    public let escapingSlashes: Bool

    public init(escapingSlashes: Bool = true, capacity: Int = 256) {
        self.escapingSlashes = escapingSlashes
        bytes.reserveCapacity(capacity)
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// A key of an object; the value follows.
    public mutating func key(_ k: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        needsComma = false
    }

    public mutating func value(_ s: String) {
        separate()
        appendEscaped(s)
        needsComma = true
    }

    public mutating func value(_ n: Int) {
        separate()
        bytes.append(contentsOf: String(n).utf8)
        needsComma = true
    }

    public mutating func value(_ b: Bool) {
        separate()
        bytes.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        needsComma = true
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: [UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l")])
        needsComma = true
    }

    /// JSON already written (by another `JSONText`), as one value.
    public mutating func raw(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// The member only when there is a value: `JSONEncoder` leaves an absent optional out.
    public mutating func field(_ k: StaticString, _ s: String?) { if let s { key(k); value(s) } }
    public mutating func field(_ k: StaticString, _ n: Int?) { if let n { key(k); value(n) } }
    public mutating func field(_ k: StaticString, _ b: Bool) { key(k); value(b) }
    public mutating func field(_ k: StaticString, _ list: [String]) {
        key(k)
        beginArray()
        for s in list { value(s) }
        endArray()
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendEscaped(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var start = 0
            for (i, b) in utf8.enumerated() {
                let escape: (UInt8, UInt8?)?
                switch b {
                case UInt8(ascii: "\""): escape = (UInt8(ascii: "\""), nil)
                case UInt8(ascii: "\\"): escape = (UInt8(ascii: "\\"), nil)
                case UInt8(ascii: "/") where escapingSlashes: escape = (UInt8(ascii: "/"), nil)
                case 0x08: escape = (UInt8(ascii: "b"), nil)
                case 0x09: escape = (UInt8(ascii: "t"), nil)
                case 0x0A: escape = (UInt8(ascii: "n"), nil)
                case 0x0C: escape = (UInt8(ascii: "f"), nil)
                case 0x0D: escape = (UInt8(ascii: "r"), nil)
                case 0..<0x20: escape = (UInt8(ascii: "u"), b)
                default: escape = nil
                }
                guard let (letter, code) = escape else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i]))
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(letter)
                if let code {
                    bytes.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: "0"), Self.hex[Int(code >> 4)], Self.hex[Int(code & 0xF)]])
                }
                start = i + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
