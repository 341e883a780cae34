import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import KohoCore

/// Issue 21: the readers of outside input refuse what is out of range and stay linear on hostile input.
@Suite("Readers of outside input (issue 21)")
struct InboundReadersTests {
    static func mail(from: String = "mailmag@city.kodaira.tokyo.jp", date: String = "Wed, 09 Sep 2026 15:01:02 +0900",
                     subject: String = "お知らせ", body: String = "本文です。") -> Data {
        Data("From: \(from)\r\nDate: \(date)\r\nSubject: \(subject)\r\nMessage-ID: <x@city>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\(body)\r\n".utf8)
    }

    /// Seconds of the clock a call takes.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    // MARK: 2. Out-of-range dates

    @Test("a mail dated in the year 999999999999 is refused with the reason, not a trap")
    func mailFromTheFarFuture() throws {
        for date in ["Wed, 09 Sep 999999999999 15:01:02 +0900", "09 Sep 99999999999999999999999 15:01:02 +0900",
                     "Mon, 01 Jan 0500 00:00:00 +0000", "Fri, 31 Dec 10000 23:59:59 +0900"] {
            let e = #expect(throws: IntakeParseError.self, "\(date)") { try MailParser.parse(Self.mail(date: date)) }
            #expect(e?.message.contains("Date ヘッダーを受け付けません") == true, "\(e?.message ?? "")")
            #expect(e?.message.contains("1900〜9999年") == true, "\(e?.message ?? "")")
        }
        // The bounds themselves and a date that is simply unreadable are fine (no date rather than no mail).
        #expect(try MailParser.parse(Self.mail(date: "Fri, 31 Dec 9999 23:59:59 +0000")).date == InstantBounds.latest)
        #expect(try MailParser.parse(Self.mail(date: "Mon, 01 Jan 1900 00:00:00 +0000")).date == InstantBounds.earliest)
        #expect(try MailParser.parse(Self.mail(date: "いつか")).date == nil)
        #expect(InternetDates.parse("2026-13-01T00:00:00Z") == nil)
        #expect(throws: IntakeParseError.self) { try InternetDates.read("1899-12-31T23:59:59Z") }
    }

    @Test("an RSS pubDate and an Atom updated in the year 999999999999 make the feed refused, naming the item")
    func feedsFromTheFarFuture() throws {
        let rss = Data("""
        <?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>小平市</title>
        <item><title>避難所の開設</title><link>https://www.city.kodaira.tokyo.jp/a.html</link><pubDate>Wed, 09 Sep 999999999999 15:01:02 +0900</pubDate></item>
        </channel></rss>
        """.utf8)
        let e = #expect(throws: IntakeParseError.self) { try FeedParser.parse(rss) }
        #expect(e?.message.contains("項目「避難所の開設」の pubDate") == true, "\(e?.message ?? "")")
        let atom = Data("""
        <?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>気象庁</title>
        <entry><title>気象警報</title><id>urn:x</id><updated>99999-01-01T00:00:00+09:00</updated></entry>
        <entry><title>古い</title><id>urn:y</id><updated>0001-01-01T00:00:00Z</updated></entry>
        <entry><title>大雨警報</title><id>urn:z</id><updated>2026-09-09T06:05:00+09:00</updated></entry>
        </feed>
        """.utf8)
        // Item by item, the bad one is set aside and the others read.
        let each = try FeedParser.parseEach(atom)
        #expect(each.count == 3)
        #expect(each.compactMap { try? $0.get().title } == ["大雨警報"])
        let a = #expect(throws: IntakeParseError.self) { try FeedParser.parse(atom) }
        #expect(a?.message.contains("の updated") == true, "\(a?.message ?? "")")
        #expect(a?.message.contains("1900〜9999年") == true, "\(a?.message ?? "")")
    }

    @Test("dates shown from a stored extreme instant are clamped, never a trap")
    func formattingIsTotal() {
        for t in [1e300, -1e300, Double.infinity, -Double.infinity, Double.nan, 9.3e18, -9.3e18] {
            let d = Date(timeIntervalSince1970: t)
            _ = JapaneseTime.display(d)
            _ = JapaneseTime.displayWithEra(d)
            _ = JapaneseTime.localDate(d)
            _ = JapaneseTime.iso8601(d)
        }
        #expect(JapaneseTime.iso8601(Date(timeIntervalSince1970: 1e300), in: TimeZone(identifier: "UTC")!) == "9999-12-31T23:59:59Z")
        #expect(JapaneseTime.display(Date(timeIntervalSince1970: -1e300)).hasPrefix("1900年1月1日"))
        #expect(JapaneseTime.display(Date(timeIntervalSince1970: 1e300)) == "9999年12月31日(金) 23:59")
        #expect(InstantBounds.instant(secondsSince1970: 1e300) == nil)
        #expect(InstantBounds.instant(secondsSince1970: .nan) == nil)
        #expect(InstantBounds.instant(secondsSince1970: 1_795_000_000) == Date(timeIntervalSince1970: 1_795_000_000))
    }

    // MARK: 5. Linear parsers

    static let bound = 2.0

    @Test("100 KB of brackets after a URL: found in linear time, the closing brackets kept in balance")
    func textURLsBrackets() {
        let text = "https://www.city.kodaira.tokyo.jp/a" + String(repeating: ")", count: 100_000)
        var found: [String] = []
        let t = Self.seconds { found = TextURLs.find(in: text) }
        #expect(t < Self.bound, "\(t) s")
        #expect(found == ["https://www.city.kodaira.tokyo.jp/a"])
        #expect(TextURLs.find(in: "（https://ja.wikipedia.org/wiki/小平_(東京都))です") == ["https://ja.wikipedia.org/wiki/"])
        #expect(TextURLs.find(in: "see https://example.jp/wiki/A_(b)).") == ["https://example.jp/wiki/A_(b)"])
    }

    @Test("100 KB of unquoted href= in an HTML mail: linear")
    func htmlHrefRuns() throws {
        let html = "<html><body><a " + String(repeating: "href=", count: 20_000) + "https://www.city.kodaira.tokyo.jp/x>リンク</a></body></html>"
        var links: [String] = []
        let t = Self.seconds { links = HTMLText.links(html) }
        #expect(t < Self.bound, "\(t) s")
        #expect(links.isEmpty || links.allSatisfy { $0.hasPrefix("http") })
        let mail = Data("From: mailmag@city.kodaira.tokyo.jp\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\(html)".utf8)
        let m = try #require(try? MailParser.parse(mail))
        #expect(m.text.contains("リンク"))
    }

    @Test("100 KB of =? in a subject and in a sender name: linear, and the encoded words still decoded")
    func encodedWordRuns() throws {
        let run = String(repeating: "=?utf-8?B?", count: 10_000)
        let mail = Data("From: \(run) <mailmag@city.kodaira.tokyo.jp>\r\nSubject: =?UTF-8?B?5bCP5bmz5biC?= \(run)\r\n\r\n本文\r\n".utf8)
        var m: MailMessage?
        let t = try Self.seconds { m = try MailParser.parse(mail) }
        #expect(t < Self.bound, "\(t) s")
        #expect(m?.subject.hasPrefix("小平市") == true)
        #expect(m?.from == "mailmag@city.kodaira.tokyo.jp")
        // Adjacent words split inside a character are joined before decoding, as before.
        #expect(MailParser.decodeWords("=?UTF-8?B?5bCP?= =?UTF-8?B?5bmz5biC?=") == "小平市")
        #expect(MailParser.decodeWords("a =?x?=?") == "a =?x?=?")
    }

    @Test("a comment of 100 KB of numerals (ASCII, full-width and kanji) is classified in linear time")
    func numeralRuns() {
        let classifier = CommentClassifier()
        for digit in ["1", "１", "三"] {
            let text = String(repeating: digit, count: 100_000 / digit.utf8.count) + "番地"
            let t = Self.seconds { _ = classifier.assess(text) }
            #expect(t < Self.bound, "\(digit): \(t) s")
        }
    }

    @Test("an element with 400,000 attributes is refused at once; a usual feed still reads")
    func xmlAttributes() throws {
        var doc = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><item "
        for i in 0..<20_000 { doc += "a\(i)=\"\" " }
        doc += "><title>x</title></item></channel></rss>"
        #expect(doc.utf8.count >= 100_000)
        var error: IntakeParseError?
        let t = Self.seconds { error = #expect(throws: IntakeParseError.self) { try FeedParser.parse(Data(doc.utf8)) } }
        #expect(t < Self.bound, "\(t) s")
        #expect(error?.message.contains("属性が多すぎる") == true, "\(error?.message ?? "")")
        let fine = try FeedParser.parse(Data("<rss version=\"2.0\"><channel><item a=\"1\" b='>'><title>避難所</title></item></channel></rss>".utf8))
        #expect(fine.map(\.title) == ["避難所"])
    }

    // MARK: 6. Forged senders

    @Test("an address inside an encoded word is not the sender; the addr-spec a server sees is")
    func forgedSenders() throws {
        let hidden = Data("<mailmag@city.kodaira.tokyo.jp>".utf8).base64EncodedString()
        let forged = [
            "attacker@evil.example =?UTF-8?B?\(hidden)?=",
            "attacker@evil.example =?UTF-8?Q?<mailmag@city.kodaira.tokyo.jp>?=",
            "=?UTF-8?Q?<mailmag@city.kodaira.tokyo.jp>?=",
            "\"x\" <attacker@evil.example> <mailmag@city.kodaira.tokyo.jp>x",
            "mailmag@city.kodaira.tokyo.jp attacker@evil.example",
        ]
        for from in forged {
            let e = #expect(throws: IntakeParseError.self, "\(from)") { try MailParser.parse(Self.mail(from: from)) }
            #expect(e?.message.hasPrefix("差出人のアドレスが読めません") == true, "\(e?.message ?? "")")
        }
        // The encoded display name of the real sender is decoded; the address is the one in the angle brackets.
        let name = Data("小平市役所 <mailmag@city.kodaira.tokyo.jp>".utf8).base64EncodedString()
        let m = try MailParser.parse(Self.mail(from: "=?UTF-8?B?\(name)?= <attacker@evil.example>"))
        #expect(m.from == "attacker@evil.example")
        #expect(m.fromName == "小平市役所 <mailmag@city.kodaira.tokyo.jp>")
        let plain = try MailParser.parse(Self.mail(from: "mailmag@city.kodaira.tokyo.jp (小平市 (広報))"))
        #expect(plain.from == "mailmag@city.kodaira.tokyo.jp")
        #expect(plain.fromName == "小平市 (広報)")
        #expect(try MailParser.parse(Self.mail(from: "\"Kodaira, City\" <mailmag@city.kodaira.tokyo.jp>")).fromName == "Kodaira, City")
    }

    @Test("with the relay's authserv-id set, only its topmost Authentication-Results with a pass for the sender's domain counts")
    func relayAuthentication() throws {
        let mail = Data("""
        Authentication-Results: mx.city.kodaira.tokyo.jp;\r\n spf=pass smtp.mailfrom=mailmag@city.kodaira.tokyo.jp;\r\n dkim=none\r\n\
        Authentication-Results: mx.city.kodaira.tokyo.jp; spf=fail smtp.mailfrom=evil.example\r\n\
        From: mailmag@city.kodaira.tokyo.jp\r\nSubject: x\r\n\r\nbody\r\n
        """.utf8)
        let m = try MailParser.parse(mail)
        #expect(m.authenticationResults.count == 2)
        #expect(MailParser.authenticated(m.authenticationResults, authservID: "MX.city.kodaira.tokyo.jp", from: m.from))
        #expect(!MailParser.authenticated(m.authenticationResults, authservID: "other.relay", from: m.from))
        let forged = [
            "mx.city.kodaira.tokyo.jp; dkim=pass header.d=evil.example",          // a pass, for another domain
            "mx.city.kodaira.tokyo.jp; spf=fail (spf=pass smtp.mailfrom=city.kodaira.tokyo.jp) smtp.mailfrom=x", // in a comment
            "evil.example; spf=pass smtp.mailfrom=city.kodaira.tokyo.jp",          // another authserv-id
            "mx.city.kodaira.tokyo.jp.evil.example; dkim=pass header.d=city.kodaira.tokyo.jp",
        ]
        for r in forged {
            #expect(!MailParser.authenticated([r], authservID: "mx.city.kodaira.tokyo.jp", from: "mailmag@city.kodaira.tokyo.jp"), "\(r)")
        }
        #expect(MailParser.authenticated(["mx.city.kodaira.tokyo.jp 1; dkim=pass header.d=city.kodaira.tokyo.jp header.s=s1"],
                                         authservID: "mx.city.kodaira.tokyo.jp", from: "mailmag@city.kodaira.tokyo.jp"))
    }

    // MARK: 10. Escaping by scalar

    @Test("a quote or < joined to a combining mark, or after a prepended mark, is still escaped")
    func escapingByScalar() {
        #expect(HTMLEscaping.escape("\"\u{301} onmouseover=x") == "&quot;\u{301} onmouseover=x")
        #expect(HTMLEscaping.escape("<\u{301}script>") == "&lt;\u{301}script&gt;")
        #expect(HTMLEscaping.escapeText("\u{600}<script>") == "\u{600}&lt;script&gt;")
        #expect(HTMLEscaping.escape("a\u{0}b\u{1B}c\u{7F}d\u{85}e\u{FFFF}") == "a\u{2400}b\u{241B}c\u{2421}d[U+0085]e\u{FFFD}")
        #expect(HTMLEscaping.escape("行\n\tよ\r") == "行\n\tよ\r")
        #expect(HTMLEscaping.showingBidiControls("abc\u{202E}txt.exe\u{2066}") == "abc[U+202E]txt.exe[U+2066]")
        // The XML form parses as XML with the text it was given (but the characters XML cannot carry).
        let title = "<\u{301}避難所\u{FFFF}\u{202E}\"'&"
        let doc = "<?xml version=\"1.0\" encoding=\"utf-8\"?><t a=\"\(HTMLEscaping.xml(title))\">\(HTMLEscaping.xml(title))</t>"
        let parser = XMLParser(data: Data(doc.utf8))
        #expect(parser.parse(), "\(doc)")
    }

    // MARK: 12. Media and XML encodings

    @Test("a PNG with a valid IHDR followed by HTML, a JPEG without EOI, a GIF or WebP with trailing data are refused")
    func mediaToTheEnd() throws {
        let html = Data("<html><script>alert(1)</script></html>".utf8)
        let png = MediaFixtures.png()
        let ihdrOnly = png.prefix(33)
        let cases: [(String, Data, String)] = [
            ("IHDR then HTML", ihdrOnly + html, "PNG"),
            ("PNG then HTML after IEND", png + html, "IEND の後に"),
            ("PNG without IDAT", ihdrOnly + Data(MediaFixtures.pngChunk("IEND", [])), "IDAT"),
            ("PNG with a bad IDAT CRC", { var d = png; d[d.count - 14] ^= 0xFF; return d }(), "IDAT の CRC"),
            ("JPEG cut before EOI", MediaFixtures.jpeg().dropLast(2), "EOI"),
            ("JPEG then HTML", MediaFixtures.jpeg() + html, "EOI"),
            ("GIF then HTML", MediaFixtures.gif() + html, "GIF"),
            ("GIF without trailer", MediaFixtures.gif().dropLast(), "GIF"),
            ("WebP with a RIFF size short of the file", MediaFixtures.webp() + html, "RIFF"),
            ("bare TS packets", Data((0..<3).flatMap { _ in [0x47, 0x1F, 0xFF, 0x10] + [UInt8](repeating: 0xFF, count: 184) }), "PAT"),
            ("TS without a video stream", MediaFixtures.mpegTS(streamType: 0x0F), "映像のストリーム"),
        ]
        for (name, data, says) in cases {
            let e = #expect(throws: MediaContainer.Invalid.self, "\(name)") { try MediaContainer.identify(data) }
            #expect(e?.message.contains(says) == true, "\(name): \(e?.message ?? "")")
        }
        #expect(try MediaContainer.identify(MediaFixtures.mpegTS()).format == .ts)
    }

    @Test("an entity declaration in UTF-16 is refused too, before the parser sees it")
    func entityInUTF16() throws {
        let doc = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\">]><rss><channel><item><title>&a;</title></item></channel></rss>"
        for data in [doc.data(using: .utf16)!, doc.data(using: .utf16BigEndian)!, doc.data(using: .utf16LittleEndian)!] {
            let e = #expect(throws: IntakeParseError.self) { try FeedParser.parse(data) }
            #expect(e?.message.contains("UTF-16") == true, "\(e?.message ?? "")")
        }
        // Found by `koho fuzz feed`: a start tag whose name is not UTF-8 trapped in Foundation's parser.
        var broken = Data("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><item><title>x</title><".utf8)
        broken += Data([0xC3]) + Data("/item></channel></rss>".utf8)
        let b = #expect(throws: IntakeParseError.self) { try FeedParser.parse(broken) }
        #expect(b?.message.contains("UTF-8 として読めないバイト") == true, "\(b?.message ?? "")")
        for pi in ["<?xm?><rss><channel/></rss>", "<rss><?x ?><channel/></rss>"] {
            let p = #expect(throws: IntakeParseError.self, "\(pi)") { try FeedParser.parse(Data(pi.utf8)) }
            #expect(p?.message.contains("処理命令") == true, "\(p?.message ?? "")")
        }
        #expect(try FeedParser.parse(Data("<?xml version=\"1.0\"?><?xml-stylesheet href=\"a.xsl\"?><rss><channel/></rss>".utf8)).isEmpty)
        let declared = Data("<?xml version=\"1.0\" encoding=\"UTF-7\"?><rss><channel/></rss>".utf8)
        let e = #expect(throws: IntakeParseError.self) { try FeedParser.parse(declared) }
        #expect(e?.message.contains("UTF-7") == true || e?.message.contains("utf-7") == true, "\(e?.message ?? "")")
    }
}
