extension Sequence where Element == UInt8 {
    /// The bytes in lower-case hexadecimal (digests in the audit chain, tags, file names). Written out by table, not
    /// by `String(format:)` per byte, which was most of the time the publisher spent hashing its audit entries.
    public var lowercaseHex: String {
        var out: [UInt8] = []
        out.reserveCapacity(Swift.max(underestimatedCount * 2, 64))
        for b in self { out.append(hexDigits[Int(b >> 4)]); out.append(hexDigits[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
