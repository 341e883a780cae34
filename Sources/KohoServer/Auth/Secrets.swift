import Crypto
import Foundation
import KohoCore

enum Secrets {
    static func sha256Hex(_ s: String) -> String { sha256Hex(Data(s.utf8)) }

    static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).lowercaseHex
    }

    /// A random token for links and API use: 32 bytes, base64url without padding.
    static func randomToken(bytes: Int = 32) -> String {
        var g = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &g) })
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Compares without stopping at the first difference, so the time taken tells nothing.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
