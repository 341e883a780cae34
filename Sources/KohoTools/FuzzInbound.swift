import Foundation
import KohoServer
import KohoCore
import KohoPlatforms

/// The readers of what arrives from outside (issue 21): mail, feeds, the agency's messages, webhook deliveries and
/// comment texts. Inputs up to 100 KB; the mutations also build the long runs that made the readers quadratic.
enum InboundFuzz {
    static let maxLength = 100 * 1024

    static func seeds(_ kind: FuzzTarget.Kind) -> [String] {
        switch kind {
        case .mail:
            return [
                "From: =?ISO-2022-JP?B?GyRCPi5KPyVeJWsbKEI=?= <mailmag@city.kodaira.tokyo.jp>\r\nDate: Wed, 09 Sep 2026 15:01:02 +0900\r\nSubject: =?UTF-8?B?5bCP5bmz5biC?= =?UTF-8?Q?=E9=81=BF=E9=9B=A3?=\r\nMessage-ID: <20260909.1@city>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n避難所を開設しました（https://www.city.kodaira.tokyo.jp/kurashi/bousai/1.html）\r\n",
                "From: mailmag@city.kodaira.tokyo.jp (小平市)\nDate: 9 Sep 26 15:01 JST\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"b1\"\n\n--b1\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n<p><a href=3Dhttps://www.city.kodaira.tokyo.jp/a.html>=E9=81=BF</a></p>\n--b1--\n",
            ]
        case .feed:
            return [
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>小平市</title><item><title>避難所の開設</title><link>https://www.city.kodaira.tokyo.jp/a.html</link><guid>a-1</guid><pubDate>Wed, 09 Sep 2026 15:01:02 +0900</pubDate><description>&lt;p&gt;市内の&lt;a href=https://www.city.kodaira.tokyo.jp/b.html&gt;避難所&lt;/a&gt;&lt;/p&gt;</description></item></channel></rss>",
                "<?xml version=\"1.0\"?><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><item rdf:about=\"https://www.city.kodaira.tokyo.jp/c.html\"><title>お知らせ</title><dc:date>2026-09-09T15:01:02+09:00</dc:date></item></rdf:RDF>",
            ]
        case .agency:
            return [#"""
<?xml version="1.0" encoding="UTF-8"?>
<Report xmlns="http://xml.kishou.go.jp/jmaxml1/" xmlns:jmx="http://xml.kishou.go.jp/jmaxml1/" xmlns:jmx_add="http://xml.kishou.go.jp/jmaxml1/addition1/">
  <Control>
    <Title>気象特別警報・警報・注意報</Title>
    <DateTime>2026-09-08T21:05:12Z</DateTime>
    <Status>通常</Status>
    <EditorialOffice>気象庁本庁</EditorialOffice>
    <PublishingOffice>気象庁予報部</PublishingOffice>
  </Control>
  <Head xmlns="http://xml.kishou.go.jp/jmaxml1/informationBasis1/">
    <Title>東京都気象警報・注意報</Title>
    <ReportDateTime>2026-09-09T06:05:00+09:00</ReportDateTime>
    <TargetDateTime>2026-09-09T06:05:00+09:00</TargetDateTime>
    <EventID />
    <InfoType>発表</InfoType>
    <Serial />
    <InfoKind>気象警報・注意報</InfoKind>
    <InfoKindVersion>1.1_0</InfoKindVersion>
    <Headline>
      <Text>東京地方では、９日昼過ぎまで低い土地の浸水に警戒してください。</Text>
    </Headline>
  </Head>
  <Body xmlns="http://xml.kishou.go.jp/jmaxml1/body/meteorology1/" xmlns:jmx_eb="http://xml.kishou.go.jp/jmaxml1/elementBasis1/">
    <Warning type="気象警報・注意報（市町村等）">
      <Item>
        <Kind>
          <Name>大雨注意報</Name>
          <Code>10</Code>
          <Status>継続</Status>
        </Kind>
        <Area>
          <Name>小金井市</Name>
          <Code>1321000</Code>
        </Area>
        <ChangeStatus>警報・注意報種別に変化無</ChangeStatus>
        <FullStatus>全体</FullStatus>
        <EditingMark>0</EditingMark>
      </Item>
      <Item>
        <Kind>
          <Name>大雨警報</Name>
          <Code>03</Code>
          <Status>発表</Status>
          <Condition>浸水害</Condition>
          <Attention>
            <Note>浸水警戒</Note>
          </Attention>
        </Kind>
        <Kind>
          <Name>洪水注意報</Name>
          <Code>18</Code>
          <Status>継続</Status>
        </Kind>
        <Kind>
          <Name>雷注意報</Name>
          <Code>14</Code>
          <Status>発表</Status>
          <Addition>
            <Note>竜巻</Note>
            <Note>ひょう</Note>
          </Addition>
        </Kind>
        <Area>
          <Name>小平市</Name>
          <Code>1321100</Code>
        </Area>
        <ChangeStatus>警報・注意報種別に変化有</ChangeStatus>
        <FullStatus>全体</FullStatus>
        <EditingMark>0</EditingMark>
      </Item>
    </Warning>
  </Body>
</Report>
"""#, #"""
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ja">
  <title>JMAXML publishing feed</title>
  <subtitle>this feed is published by JMA</subtitle>
  <updated>2012-08-15T07:01:01+09:00</updated>
  <id>urn:uuid:be4342e2-ff73-363c-a3ed-66e05e977224</id>
  <link href="http://www.jma.go.jp/" rel="related"/>
  <link href="http://xml.kishou.go.jp/feed/extra.xml" rel="self"/>
  <rights>Published by Japan Meteorological Agency</rights>
  <entry>
    <title>気象警報・注意報</title>
    <id>urn:uuid:afeedc52-107a-3d1d-9196-b108234d6e0f</id>
    <updated>2016-03-10T09:22:41Z</updated>
    <author><name>福島地方気象台</name></author>
    <link href="http://xml.kishou.go.jp/data/afeedc52-107a-3d1d-9196-b108234d6e0f.xml" type="application/xml"/>
    <content type="text">【福島県気象警報・注意報】注意報を解除します。</content>
  </entry>
  <entry>
    <title>気象特別警報・警報・注意報</title>
    <id>urn:uuid:2b441518-4e79-342c-a271-7c25597f3a69</id>
    <updated>2016-03-10T09:22:41Z</updated>
    <author><name>福島地方気象台</name></author>
    <link href="http://xml.kishou.go.jp/data/2b441518-4e79-342c-a271-7c25597f3a69.xml" type="application/xml"/>
    <content type="text">【福島県気象警報・注意報】注意報を解除します。</content>
  </entry>
</feed>
"""#]
        case .webhook:
            return [
                #"{"object":"page","entry":[{"id":"101","time":1,"changes":[{"field":"feed","value":{"item":"comment","verb":"add","comment_id":"101_1","post_id":"101_2","parent_id":"101_2","from":{"id":"10001","name":"市民A"},"message":"ゴミの日はいつですか 090-1234-5678","created_time":1795000000}}]}]}"#,
                #"{"object":"page","entry":[{"id":"101","changes":[{"field":"feed","value":{"item":"comment","verb":"hide","comment_id":"101_1","post_id":"101_2","created_time":1e300}}]}]}"#,
            ]
        case .text:
            return [
                "小平市の https://www.city.kodaira.tokyo.jp/a_(b).html をご覧ください。電話 042-341-1211、三丁目5番12号",
                "<p>お知らせ &amp; <a href=\"https://example.jp/x\">リンク</a></p> =?UTF-8?B?5bCP?= Wed, 09 Sep 2026 15:01:02 +0900",
            ]
        default:
            return []
        }
    }

    static let jmaArea = JMAArea(municipality: "1321100", earthquakeRegion: "東京都多摩東部", earthquakeRegionCode: "351")

    /// One input through the reader as the intake calls it; an error is an answer.
    static func run(_ kind: FuzzTarget.Kind, _ input: [UInt8]) {
        let data = Data(input)
        switch kind {
        case .mail:
            if let m = try? MailParser.parse(data) { _ = CommentClassifier().assess(m.subject) }
        case .feed:
            if let items = try? FeedParser.parse(data) {
                for item in items.prefix(20) {
                    _ = item.published.map { JapaneseTime.display($0) }
                    _ = HTMLEscaping.xml(item.title)
                }
            }
        case .agency:
            _ = try? FeedParser.parse(data)
            _ = try? JMAParser.parse(data, area: jmaArea)
        case .webhook:
            guard let delivery = try? JSONDecoder().decode(FacebookWebhook.Delivery.self, from: data) else { return }
            let classifier = CommentClassifier()
            for entry in delivery.entry ?? [] {
                for change in entry.changes ?? [] {
                    guard let v = change.value else { continue }
                    let created = v.created_time.flatMap(InstantBounds.instant(secondsSince1970:))
                    _ = created.map { JapaneseTime.display($0) }
                    _ = (v.comment_id ?? "").nulAsSymbol
                    _ = HTMLEscaping.escapeText(v.from?.name ?? "")
                    if let m = v.message { _ = classifier.assess(m.nulAsSymbol) }
                }
            }
        case .text:
            let text = String(decoding: input, as: UTF8.self)
            _ = TextURLs.find(in: text)
            _ = HTMLText.plainText(text)
            _ = HTMLText.links(text)
            _ = MailParser.decodeWords(text)
            _ = try? InternetDates.read(String(text.prefix(200)))
            _ = HTMLEscaping.escape(text)
            _ = CommentClassifier().assess(text)
        default:
            return
        }
    }
}
