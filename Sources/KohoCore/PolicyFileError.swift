/// A policy file that cannot be used, with where and why: `file:line: field: message`.
/// Problems of the whole file (empty, not UTF-8, unreadable) are placed at line 1.
public struct PolicyFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public let file: String
    public let line: Int
    public let field: String
    public let message: String

    /// What `field` says for a problem that belongs to no field.
    public static let wholeFile = "(ファイル全体)"

    public init(file: String, line: Int?, field: String, message: String) {
        self.file = file
        self.line = max(line ?? 1, 1)
        self.field = field.isEmpty ? Self.wholeFile : field
        self.message = message
    }

    /// Control characters from the file are shown escaped: raw, they would act on the terminal reading the error.
    public var description: String {
        "\(Self.escaped(file)):\(line): \(Self.escaped(field)): \(Self.escaped(message))"
    }

    public static func escaped(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            // C0/C1 controls, and the bidirectional overrides that reorder what a terminal shows.
            if u.properties.generalCategory == .control || (0x2028...0x202E).contains(u.value) || (0x2066...0x2069).contains(u.value) {
                let hex = String(u.value, radix: 16, uppercase: true)
                out += "\\u{" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
