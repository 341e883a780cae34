// Placeholder until the twitter-text port lands; replaced by the real counter.
public struct XTextConfiguration: Sendable { public var maxWeightedLength = 280; public static let v3 = XTextConfiguration() }
public struct XTextParseResult: Sendable, Equatable { public let weightedLength: Int; public let isValid: Bool }
public enum XTextCounter {
    public static func parse(_ text: String, configuration: XTextConfiguration = .v3) -> XTextParseResult {
        XTextParseResult(weightedLength: text.unicodeScalars.reduce(0) { $0 + ($1.value < 0x1100 ? 1 : 2) }, isValid: true)
    }
    public static func weightedLength(_ text: String) -> Int { parse(text).weightedLength }
}
