import Foundation
import Testing
@testable import KohoCore

@Suite("Mail magazine messages (MailParser)")
struct MailParserTests {
    func mail(_ name: String) throws -> MailMessage {
        try MailParser.parse(IntakeFixtures.data("mail", name))
    }

    @Test("ISO-2022-JP, 7bit: folded subject over two encoded words, encoded sender name, the article link")
    func iso2022jp() throws {
        let m = try mail("iso2022jp-7bit.eml")
        #expect(m.subject == "【小平市】台風第１０号に伴う避難所の開設について")
        #expect(m.from == "mailmag@city.kodaira.tokyo.jp")
        #expect(m.fromName == "小平市役所")
        #expect(m.messageID == "20260909150102.4711@mail.city.kodaira.tokyo.jp")
        #expect(m.date == InternetDates.parse("2026-09-09T06:01:02Z"))
        #expect(m.text.hasPrefix("小平市メールマガジン　緊急情報\n\n台風第１０号の接近に伴い"))
        #expect(m.text.contains("（問い合わせ）防災危機管理課　042-346-9500"))
        #expect(!m.text.contains("\r"))
        #expect(m.links == ["https://www.city.kodaira.tokyo.jp/kurashi/bousai/123456.html"])
    }

    @Test("Shift_JIS (CP932: ①, ～) quoted-printable, Q-encoded subject; a link that runs into Japanese text")
    func shiftJIS() throws {
        let m = try mail("shiftjis-qp.eml")
        #expect(m.subject == "断水のお知らせ")
        #expect(m.from == "info@city.kodaira.tokyo.jp")
        #expect(m.fromName == "Kodaira City")
        #expect(m.date == InternetDates.parse("2026-09-09T23:30:00Z"))
        #expect(m.text.hasPrefix("小平市からのお知らせ　①断水のお知らせ"))
        #expect(m.text.contains("９時～１２時"))
        #expect(m.links == ["https://www.city.kodaira.tokyo.jp/kurashi/suido/000789.html"])
    }

    @Test("UTF-8 base64 with LF line ends and a folded Content-Type; query strings stay in the link")
    func utf8Base64() throws {
        let m = try mail("utf8-base64.eml")
        #expect(m.subject == "大雨警報が発表されました")
        #expect(m.fromName == nil)
        #expect(m.date == InternetDates.parse("2026-09-09T07:00:00Z"))
        #expect(m.text.contains("不要不急の外出は控えてください。"))
        #expect(m.links == ["https://www.city.kodaira.tokyo.jp/bousai/alert.html?id=42&lang=ja"])
    }

    @Test("multipart/mixed with multipart/alternative: the plain part wins over HTML and the attachment; mixed-charset subject")
    func multipart() throws {
        let m = try mail("multipart-mixed.eml")
        #expect(m.subject == "【小平市】避難指示の発令")
        #expect(m.fromName == "小平市 防災危機管理課")
        #expect(m.text == "【小平市】避難指示の発令\n\n小平市は学園西町全域に避難指示を発令しました。\nhttps://www.city.kodaira.tokyo.jp/bousai/hinan.html")
        #expect(!m.text.contains("PDF"))
        #expect(m.links == ["https://www.city.kodaira.tokyo.jp/bousai/hinan.html"])
    }

    @Test("HTML only: markup, style and script dropped, entities decoded, links from href then from the text")
    func htmlOnly() throws {
        let m = try mail("html-only-qp.eml")
        #expect(m.subject == "計画運休 (西武線)")
        #expect(m.text.hasPrefix("計画運休のお知らせ\n西武線は 9月9日&10日に計画運休します。"))
        #expect(!m.text.contains("alert(1)"))
        #expect(!m.text.contains("color:red"))
        #expect(!m.text.contains("<"))
        #expect(m.links == ["https://www.city.kodaira.tokyo.jp/kotsu/unkyu.html", "https://www.seiburailway.jp/"])
    }

    @Test("EUC-JP 8bit with half-width kana; address (Name) form")
    func eucJP() throws {
        let m = try mail("eucjp-8bit.eml")
        #expect(m.subject == "市民まつり中止")
        #expect(m.from == "info@city.kodaira.tokyo.jp")
        #expect(m.fromName == "Kodaira City")
        #expect(m.text.contains("ｺﾀﾞｲﾗ 市民まつりは中止します。"))
        #expect(m.links == ["https://www.city.kodaira.tokyo.jp/event/matsuri.html"])
    }

    @Test("real mess: raw Shift_JIS in a header, a mislabelled charset, a broken byte, no MIME headers at all")
    func mess() throws {
        var raw = Data("From: info@city.kodaira.tokyo.jp\r\nSubject: ".utf8)
        raw.append(Data([0x92, 0x66, 0x90, 0x85])) // 断水 in Shift_JIS, unencoded
        raw.append(Data("\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n".utf8))
        raw.append(Data([0x92, 0x66, 0x90, 0x85, 0xFF, 0x82, 0xA0])) // 断水, a broken byte, あ — labelled ASCII
        raw.append(Data(" https://example.jp/a\r\n".utf8))
        let m = try MailParser.parse(raw)
        #expect(m.subject == "断水")
        #expect(m.text.hasPrefix("断水"))
        #expect(m.text.contains("あ"))
        #expect(m.links == ["https://example.jp/a"])

        let bare = try MailParser.parse(Data("From: a@example.jp\nSubject: plain\n\nhello http://example.jp/x.\n".utf8))
        #expect(bare.text == "hello http://example.jp/x.\n")
        #expect(bare.links == ["http://example.jp/x"])
    }

    @Test("not mail: binary junk, no From, an unreadable sender, an oversized message — each a clear error")
    func notMail() {
        let bad: [Data] = [
            Data([0x00, 0x01, 0x02, 0xFF]),
            Data("Subject: no sender\r\n\r\nbody".utf8),
            Data("From: nobody\r\nSubject: x\r\n\r\nbody".utf8),
            Data(),
            Data(count: MailParser.maxBytes + 1),
        ]
        for d in bad {
            #expect(throws: IntakeParseError.self) { try MailParser.parse(d) }
        }
    }

    @Test("charset decoding: Foundation's ISO-2022-JP and Shift_JIS, our EUC-JP, and the guess for unlabelled bytes")
    func charsets() {
        let text = "小平市①～ｱ"
        let sjis: [UInt8] = [0x8F, 0xAC, 0x95, 0xBD, 0x8E, 0x73, 0x87, 0x40, 0x81, 0x60, 0xB1]
        #expect(JapaneseCharsets.decode(sjis, charset: "Windows-31J") == text)
        #expect(JapaneseCharsets.decode(sjis, charset: nil) == text)
        let euc: [UInt8] = [0xBE, 0xAE, 0xCA, 0xBF, 0xBB, 0xD4, 0x8E, 0xB1]
        #expect(JapaneseCharsets.decode(euc, charset: "euc-jp") == "小平市ｱ")
        #expect(JapaneseCharsets.guess(euc) == .eucJP)
        let jis: [UInt8] = [0x1B, 0x24, 0x42, 0x3E, 0x2E, 0x4A, 0x3F, 0x3B, 0x54, 0x1B, 0x28, 0x42]
        #expect(JapaneseCharsets.decode(jis, charset: nil) == "小平市")
        // A truncated ISO-2022-JP run loses only the broken character.
        let broken: [UInt8] = [0x1B, 0x24, 0x42, 0x3E, 0x2E, 0x4A, 0x1B, 0x28, 0x42, 0x41]
        #expect(JapaneseCharsets.decode(broken, charset: "iso-2022-jp").hasPrefix("小"))
        #expect(JapaneseCharsets.decode(broken, charset: "iso-2022-jp").hasSuffix("A"))
    }
}
