import Foundation

/// Recognises a video or image file by parsing its container, not by its first bytes alone: a file that
/// starts like an MP4 or a PNG but is something else after the signature is refused.
public enum MediaContainer {
    public enum Kind: String, Sendable { case video, image }

    public enum Format: String, Sendable, CaseIterable {
        case mp4, mov, webm, mkv, avi, mpg, ts, jpg, png, gif, webp

        public var kind: Kind {
            switch self {
            case .mp4, .mov, .webm, .mkv, .avi, .mpg, .ts: return .video
            case .jpg, .png, .gif, .webp: return .image
            }
        }
    }

    public struct Info: Equatable, Sendable {
        public let format: Format
        /// Known for images; nil for video containers, whose size is in the codec data.
        public let width: Int?
        public let height: Int?
    }

    /// Why a file is refused, in Japanese, for the person who uploaded it.
    public struct Invalid: Error, Equatable, Sendable, CustomStringConvertible {
        public let message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    public static func identify(_ data: Data) throws(Invalid) -> Info {
        let b = [UInt8](data)
        func starts(_ sig: [UInt8], at o: Int = 0) -> Bool { b.count >= o + sig.count && Array(b[o..<o + sig.count]) == sig }
        if starts(Array("ftyp".utf8), at: 4) { return try isoBMFF(b) }
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return try ebml(b) }
        if starts(Array("RIFF".utf8)), starts(Array("AVI ".utf8), at: 8) { return try avi(b) }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return try webp(b) }
        if starts([0x00, 0x00, 0x01, 0xBA]) { return try mpegPS(b) }
        if starts([0x47]), b.count >= 188 * 2 { return try mpegTS(b) }
        if starts([0xFF, 0xD8, 0xFF]) { return try jpeg(b) }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return try png(b) }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return try gif(b) }
        throw Invalid(message: "対応している動画・画像の形式ではありません")
    }

    // MARK: - Byte reading

    static func be(_ b: [UInt8], _ o: Int, _ n: Int) -> UInt64? {
        guard o >= 0, n > 0, o + n <= b.count else { return nil }
        return b[o..<o + n].reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func le(_ b: [UInt8], _ o: Int, _ n: Int) -> UInt64? {
        guard o >= 0, n > 0, o + n <= b.count else { return nil }
        return b[o..<o + n].reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func fourCC(_ b: [UInt8], _ o: Int) -> String? {
        guard o + 4 <= b.count, b[o..<o + 4].allSatisfy({ (0x20...0x7E).contains($0) }) else { return nil }
        return String(decoding: b[o..<o + 4], as: UTF8.self)
    }

    // MARK: - Video

    /// Brands of the ISO base media files YouTube takes (MP4, QuickTime, 3GP, M4V).
    static let brands: Set<String> = ["isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso8", "iso9", "mp41", "mp42", "mp71", "avc1",
                                      "qt  ", "M4V ", "M4VH", "M4VP", "3gp4", "3gp5", "3gp6", "3g2a", "3g2b", "dash", "mmp4", "MSNV",
                                      "f4v ", "XAVC", "hvc1", "hev1", "av01", "cmfc", "NDAS", "MiNi"]

    static func isoBMFF(_ b: [UInt8]) throws(Invalid) -> Info {
        let bad = Invalid(message: "MP4・MOV のファイルとして読めません（ボックスの構造が壊れています）")
        var offset = 0, types: [String] = [], major = ""
        while offset < b.count {
            guard let size32 = be(b, offset, 4), let type = fourCC(b, offset + 4) else { throw bad }
            var size = size32
            var header = 8
            if size32 == 1 {
                guard let large = be(b, offset + 8, 8) else { throw bad }
                size = large
                header = 16
            } else if size32 == 0 {
                size = UInt64(b.count - offset) // the last box runs to the end of the file
            }
            guard size >= UInt64(header), size <= UInt64(b.count - offset) else { throw bad }
            if types.isEmpty {
                guard type == "ftyp", size >= 16, let brand = fourCC(b, offset + 8) else { throw bad }
                major = brand
            }
            types.append(type)
            offset += Int(size)
        }
        guard brands.contains(major) else { throw Invalid(message: "MP4・MOV のブランド「\(major)」には対応していません") }
        guard types.contains("moov") else { throw Invalid(message: "MP4・MOV のファイルに動画の情報（moov）がありません") }
        return Info(format: major == "qt  " ? .mov : .mp4, width: nil, height: nil)
    }

    /// An EBML variable-length integer: its value (marker bit removed, for sizes) and length.
    static func vint(_ b: [UInt8], _ o: Int, keepMarker: Bool) -> (value: UInt64, length: Int)? {
        guard o < b.count, b[o] != 0 else { return nil }
        let length = b[o].leadingZeroBitCount + 1
        guard length <= 8, var v = be(b, o, length) else { return nil }
        if !keepMarker { v &= (UInt64(1) << UInt64(7 * length)) - 1 }
        return (v, length)
    }

    static func ebml(_ b: [UInt8]) throws(Invalid) -> Info {
        let bad = Invalid(message: "WebM・Matroska のファイルとして読めません（EBML のヘッダーが壊れています）")
        guard let size = vint(b, 4, keepMarker: false) else { throw bad }
        let start = 4 + size.length, end = start + Int(min(size.value, UInt64(b.count)))
        guard end <= b.count else { throw bad }
        var o = start, docType: String?
        while o < end {
            guard let id = vint(b, o, keepMarker: true), let len = vint(b, o + id.length, keepMarker: false) else { throw bad }
            let body = o + id.length + len.length
            // An element whose own header runs past the EBML header's end is broken, not a negative length.
            guard body <= end, len.value <= UInt64(end - body) else { throw bad }
            if id.value == 0x4282 { docType = String(decoding: b[body..<body + Int(len.value)], as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\0")) }
            o = body + Int(len.value)
        }
        // The Segment follows the header.
        guard let segment = vint(b, end, keepMarker: true), segment.value == 0x18538067 else { throw bad }
        switch docType {
        case "webm": return Info(format: .webm, width: nil, height: nil)
        case "matroska": return Info(format: .mkv, width: nil, height: nil)
        default: throw Invalid(message: "EBML の文書の種類（DocType）が webm でも matroska でもありません")
        }
    }

    /// RIFF chunks: the declared size covers the file, and the first chunk is the AVI header list.
    static func avi(_ b: [UInt8]) throws(Invalid) -> Info {
        guard let riff = le(b, 4, 4), riff >= 4, Int(riff) + 8 <= b.count, fourCC(b, 12) == "LIST", fourCC(b, 20) == "hdrl",
              fourCC(b, 24) == "avih" else {
            throw Invalid(message: "AVI のファイルとして読めません（ヘッダーがありません）")
        }
        return Info(format: .avi, width: nil, height: nil)
    }

    /// A pack header (MPEG-2 or MPEG-1), followed by another start code where its length says.
    static func mpegPS(_ b: [UInt8]) throws(Invalid) -> Info {
        let bad = Invalid(message: "MPEG のファイルとして読めません（パックヘッダーが壊れています）")
        guard b.count > 14 else { throw bad }
        let next: Int
        if b[4] & 0xC0 == 0x40 {
            next = 14 + Int(b[13] & 0x07)
        } else if b[4] & 0xF0 == 0x20 {
            next = 12
        } else {
            throw bad
        }
        guard let code = be(b, next, 3), code == 1 else { throw bad }
        return Info(format: .mpg, width: nil, height: nil)
    }

    /// 188-byte packets, each starting with the sync byte, with a program (PAT, PMT) that has a video stream and
    /// packets of that stream: bare packets (null packets, or anything cut to 188 bytes) are not a video.
    static func mpegTS(_ b: [UInt8]) throws(Invalid) -> Info {
        guard b.count % 188 == 0, stride(from: 0, to: b.count, by: 188).allSatisfy({ b[$0] == 0x47 }) else {
            throw Invalid(message: "MPEG-TS のファイルとして読めません（パケットの同期が合いません）")
        }
        /// The section that starts in the packet at `p` (payload unit start), as a range of `b`.
        func section(_ p: Int) -> Range<Int>? {
            guard b[p + 1] & 0x40 != 0 else { return nil }
            let control = (b[p + 3] >> 4) & 0x3
            guard control & 0x1 != 0 else { return nil }
            var o = p + 4
            if control & 0x2 != 0 { o += 1 + Int(b[o]) }
            guard o < p + 188 else { return nil }
            o += 1 + Int(b[o]) // pointer field
            guard o + 3 <= p + 188 else { return nil }
            let length = Int(b[o + 1] & 0x0F) << 8 | Int(b[o + 2])
            guard length >= 9, o + 3 + length <= p + 188 else { return nil }
            return o..<(o + 3 + length)
        }
        func pid(_ p: Int) -> Int { Int(b[p + 1] & 0x1F) << 8 | Int(b[p + 2]) }
        var pmtPIDs = Set<Int>(), videoPIDs = Set<Int>()
        var videoPackets = 0
        for p in stride(from: 0, to: b.count, by: 188) {
            let id = pid(p)
            if id == 0, let r = section(p), b[r.lowerBound] == 0x00 {
                // program_number and PID pairs, up to the CRC.
                var o = r.lowerBound + 8
                while o + 4 <= r.upperBound - 4 {
                    let program = Int(b[o]) << 8 | Int(b[o + 1])
                    if program != 0 { pmtPIDs.insert(Int(b[o + 2] & 0x1F) << 8 | Int(b[o + 3])) }
                    o += 4
                }
            } else if pmtPIDs.contains(id), let r = section(p), b[r.lowerBound] == 0x02 {
                let infoLength = Int(b[r.lowerBound + 10] & 0x0F) << 8 | Int(b[r.lowerBound + 11])
                var o = r.lowerBound + 12 + infoLength
                while o + 5 <= r.upperBound - 4 {
                    let streamType = b[o]
                    let es = Int(b[o + 1] & 0x1F) << 8 | Int(b[o + 2])
                    if Self.videoStreamTypes.contains(streamType) { videoPIDs.insert(es) }
                    o += 5 + (Int(b[o + 3] & 0x0F) << 8 | Int(b[o + 4]))
                }
            } else if videoPIDs.contains(id) {
                videoPackets += 1
            }
        }
        guard !pmtPIDs.isEmpty else { throw Invalid(message: "MPEG-TS のファイルとして読めません（番組の表 PAT がありません）") }
        guard !videoPIDs.isEmpty else { throw Invalid(message: "MPEG-TS のファイルに映像のストリームがありません（PMT に映像がありません）") }
        guard videoPackets > 0 else { throw Invalid(message: "MPEG-TS のファイルに映像のデータがありません") }
        return Info(format: .ts, width: nil, height: nil)
    }

    /// MPEG-1/2 video, MPEG-4 part 2, H.264, H.265, VC-1, AVS: the stream types a TS carries video in.
    static let videoStreamTypes: Set<UInt8> = [0x01, 0x02, 0x10, 0x1B, 0x24, 0x42, 0xEA, 0xD1]

    // MARK: - Images

    /// Every chunk to IEND, each with its CRC, IHDR first and image data present; nothing after IEND.
    static func png(_ b: [UInt8]) throws(Invalid) -> Info {
        guard be(b, 8, 4) == 13, fourCC(b, 12) == "IHDR", let w = be(b, 16, 4), let h = be(b, 20, 4), let crc = be(b, 29, 4) else {
            throw Invalid(message: "PNG のファイルとして読めません（IHDR がありません）")
        }
        guard UInt64(crc32(b[12..<29])) == crc else { throw Invalid(message: "PNG のファイルとして読めません（IHDR の CRC が合いません）") }
        guard w > 0, h > 0, w <= 0x7FFF_FFFF, h <= 0x7FFF_FFFF else { throw Invalid(message: "PNG の画像の大きさが 0 です") }
        var o = 8, sawData = false
        while true {
            guard let length = be(b, o, 4), length <= 0x7FFF_FFFF, let type = fourCC(b, o + 4),
                  o + 12 + Int(length) <= b.count else {
                throw Invalid(message: "PNG のファイルとして読めません（IEND の前でチャンクが途切れています）")
            }
            let end = o + 8 + Int(length)
            guard let stored = be(b, end, 4), UInt64(crc32(b[(o + 4)..<end])) == stored else {
                throw Invalid(message: "PNG のファイルとして読めません（チャンク \(type) の CRC が合いません）")
            }
            if type == "IDAT" { sawData = true }
            o = end + 4
            if type == "IEND" { break }
        }
        guard sawData else { throw Invalid(message: "PNG のファイルに画像のデータ（IDAT）がありません") }
        guard o == b.count else { throw Invalid(message: "PNG のファイルとして読めません（IEND の後に \(b.count - o) バイトのデータがあります）") }
        return Info(format: .png, width: Int(w), height: Int(h))
    }

    /// Segments to the start of frame, which gives the size, then on through the scans to EOI; after EOI only padding.
    static func jpeg(_ b: [UInt8]) throws(Invalid) -> Info {
        let bad = Invalid(message: "JPEG のファイルとして読めません（画像の大きさ（SOF）がありません）")
        var o = 2
        var size: (Int, Int)?
        var sawScan = false
        while o + 2 <= b.count {
            guard b[o] == 0xFF else {
                throw size == nil ? bad : Invalid(message: "JPEG のファイルとして読めません（\(o) バイト目でマーカーが壊れています）")
            }
            let marker = b[o + 1]
            if marker == 0xFF { o += 1; continue } // fill byte
            if marker == 0xD9 {
                guard let size, sawScan else { throw size == nil ? bad : Invalid(message: "JPEG のファイルに画像のデータ（スキャン）がありません") }
                guard b[(o + 2)...].allSatisfy({ $0 == 0x00 || $0 == 0xFF }) else {
                    throw Invalid(message: "JPEG のファイルとして読めません（終わり（EOI）の後に \(b.count - o - 2) バイトのデータがあります）")
                }
                return Info(format: .jpg, width: size.0, height: size.1)
            }
            if marker == 0xD8 { throw bad }
            if (0xD0...0xD7).contains(marker) || marker == 0x01 { o += 2; continue }
            guard let len = be(b, o + 2, 2), len >= 2, o + 2 + Int(len) <= b.count else {
                throw size == nil ? bad : Invalid(message: "JPEG のファイルとして読めません（終わり（EOI）の前で途切れています）")
            }
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard len >= 8, let h = be(b, o + 5, 2), let w = be(b, o + 7, 2), h > 0, w > 0 else { throw bad }
                size = (Int(w), Int(h))
            }
            o += 2 + Int(len)
            if marker == 0xDA {
                guard size != nil else { throw bad } // SOF must come before the scan
                sawScan = true
                // Entropy-coded data: up to the next marker other than a stuffed 0x00 or a restart.
                while o + 1 < b.count, !(b[o] == 0xFF && b[o + 1] != 0x00 && !(0xD0...0xD7).contains(b[o + 1])) { o += 1 }
            }
        }
        throw size == nil ? bad : Invalid(message: "JPEG のファイルとして読めません（終わり（EOI）がありません）")
    }

    /// The blocks to the trailer: image descriptors with their data, extensions; at least one image; nothing after.
    static func gif(_ b: [UInt8]) throws(Invalid) -> Info {
        guard b.count >= 14, let w = le(b, 6, 2), let h = le(b, 8, 2), w > 0, h > 0 else {
            throw Invalid(message: "GIF のファイルとして読めません（画面の大きさがありません）")
        }
        let cut = Invalid(message: "GIF のファイルとして読めません（終わり（0x3B）の前で途切れています）")
        var o = 13
        if b[10] & 0x80 != 0 { o += 3 << (Int(b[10] & 0x07) + 1) }
        func subBlocks(_ from: Int) throws(Invalid) -> Int {
            var k = from
            while true {
                guard k < b.count else { throw cut }
                let n = Int(b[k])
                k += 1 + n
                if n == 0 { return k }
            }
        }
        var images = 0
        while true {
            guard o < b.count else { throw cut }
            switch b[o] {
            case 0x3B:
                guard images > 0 else { throw Invalid(message: "GIF のファイルに画像がありません") }
                guard o + 1 == b.count else {
                    throw Invalid(message: "GIF のファイルとして読めません（終わり（0x3B）の後に \(b.count - o - 1) バイトのデータがあります）")
                }
                return Info(format: .gif, width: Int(w), height: Int(h))
            case 0x2C:
                guard o + 10 < b.count else { throw cut }
                var k = o + 10
                if b[o + 9] & 0x80 != 0 { k += 3 << (Int(b[o + 9] & 0x07) + 1) }
                o = try subBlocks(k + 1) // after the LZW minimum code size
                images += 1
            case 0x21:
                o = try subBlocks(o + 2)
            default:
                throw Invalid(message: "GIF のファイルとして読めません（\(o) バイト目のブロックが不明です）")
            }
        }
    }

    /// The RIFF size is the file's, and its chunks fill it exactly; the first is the image's bitstream or VP8X.
    static func webp(_ b: [UInt8]) throws(Invalid) -> Info {
        let bad = Invalid(message: "WebP のファイルとして読めません（VP8・VP8L・VP8X のチャンクが壊れています）")
        guard let riff = le(b, 4, 4), let chunk = fourCC(b, 12), let size = le(b, 16, 4),
              20 + Int(size) <= b.count else { throw bad }
        guard Int(riff) + 8 == b.count else {
            throw Invalid(message: "WebP のファイルとして読めません（RIFF の大きさ \(riff) がファイルの大きさと合いません）")
        }
        var o = 12
        while o < b.count {
            guard fourCC(b, o) != nil, let n = le(b, o + 4, 4), o + 8 + Int(n) <= b.count else {
                throw Invalid(message: "WebP のファイルとして読めません（チャンクが途切れています）")
            }
            o += 8 + Int(n) + Int(n & 1)
        }
        guard o == b.count else { throw Invalid(message: "WebP のファイルとして読めません（チャンクが途切れています）") }
        let d = 20
        var w: UInt64 = 0, h: UInt64 = 0
        switch chunk {
        case "VP8 ":
            guard size >= 10, b[d + 3] == 0x9D, b[d + 4] == 0x01, b[d + 5] == 0x2A, let x = le(b, d + 6, 2), let y = le(b, d + 8, 2) else { throw bad }
            w = x & 0x3FFF
            h = y & 0x3FFF
        case "VP8L":
            guard size >= 5, b[d] == 0x2F, let bits = le(b, d + 1, 4) else { throw bad }
            w = (bits & 0x3FFF) + 1
            h = ((bits >> 14) & 0x3FFF) + 1
        case "VP8X":
            guard size >= 10, let x = le(b, d + 4, 3), let y = le(b, d + 7, 3) else { throw bad }
            w = x + 1
            h = y + 1
        default:
            throw bad
        }
        guard w > 0, h > 0 else { throw Invalid(message: "WebP の画像の大きさが 0 です") }
        return Info(format: .webp, width: Int(w), height: Int(h))
    }

    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        ~bytes.reduce(~UInt32(0)) { crcTable[Int(($0 ^ UInt32($1)) & 0xFF)] ^ ($0 >> 8) }
    }
}
