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
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
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
    /// An array of objects, each written by `members`; absent (nil) is left out, as `JSONEncoder` does.
    public mutating func field<T>(_ k: StaticString, objects: [T]?, _ members: (inout JSONText, T) -> Void) {
        guard let objects else { return }
        key(k)
        beginArray()
        for o in objects {
            beginObject()
            members(&self, o)
            endObject()
        }
        endArray()
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    /// 1: always escaped; 2: escaped only while `escapingSlashes`.
    private static let escapes: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        for b in 0..<0x20 { t[b] = 1 }
        t[Int(UInt8(ascii: "\""))] = 1
        t[Int(UInt8(ascii: "\\"))] = 1
        t[Int(UInt8(ascii: "/"))] = 2
        return t
    }()

    private mutating func appendEscaped(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        let slashes = escapingSlashes
        s.withUTF8 { utf8 in
            Self.escapes.withUnsafeBufferPointer { table in
                var start = 0, i = 0
                let n = utf8.count
                while i < n {
                    let b = utf8[i]
                    let kind = table[Int(b)]
                    if kind == 0 || (kind == 2 && !slashes) { i += 1; continue }
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i]))
                    bytes.append(UInt8(ascii: "\\"))
                    switch b {
                    case 0x08: bytes.append(UInt8(ascii: "b"))
                    case 0x09: bytes.append(UInt8(ascii: "t"))
                    case 0x0A: bytes.append(UInt8(ascii: "n"))
                    case 0x0C: bytes.append(UInt8(ascii: "f"))
                    case 0x0D: bytes.append(UInt8(ascii: "r"))
                    case 0..<0x20:
                        bytes.append(UInt8(ascii: "u")); bytes.append(UInt8(ascii: "0")); bytes.append(UInt8(ascii: "0"))
                        bytes.append(HexDigits.lower[Int(b >> 4)]); bytes.append(HexDigits.lower[Int(b & 0xF)])
                    default: bytes.append(b)
                    }
                    i += 1
                    start = i
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<n]))
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
