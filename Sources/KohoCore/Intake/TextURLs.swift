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
            var url = String(String.UnicodeScalarView(scalars[i..<j]))
            while let last = url.last, ".,;:!?)]".contains(last) {
                if last == ")", url.filter({ $0 == "(" }).count >= url.filter({ $0 == ")" }).count { break }
                url.removeLast()
            }
            if url.count > (head.hasPrefix("https") ? 8 : 7) { result.append(url) }
            i = max(j, i + 1)
        }
        return result
    }
}
