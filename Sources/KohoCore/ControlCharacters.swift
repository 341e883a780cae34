extension StringProtocol {
    /// Whether the text holds a control character (Unicode category Cc: NUL, BEL, ESC, DEL…): such text is invisible
    /// or cut on its way through pages and databases (SQLite stops at a NUL, PostgreSQL refuses one).
    public var containsControlCharacter: Bool {
        unicodeScalars.contains { $0.properties.generalCategory == .control }
    }
}
