import Foundation
import Testing
@testable import KohoCore

@Suite("Emergency draft text for X (EmergencyDraftText.shorten)")
struct EmergencyDraftTextTests {
    let article = """
    【小平市】台風第１０号の接近に伴い、本日９月９日１５時から市内の避難所（小平第一小学校、小平第三中学校、\
    花小金井南中学校、上水中学校）を開設しました。避難の際は、食料・飲料水・常備薬・マスク・体温計などを持参してください。\
    ペットと同行避難される方は、ケージ等をご用意ください。大雨警報・洪水警報が発表されています。\
    河川の増水や低い土地の浸水に警戒し、不要不急の外出は控えてください。問い合わせは防災危機管理課（042-346-9500）へ。\
    最新の情報は市のホームページ、小平市メールマガジン、Koho Alert Service をご確認ください。
    """

    @Test("a short text is kept as it is")
    func fits() {
        #expect(EmergencyDraftText.shorten("避難所を開設しました。", toWeightedLength: 280, reservingURL: true) == "避難所を開設しました。")
    }

    @Test("a long article is cut at 。 or 、 with an ellipsis, and with the link it fits X's 280")
    func cutsAtPunctuation() {
        let s = EmergencyDraftText.shorten(article, toWeightedLength: 280, reservingURL: true)
        #expect(s.hasSuffix("…"))
        #expect(s.count < article.count)
        let body = String(s.dropLast())
        #expect(body.hasSuffix("。") || article.contains(body + "、"))
        #expect(article.hasPrefix(body))
        let post = s + "\nhttps://www.city.kodaira.tokyo.jp/kurashi/bousai/123456.html"
        #expect(XTextCounter.weightedLength(post) <= 280)
        #expect(XTextCounter.weightedLength(post) > 200, "keeps most of what fits")
        // Without a link, more of the article fits.
        let noLink = EmergencyDraftText.shorten(article, toWeightedLength: 280, reservingURL: false)
        #expect(noLink.count >= s.count)
        #expect(XTextCounter.weightedLength(noLink) <= 280)
    }

    @Test("never inside a number or a Latin word, whatever the limit")
    func neverInsideWordsOrNumbers() {
        let numbers = ["042-346-9500", "9500", "１５", "Koho", "Alert", "Service", "２０２６", "10:30", "3.5"]
        let text = "避難所は10:30に開設、雨量は3.5ミリ。電話042-346-9500へ。Koho Alert Service で２０２６年の情報を配信中９月１５日まで"
        for limit in stride(from: 6, through: XTextCounter.weightedLength(text), by: 1) {
            let s = EmergencyDraftText.shorten(text, toWeightedLength: limit, reservingURL: false)
            #expect(XTextCounter.weightedLength(s) <= limit, "limit \(limit)")
            guard !s.isEmpty, s != text else { continue }
            let body = String(s.dropLast())
            #expect(text.hasPrefix(body))
            let rest = text.dropFirst(body.count)
            for word in numbers {
                // The cut does not fall inside any occurrence of a number or word.
                if let r = text.range(of: word) {
                    let start = text.distance(from: text.startIndex, to: r.lowerBound)
                    let end = start + word.count
                    #expect(!(body.count > start && body.count < end), "limit \(limit): cut inside \(word): \(s) | \(rest.prefix(5))")
                }
            }
        }
    }

    @Test("a URL inside the text is kept whole or left out")
    func urlsWhole() {
        let text = "詳しくは https://www.city.kodaira.tokyo.jp/kurashi/bousai/123456.html をご覧ください。避難所を開設しました。"
        for limit in 10...XTextCounter.weightedLength(text) {
            let s = EmergencyDraftText.shorten(text, toWeightedLength: limit, reservingURL: false)
            if s.contains("https://") { #expect(s.contains("123456.html"), "limit \(limit): \(s)") }
        }
    }

    @Test("too small a limit gives nothing rather than a broken post")
    func tooSmall() {
        #expect(EmergencyDraftText.shorten(article, toWeightedLength: 20, reservingURL: true) == "")
        #expect(EmergencyDraftText.shorten(article, toWeightedLength: 1, reservingURL: false) == "")
    }
}


