import Foundation

/// A UUID's text, both ways, without Foundation's `uuidString` and `UUID(uuidString:)`: on Linux they go through
/// `sprintf` and `sscanf`, which were a tenth of a post list's time (two ids a post).
public enum UUIDText {
    /// `8-4-4-4-12` hex digits, lower case unless `uppercase` (what `uuidString` gives, and SQLite keeps).
    public static func string(_ u: UUID, uppercase: Bool = false) -> String {
        let digits = uppercase ? HexDigits.upper : HexDigits.lower
        return withUnsafeBytes(of: u.uuid) { raw in
            String(unsafeUninitializedCapacity: 36) { out in
                var o = 0
                for (i, b) in raw.enumerated() {
                    if i == 4 || i == 6 || i == 8 || i == 10 { out[o] = UInt8(ascii: "-"); o += 1 }
                    out[o] = digits[Int(b >> 4)]
                    out[o + 1] = digits[Int(b & 0xF)]
                    o += 2
                }
                return o
            }
        }
    }

    /// The same forms `UUID(uuidString:)` reads: 36 characters, hex digits of either case, dashes at 8, 13, 18, 23.
    public static func parse(_ text: String) -> UUID? {
        var text = text
        return text.withUTF8 { utf8 -> UUID? in
            guard utf8.count == 36 else { return nil }
            var bytes = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                         UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
            let ok = withUnsafeMutableBytes(of: &bytes) { out -> Bool in
                var i = 0, n = 0
                while i < 36 {
                    if i == 8 || i == 13 || i == 18 || i == 23 {
                        guard utf8[i] == UInt8(ascii: "-") else { return false }
                        i += 1
                        continue
                    }
                    guard let h = hexValue(utf8[i]), let l = hexValue(utf8[i + 1]) else { return false }
                    out[n] = h << 4 | l
                    n += 1
                    i += 2
                }
                return n == 16
            }
            return ok ? UUID(uuid: bytes) : nil
        }
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
