import Foundation

/// A QR code (ISO/IEC 18004) for the two-factor setup: byte mode, error correction level M, versions 1–20,
/// drawn as SVG on the server so that the page needs no script and no outside service sees the secret.
public struct QRCode: Sendable {
    public let version: Int
    public let mask: Int
    /// `modules[y][x]`, true for dark.
    public let modules: [[Bool]]
    public var size: Int { modules.count }

    public enum Failure: Error { case tooLong }

    /// Level M: error correction codewords per block, and the blocks as (count, data codewords each).
    static let blocksM: [(ec: Int, groups: [(count: Int, data: Int)])] = [
        (10, [(1, 16)]), (16, [(1, 28)]), (26, [(1, 44)]), (18, [(2, 32)]), (24, [(2, 43)]),
        (16, [(4, 27)]), (18, [(4, 31)]), (22, [(2, 38), (2, 39)]), (22, [(3, 36), (2, 37)]), (26, [(4, 43), (1, 44)]),
        (30, [(1, 50), (4, 51)]), (22, [(6, 36), (2, 37)]), (22, [(8, 37), (1, 38)]), (24, [(4, 40), (5, 41)]), (24, [(5, 41), (5, 42)]),
        (28, [(7, 45), (3, 46)]), (28, [(10, 46), (1, 47)]), (26, [(9, 43), (4, 44)]), (26, [(3, 44), (11, 45)]), (26, [(3, 41), (13, 42)]),
    ]

    static func alignmentCenters(_ version: Int) -> [Int] {
        guard version > 1 else { return [] }
        let size = 17 + 4 * version
        let count = version / 7 + 2
        let step = version == 32 ? 26 : (version * 4 + count * 2 + 1) / (count * 2 - 2) * 2
        var centers = [6]
        var pos = size - 7
        var rest: [Int] = []
        for _ in 0..<(count - 1) { rest.insert(pos, at: 0); pos -= step }
        centers += rest
        return centers
    }

    public init(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard let version = (1...20).first(where: { v in
            let capacity = Self.blocksM[v - 1].groups.reduce(0) { $0 + $1.count * $1.data }
            return 4 + (v < 10 ? 8 : 16) + bytes.count * 8 <= capacity * 8
        }) else { throw Failure.tooLong }
        self.version = version
        let spec = Self.blocksM[version - 1]
        let dataCount = spec.groups.reduce(0) { $0 + $1.count * $1.data }

        // The bit stream: mode, length, bytes, terminator, padding.
        var bits: [Bool] = []
        func put(_ value: Int, _ n: Int) { for i in stride(from: n - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) } }
        put(0b0100, 4)
        put(bytes.count, version < 10 ? 8 : 16)
        for b in bytes { put(Int(b), 8) }
        put(0, min(4, dataCount * 8 - bits.count))
        while bits.count % 8 != 0 { bits.append(false) }
        var data: [UInt8] = stride(from: 0, to: bits.count, by: 8).map { i in
            (0..<8).reduce(UInt8(0)) { $0 << 1 | (bits[i + $1] ? 1 : 0) }
        }
        var pad: [UInt8] = [0xEC, 0x11]
        while data.count < dataCount { data.append(pad[0]); pad.swapAt(0, 1) }

        // Blocks with their error correction, interleaved.
        var blocks: [[UInt8]] = []
        var offset = 0
        for g in spec.groups { for _ in 0..<g.count { blocks.append(Array(data[offset..<offset + g.data])); offset += g.data } }
        let ecBlocks = blocks.map { ReedSolomon.remainder($0, degree: spec.ec) }
        var codewords: [UInt8] = []
        for i in 0..<(blocks.map(\.count).max() ?? 0) { for b in blocks where i < b.count { codewords.append(b[i]) } }
        for i in 0..<spec.ec { for e in ecBlocks { codewords.append(e[i]) } }

        let size = 17 + 4 * version
        var grid = [[Bool]](repeating: [Bool](repeating: false, count: size), count: size)
        var reserved = [[Bool]](repeating: [Bool](repeating: false, count: size), count: size)
        func set(_ x: Int, _ y: Int, _ dark: Bool) { grid[y][x] = dark; reserved[y][x] = true }
        // Finder patterns with their separators.
        for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 { for dx in -4...4 {
                let x = cx + dx, y = cy + dy
                guard x >= 0, x < size, y >= 0, y < size else { continue }
                let d = max(abs(dx), abs(dy))
                set(x, y, d != 2 && d != 4)
            } }
        }
        // Alignment patterns, except where they would overlap a finder.
        let centers = Self.alignmentCenters(version)
        for cy in centers { for cx in centers {
            if reserved[cy][cx] { continue }
            for dy in -2...2 { for dx in -2...2 { set(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1) } }
        } }
        // Timing patterns.
        for i in 8..<(size - 8) { set(i, 6, i % 2 == 0); set(6, i, i % 2 == 0) }
        // The dark module, and room for the format (and version) information.
        set(8, size - 8, true)
        for i in 0..<9 { if !reserved[8][i] { reserved[8][i] = true }; if !reserved[i][8] { reserved[i][8] = true } }
        for i in 0..<8 { reserved[8][size - 1 - i] = true; reserved[size - 1 - i][8] = true }
        if version >= 7 {
            let info = Self.versionBits(version)
            for i in 0..<18 {
                let bit = (info >> i) & 1 == 1
                set(size - 11 + i % 3, i / 3, bit)
                set(i / 3, size - 11 + i % 3, bit)
            }
        }
        // The codewords, two columns at a time, upward and downward in turn, skipping the timing column.
        var bitIndex = 0
        let total = codewords.count * 8
        var upward = true
        var x = size - 1
        while x > 0 {
            if x == 6 { x -= 1 }
            for i in 0..<size {
                let y = upward ? size - 1 - i : i
                for dx in 0..<2 where !reserved[y][x - dx] {
                    if bitIndex < total { grid[y][x - dx] = (codewords[bitIndex / 8] >> (7 - bitIndex % 8)) & 1 == 1 }
                    bitIndex += 1
                }
            }
            upward.toggle()
            x -= 2
        }
        // The mask with the lowest penalty.
        var best: (penalty: Int, mask: Int, grid: [[Bool]])?
        for mask in 0..<8 {
            var g = grid
            for y in 0..<size { for x in 0..<size where !reserved[y][x] && Self.masked(mask, x, y) { g[y][x].toggle() } }
            Self.drawFormat(&g, mask: mask)
            let p = Self.penalty(g)
            if best == nil || p < best!.penalty { best = (p, mask, g) }
        }
        self.mask = best!.mask
        self.modules = best!.grid
    }

    static func masked(_ mask: Int, _ x: Int, _ y: Int) -> Bool {
        switch mask {
        case 0: return (x + y) % 2 == 0
        case 1: return y % 2 == 0
        case 2: return x % 3 == 0
        case 3: return (x + y) % 3 == 0
        case 4: return (y / 2 + x / 3) % 2 == 0
        case 5: return (x * y) % 2 + (x * y) % 3 == 0
        case 6: return ((x * y) % 2 + (x * y) % 3) % 2 == 0
        default: return ((x + y) % 2 + (x * y) % 3) % 2 == 0
        }
    }

    /// BCH(15,5) of level M (00) and the mask, XOR 101010000010010.
    static func formatBits(mask: Int) -> Int {
        let data = (0b00 << 3) | mask
        var rem = data << 10
        for i in stride(from: 14, through: 10, by: -1) where (rem >> i) & 1 == 1 { rem ^= 0b10100110111 << (i - 10) }
        return ((data << 10) | rem) ^ 0b101010000010010
    }

    /// BCH(18,6) of the version.
    static func versionBits(_ version: Int) -> Int {
        var rem = version << 12
        for i in stride(from: 17, through: 12, by: -1) where (rem >> i) & 1 == 1 { rem ^= 0b1111100100101 << (i - 12) }
        return (version << 12) | rem
    }

    static func drawFormat(_ g: inout [[Bool]], mask: Int) {
        let size = g.count
        let bits = formatBits(mask: mask)
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
        // Around the top-left finder (g[y][x]), skipping the timing pattern.
        for i in 0...5 { g[i][8] = bit(i) }
        g[7][8] = bit(6); g[8][8] = bit(7); g[8][7] = bit(8)
        for i in 9..<15 { g[8][14 - i] = bit(i) }
        // Beside the other two finders.
        for i in 0..<8 { g[8][size - 1 - i] = bit(i) }
        for i in 8..<15 { g[size - 15 + i][8] = bit(i) }
        g[size - 8][8] = true
    }

    static func penalty(_ g: [[Bool]]) -> Int {
        let n = g.count
        var p = 0
        for line in 0..<2 {
            for a in 0..<n {
                var run = 1
                var seq: [Bool] = []
                for b in 0..<n {
                    let v = line == 0 ? g[a][b] : g[b][a]
                    seq.append(v)
                    if b > 0 {
                        if v == seq[b - 1] { run += 1 } else { if run >= 5 { p += run - 2 }; run = 1 }
                    }
                }
                if run >= 5 { p += run - 2 }
                // Finder-like 1:1:3:1:1 with four light modules on either side.
                let pattern: [Bool] = [true, false, true, true, true, false, true]
                for b in 0...(n - 7) where Array(seq[b..<b + 7]) == pattern {
                    let before = b >= 4 && seq[(b - 4)..<b].allSatisfy { !$0 }
                    let after = b + 11 <= n && seq[(b + 7)..<(b + 11)].allSatisfy { !$0 }
                    if before || after { p += 40 }
                }
            }
        }
        for y in 0..<(n - 1) { for x in 0..<(n - 1) {
            let v = g[y][x]
            if g[y][x + 1] == v, g[y + 1][x] == v, g[y + 1][x + 1] == v { p += 3 }
        } }
        let dark = g.reduce(0) { $0 + $1.filter { $0 }.count }
        p += abs(dark * 20 - n * n * 10) / (n * n) * 10
        return p
    }

    /// The code as an SVG image with a quiet zone of four modules; `label` is its accessible name.
    public func svg(moduleSize: Int = 4, label: String) -> String {
        let quiet = 4
        let dim = (size + 2 * quiet) * moduleSize
        var path = ""
        for y in 0..<size { for x in 0..<size where modules[y][x] {
            path += "M\((x + quiet) * moduleSize) \((y + quiet) * moduleSize)h\(moduleSize)v\(moduleSize)h-\(moduleSize)z"
        } }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"\(HTMLEscaping.escape(label))\" width=\"\(dim)\" height=\"\(dim)\" viewBox=\"0 0 \(dim) \(dim)\" shape-rendering=\"crispEdges\">"
            + "<rect width=\"\(dim)\" height=\"\(dim)\" fill=\"#fff\"/><path fill=\"#000\" d=\"\(path)\"/></svg>"
    }
}

/// Reed–Solomon over GF(256) with the QR polynomial x^8+x^4+x^3+x^2+1.
enum ReedSolomon {
    static let (exp, log): ([UInt8], [Int]) = {
        var exp = [UInt8](repeating: 0, count: 512), log = [Int](repeating: 0, count: 256)
        var x = 1
        for i in 0..<255 {
            exp[i] = UInt8(x); log[x] = i
            x <<= 1
            if x & 0x100 != 0 { x ^= 0x11D }
        }
        for i in 255..<512 { exp[i] = exp[i - 255] }
        return (exp, log)
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        a == 0 || b == 0 ? 0 : exp[log[Int(a)] + log[Int(b)]]
    }

    /// The generator (x - α^0)…(x - α^(degree-1)), highest power first, without its leading 1.
    static func generator(_ degree: Int) -> [UInt8] {
        var g: [UInt8] = [1]
        for i in 0..<degree {
            var next = [UInt8](repeating: 0, count: g.count + 1)
            for (j, c) in g.enumerated() {
                next[j] ^= c
                next[j + 1] ^= multiply(c, exp[i])
            }
            g = next
        }
        return Array(g.dropFirst())
    }

    static func remainder(_ data: [UInt8], degree: Int) -> [UInt8] {
        let g = generator(degree)
        var r = [UInt8](repeating: 0, count: degree)
        for d in data {
            let factor = d ^ r[0]
            r.removeFirst(); r.append(0)
            for i in 0..<degree { r[i] ^= multiply(g[i], factor) }
        }
        return r
    }
}
