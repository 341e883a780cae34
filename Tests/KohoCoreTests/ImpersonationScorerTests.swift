import Foundation
import Testing
@testable import KohoCore

/// The scorer against Kodaira's real accounts: @kodaira_tokyo, @hisyo_kodaira_tokyo (X), koho.kodairacity
/// (Facebook) and channel UCp9YZtjCNcG0q3fQ1ln31Xg (YouTube), display name 「プチ田舎 東京都小平市」.
@Suite struct ImpersonationScorerTests {
    let scorer = ImpersonationScorer(policy: kodaira)

    func score(_ platform: Platform?, _ handle: String, _ name: String = "", _ bio: String = "") -> ImpersonationScore {
        scorer.score(ImpersonationCandidate(platform: platform, handle: handle, name: name, bio: bio))
    }

    func expectFlagged(_ r: ImpersonationScore, imitates handle: String, reason: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.flagged, "\(r)", sourceLocation: sourceLocation)
        #expect(r.imitates?.handle == handle, "\(r)", sourceLocation: sourceLocation)
        #expect(r.reasons.contains { $0.contains(reason) }, "\(r.reasons)", sourceLocation: sourceLocation)
    }

    func expectLow(_ r: ImpersonationScore, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!r.flagged, "\(r)", sourceLocation: sourceLocation)
        #expect(r.score < 0.4, "\(r)", sourceLocation: sourceLocation)
    }

    @Test func theOfficialAccountsThemselvesAreNotImpostors() {
        for account in kodaira.accounts {
            let r = score(account.platform, account.handle, account.displayName, "東京都小平市の公式アカウントです")
            #expect(r.score == 0 && !r.flagged && r.imitates == nil, "\(account.handle)")
        }
        #expect(score(.x, "@KODAIRA_TOKYO").score == 0)
    }

    /// Issue 23: the look-alike reason names the character the fake changed (「巿」 for 「市」), never the official
    /// name's own 「プ」 (whose decomposed mark the confusables fold like 「̊」).
    @Test func theReasonNamesOnlyTheCharactersTheOfficialNameLacks() {
        let r = score(.x, "kodaira_t0ky0", "プチ田舎 東京都小平巿")
        #expect(r.flagged, "\(r)")
        let all = r.reasons.joined(separator: "\n")
        #expect(!all.unicodeScalars.contains("\u{309A}") && !all.unicodeScalars.contains("\u{030A}"), "\(r.reasons)")
        #expect(all.contains("「巿」→「市」"), "\(r.reasons)")
    }

    @Test func fullWidthAndCase() {
        expectFlagged(score(.x, "ｋｏｄａｉｒａ＿ｔｏｋｙｏ"), imitates: "kodaira_tokyo", reason: "全角・半角")
        let upper = score(.x, "Kodaira_Tokyo_", "プチ田舎 東京都小平市")
        expectFlagged(upper, imitates: "kodaira_tokyo", reason: "写し")
        // Half-width katakana in the display name.
        expectFlagged(score(.x, "someone", "ﾌﾟﾁ田舎 東京都小平市"), imitates: "kodaira_tokyo", reason: "全角・半角")
    }

    @Test func hiraganaForKatakana() {
        expectFlagged(score(.facebook, "petit.inaka", "ぷち田舎 東京都小平市"), imitates: "koho.kodairacity", reason: "ひらがなとカタカナ")
    }

    @Test func lookAlikeKanjiAndKana() {
        // 巿 (U+5DFF) for 市, 乎 for 平: Koho's supplement; ロ/口, カ/力, エ/工, ニ/二, ヘ/へ, ー/一/－: confusables.txt.
        for name in ["プチ田舎 東京都小平巿", "プチ田舎 東京都小乎市", "プチ田舎 東京都小平市".replacingOccurrences(of: "プ", with: "フ\u{309A}")] {
            let r = score(.x, "petit_inaka_tokyo", name)
            #expect(r.flagged, "\(name) \(r)")
        }
        let kanji = score(.x, "petit_inaka_tokyo", "プチ田舎 東京都小平巿")
        expectFlagged(kanji, imitates: "kodaira_tokyo", reason: "形の似た漢字・かな")
        #expect(kanji.reasons.contains { $0.contains("「巿」→「市」") }, "\(kanji.reasons)")

        let official = ImpersonationScorer(policy: policy(displayName: "エコロ・カモメ・ニュース・ヘルプ"))
        for (name, pair) in [("工コロ・カモメ・ニュース・ヘルプ", "工"), ("エコ口・カモメ・ニュース・ヘルプ", "口"),
                             ("エコロ・力モメ・ニュース・ヘルプ", "力"), ("エコロ・カモメ・二ュース・ヘルプ", "二"),
                             ("エコロ・カモメ・ニュース・へルプ", "へ"), ("エコロ・カモメ・ニュ一ス・ヘルプ", "一"),
                             ("エコロ・カモメ・ニュ－ス・ヘルプ", "－")] {
            let r = official.score(ImpersonationCandidate(platform: .x, handle: "eco_news_fake", name: name))
            #expect(r.flagged, "\(pair) \(r)")
            #expect(r.score >= 0.85, "\(pair) \(r)")
        }
    }

    @Test func digitsForLetters() {
        let r = score(.x, "k0daira_tokyo")
        expectFlagged(r, imitates: "kodaira_tokyo", reason: "数字を英字に見せかけ")
        expectFlagged(score(.x, "hisyo_koda1ra_tokyo"), imitates: "hisyo_kodaira_tokyo", reason: "0→o、1→l")
        expectFlagged(score(.facebook, "koh0.k0dairacity"), imitates: "koho.kodairacity", reason: "数字")
    }

    @Test func confusableLatinLetters() {
        // Cyrillic о (U+043E) and а (U+0430), and ℓ.
        let r = score(.x, "k\u{043E}d\u{0430}ira_tokyo")
        expectFlagged(r, imitates: "kodaira_tokyo", reason: "UTS #39")
        #expect(r.score >= 0.9)
        expectFlagged(score(.x, "kodaira_toky\u{03BF}"), imitates: "kodaira_tokyo", reason: "見分けにくい")
    }

    @Test func insertedOrDoubledSeparators() {
        for handle in ["kodaira__tokyo", "kodaira.tokyo", "kodairatokyo", "kodaira-tokyo", "_kodaira_tokyo_", "kodaira\u{200B}_tokyo"] {
            let r = score(.x, handle)
            #expect(r.flagged && r.imitates?.handle == "kodaira_tokyo", "\(handle) \(r)")
            #expect(r.reasons.contains { $0.contains("区切り記号") }, "\(handle) \(r.reasons)")
        }
        expectFlagged(score(.facebook, "koho_kodaira_city"), imitates: "koho.kodairacity", reason: "区切り記号")
    }

    @Test func editDistanceOnFoldedHandles() {
        let one = score(.x, "kodaira_tokya")
        expectFlagged(one, imitates: "kodaira_tokyo", reason: "1文字違い")
        expectFlagged(score(.x, "kodiara_tokyo"), imitates: "kodaira_tokyo", reason: "1文字違い")   // transposition
        expectFlagged(score(.x, "kodaira_tokyo_info"), imitates: "kodaira_tokyo", reason: "含みます")
        let two = score(.x, "hisho_kodaira_tokya")
        #expect(two.flagged && two.imitates?.handle == "hisyo_kodaira_tokyo", "\(two)")
        // Far from every official handle.
        expectLow(score(.x, "kokubunji_city"))
        expectLow(score(.x, "tanaka_taro", "田中太郎"))
    }

    @Test func officialSoundingWordsAndACopiedDisplayName() {
        let claim = score(.x, "kodaira_info", "小平市役所【公式】")
        expectFlagged(claim, imitates: "kodaira_tokyo", reason: "公式らしく見せる語")
        let mention = score(.x, "kodaira_info", "小平市のおしらせ")
        #expect(claim.score > mention.score)
        expectFlagged(score(.youtube, "@kodaira_koho", "小平市 広報チャンネル"), imitates: "UCp9YZtjCNcG0q3fQ1ln31Xg", reason: "「広報」")
        expectFlagged(score(.x, "kodaira_news", "小平市 Kodaira City", "小平市の official アカウント"), imitates: "kodaira_tokyo", reason: "official")
        let copied = score(.youtube, "UCfake0000000000000000", "プチ田舎 東京都小平市")
        expectFlagged(copied, imitates: "UCp9YZtjCNcG0q3fQ1ln31Xg", reason: "写し")
        // A resident who only says where they live is below the threshold.
        #expect(!score(.x, "taro_tanaka", "田中", "東京都小平市在住。写真が好きです").flagged)
    }

    @Test func namesakesScoreLow() {
        // 北海道留萌郡小平町 (おびらちょう) and its accounts.
        expectLow(score(.x, "obira_town", "北海道小平町", "北海道留萌郡小平町の公式アカウントです"))
        expectLow(score(.facebook, "obira.hokkaido", "小平町役場", "小平町（おびらちょう）の公式ページ"))
        expectLow(score(.youtube, "@obiratown", "小平町公式チャンネル"))
        // Fan and hobby accounts that say they are unofficial.
        let fan = score(.x, "kodaira_fan_club", "小平市ファン（非公式）", "小平市が好きな個人の非公式アカウントです")
        expectLow(fan)
        #expect(fan.reasons.contains { $0.contains("非公式") })
        expectLow(score(.x, "kodaira_tokyo_bot", "こだいら天気bot", "小平市の天気を自動で流す非公式bot"))
        // Shops.
        expectLow(score(.x, "kodaira_bakery", "小平市のパン屋 こむぎ", "東京都小平市のベーカリーです"))
        expectLow(score(.facebook, "cafe.kodaira", "カフェ 小平市役所前店"))
        // Neighbouring public bodies.
        expectLow(score(.x, "kokubunji_city", "国分寺市", "東京都国分寺市の公式アカウントです"))
        expectLow(score(.x, "higashimurayama_c", "東村山市【公式】", "東村山市の広報担当です"))
        expectLow(score(.facebook, "kodairacityhall", "小平市", "非公式"))   // says it is unofficial
        // A body on the allow list of 3(6) is confirmed official.
        if let allowed = kodaira.platforms.flatMap(\.quoteAllowList).first {
            #expect(score(.x, allowed, "広報").score == 0)
        }
    }

    @Test func emptyAndMessyInputNeverCrashes() {
        #expect(score(nil, "", "", "").score == 0)
        #expect(!score(.x, "\u{0000}\u{202E}", "\u{FEFF}", "\t\n").flagged)
        let long = String(repeating: "小平市公式", count: 5_000)
        #expect(score(.x, "x", "", long).score <= 1)
        #expect(score(.x, String(repeating: "k", count: 10_000)).score <= 1)
    }

    @Test func aSecondCityWithNoChangeOfCode() throws {
        let midoridai = try PolicyLoader.load(path: fixturePath("midoridai-city.yaml"))
        let s = ImpersonationScorer(policy: midoridai)
        let r = s.score(ImpersonationCandidate(platform: .x, handle: "m1doridai__city", name: "みどり台市【公式】"))
        #expect(r.flagged && r.imitates?.handle == "midoridai_city", "\(r)")
        #expect(!s.score(ImpersonationCandidate(platform: .x, handle: "kodaira_tokyo")).flagged)
        #expect(!s.score(ImpersonationCandidate(platform: .x, handle: "midoridai_town_fan", name: "みどり台町")).flagged)
    }

    func policy(displayName: String) -> Policy {
        var p = kodaira
        p.accounts[0].displayName = displayName
        return p
    }
}
