extension Sequence where Element == UInt8 {
    /// The bytes in lower-case hexadecimal (digests in the audit chain, tags, file names). Written out by table, not
    /// by `String(format:)` per byte, which was most of the time the publisher spent hashing its audit entries.
    public var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for b in self { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
