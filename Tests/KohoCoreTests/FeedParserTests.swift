import Foundation
import Testing
@testable import KohoCore

@Suite("Website feeds (FeedParser)")
struct FeedParserTests {
    static let rss = """
    <?xml version="1.0" encoding="UTF-8"?>
    <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
      <channel>
        <title>小平市 緊急情報</title>
        <link>https://www.city.kodaira.tokyo.jp/</link>
        <atom:link href="https://www.city.kodaira.tokyo.jp/rss/kinkyu.xml" rel="self" type="application/rss+xml"/>
        <item>
          <title>【緊急】避難所を開設しました &amp; 受付中</title>
          <link>https://www.city.kodaira.tokyo.jp/kurashi/bousai/123456.html</link>
          <guid isPermaLink="false">kodaira-kinkyu-123456</guid>
          <description><![CDATA[<p>台風第１０号の接近に伴い、<strong>避難所</strong>を開設しました。</p><p>詳細は&nbsp;市HPへ</p>]]></description>
          <pubDate>Wed, 09 Sep 2026 15:00:00 +0900</pubDate>
        </item>
        <item>
          <title>断水のお知らせ</title>
          <link>https://www.city.kodaira.tokyo.jp/kurashi/suido/000789.html</link>
          <description>学園東町で断水します &lt;br&gt;９時～１２時</description>
          <content:encoded><![CDATA[<p>９月１０日（木）９時～１２時、学園東町１丁目で断水します。</p>]]></content:encoded>
          <dc:date>2026-09-09T18:30:00+09:00</dc:date>
        </item>
        <item>
          <title>リンクのないお知らせ</title>
          <description>本文のみ</description>
          <pubDate>Thu, 10 Sep 26 08:00 JST</pubDate>
        </item>
      </channel>
    </rss>
    """

    @Test("RSS 2.0: guid or link as identity, CDATA and escaped HTML as plain text, entities, RFC 822 and dc:date")
    func rss2() throws {
        let items = try FeedParser.parse(Data(Self.rss.utf8))
        #expect(items.count == 3)
        #expect(items[0].id == "kodaira-kinkyu-123456")
        #expect(items[0].title == "【緊急】避難所を開設しました & 受付中")
        #expect(items[0].link == "https://www.city.kodaira.tokyo.jp/kurashi/bousai/123456.html")
        #expect(items[0].summary == "台風第１０号の接近に伴い、避難所を開設しました。\n詳細は 市HPへ")
        #expect(items[0].published == Date(timeIntervalSince1970: 1_788_933_600)) // 2026-09-09T06:00:00Z
        #expect(items[1].id == "https://www.city.kodaira.tokyo.jp/kurashi/suido/000789.html")
        #expect(items[1].summary == "９月１０日（木）９時～１２時、学園東町１丁目で断水します。")
        #expect(items[1].published == InternetDates.parse("2026-09-09T09:30:00Z"))
        #expect(items[2].link == nil)
        #expect(items[2].id.hasPrefix("urn:koho:sha256:"))
        #expect(items[2].published == InternetDates.parse("2026-09-09T23:00:00Z"))
        // The same item read again has the same identity (nothing taken twice).
        #expect(try FeedParser.parse(Data(Self.rss.utf8)).map(\.id) == items.map(\.id))
    }

    @Test("Atom: id, the alternate link, html and xhtml content as text, published and updated (RFC 3339)")
    func atom() throws {
        let atom = """
        <?xml version="1.0" encoding="utf-8"?>
        <a:feed xmlns:a="http://www.w3.org/2005/Atom">
          <a:title>小平市</a:title>
          <a:id>tag:city.kodaira.tokyo.jp,2026:feed</a:id>
          <a:updated>2026-09-09T15:00:00+09:00</a:updated>
          <a:entry>
            <a:title type="html">&lt;b&gt;大雨&lt;/b&gt;への備え</a:title>
            <a:id>tag:city.kodaira.tokyo.jp,2026:entry-1</a:id>
            <a:link rel="edit" href="https://www.city.kodaira.tokyo.jp/edit/1"/>
            <a:link rel="alternate" type="text/html" href="https://www.city.kodaira.tokyo.jp/bousai/1.html"/>
            <a:published>2026-09-09T14:00:00.250+09:00</a:published>
            <a:updated>2026-09-09t05:10:00z</a:updated>
            <a:content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>土のうを配布しています。</p></div></a:content>
          </a:entry>
          <a:entry>
            <a:title>No link</a:title>
            <a:id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</a:id>
            <a:updated>2026-09-09T06:00:00Z</a:updated>
            <a:summary>a &lt; b</a:summary>
          </a:entry>
        </a:feed>
        """
        let items = try FeedParser.parse(Data(atom.utf8))
        #expect(items.count == 2)
        #expect(items[0].id == "tag:city.kodaira.tokyo.jp,2026:entry-1")
        #expect(items[0].title == "大雨への備え")
        #expect(items[0].link == "https://www.city.kodaira.tokyo.jp/bousai/1.html")
        #expect(items[0].summary == "土のうを配布しています。")
        #expect(items[0].published == Date(timeIntervalSince1970: 1_788_930_000.25))
        #expect(items[0].updated == Date(timeIntervalSince1970: 1_788_930_600))
        #expect(items[1].link == nil)
        #expect(items[1].summary == "a < b")
    }

    @Test("RSS 1.0 (RDF) items are read too")
    func rdf() throws {
        let rdf = """
        <?xml version="1.0" encoding="UTF-8"?>
        <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
          <channel rdf:about="https://www.city.kodaira.tokyo.jp/"><title>小平市</title></channel>
          <item rdf:about="https://www.city.kodaira.tokyo.jp/news/9.html">
            <title>お知らせ</title><link>https://www.city.kodaira.tokyo.jp/news/9.html</link>
            <dc:date>2026-09-09T10:00:00+09:00</dc:date>
          </item>
        </rdf:RDF>
        """
        let items = try FeedParser.parse(Data(rdf.utf8))
        #expect(items.map(\.id) == ["https://www.city.kodaira.tokyo.jp/news/9.html"])
        #expect(items[0].published == InternetDates.parse("2026-09-09T01:00:00Z"))
    }

    @Test("not a feed: an error page, broken XML, an entity bomb, an empty body, an oversized body — each a clear error")
    func notAFeed() {
        let bad = ["<html><body><h1>503</h1></body></html>", "<rss><channel><item><title>x</title></channel>", "",
                   "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x \"xxxxxxxxxx\">]><rss><channel/></rss>",
                   "<rss version=\"2.0\"></rss>", "{\"items\": []}"]
        for text in bad {
            #expect(throws: IntakeParseError.self) { try FeedParser.parse(Data(text.utf8)) }
        }
        do {
            _ = try FeedParser.parse(Data("<html/>".utf8))
        } catch let e as IntakeParseError {
            #expect(e.message.contains("フィード"))
        } catch { Issue.record("unexpected \(error)") }
        var big = Data("<rss><channel>".utf8)
        big.append(Data(repeating: 0x20, count: FeedParser.maxBytes))
        #expect(throws: IntakeParseError.self) { try FeedParser.parse(big) }
    }

    @Test("an empty channel is a feed with no items, not an error")
    func emptyChannel() throws {
        #expect(try FeedParser.parse(Data("<rss version=\"2.0\"><channel><title>x</title></channel></rss>".utf8)).isEmpty)
    }

    @Test("dates as feeds write them")
    func dates() {
        let t = Date(timeIntervalSince1970: 1_788_933_600) // 2026-09-09T06:00:00Z
        for s in ["Wed, 09 Sep 2026 15:00:00 +0900", "09 Sep 2026 15:00 +0900", "Wed, 9 Sep 2026 06:00:00 GMT",
                  "Wed, 09 Sep 2026 02:00:00 EDT", "2026-09-09T15:00:00+09:00",
                  "2026-09-09T06:00:00Z", "2026-09-09 15:00:00+0900", "Wed, 09 Sep 26 15:00:00 +0900 (JST)"] {
            #expect(InternetDates.parse(s) == t, "\(s)")
        }
        for s in ["", "yesterday", "2026-13-01T00:00:00Z", "Wed, 31 Feb 2026 00:00:00 GMT", "2026-09-09T15:00:00+09:00junk"] {
            #expect(InternetDates.parse(s) == nil, "\(s)")
        }
    }
}
