import Foundation
import Testing
@testable import KohoCore

/// The QR code is read back by a small decoder written from the standard: format information, unmasking, the
/// zigzag order, de-interleaving, every block's Reed–Solomon syndromes zero, then the byte-mode segment.
@Suite struct QRCodeTests {
    static func gfMul(_ a: Int, _ b: Int) -> Int {
        var a = a, b = b, r = 0
        while b > 0 {
            if b & 1 == 1 { r ^= a }
            a <<= 1
            if a & 0x100 != 0 { a ^= 0x11D }
            b >>= 1
        }
        return r
    }

    static func decode(_ m: [[Bool]]) throws -> String {
        let size = m.count
        let version = (size - 17) / 4
        // Format information, first copy: 15 bits around the top-left finder, XOR the fixed mask.
        var positions: [(Int, Int)] = (0...5).map { (8, $0) } + [(8, 7), (8, 8), (7, 8)] + (9..<15).map { (14 - $0, 8) }
        var format = 0
        for (i, (x, y)) in positions.enumerated() where m[y][x] { format |= 1 << i }
        format ^= 0x5412
        #expect(format >> 13 == 0, "error correction level M")
        let mask = (format >> 10) & 7
        positions = []

        // Where the function patterns are.
        var function = [[Bool]](repeating: [Bool](repeating: false, count: size), count: size)
        func mark(_ x0: Int, _ y0: Int, _ w: Int, _ h: Int) {
            for y in max(0, y0)..<min(size, y0 + h) { for x in max(0, x0)..<min(size, x0 + w) { function[y][x] = true } }
        }
        mark(0, 0, 9, 9); mark(size - 8, 0, 8, 9); mark(0, size - 8, 9, 8)
        mark(6, 0, 1, size); mark(0, 6, size, 1)
        let centers = QRCode.alignmentCenters(version)
        for cy in centers { for cx in centers where !(cx == 6 && cy == 6) && !(cx == 6 && cy == size - 7) && !(cx == size - 7 && cy == 6) {
            mark(cx - 2, cy - 2, 5, 5)
        } }
        if version >= 7 { mark(size - 11, 0, 3, 6); mark(0, size - 11, 6, 3) }

        // The codeword bits in zigzag order, unmasked.
        var bits: [Bool] = []
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = (right + 1) & 2 == 0
            for vert in 0..<size {
                let y = upward ? size - 1 - vert : vert
                for x in [right, right - 1] where !function[y][x] {
                    let flip: Bool
                    switch mask {
                    case 0: flip = (x + y) % 2 == 0
                    case 1: flip = y % 2 == 0
                    case 2: flip = x % 3 == 0
                    case 3: flip = (x + y) % 3 == 0
                    case 4: flip = (x / 3 + y / 2) % 2 == 0
                    case 5: flip = x * y % 2 + x * y % 3 == 0
                    case 6: flip = (x * y % 2 + x * y % 3) % 2 == 0
                    default: flip = ((x + y) % 2 + x * y % 3) % 2 == 0
                    }
                    bits.append(m[y][x] != flip)
                }
            }
            right -= 2
        }
        let codewords = stride(from: 0, to: bits.count - bits.count % 8, by: 8).map { i in (0..<8).reduce(0) { $0 << 1 | (bits[i + $1] ? 1 : 0) } }

        // De-interleave the blocks and check each one's syndromes.
        let spec = QRCode.blocksM[version - 1]
        let sizes = spec.groups.flatMap { g in Array(repeating: g.data, count: g.count) }
        var blocks = sizes.map { _ in [Int]() }
        var k = 0
        for i in 0..<(sizes.max() ?? 0) { for b in 0..<sizes.count where i < sizes[b] { blocks[b].append(codewords[k]); k += 1 } }
        let data = blocks.flatMap { $0 }
        for _ in 0..<spec.ec { for b in 0..<sizes.count { blocks[b].append(codewords[k]); k += 1 } }
        for block in blocks {
            var alpha = 1
            for _ in 0..<spec.ec {
                let syndrome = block.reduce(0) { gfMul($0, alpha) ^ $1 }
                #expect(syndrome == 0, "Reed–Solomon syndrome")
                alpha = gfMul(alpha, 2)
            }
        }

        // One byte-mode segment.
        var dataBits = data.flatMap { byte in (0..<8).map { (byte >> (7 - $0)) & 1 == 1 } }
        func take(_ n: Int) -> Int { let v = dataBits.prefix(n).reduce(0) { $0 << 1 | ($1 ? 1 : 0) }; dataBits.removeFirst(n); return v }
        #expect(take(4) == 0b0100, "byte mode")
        let count = take(version < 10 ? 8 : 16)
        let bytes = (0..<count).map { _ in UInt8(take(8)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func theTOTPURIDecodesBack() throws {
        let uri = "otpauth://totp/Koho%20%E5%B0%8F%E5%B9%B3%E5%B8%82:kacho?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Koho%20%E5%B0%8F%E5%B9%B3%E5%B8%82&algorithm=SHA1&digits=6&period=30"
        let code = try QRCode(uri)
        #expect(code.version >= 7, "long enough to need the version information")
        #expect(try Self.decode(code.modules) == uri)
    }

    @Test func everyVersionUpToTwentyDecodes() throws {
        for length in [1, 10, 17, 30, 60, 100, 150, 200, 271, 330] {
            let text = String((0..<length).map { i in Character(UnicodeScalar(UInt8(33 + (i * 7) % 90))) })
            let code = try QRCode(text)
            #expect(try Self.decode(code.modules) == text, "\(length) bytes, version \(code.version)")
        }
        #expect(throws: QRCode.Failure.self) { try QRCode(String(repeating: "a", count: 700)) }
    }

    @Test func theSVGIsAnImageWithItsName() throws {
        let svg = try QRCode("otpauth://totp/x").svg(label: "二段階認証の<QR>")
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"二段階認証の&lt;QR&gt;\""))
        #expect(svg.contains("<path fill=\"#000\" d=\"M"))
    }
}
