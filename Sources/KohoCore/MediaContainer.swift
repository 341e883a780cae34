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
            guard len.value <= UInt64(end - body) else { throw bad }
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

    /// 188-byte packets, each starting with the sync byte.
    static func mpegTS(_ b: [UInt8]) throws(Invalid) -> Info {
        guard b.count % 188 == 0, stride(from: 0, to: b.count, by: 188).allSatisfy({ b[$0] == 0x47 }) else {
            throw Invalid(message: "MPEG-TS のファイルとして読めません（パケットの同期が合いません）")
        }
        return Info(format: .ts, width: nil, height: nil)
    }

    // MARK: - Images

    static func png(_ b: [UInt8]) throws(Invalid) -> Info {
        guard be(b, 8, 4) == 13, fourCC(b, 12) == "IHDR", let w = be(b, 16, 4), let h = be(b, 20, 4), let crc = be(b, 29, 4) else {
            throw Invalid(message: "PNG のファイルとして読めません（IHDR がありません）")
        }
        guard UInt64(crc32(b[12..<29])) == crc else { throw Invalid(message: "PNG のファイルとして読めません（IHDR の CRC が合いません）") }
        guard w > 0, h > 0, w <= 0x7FFF_FFFF, h <= 0x7FFF_FFFF else { throw Invalid(message: "PNG の画像の大きさが 0 です") }
        return Info(format: .png, width: Int(w), height: Int(h))
    }

    /// Segments up to the first start of frame, which gives the size.
    static func jpeg(_ b: [UInt8]) throws(Invalid) -> Info {
        let bad = Invalid(message: "JPEG のファイルとして読めません（画像の大きさ（SOF）がありません）")
        var o = 2
        while o + 4 <= b.count {
            guard b[o] == 0xFF else { throw bad }
            let marker = b[o + 1]
            if marker == 0xFF { o += 1; continue } // fill byte
            if marker == 0xD8 || marker == 0xD9 || marker == 0xDA { throw bad } // SOF must come before the scan
            if (0xD0...0xD7).contains(marker) || marker == 0x01 { o += 2; continue }
            guard let len = be(b, o + 2, 2), len >= 2, o + 2 + Int(len) <= b.count else { throw bad }
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard len >= 8, let h = be(b, o + 5, 2), let w = be(b, o + 7, 2), h > 0, w > 0 else { throw bad }
                return Info(format: .jpg, width: Int(w), height: Int(h))
            }
            o += 2 + Int(len)
        }
        throw bad
    }

    static func gif(_ b: [UInt8]) throws(Invalid) -> Info {
        guard b.count >= 14, let w = le(b, 6, 2), let h = le(b, 8, 2), w > 0, h > 0 else {
            throw Invalid(message: "GIF のファイルとして読めません（画面の大きさがありません）")
        }
        return Info(format: .gif, width: Int(w), height: Int(h))
    }

    static func webp(_ b: [UInt8]) throws(Invalid) -> Info {
        let bad = Invalid(message: "WebP のファイルとして読めません（VP8・VP8L・VP8X のチャンクが壊れています）")
        guard let riff = le(b, 4, 4), Int(riff) + 8 <= b.count, let chunk = fourCC(b, 12), let size = le(b, 16, 4),
              20 + Int(size) <= b.count else { throw bad }
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
