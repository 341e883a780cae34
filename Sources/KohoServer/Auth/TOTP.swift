import Crypto
import Foundation

/// RFC 6238 time-based one-time passwords: HMAC-SHA-1, 6 digits, 30-second steps.
enum TOTP {
    static let step: TimeInterval = 30

    static func newSecret() -> String {
        var g = SystemRandomNumberGenerator()
        return Base32.encode((0..<20).map { _ in UInt8.random(in: 0...255, using: &g) })
    }

    static func code(secret: String, counter: UInt64) -> String? {
        guard let key = Base32.decode(secret) else { return nil }
        var big = counter.bigEndian
        let message = withUnsafeBytes(of: &big) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: key)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let bin = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        return String(format: "%06d", bin % 1_000_000)
    }

    static func counter(at date: Date) -> Int { Int((date.timeIntervalSince1970 / step).rounded(.down)) }

    /// The step the code matches within ±1 step of `date`, if any; the caller refuses a step already used.
    static func matchingStep(secret: String, code: String, at date: Date) -> Int? {
        let c = counter(at: date)
        let given = code.filter { !$0.isWhitespace }
        for s in [c, c - 1, c + 1] where s >= 0 {
            if let expected = self.code(secret: secret, counter: UInt64(s)), Secrets.constantTimeEqual(expected, given) { return s }
        }
        return nil
    }

    static func uri(secret: String, account: String, issuer: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":/?#[]@!$&'()*+,;=")
        let label = "\(issuer):\(account)".addingPercentEncoding(withAllowedCharacters: allowed) ?? account
        let iss = issuer.addingPercentEncoding(withAllowedCharacters: allowed) ?? "Koho"
        return "otpauth://totp/\(label)?secret=\(secret)&issuer=\(iss)&algorithm=SHA1&digits=6&period=30"
    }
}

enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    static func encode(_ bytes: [UInt8]) -> String {
        var out = "", buffer = 0, bits = 0
        for b in bytes {
            buffer = (buffer << 8) | Int(b); bits += 8
            while bits >= 5 { out.append(alphabet[(buffer >> (bits - 5)) & 31]); bits -= 5 }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return out
    }

    static func decode(_ s: String) -> [UInt8]? {
        var out: [UInt8] = [], buffer = 0, bits = 0
        for ch in s.uppercased() where ch != "=" && ch != " " {
            guard let v = alphabet.firstIndex(of: ch) else { return nil }
            buffer = (buffer << 5) | v; bits += 5
            if bits >= 8 { out.append(UInt8((buffer >> (bits - 8)) & 0xff)); bits -= 8 }
        }
        return out
    }
}
