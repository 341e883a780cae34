import Foundation
import Testing
@testable import KohoCore

/// The JSON, UUIDs and times written by hand for speed give exactly what Foundation gives: a stored approval hash
/// must not change, and API clients read the same values.
@Suite struct HandWrittenTextTests {
    /// Text with every kind of character a post or a platform may carry.
    static let messy: [String] = {
        var all = ""
        for u in 0..<0x80 { all.unicodeScalars.append(Unicode.Scalar(u)!) }
        return [
            "", all, "市民まつり／https://www.city.kodaira.tokyo.jp/a/b?c=1&d=\"e\"", "改行\r\nと\tタブ\u{0B}と\u{7F}",
            "\u{2028}\u{2029}\u{FEFF}é́😀👨‍👩‍👧", "\\\\\"//\u{0}\u{1F}", String(repeating: "小平🌸", count: 2_000),
            "１２３ＡＢＣｱｲｳ", "</script><b>&amp;</b>",
        ]
    }()

    static func sameValue(_ a: Data, _ b: Data) throws -> Bool {
        let x = try JSONSerialization.jsonObject(with: a) as? NSDictionary, y = try JSONSerialization.jsonObject(with: b) as? NSDictionary
        return x != nil && x == y
    }

    struct Wrapped: Codable { let a: String?; let b: Int?; let c: Bool; let d: [String] }

    @Test func jsonTextWritesWhatJSONEncoderWrites() throws {
        let plain = JSONEncoder()
        let canonical = JSONEncoder()
        canonical.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for s in Self.messy {
            // Members in key order, as `.sortedKeys` writes them: then the bytes must be the same.
            var j = JSONText(escapingSlashes: false)
            j.beginObject(); j.field("a", s); j.field("b", -42); j.field("c", true); j.field("d", [s, ""]); j.endObject()
            #expect(j.string == String(decoding: try canonical.encode(Wrapped(a: s, b: -42, c: true, d: [s, ""])), as: UTF8.self))
            // Slashes escaped, as the API's encoder writes them (its members come in no fixed order: compared as values).
            var k = JSONText()
            k.beginObject(); k.field("a", s); k.field("b", -42); k.field("c", true); k.field("d", [s, ""]); k.endObject()
            #expect(k.string.contains(#"\/"#) == s.contains("/"))
            #expect(try Self.sameValue(Data(k.bytes), plain.encode(Wrapped(a: s, b: -42, c: true, d: [s, ""]))))
        }
        var empty = JSONText()
        empty.beginObject(); empty.field("a", nil as String?); empty.field("b", nil as Int?); empty.field("c", false); empty.field("d", []); empty.endObject()
        #expect(try Self.sameValue(Data(empty.bytes), plain.encode(Wrapped(a: nil, b: nil, c: false, d: []))))
        #expect(empty.string == #"{"c":false,"d":[]}"#)
    }

    @Test func renderingHashIsTheOneJSONEncoderGave() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for s in Self.messy {
            let full = Rendering(kind: .youtubeVideo, platform: .youtube, handle: "UC/\(s)", text: s, title: s, link: "https://x/\(s)",
                                 quotedPostID: s, inReplyTo: s, privacyStatus: "public", mediaSHA256: String(repeating: "ab", count: 32))
            let bare = Rendering(kind: .xPost, platform: .x, handle: "kodaira_tokyo", text: s)
            for r in [full, bare] {
                #expect(r.canonicalJSON == (try encoder.encode(r)))
                var j = JSONText()
                r.writeJSON(into: &j)
                #expect(try Self.sameValue(Data(j.bytes), JSONEncoder().encode(r)))
            }
        }
        // An approval recorded before the JSON was written by hand keeps its hash.
        let known = Rendering(kind: .xPost, platform: .x, handle: "kodaira_tokyo", text: "年末年始の窓口のお知らせ\nhttps://www.city.kodaira.tokyo.jp/")
        #expect(known.hash == "bfe6e0ed3db8f379a5fcd3ea53febc12e52cd317b92358c48f7e96244ffbd6a1")
    }

    @Test func uuidTextMatchesFoundation() {
        for _ in 0..<2_000 {
            let u = UUID()
            #expect(UUIDText.string(u) == u.uuidString.lowercased())
            #expect(UUIDText.string(u, uppercase: true) == u.uuidString)
            #expect(UUIDText.parse(u.uuidString) == u)
            #expect(UUIDText.parse(u.uuidString.lowercased()) == u)
        }
        for bad in ["", "7c9e6679-7425-40de-944b-e07fc1f90ae", "7c9e6679-7425-40de-944b-e07fc1f90ae7a", "7c9e6679x7425-40de-944b-e07fc1f90ae7",
                    "7c9e6679-7425-40de-944b-e07fc1f90aeg", "７c9e6679-7425-40de-944b-e07fc1f90ae7", "7c9e66797425-40de-944b-e07fc1f90ae7-"] {
            #expect(UUIDText.parse(bad) == nil)
            #expect(UUID(uuidString: bad) == nil)
        }
    }

    @Test func iso8601MatchesAFormatterInTokyoAndElsewhere() {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        // The bounds themselves are kept inside them on purpose (see `localSeconds`): compared from a day within.
        var instants: [Date] = [InstantBounds.earliest + 86_400, InstantBounds.latest - 86_400, Date(timeIntervalSince1970: 0),
                                Date(timeIntervalSince1970: -568_080_001), Date(timeIntervalSince1970: -620_000_000)]
        var seed: UInt64 = 7
        for _ in 0..<3_000 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            instants.append(Date(timeIntervalSince1970: Double(Int64(bitPattern: seed >> 1) % 8_000_000_000)))
        }
        for zone in [JapaneseTime.tokyo, TimeZone(identifier: "UTC")!, TimeZone(identifier: "America/New_York")!] {
            f.timeZone = zone
            for t in instants where t >= InstantBounds.earliest + 86_400 && t <= InstantBounds.latest - 86_400 {
                #expect(JapaneseTime.iso8601(t, in: zone) == f.string(from: t).replacingOccurrences(of: "+00:00", with: "Z"))
            }
        }
    }
}
