import Foundation

/// A scan of raw JSON bytes before any decoder sees them. Foundation's decoder takes time that grows
/// faster than the input with nesting, so a deep or huge body is refused here, in one linear pass.
public enum JSONBounds {
    /// No field of an action nests deeper than 2; 32 leaves room and costs nothing.
    public static let maxDepth = 32
    /// The API's body limit; `koho check` reads at most this from stdin.
    public static let maxBytes = 1024 * 1024

    public enum Problem: Error, Equatable, Sendable {
        case tooDeep(limit: Int)
        case tooLarge(limit: Int)

        public var message: String {
            switch self {
            case .tooDeep(let limit): return "JSONの入れ子が深すぎます（\(limit)段まで）"
            case .tooLarge(let limit): return "JSONが大きすぎます（\(limit / 1024)KBまで）"
            }
        }
    }

    /// Brackets inside strings do not count; the scan does not otherwise validate the JSON.
    public static func check(_ data: Data, maxDepth: Int = maxDepth, maxBytes: Int = maxBytes) throws(Problem) {
        guard data.count <= maxBytes else { throw .tooLarge(limit: maxBytes) }
        var depth = 0, inString = false, escaped = false
        for b in data {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maxDepth { throw .tooDeep(limit: maxDepth) }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
    }
}
