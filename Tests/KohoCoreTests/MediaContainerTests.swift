import Foundation
import Testing
@testable import KohoCore

/// Smallest well-formed files of each kind, built byte by byte.
enum MediaFixtures {
    static func u32be(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func u32le(_ v: Int) -> [UInt8] { u32be(v).reversed() }
    static func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }

    static func box(_ type: String, _ body: [UInt8]) -> [UInt8] { u32be(8 + body.count) + ascii(type) + body }

    static func mp4(brand: String = "mp42", payload: Int = 64) -> Data {
        let ftyp = box("ftyp", ascii(brand) + u32be(0) + ascii("mp42") + ascii("isom"))
        let mvhd = box("mvhd", [UInt8](repeating: 0, count: 100))
        return Data(ftyp + box("moov", mvhd) + box("mdat", [UInt8](repeating: 7, count: payload)))
    }

    static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        u32be(data.count) + ascii(type) + data + u32be(Int(MediaContainer.crc32(ascii(type) + data)))
    }

    static func png(width: Int = 1, height: Int = 1) -> Data {
        let ihdr = u32be(width) + u32be(height) + [8, 0, 0, 0, 0]
        // A zlib stream of one filtered grey pixel.
        let idat: [UInt8] = [0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", ihdr) + pngChunk("IDAT", idat) + pngChunk("IEND", []))
    }

    static func jpeg() -> Data {
        let app0: [UInt8] = [0xFF, 0xE0, 0x00, 0x10] + ascii("JFIF") + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        let sof0: [UInt8] = [0xFF, 0xC0, 0x00, 0x0B, 8, 0x00, 0x02, 0x00, 0x03, 1, 1, 0x11, 0]
        let sos: [UInt8] = [0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0]
        return Data([0xFF, 0xD8] + app0 + sof0 + sos + [0x00, 0xFF, 0xD9])
    }

    static func gif() -> Data {
        Data(ascii("GIF89a") + [1, 0, 1, 0, 0, 0, 0] + [0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B])
    }

    static func webp() -> Data {
        // VP8L, 1×1: signature 0x2F, then 14 bits width−1 and 14 bits height−1 (both 0).
        let vp8l: [UInt8] = [0x2F, 0x00, 0x00, 0x00, 0x00, 0x00]
        let chunk = ascii("VP8L") + u32le(vp8l.count) + vp8l
        return Data(ascii("RIFF") + u32le(4 + chunk.count) + ascii("WEBP") + chunk)
    }

    static func webm(docType: String = "webm") -> Data {
        let dt = [UInt8](ascii(docType))
        let header: [UInt8] = [0x42, 0x86, 0x81, 0x01] + [0x42, 0x82, 0x80 | UInt8(dt.count)] + dt
        return Data([0x1A, 0x45, 0xDF, 0xA3, 0x80 | UInt8(header.count)] + header + [0x18, 0x53, 0x80, 0x67, 0x80])
    }

    static func avi() -> Data {
        let avih = ascii("avih") + u32le(56) + [UInt8](repeating: 0, count: 56)
        let list = ascii("LIST") + u32le(4 + avih.count) + ascii("hdrl") + avih
        return Data(ascii("RIFF") + u32le(4 + list.count) + ascii("AVI ") + list)
    }

    static func mpegPS() -> Data {
        // An MPEG-2 pack header (no stuffing), then the end code.
        Data([0x00, 0x00, 0x01, 0xBA, 0x44, 0x00, 0x04, 0x00, 0x04, 0x01, 0x01, 0x89, 0xC3, 0xF8, 0x00, 0x00, 0x01, 0xB9])
    }

    /// A packet of `pid` starting a section (pointer field 0), padded with 0xFF.
    static func tsSection(pid: Int, _ section: [UInt8]) -> [UInt8] {
        let head: [UInt8] = [0x47, 0x40 | UInt8(pid >> 8 & 0x1F), UInt8(pid & 0xFF), 0x10, 0x00]
        return head + section + [UInt8](repeating: 0xFF, count: 188 - head.count - section.count)
    }

    /// A PAT naming program 1 at PID 0x100, its PMT with one stream of `streamType` (H.264 by default) at PID 0x101,
    /// and a packet of that stream. The CRCs are not checked and left zero.
    static func mpegTS(streamType: UInt8 = 0x1B) -> Data {
        let pat: [UInt8] = [0x00, 0xB0, 13, 0x00, 0x01, 0xC1, 0x00, 0x00, 0x00, 0x01, 0xE1, 0x00, 0, 0, 0, 0]
        let pmt: [UInt8] = [0x02, 0xB0, 18, 0x00, 0x01, 0xC1, 0x00, 0x00, 0xE1, 0x01, 0xF0, 0x00,
                            streamType, 0xE1, 0x01, 0xF0, 0x00, 0, 0, 0, 0]
        let video: [UInt8] = [0x47, 0x41, 0x01, 0x10] + [0x00, 0x00, 0x01, 0xE0] + [UInt8](repeating: 0, count: 180)
        return Data(tsSection(pid: 0, pat) + tsSection(pid: 0x100, pmt) + video)
    }
}

@Suite struct MediaContainerTests {
    @Test func wellFormedFilesAreRecognisedWithTheirSize() throws {
        #expect(try MediaContainer.identify(MediaFixtures.mp4()).format == .mp4)
        #expect(try MediaContainer.identify(MediaFixtures.mp4(brand: "qt  ")).format == .mov)
        #expect(try MediaContainer.identify(MediaFixtures.mp4(brand: "isom")).format == .mp4)
        #expect(try MediaContainer.identify(MediaFixtures.webm()).format == .webm)
        #expect(try MediaContainer.identify(MediaFixtures.webm(docType: "matroska")).format == .mkv)
        #expect(try MediaContainer.identify(MediaFixtures.avi()).format == .avi)
        #expect(try MediaContainer.identify(MediaFixtures.mpegPS()).format == .mpg)
        #expect(try MediaContainer.identify(MediaFixtures.mpegTS()).format == .ts)
        #expect(try MediaContainer.identify(MediaFixtures.png(width: 3, height: 2)) == .init(format: .png, width: 3, height: 2))
        #expect(try MediaContainer.identify(MediaFixtures.jpeg()) == .init(format: .jpg, width: 3, height: 2))
        #expect(try MediaContainer.identify(MediaFixtures.gif()) == .init(format: .gif, width: 1, height: 1))
        #expect(try MediaContainer.identify(MediaFixtures.webp()) == .init(format: .webp, width: 1, height: 1))
    }

    /// The forgeries of the attack: a file that starts like an MP4 or a PNG and is something else.
    @Test func signaturesFollowedByAnythingElseAreRefused() {
        let html = Data("<html><script>alert(1)</script></html>".utf8)
        let forged: [(String, Data)] = [
            ("ftyp then HTML", Data([0, 0, 0, 0x18]) + Data("ftypmp42".utf8) + Data(repeating: 0, count: 12) + html),
            ("ftyp alone, no moov", Data(MediaFixtures.box("ftyp", MediaFixtures.ascii("mp42") + MediaFixtures.u32be(0) + MediaFixtures.ascii("isom")))),
            ("unknown brand", MediaFixtures.mp4(brand: "<htm")),
            ("box longer than the file", MediaFixtures.mp4().dropLast(10)),
            ("bytes after the last box", MediaFixtures.mp4() + html),
            ("bare PNG signature", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(repeating: 3, count: 8)),
            ("PNG with a bad IHDR CRC", { var d = MediaFixtures.png(); d[30] ^= 0xFF; return d }()),
            ("PNG 0×0", MediaFixtures.png(width: 0, height: 0)),
            ("JPEG signature then HTML", Data([0xFF, 0xD8, 0xFF, 0xE0]) + html),
            ("GIF 0×0", Data("GIF89a".utf8) + Data(repeating: 0, count: 10)),
            ("WebP without a VP8 chunk", Data("RIFF".utf8) + Data([12, 0, 0, 0]) + Data("WEBPHTML".utf8) + Data(repeating: 0, count: 4)),
            ("EBML of another kind", MediaFixtures.webm(docType: "html")),
            ("AVI without its header list", Data("RIFF".utf8) + Data([4, 0, 0, 0]) + Data("AVI ".utf8)),
            ("MPEG pack then HTML", Data([0x00, 0x00, 0x01, 0xBA]) + html),
            ("HTML", html),
        ]
        for (name, data) in forged {
            #expect(throws: MediaContainer.Invalid.self, "\(name)") { try MediaContainer.identify(data) }
        }
    }

    /// Issue 21, "no trap on data from outside": an EBML element whose header runs past the EBML header's end was a
    /// negative length converted to UInt64, which stopped the process on a crafted upload.
    @Test func anEBMLElementRunningPastItsHeaderIsRefusedNotATrap() {
        let crafted = Data([0x1A, 0x45, 0xDF, 0xA3, 0x81, 0x42, 0x82, 0x84] + [UInt8](repeating: 0x77, count: 64))
        #expect(throws: MediaContainer.Invalid.self) { try MediaContainer.identify(crafted) }
    }

    @Test func refusalsSayWhyInJapanese() {
        let e = #expect(throws: MediaContainer.Invalid.self) { try MediaContainer.identify(MediaFixtures.mp4().prefix(24) + Data("<html>".utf8)) }
        #expect(e?.message.contains("MP4") == true)
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(MediaContainer.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
