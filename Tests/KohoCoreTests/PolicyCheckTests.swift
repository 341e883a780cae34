import Foundation
import Testing
@testable import KohoCore

/// Each rule of the Kodaira policy, with a case that keeps it and one that breaks it.
@Suite struct PolicyCheckTests {
    @Test func unknownAccountIsRefused() {
        let r = check(PlannedAction(account: "kodaira_fake", category: "ア", text: "お知らせ"))
        #expect(r.codes == ["account.unknown"])
        #expect(r.violations.first?.rule == "2")
        #expect(check(PlannedAction(account: "@kodaira_tokyo", category: "ウ", text: "お知らせ")).ok)
    }

    @Test func categoryMustBeOneOfTheAccount() {
        #expect(check(PlannedAction(account: "kodaira_tokyo", category: "オ", text: "近隣のお祭り")).ok)
        let unknown = check(PlannedAction(account: "kodaira_tokyo", category: "キ", text: "お知らせ"))
        #expect(unknown.codes == ["category.unknown"])
        #expect(unknown.violations[0].rule == "3(4)①")
        #expect(unknown.violations[0].message.contains("ア、イ、ウ、エ、オ、カ"))
        #expect(check(PlannedAction(account: "kodaira_tokyo", text: "お知らせ")).codes == ["category.missing"])
        // The mayor's account has its own single category (3(4)②).
        #expect(check(PlannedAction(account: "hisyo_kodaira_tokyo", category: "市長", text: "市長メッセージ")).ok)
        #expect(check(PlannedAction(account: "hisyo_kodaira_tokyo", category: "ア", text: "避難情報")).violations[0].rule == "3(4)②")
        #expect(check(PlannedAction(account: "koho.kodairacity", category: "ウ", text: "イベント")).violations[0].rule == "4(4)")
        #expect(check(PlannedAction(account: "UCp9YZtjCNcG0q3fQ1ln31Xg", category: "③", text: "", title: "動画")).violations[0].rule == "5(4)")
    }

    @Test func sourceArticleIsRequiredForAAndI() {
        #expect(check(PlannedAction(account: "kodaira_tokyo", category: "ア", text: "避難所を開設しました", sourceURL: citySource)).ok)
        let missing = check(PlannedAction(account: "kodaira_tokyo", category: "ア", text: "避難所を開設しました"))
        #expect(missing.codes == ["source.missing"])
        #expect(missing.violations[0].rule == "3(4)①ア")
        let elsewhere = check(PlannedAction(account: "kodaira_tokyo", category: "イ", text: "感染症情報", sourceURL: "https://example.com/news"))
        #expect(elsewhere.codes == ["source.domainNotAllowed"])
        #expect(elsewhere.violations[0].rule == "3(4)①イ")
        #expect(check(PlannedAction(account: "kodaira_tokyo", category: "イ", text: "x", sourceURL: "not a url")).codes == ["source.invalidURL"])
        // A look-alike host is not the city's.
        #expect(check(PlannedAction(account: "kodaira_tokyo", category: "ア", text: "x", sourceURL: "https://www.city.kodaira.tokyo.jp.evil.example/")).codes == ["source.domainNotAllowed"])
        let fb = check(PlannedAction(account: "koho.kodairacity", category: "①", text: "避難所"))
        #expect(fb.codes == ["source.missing"])
        #expect(fb.violations[0].rule == "4(4)①")
        // Categories resting on judgement need no article.
        #expect(check(PlannedAction(account: "kodaira_tokyo", category: "エ", text: "玉川上水の桜")).ok)
    }

    @Test func chiefApprovalFollowsTheCategory() {
        let a = check(PlannedAction(account: "kodaira_tokyo", category: "ア", text: "避難所", sourceURL: citySource))
        #expect(!a.requiresChiefApproval)
        let u = check(PlannedAction(account: "kodaira_tokyo", category: "ウ", text: "市民まつり"))
        #expect(u.requiresChiefApproval)
        #expect(u.approvalReasons[0].contains("3(4)①ウ"))
        // 4(5) and 5(5): every Facebook post and YouTube video rests on the chief's judgement.
        #expect(check(PlannedAction(account: "koho.kodairacity", category: "①", text: "避難所", sourceURL: citySource)).requiresChiefApproval)
        #expect(check(PlannedAction(account: "UCp9YZtjCNcG0q3fQ1ln31Xg", category: "①", text: "説明", title: "小平の風景")).requiresChiefApproval)
    }

    @Test func operatingHoursPerPlatform() {
        let post = PlannedAction(account: "kodaira_tokyo", category: "ウ", text: "市民まつり", scheduledAt: closedInstant)
        let r = check(post)
        #expect(r.codes == ["hours.outsideOperatingWindow"])
        #expect(r.violations[0].rule == "3(5)")
        #expect(r.violations[0].message.contains("2026年11月30日(月) 08:30"))
        var inside = post
        inside.scheduledAt = tokyo("2026-11-30T08:30:00")
        #expect(check(inside).ok)
        #expect(check(PlannedAction(account: "koho.kodairacity", category: "③", text: "x", scheduledAt: closedInstant)).violations[0].rule == "4(6)")
        #expect(check(PlannedAction(account: "UCp9YZtjCNcG0q3fQ1ln31Xg", category: "①", text: "", title: "t", scheduledAt: closedInstant)).violations[0].rule == "5(6)")
        // No scheduled time means now.
        #expect(check(PlannedAction(account: "kodaira_tokyo", category: "ウ", text: "x"), at: closedInstant).codes == ["hours.outsideOperatingWindow"])
        // A national holiday (勤労感謝の日, Monday 2026-11-23) is closed.
        #expect(check(PlannedAction(account: "kodaira_tokyo", category: "ウ", text: "x", scheduledAt: tokyo("2026-11-23T10:00:00"))).codes == ["hours.outsideOperatingWindow"])
    }

    @Test func emergencyExceptionNeedsAReason() {
        let night = tokyo("2026-11-25T23:40:00")
        let emergency = PlannedAction(account: "kodaira_tokyo", category: "ア", text: "避難指示", sourceURL: citySource,
                                      scheduledAt: night, emergency: true, emergencyReason: "大雨による避難指示の発令")
        let r = check(emergency)
        #expect(r.ok)
        #expect(r.usesHoursException)
        #expect(!r.requiresChiefApproval)
        var noReason = emergency
        noReason.emergencyReason = "  "
        let nr = check(noReason)
        #expect(nr.codes == ["emergency.reasonMissing"])
        #expect(nr.violations[0].rule == "3(5)")
        // The exception by content (ただし書) for a category that is not an emergency one rests on the chief.
        let content = PlannedAction(account: "kodaira_tokyo", category: "エ", text: "夜桜", scheduledAt: night,
                                    emergency: true, emergencyReason: "夜間ライトアップの開始に合わせるため")
        let c = check(content)
        #expect(c.ok)
        #expect(c.approvalReasons.contains { $0.contains("3(5)") })
    }

    @Test func noRepliesOnX() {
        let r = check(PlannedAction(account: "kodaira_tokyo", kind: .reply, text: "ご意見ありがとうございます", replyPurpose: "correction"))
        #expect(r.codes == ["reply.notAllowed"])
        #expect(r.violations[0].rule == "3(6)")
    }

    @Test func repliesOnFacebookAndYouTubeOnlyToCorrect() {
        let correction = PlannedAction(account: "koho.kodairacity", kind: .reply, text: "開催日は12月5日です。訂正いたします。", replyPurpose: "correction")
        let ok = check(correction)
        #expect(ok.ok)
        #expect(ok.requiresChiefApproval)
        var thanks = correction
        thanks.replyPurpose = "thanks"
        let r = check(thanks)
        #expect(r.codes == ["reply.notCorrection"])
        #expect(r.violations[0].rule == "4(7)")
        let yt = check(PlannedAction(account: "UCp9YZtjCNcG0q3fQ1ln31Xg", kind: .reply, text: "ありがとう"))
        #expect(yt.codes == ["reply.notCorrection"])
        #expect(yt.violations[0].rule == "5(7)")
        #expect(check(PlannedAction(account: "UCp9YZtjCNcG0q3fQ1ln31Xg", kind: .reply, text: "撮影地は小平霊園ではなく中央公園です", replyPurpose: "correction")).ok)
    }

    @Test func quotesOnlyOfConfirmedPublicBodies() {
        let ok = check(PlannedAction(account: "kodaira_tokyo", kind: .quote, category: "カ", text: "東京都からのお知らせです", quotedAccount: "@tokyo_bousai"))
        #expect(ok.ok)
        #expect(ok.approvalReasons.contains { $0.contains("3(6)") })
        let r = check(PlannedAction(account: "kodaira_tokyo", kind: .quote, category: "カ", text: "話題のお店", quotedAccount: "some_shop"))
        #expect(r.codes == ["quote.accountNotAllowListed"])
        #expect(r.violations[0].rule == "3(6)")
        #expect(check(PlannedAction(account: "kodaira_tokyo", kind: .quote, category: "カ", text: "x")).codes == ["quote.accountMissing"])
        #expect(check(PlannedAction(account: "koho.kodairacity", kind: .quote, category: "⑥", text: "x", quotedAccount: "tokyo_bousai")).codes == ["quote.notAllowed"])
    }

    @Test func xWeightedLengthLimit() {
        let at280 = String(repeating: "市", count: 140)
        let ok = check(PlannedAction(account: "kodaira_tokyo", category: "エ", text: at280))
        #expect(ok.ok)
        #expect(ok.weightedLength == 280)
        let over = check(PlannedAction(account: "kodaira_tokyo", category: "エ", text: at280 + "市"))
        #expect(over.codes == ["x.textTooLong"])
        #expect(over.weightedLength == 282)
        #expect(check(PlannedAction(account: "kodaira_tokyo", category: "エ", text: "  ")).codes == ["text.empty"])
    }

    @Test func facebookAndYouTubeLimits() {
        let fbMax = String(repeating: "a", count: PlatformLimits.facebookTextCharacters)
        #expect(check(PlannedAction(account: "koho.kodairacity", category: "④", text: fbMax)).ok)
        #expect(check(PlannedAction(account: "koho.kodairacity", category: "④", text: fbMax + "a")).codes == ["facebook.textTooLong"])
        let yt = PlannedAction(account: "UCp9YZtjCNcG0q3fQ1ln31Xg", category: "①", text: "説明", title: String(repeating: "桜", count: 100))
        #expect(check(yt).ok)
        var long = yt
        long.title = String(repeating: "桜", count: 101)
        #expect(check(long).codes == ["youtube.titleTooLong"])
        var angle = yt
        angle.title = "<小平> の桜"
        #expect(check(angle).codes == ["youtube.titleInvalidCharacters"])
        var untitled = yt
        untitled.title = nil
        #expect(check(untitled).codes == ["youtube.titleMissing"])
        var desc = yt
        desc.text = String(repeating: "あ", count: 1667) // 5,001 bytes
        #expect(check(desc).codes == ["youtube.descriptionTooLong"])
        desc.text = String(repeating: "あ", count: 1666) + "aa" // 5,000 bytes
        #expect(check(desc).ok)
    }

    @Test func facebookArticleOrigin() {
        #expect(check(PlannedAction(account: "koho.kodairacity", category: "③", text: "x", articleOrigin: "shiho")).ok)
        let r = check(PlannedAction(account: "koho.kodairacity", category: "③", text: "x", articleOrigin: "blog"))
        #expect(r.codes == ["articleOrigin.unknown"])
        #expect(r.violations[0].rule == "4(5)")
    }

    @Test func everyViolationIsReportedAtOnce() {
        let r = check(PlannedAction(account: "kodaira_tokyo", kind: .reply, category: "ア", text: String(repeating: "市", count: 200),
                                    scheduledAt: closedInstant))
        #expect(Set(r.codes) == ["source.missing", "reply.notAllowed", "hours.outsideOperatingWindow", "x.textTooLong"])
        #expect(r.violations.allSatisfy { $0.message.hasPrefix("【") || $0.rule == "X" })
    }

    @Test func secondCityIsEnforcedWithItsOwnRules() throws {
        let other = PolicyChecker(policy: try PolicyLoader.load(path: fixturePath("midoridai-city.yaml")))
        // Saturday 17:30 is open there (Mon–Sat 09:00–18:00), closed in Kodaira.
        let saturday = tokyo("2026-11-28T17:30:00")
        #expect(check(PlannedAction(account: "midoridai_city", category: "B", text: "紅葉", scheduledAt: saturday), with: other).ok)
        // 08:45 on a weekday is open in Kodaira, closed there.
        let early = check(PlannedAction(account: "midoridai_city", category: "B", text: "紅葉", scheduledAt: tokyo("2026-11-25T08:45:00")), with: other)
        #expect(early.codes == ["hours.outsideOperatingWindow"])
        #expect(early.violations[0].rule == "第5条")
        // National holidays are not closed there; replies and any quote are allowed.
        #expect(check(PlannedAction(account: "midoridai_city", category: "B", text: "x", scheduledAt: tokyo("2026-11-23T10:00:00")), with: other).ok)
        #expect(check(PlannedAction(account: "midoridai_city", kind: .reply, text: "ありがとうございます"), with: other).ok)
        #expect(check(PlannedAction(account: "midoridai_city", kind: .quote, category: "B", text: "x", quotedAccount: "anyone"), with: other).ok)
        #expect(check(PlannedAction(account: "midoridai_city", category: "ウ", text: "x"), with: other).violations[0].rule == "第4条")
        #expect(check(PlannedAction(account: "midoridai_city", category: "A", text: "x"), with: other).codes == ["source.missing"])
        #expect(check(PlannedAction(account: "midoridai_city", category: "C", text: "x"), with: other).requiresChiefApproval)
        #expect(check(PlannedAction(account: "kodaira_tokyo", category: "ウ", text: "x"), with: other).codes == ["account.unknown"])
    }

    @Test func jsonInputIsStrict() throws {
        let a = try PlannedAction.decode(json: Data(#"{"account":"kodaira_tokyo","kind":"quote","category":"カ","text":"t","quotedAccount":"tokyo_bousai","emergency":false,"scheduledAt":"2026-11-26T09:00:00+09:00"}"#.utf8))
        #expect(a.kind == .quote)
        #expect(a.scheduledAt == tokyo("2026-11-26T09:00:00"))
        func fails(_ json: String, field: String?) {
            let e = #expect(throws: ActionInputError.self) { try PlannedAction.decode(json: Data(json.utf8)) }
            #expect(e?.field == field, "\(json)")
        }
        fails(#"{"account":"kodaira_tokyo","txt":"typo"}"#, field: "txt")
        fails(#"{"account":"kodaira_tokyo","emergency":1}"#, field: "emergency")
        fails(#"{"account":"kodaira_tokyo","emergency":"true"}"#, field: "emergency")
        fails(#"{"account":"kodaira_tokyo","text":42}"#, field: "text")
        fails(#"{"account":"kodaira_tokyo","kind":"retweet"}"#, field: "kind")
        fails(#"{"account":"kodaira_tokyo","scheduledAt":"tomorrow"}"#, field: "scheduledAt")
        fails(#"{"account":"kodaira_tokyo","links":"https://x"}"#, field: "links")
        fails(#"{"text":"no account"}"#, field: "account")
        fails(#"[1,2]"#, field: nil)
        fails(#"{"account": "#, field: nil)
    }
}

@Suite struct AccountRulesTests {
    @Test func commentsAreDeletedOnlyOnTheFiveGrounds() {
        for ground in ["illegal", "defamation", "privacy", "solicitation", "inappropriate"] {
            #expect(checker.checkCommentDeletion(account: "koho.kodairacity", ground: ground).isEmpty)
            #expect(checker.checkCommentDeletion(account: "UCp9YZtjCNcG0q3fQ1ln31Xg", ground: ground).isEmpty)
        }
        let fb = checker.checkCommentDeletion(account: "koho.kodairacity", ground: "disagreement")
        #expect(fb.map(\.code) == ["commentDeletion.unknownGround"])
        #expect(fb.first?.rule == "4(8)")
        #expect(checker.checkCommentDeletion(account: "UCp9YZtjCNcG0q3fQ1ln31Xg", ground: "boring").first?.rule == "5(8)")
        #expect(checker.checkCommentDeletion(account: "kodaira_tokyo", ground: "illegal").map(\.code) == ["commentDeletion.notApplicable"])
    }

    @Test func suspensionOnlyAfterTheReasonIsOnTheCityWebsite() {
        #expect(checker.checkSuspension(account: "kodaira_tokyo", publishedReasonURL: "https://www.city.kodaira.tokyo.jp/oshirase/x-teishi.html").isEmpty)
        let none = checker.checkSuspension(account: "kodaira_tokyo", publishedReasonURL: nil)
        #expect(none.map(\.code) == ["suspension.reasonNotPublished"])
        #expect(none.first?.rule == "3(7)")
        #expect(checker.checkSuspension(account: "koho.kodairacity", publishedReasonURL: "https://note.example.com/x").first?.rule == "4(9)")
        #expect(checker.checkSuspension(account: "UCp9YZtjCNcG0q3fQ1ln31Xg", publishedReasonURL: "").first?.rule == "5(9)")
        #expect(checker.checkSuspension(account: "nobody", publishedReasonURL: nil).first?.code == "account.unknown")
    }
}
