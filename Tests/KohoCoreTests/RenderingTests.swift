import Foundation
import Testing
@testable import KohoCore

/// What each platform receives for a planned action, and that the check counts exactly that.
@Suite struct RenderingTests {
    let x = kodaira.account("kodaira_tokyo")!
    let fb = kodaira.account("koho.kodairacity")!
    let yt = kodaira.account("UCp9YZtjCNcG0q3fQ1ln31Xg")!
    let nenmatsu = "https://www.city.kodaira.tokyo.jp/shisei/nenmatsu.html"

    func render(_ a: PlannedAction, _ account: Account, media: String? = nil) throws -> Rendering {
        try Rendering.render(a, account: account, mediaSHA256: media).get()
    }

    @Test func xPostCarriesItsLinksAfterTheBody() throws {
        let r = try render(PlannedAction(account: "kodaira_tokyo", category: "カ", text: "年末年始の窓口のお知らせ", links: [nenmatsu]), x)
        #expect(r.kind == .xPost)
        #expect(r.handle == "kodaira_tokyo")
        #expect(r.text == "年末年始の窓口のお知らせ\n" + nenmatsu)
        // The check counts what X receives: 12 Japanese characters (24), a newline (1) and a t.co link (23).
        let result = check(PlannedAction(account: "kodaira_tokyo", category: "カ", text: "年末年始の窓口のお知らせ", links: [nenmatsu]))
        #expect(result.weightedLength == 48)
        #expect(result.weightedLength == XTextCounter.parse(r.text).weightedLength)
        #expect(result.rendering == r)
    }

    @Test func theSourceArticleGoesOutUnlessAlreadyCarried() throws {
        let emergency = PlannedAction(account: "kodaira_tokyo", category: "ア", text: "避難所を開設しました。詳しくは市ホームページをご覧ください",
                                      sourceURL: citySource, emergency: true, emergencyReason: "大雨")
        #expect(try render(emergency, x).text.hasSuffix("\n" + citySource))
        var inBody = emergency
        inBody.text = "避難所を開設しました " + citySource
        #expect(try render(inBody, x).text == inBody.text)
        var inLinks = emergency
        inLinks.links = [citySource]
        #expect(try render(inLinks, x).text == emergency.text + "\n" + citySource)
        // Facebook: the source article is the post's link, the other links stay in the message.
        let f = try render(PlannedAction(account: "koho.kodairacity", category: "①", text: "避難所を開設しました",
                                         links: [nenmatsu, "https://www.city.kodaira.tokyo.jp/b.html"], sourceURL: citySource), fb)
        #expect(f.link == citySource)
        #expect(f.linkDomain == "www.city.kodaira.tokyo.jp")
        #expect(f.text == "避難所を開設しました\n\(nenmatsu)\nhttps://www.city.kodaira.tokyo.jp/b.html")
        // Without a source, the first link is the post's link and the rest are in the message.
        let g = try render(PlannedAction(account: "koho.kodairacity", category: "③", text: "催し", links: [nenmatsu, citySource]), fb)
        #expect(g.link == nenmatsu)
        #expect(g.text == "催し\n" + citySource)
        let one = try render(PlannedAction(account: "koho.kodairacity", category: "③", text: "催し", links: [nenmatsu]), fb)
        #expect(one.link == nenmatsu)
        #expect(one.text == "催し")
    }

    @Test func youTubeDescriptionHoldsBodyLinksAndSource() throws {
        let r = try render(PlannedAction(account: yt.id, category: "①", text: "市内の風景です", title: "小平の風景", links: [nenmatsu]), yt,
                           media: String(repeating: "a", count: 64))
        #expect(r.kind == .youtubeVideo)
        #expect(r.title == "小平の風景")
        #expect(r.text == "市内の風景です\n" + nenmatsu)
        #expect(r.privacyStatus == "public")
        #expect(r.mediaSHA256 == String(repeating: "a", count: 64))
        // The 5,000-byte limit applies to the description as sent: the links count.
        let body = String(repeating: "あ", count: 1_660) // 4,980 bytes
        let near = check(PlannedAction(account: yt.id, category: "①", text: body, title: "t"))
        #expect(near.ok)
        let over = check(PlannedAction(account: yt.id, category: "①", text: body, title: "t", links: [nenmatsu]))
        #expect(over.codes == ["youtube.descriptionTooLong"])
    }

    @Test func aQuoteNamesThePostAndLeavesItsURLOutOfTheText() throws {
        let a = PlannedAction(account: "kodaira_tokyo", kind: .quote, category: "ア", text: "都の防災情報です",
                              links: ["https://x.com/tokyo_bousai/status/1234567890"], sourceURL: citySource, quotedAccount: "tokyo_bousai")
        let r = try render(a, x)
        #expect(r.quotedPostID == "1234567890")
        #expect(r.text == "都の防災情報です\n" + citySource)
        var missing = a
        missing.links = []
        #expect(try render(missing, x).quotedPostID == nil)
        #expect(check(missing).ok, "a draft may leave it out")
        let (submitted, _) = checker.checkForWorkflow(missing, chosen: nil, now: openInstant, submitting: true)
        #expect(submitted.codes == ["quote.postMissing"])
        #expect(submitted.violations.first?.rule == "3(6)")
    }

    @Test func aReplyNamesWhatItAnswers() throws {
        let r = try render(PlannedAction(account: fb.id, kind: .reply, text: "正しくは12月28日です", replyPurpose: "correction",
                                         inReplyTo: "123_456"), fb)
        #expect(r.kind == .reply)
        #expect(r.inReplyTo == "123_456")
        #expect(r.text == "正しくは12月28日です")
        let (noTarget, _) = checker.checkForWorkflow(PlannedAction(account: fb.id, kind: .reply, text: "訂正", replyPurpose: "correction"),
                                                     chosen: nil, now: openInstant, submitting: true)
        #expect(noTarget.codes.contains("reply.targetMissing"))
    }

    @Test func xLimitIsCheckedOnTheRendering() {
        // 129 Japanese characters (258) fit alone; with a link (1 + 23) they do not.
        let text = String(repeating: "市", count: 129)
        #expect(check(PlannedAction(account: "kodaira_tokyo", category: "カ", text: text)).ok)
        let over = check(PlannedAction(account: "kodaira_tokyo", category: "カ", text: text, links: [nenmatsu]))
        #expect(over.codes == ["x.textTooLong"])
        #expect(over.weightedLength == 280 + 2)
        #expect(over.violations[0].message.contains("あと1文字分減らしてください（Xの数え方で2超えています"))
    }

    @Test func theHashIsOfTheCanonicalFormAndChangesWithWhatGoesOut() throws {
        let a = PlannedAction(account: "kodaira_tokyo", category: "カ", text: "お知らせ", links: [nenmatsu])
        let r = try render(a, x)
        #expect(r.hash == (try render(a, x)).hash)
        #expect(r.hash.count == 64)
        #expect(Rendering.decode(canonicalJSON: String(decoding: r.canonicalJSON, as: UTF8.self)) == r)
        var moved = x
        moved.handle = "kodaira_tokyo_new"
        #expect(try render(a, moved).hash != r.hash)
        #expect(try render(a, x, media: String(repeating: "b", count: 64)).hash != r.hash)
        var edited = a
        edited.text += "。"
        #expect(try render(edited, x).hash != r.hash)
    }
}
