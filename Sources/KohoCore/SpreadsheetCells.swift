/// What a spreadsheet would run as a formula when a CSV cell starts with it: `=`, `+`, `-`, `@`, a TAB or a line
/// break (spreadsheets trim those first), and their full-width and small forms (`＝`, `＋`, `－`, `＠`, `﹦`, `﹢`, `﹣`),
/// which Japanese spreadsheet programs read as the ASCII ones when converting input.
public enum SpreadsheetCells {
    static let formulaStarts: Set<Unicode.Scalar> = [
        "=", "+", "-", "@", "\t", "\r", "\n",
        "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}", "\u{FE66}", "\u{FE62}", "\u{FE63}", "\u{2212}",
    ]

    public static func startsAsFormula(_ s: String) -> Bool {
        s.unicodeScalars.first.map(formulaStarts.contains) ?? false
    }

    /// The text kept as text: a leading `'` where it would start a formula.
    public static func guarded(_ s: String) -> String { startsAsFormula(s) ? "'" + s : s }
}
