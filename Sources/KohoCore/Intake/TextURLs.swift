/// Links written out in text, shared by the mail magazine's reader and the profile checks.
public enum TextURLs {
    /// http(s) URLs in plain text (a mail body, a profile's description). A URL ends at white space, at a character
    /// outside ASCII (Japanese text runs straight on after a URL) or at a bracket, and loses trailing punctuation.
    public static func find(in text: String) -> [String] {
        var result: [String] = []
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "h" || scalars[i] == "H" else { i += 1; continue }
            let head = String(String.UnicodeScalarView(scalars[i..<min(i + 8, scalars.count)])).lowercased()
            guard head.hasPrefix("http://") || head.hasPrefix("https://") else { i += 1; continue }
            var j = i
            while j < scalars.count {
                let s = scalars[j]
                if s.value <= 0x20 || s.value >= 0x7F || "<>\"'`{}|\\^".unicodeScalars.contains(s) { break }
                j += 1
            }
            // Trailing punctuation goes, and a `)` unless it closes a `(` of the URL: the brackets are counted once
            // and the count kept as they go (recounting for each `)` made a line of brackets quadratic).
            var opens = 0, closes = 0
            for k in i..<j {
                if scalars[k] == "(" { opens += 1 } else if scalars[k] == ")" { closes += 1 }
            }
            var end = j
            while end > i, ".,;:!?)]".unicodeScalars.contains(scalars[end - 1]) {
                if scalars[end - 1] == ")" {
                    if opens >= closes { break }
                    closes -= 1
                }
                end -= 1
            }
            if end - i > (head.hasPrefix("https") ? 8 : 7) { result.append(String(String.UnicodeScalarView(scalars[i..<end]))) }
            i = max(j, i + 1)
        }
        return result
    }
}
