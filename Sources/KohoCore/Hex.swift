extension Sequence where Element == UInt8 {
    /// The bytes in lower-case hexadecimal (digests in the audit chain, tags, file names). Written out by table, not
    /// by `String(format:)` per byte, which was most of the time the publisher spent hashing its audit entries.
    public var lowercaseHex: String {
        var out: [UInt8] = []
        out.reserveCapacity(Swift.max(underestimatedCount * 2, 64))
        for b in self { out.append(HexDigits.lower[Int(b >> 4)]); out.append(HexDigits.lower[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The digits every hand-written hexadecimal text here uses (digests, UUIDs, JSON's `\u00xx`).
enum HexDigits {
    static let lower: [UInt8] = Array("0123456789abcdef".utf8)
    static let upper: [UInt8] = Array("0123456789ABCDEF".utf8)
}
