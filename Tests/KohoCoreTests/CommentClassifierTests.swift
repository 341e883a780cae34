import Foundation
import Testing
@testable import KohoCore

private let classifier = CommentClassifier()

private func assess(_ text: String, clause: String = "4(8)", recent: [String] = []) -> CommentAssessment {
    classifier.assess(text, deletionClause: clause, recentTexts: recent)
}

private func marks(_ a: CommentAssessment) -> [String] { a.grounds.map(\.ground) }

@Suite struct CommentClassifierGroundTests {
    @Test func privacyPhoneNumbersInEveryWriting() {
        for text in ["山田さんの携帯は090-1234-5678です", "番号 ０９０ー１２３４ー５６７８ に電話して", "09012345678",
                     "電話は０８０－９８７６－５４３２", "+81 90-1234-5678 まで", "090 1234 5678"] {
            let a = assess(text)
            #expect(marks(a).first == "③", "\(text)")
            #expect(a.suggestion == .delete, "\(text)")
        }
        // A landline alone may be a shop's: the chief looks. The city hall's own number is no ground.
        #expect(assess("042-345-6789 に電話して").suggestion == .review)
        #expect(assess("代表は042-341-1211です").grounds.isEmpty)
        for text in ["2026-12-01に開催", "参加者は1234名でした", "令和7年12月1日", "3-1で勝った！", "午後1時30分から"] {
            #expect(!marks(assess(text)).contains("③"), "\(text)")
        }
    }

    @Test func evidenceOffsetsAreTheOriginalTextsScalars() throws {
        // Full-width digits and a katakana long mark as hyphens, after an emoji of two scalars and a zero-width space.
        let text = "👍🏻連絡\u{200B}は０９０ー１２３４ー５６７８まで"
        let a = assess(text)
        let flag = try #require(a.grounds.first)
        #expect(flag.ground == "③")
        #expect(flag.clause == "4(8)③")
        let span = try #require(flag.evidence.first)
        #expect(span.text == "０９０ー１２３４ー５６７８")
        let scalars = Array(text.unicodeScalars)
        #expect(String(String.UnicodeScalarView(scalars[span.start..<span.end])) == span.text)
        #expect(span.start == 6)
        #expect(span.end == 19)
    }

    @Test func privacyAddressesPostalCodesMailMyNumberCards() {
        #expect(assess("犯人の家は小平市小川町3丁目5番12号").suggestion == .delete)
        #expect(assess("小林さんの自宅は天神町二丁目5番地").grounds.first?.evidence.map(\.text).contains("天神町二丁目5番地") == true)
        #expect(assess("学園東町２－５－１０の家がうるさい").grounds.first?.ground == "③")
        #expect(assess("〒１８７－００４１ の辺りです").grounds.first?.evidence.first?.text == "〒１８７－００４１")
        #expect(assess("連絡先: tanaka.hanako@example.com").grounds.first?.evidence.first?.text == "tanaka.hanako@example.com")
        #expect(assess("メールはinfo＠shop-example.jp まで").suggestion == .delete)
        #expect(assess("マイナンバーは123456789018です").suggestion == .delete)
        #expect(assess("カード 4111 1111 1111 1111").suggestion == .delete)
        // Counter-examples: a wrong check digit, a failing Luhn sum, a street corner, the city's own address and mail.
        #expect(assess("番号は123456789012です").grounds.isEmpty)
        #expect(assess("4111 1111 1111 1112").grounds.isEmpty)
        #expect(assess("3丁目の交差点が危ない").grounds.isEmpty)
        #expect(assess("市役所（小川町2-1333）で受付").grounds.isEmpty)
        #expect(assess("〒187-8701 小平市役所").grounds.isEmpty)
        #expect(assess("kouhou@city.kodaira.lg.jp に送りました").grounds.isEmpty)
        #expect(assess("@kodaira_koho さんへ").grounds.isEmpty)
    }

    @Test func privacyNamedPersonWithSensitiveFact() {
        for text in ["佐藤花子さんは精神科に通院してる", "高橋さんは先月逮捕されたらしい", "鈴木さんの息子は第三小学校に通ってる",
                     "伊藤さんちは生活保護をもらってる"] {
            let a = assess(text)
            #expect(marks(a).contains("③"), "\(text)")
            let evidence = a.grounds.first { $0.ground == "③" }?.evidence ?? []
            #expect(evidence.count >= 2 && evidence[0].text.hasSuffix("さん"), "\(text)")
        }
        for text in ["がんばってください山田さん", "山田先生のがん検診の講座、よかったです", "皆さん入院中の方にもご配慮を",
                     "市長さんは入院したほうがいい"] {
            #expect(!marks(assess(text)).contains("③"), "\(text)")
        }
    }

    @Test func abuseOfPersonsShopsAndGroups() {
        for text in ["隣の山田さんは泥棒です", "あの店長はクズ", "窓口の佐藤さんはバカ",
                     "駅前の田中商店はぼったくり", "ｼﾈよ ﾊﾞｶ店長"] {
            let a = assess(text)
            #expect(marks(a).first == "②", "\(text)")
            #expect(a.suggestion == .delete, "\(text)")
        }
        // A death wish and hate against a group are ⑤ (4(8)⑤), whoever they are aimed at.
        for text in ["お前みたいなやつは死ね", "外国人は出ていけ"] {
            #expect(marks(assess(text)).contains("⑤"), "\(text)")
            #expect(assess(text).suggestion == .delete, "\(text)")
        }
        #expect(assess("バカばっかり").suggestion == .review)
        for text in ["泥棒に入られないよう気をつけて", "振り込め詐欺だ、と気づいて電話を切りました", "カステラ作り楽しかった",
                     "バカンスの季節", "電気代がバカにならない", "ばかりで困る", "キモノの着付け教室"] {
            #expect(assess(text).grounds.isEmpty, "\(text)")
        }
    }

    /// 4(8)/5(8) are not for criticism of the city: however harsh, never `delete`.
    @Test func criticismOfTheCityIsNeverDelete() {
        for text in ["税金の無駄遣い", "対応が遅すぎる", "市長は辞めろ", "市長は無能。税金泥棒だ", "こんな施策を考えた職員はバカなのか",
                     "行政サービスがクソすぎる", "議会は恥さらし", "このアカウントの運営はアホなの？", "小平市は最低の自治体だ",
                     "市役所は本当に役立たず", "市長、ふざけるな！", "市民をバカにしている", "職員の態度が横柄すぎる",
                     // Staff named in their office are the city's agents (issue 19).
                     "鈴木課長は無能", "田中部長の説明はデタラメ"] {
            let a = assess(text)
            #expect(a.suggestion != .delete, "\(text)")
            #expect(a.grounds.isEmpty, "\(text): \(a.grounds)")
        }
    }

    @Test func threatsCrimesAndIllegalTrade() {
        for text in ["市役所を爆破してやる", "担当の職員を殺してやる", "夜道に気をつけろよ", "庁舎に火をつけてやる", "大麻あります",
                     "闇バイト募集 受け子できる人", "個人間融資します"] {
            #expect(marks(assess(text)).first == "①", "\(text)")
            #expect(assess(text).suggestion == .delete, "\(text)")
        }
        #expect(assess("覚えてろよ").suggestion == .review)
        for text in ["放火に注意しましょう", "爆破予告があったそうで心配です", "闇バイトに注意してください", "殺虫剤の配布はありますか",
                     "覚醒剤の乱用防止ポスター", "カツオのタタキ", "手押し車を借りたい"] {
            #expect(!marks(assess(text)).contains("①"), "\(text)")
        }
    }

    @Test func campaigningReligionAdvertisingRecruitment() {
        for text in ["山田一郎に清き一票をお願いします", "神を信じれば救われます", "副業で月収100万！スマホで簡単",
                     "激安セール！今なら送料無料 https://shop.example.com", "おすすめ https://amzn.to/3xYzAbC",
                     "スタッフ募集中！未経験歓迎、日払いOK"] {
            #expect(marks(assess(text)).first == "④", "\(text)")
            #expect(assess(text).suggestion == .delete, "\(text)")
        }
        #expect(assess("詳しくは bit.ly/3abcdEF").suggestion == .review)
        for text in ["投票に行こう！", "期日前投票はどこでできますか", "割引はありますか？", "市のキャンペーン、参加しました",
                     "詳しくは https://www.city.kodaira.tokyo.jp/kurashi/1.html"] {
            #expect(assess(text).grounds.isEmpty, "\(text)")
        }
    }

    @Test func obscenityNonsenseEmojiAndFloods() {
        #expect(assess("エロ動画はこちら").suggestion == .delete)
        #expect(assess("ああああああああああああああああああああ").grounds.first?.ground == "⑤")
        #expect(assess(String(repeating: "😂", count: 25)).suggestion == .delete)
        #expect(assess(String(repeating: "🎉", count: 12) + "楽しかった").suggestion == .review)
        #expect(assess("asdfghjklqwrtyp").suggestion == .review)
        #expect(assess("楽しかった🎉🎉").grounds.isEmpty)
        #expect(assess("ｶﾞｲｼﾞは黙れ").grounds.first?.evidence.first?.text == "ｶﾞｲｼﾞ")
        #expect(assess("ガ\u{3099}イジ").grounds.isEmpty)
        #expect(assess("カ\u{3099}イシ\u{3099}め").grounds.first?.evidence.first?.text == "カ\u{3099}イシ\u{3099}")
        #expect(assess("エロンゲート").grounds.isEmpty)

        let text = "市長は今すぐ辞任しろ！説明しろ！"
        #expect(assess(text, recent: Array(repeating: text, count: 6)).suggestion == .delete)
        #expect(assess("市長は今すぐ辞任しろ!!説明しろ", recent: Array(repeating: text, count: 6)).suggestion == .delete)
        #expect(assess(text, recent: [text, text]).suggestion == .review)
        #expect(assess(text, recent: [text]).suggestion == .keep)
        // Many residents thank the city in the same words: not a flood until it is a great many.
        #expect(assess("ありがとうございます", recent: Array(repeating: "ありがとうございます", count: 4)).suggestion == .keep)
        #expect(assess("ありがとうございます", recent: Array(repeating: "ありがとうございます", count: 12)).suggestion == .review)
    }

    @Test func misleadingRumoursAreCorrectedNotDeleted() {
        for text in ["市民まつりは中止らしいよ", "図書館が来月で閉鎖されるらしいです", "プールは今年から有料化されるらしい",
                     "申請期限が変更になったらしい", "水道水が汚染されているらしい", "避難指示が出ました！",
                     "児童館がなくなるって本当ですか？"] {
            let a = assess(text)
            #expect(a.misleading, "\(text)")
            #expect(a.suggestion == .correct, "\(text)")
        }
        for text in ["駐車場はありますか", "お祭りは中止ですか？", "お祭りが中止になった場合は連絡がありますか？",
                     "避難指示が出たらどこに行けばいいですか？", "水道水の検査結果はどこで見られますか", "図書館の休館日はいつ？"] {
            let a = assess(text)
            #expect(!a.misleading, "\(text)")
            #expect(a.suggestion == .keep, "\(text)")
        }
    }

    @Test func clauseStrongestFirstAndShortJapaneseReasons() throws {
        let a = assess("市役所を爆破してやる、山田さんの電話は090-1111-2222、お祭り中止らしい", clause: "5(8)")
        #expect(marks(a) == ["①", "③"])
        #expect(a.grounds.map(\.clause) == ["5(8)①", "5(8)③"])
        #expect(a.misleading)
        #expect(a.suggestion == .delete)
        for g in a.grounds { #expect(!g.reason.isEmpty && g.reason.count <= 40 && g.reason.unicodeScalars.contains { $0.value > 0x3000 }) }
        // A "maybe" ground comes after a clear one even when its number is lower.
        let b = assess("覚えてろよ、山田さんの携帯は090-1111-2222")
        #expect(marks(b) == ["③", "①"])
    }

    @Test func aLexiconIsDataAnotherCityCanExtend() throws {
        var lexicon = ModerationLexicon.builtIn
        lexicon.groups.append(.init(ground: "④", level: .clear, mode: nil, reason: "特定の勧誘", terms: ["みどり会に入会"],
                                    notBefore: nil, notAfter: nil))
        let c = CommentClassifier(lexicon: lexicon)
        #expect(c.assess("みどり会に入会しませんか").suggestion == .delete)
        #expect(CommentClassifier().assess("みどり会に入会しませんか").suggestion == .keep)
        let data = try JSONEncoder().encode(lexicon)
        #expect(try ModerationLexicon.load(json: data) == lexicon)
        var bad = lexicon
        bad.groups[0].ground = "⑥"
        #expect(throws: ModerationLexiconError.self) { try ModerationLexicon.load(json: JSONEncoder().encode(bad)) }
    }

    @Test func messyInputNeverCrashes() {
        for text in ["", " ", "\u{0000}\u{0007}", "\u{FEFF}", String(repeating: "0", count: 5000), "ｶﾞｷﾞｸﾞｹﾞｺﾞﾊﾟﾋﾟ",
                     "①②③④⑤", "\u{1D412}\u{1D404}\u{1D417}", "🇯🇵👨‍👩‍👧‍👦", String(repeating: "-", count: 100) + "1",
                     "090-", "@", "http://", "www.", "丁目番地号", "1丁目", "〒", "a@b"] {
            let a = assess(text)
            for g in a.grounds {
                for e in g.evidence { #expect(e.start >= 0 && e.start < e.end && e.end <= text.unicodeScalars.count) }
            }
        }
        // NFKC: mathematical bold letters spell the same word.
        #expect(assess("\u{1D412}\u{1D404}\u{1D417}しよう").grounds.first?.ground == "⑤")
    }
}

/// The labelled corpus (Fixtures/moderation-corpus.jsonl): each line a comment with the grounds and suggestion a
/// careful reader gives it. Prints recall, precision and the share with the right ground.
@Suite struct ModerationCorpusTests {
    struct Labelled: Decodable {
        let text: String
        let grounds: [String]
        let misleading: Bool
        let suggestion: CommentSuggestion
        let recent: [String]?
        let platform: Platform?
    }

    @Test func corpusRecallPrecisionAndGround() throws {
        let url = URL(fileURLWithPath: fixturePath("moderation-corpus.jsonl"))
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let corpus = try lines.map { try JSONDecoder().decode(Labelled.self, from: Data($0.utf8)) }
        #expect(corpus.count >= 150)
        var truePositive = 0, flaggedExpected = 0, flaggedFound = 0, rightGround = 0
        var rightSuggestion = 0, rightMisleading = 0, criticismDeleted = 0
        var misses: [String] = []
        for c in corpus {
            let clause = c.platform == .youtube ? "5(8)" : "4(8)"
            let a = classifier.assess(c.text, platform: c.platform, deletionClause: clause, recentTexts: c.recent ?? [])
            let expectedFlag = c.suggestion == .delete || c.suggestion == .review
            let found = a.suggestion == .delete || a.suggestion == .review
            if expectedFlag { flaggedExpected += 1 }
            if found { flaggedFound += 1 }
            if expectedFlag && found { truePositive += 1 }
            if expectedFlag && Set(c.grounds).isSubset(of: Set(a.grounds.map(\.ground))) { rightGround += 1 }
            if a.suggestion == c.suggestion { rightSuggestion += 1 }
            if a.misleading == c.misleading { rightMisleading += 1 }
            if c.suggestion == .keep && c.grounds.isEmpty && a.suggestion == .delete { criticismDeleted += 1 }
            for g in a.grounds { #expect(g.clause == clause + g.ground) }
            if a.suggestion != c.suggestion || a.misleading != c.misleading || Set(a.grounds.map(\.ground)) != Set(c.grounds) {
                misses.append("  \(c.text.prefix(40)) → 期待 \(c.suggestion.rawValue) \(c.grounds) \(c.misleading ? "誤解" : "")、結果 \(a.suggestion.rawValue) \(a.grounds.map(\.ground)) \(a.misleading ? "誤解" : "")")
            }
        }
        let recall = Double(truePositive) / Double(max(1, flaggedExpected))
        let precision = Double(truePositive) / Double(max(1, flaggedFound))
        let groundShare = Double(rightGround) / Double(max(1, flaggedExpected))
        print(String(format: "モデレーションのコーパス %d件: 再現率 %.3f、適合率 %.3f、正しい根拠 %.3f、提案の一致 %.3f、誤解の判定の一致 %.3f",
                     corpus.count, recall, precision, groundShare, Double(rightSuggestion) / Double(corpus.count),
                     Double(rightMisleading) / Double(corpus.count)))
        if !misses.isEmpty { print("一致しなかったもの:\n" + misses.joined(separator: "\n")) }
        #expect(recall >= 0.9)
        #expect(precision >= 0.9)
        #expect(groundShare >= 0.85)
        #expect(Double(rightSuggestion) / Double(corpus.count) >= 0.85)
        #expect(criticismDeleted == 0)
    }
}

/// Issue 19: each kind of miss and wrong flag that the city's PR section met, with texts of our own.
@Suite struct CommentJudgementTests {
    private func flagged(_ text: String) -> Bool { !assess(text).grounds.isEmpty }

    @Test func wordsInsideLongerWordsDoNotCount() {
        // カス in スカスカ, チンコ in パチンコ, ガン (an illness) in ガン無視, 殺す in a rhetorical question, 小平市さん.
        for text in ["市の新しい交通計画、中身スカスカじゃないですか", "市はパチンコ店の深夜営業を放置してる", "市役所に何度要望してもガン無視",
                     "小平市さん、佐藤さんの件はガン無視ですか", "暖房費の補助を打ち切るなんて、市は年寄りを殺す気か",
                     "小平市さん、いい加減に仕事してください", "ｽｶｽｶの予算案、市長は恥ずかしくないの"] {
            let a = assess(text)
            #expect(a.grounds.isEmpty, "\(text): \(a.grounds.map(\.reason))")
            #expect(a.suggestion == .keep, "\(text)")
        }
        // The words themselves still count where they stand alone.
        #expect(marks(assess("山田さんはカス")).contains("②"))
        #expect(marks(assess("ガンで入院してる佐藤さん")).contains("③"))
    }

    @Test func criticismOfTheCityIsMarkedAndNeverAGround() {
        for text in ["市長は無能、税金の無駄遣いばかり", "市役所の窓口対応、最悪。職員やる気ゼロ", "議会は何をしているんだ、説明しろ",
                     "ほんま市役所アホちゃうか", "市長、年寄りを見殺しにする気か！！"] {
            let a = assess(text)
            #expect(a.criticism, "\(text)")
            #expect(a.grounds.isEmpty, "\(text): \(a.grounds.map(\.reason))")
        }
        #expect(!assess("花火大会、楽しかったです").criticism)
        #expect(!assess("山田さんは泥棒です").criticism)
    }

    @Test func threatsInAnyWording() {
        for text in ["あの職員の家にガソリン撒いて火をつけるからな", "窓口のあいつ、駐車場で待ち伏せして刺す",
                     "今度会ったら痛い目見せてやる", "包丁持って市役所に行くわ"] {
            let a = assess(text)
            #expect(marks(a).first == "①", "\(text): \(a.grounds.map(\.reason))")
            #expect(a.suggestion == .delete, "\(text)")
            #expect(a.grounds.first?.target == nil, "①は相手を問わない: \(text)")
        }
        for text in ["ガスコンロに火をつけるときは換気を", "ゲームで敵を刺すシーンが怖い", "蚊が刺すので虫よけを持って行きます"] {
            #expect(!marks(assess(text)).contains("①"), "\(text)")
        }
    }

    @Test func drugsPiracyAndPhishingByMeaning() {
        for text in ["新鮮な野菜あります、手押しで即日お届け。DMください", "冷たいの入荷、テレグラムで連絡を", "アイスあります 1gから 手渡し可",
                     "人気漫画が全巻タダで読めるサイトはこちら", "magnet:?xt=urn:btih:9f8e7d6c5b4a 劇場版まるごと",
                     "【小平市】給付金の申請代行します。マイナンバーをDMで送ってください",
                     "小平市からのお知らせ。還付金を受け取るには下記URLから申請してください https://kodaira-refund.example.net"] {
            let a = assess(text)
            #expect(marks(a).first == "①", "\(text): \(a.grounds.map(\.reason))")
            #expect(a.suggestion == .delete, "\(text)")
        }
        for text in ["直売所の野菜、今日もありますか？", "アイスクリームの屋台が出ていました", "手押し車の貸し出しはありますか",
                     "給付金の申請代行をうたう詐欺に注意してください", "マイナンバーをDMで送れと言われたけど、市からですか？",
                     "図書館で漫画が無料で読めるのはありがたい"] {
            let a = assess(text)
            #expect(!marks(a).contains("①"), "\(text): \(a.grounds.map(\.reason))")
        }
    }

    @Test func hateSpeechAgainstGroupsIsFive() {
        for text in ["外国人はこの町から出ていけ", "障害者は税金の無駄", "クルド人は国に帰れ！", "生活保護受給者は寄生虫"] {
            let a = assess(text)
            #expect(marks(a).contains("⑤"), "\(text): \(a.grounds.map(\.reason))")
            #expect(a.grounds.first { $0.ground == "⑤" }?.target == .group, "\(text)")
            #expect(a.suggestion == .delete, "\(text)")
        }
        for text in ["外国人向けの防災ガイド、ありがたいです", "障害者用の駐車スペースを増やしてほしい", "高齢者は予約が要りますか？"] {
            #expect(assess(text).grounds.isEmpty, "\(text)")
        }
    }

    @Test func accusationsAgainstANamedPrivatePersonOrBusiness() throws {
        for (text, kind) in [("自治会長の木村さんは会費を着服してる", CommentTargetKind.privatePerson),
                             ("北村さんは前科持ちだから近づくな", .privatePerson), ("野村さん、職場でセクハラしてるらしい", .privatePerson),
                             ("大野工務店は手抜き工事ばかりだ", .business), ("ひまわり整骨院は不正請求してる", .business)] {
            let a = assess(text)
            let flag = try #require(a.grounds.first { $0.ground == "②" }, "\(text): \(a.grounds.map(\.reason))")
            #expect(flag.target == kind, "\(text)")
            #expect(flag.targetText?.isEmpty == false, "\(text)")
            #expect(a.suggestion == .delete, "\(text)")
        }
        // The same words about the city's own conduct are criticism, not ②.
        for text in ["市長は補助金を着服してるんじゃないのか", "市の発注は手抜き工事ばかり"] {
            #expect(assess(text).grounds.isEmpty, "\(text)")
        }
    }

    @Test func phoneNumbersInKanjiNumeralsAndKana() throws {
        for text in ["原田さんの番号は〇九〇‐四四五五‐六六七七だよ", "原田さんの携帯は ぜろきゅうぜろ はちはちはちはち いちにさんよん",
                     "原田さんの電話、０８０ー１２１２ー３４３４"] {
            let a = assess(text)
            let flag = try #require(a.grounds.first { $0.ground == "③" }, "\(text)")
            #expect(a.suggestion == .delete, "\(text)")
            // The evidence is the original writing, not the folded digits.
            #expect(flag.evidence.contains { $0.text.contains("四四五五") || $0.text.contains("はちはち") || $0.text.contains("１２１２") }, "\(text)")
        }
        for text in ["しごとがいそがしい", "三丁目の公園で遊んだ", "いちにさんで跳んでね", "令和八年十二月七日"] {
            #expect(!marks(assess(text)).contains("③"), "\(text)")
        }
    }

    @Test func deathWishesInAnySpelling() {
        for text in ["岡田しね", "岡田さん し　ね", "ｼﾈ 岡田", "お前はしね"] {
            let a = assess(text)
            #expect(marks(a).contains("⑤"), "\(text): \(a.grounds.map(\.reason))")
            #expect(a.suggestion == .delete, "\(text)")
        }
        for text in ["もう少しね、待ってください", "しねんど工作教室に行きました", "シネマ上映会が楽しみ"] {
            #expect(assess(text).grounds.isEmpty, "\(text)")
        }
    }

    @Test func childWithSchoolAndAddressWithIllness() throws {
        for text in ["りくくん、上水南小の2年生だよね", "さくらちゃんは鈴木保育園に通ってる", "花小金井二丁目のおばあさん、認知症で徘徊してる",
                     "上水本町5丁目の一人暮らしの人、うつ病らしい"] {
            let a = assess(text)
            let flag = try #require(a.grounds.first { $0.ground == "③" }, "\(text)")
            #expect(flag.target == .privatePerson, "\(text)")
        }
        for text in ["花小金井二丁目の公園はきれい", "認知症カフェの日程を教えてください", "さくらちゃん人形展に行きました"] {
            #expect(!marks(assess(text)).contains("③"), "\(text)")
        }
    }

    @Test func theWritersOwnContactAndPoliticalSpeechAreNotGrounds() {
        for text in ["道路の穴の件です。私の携帯は090-8888-1111なので折り返しください",
                     "苦情です。連絡ください、０８０－２２２２－９９９９", "市長リコールの署名を集めています。問い合わせは recall.kodaira2026@example.com",
                     "住民投票を求める会：連絡先 info@jumin-kodaira.example.org"] {
            let a = assess(text)
            #expect(a.grounds.isEmpty, "\(text): \(a.grounds.map(\.reason))")
            #expect(a.suggestion == .keep, "\(text)")
        }
        // A city office's landline, quoted.
        #expect(assess("問い合わせは 042-341-0000 の環境政策課へ、と市報にありました").grounds.isEmpty)
        // うちの猫が迷子…見かけたら…までお願いします: the owner's own number.
        #expect(assess("うちの猫がいなくなりました。三毛、青い首輪。見かけたら 080-4444-5555 までお願いします").grounds.isEmpty)
        // Kana digits in groups with 、 and a particle after them.
        #expect(marks(assess("向かいの奥さん、ぜろはちぜろ、よんよんさんさん、ろくろくななななに電話して言ってやって")) == ["③"])
        // Someone else's number is still ③.
        #expect(marks(assess("竹内さんの携帯は090-8888-1111だよ")).contains("③"))
    }

    @Test func theFourRumoursFromTheTextAlone() throws {
        for (text, topic) in [("上流のダムが決壊寸前らしい、早く逃げて", "ダム・堤防"), ("第六小の避難所はもう閉鎖されたって", "避難所"),
                              ("避難指示はさっき解除されたらしいよ", "避難指示"), ("この断水は1週間続くらしい", "断水")] {
            let a = assess(text)
            #expect(a.misleading, "\(text)")
            #expect(a.suggestion == .correct, "\(text)")
            let r = try #require(a.rumour, "\(text)")
            #expect(r.status == .unverified)
            #expect(r.topic == topic, "\(text): \(r.topic)")
            #expect(text.unicodeScalars.count >= r.claim.end && !r.claim.text.isEmpty)
        }
        for text in ["避難所は開いていますか？", "断水はいつ復旧しますか", "ダムが決壊するというのはデマです", "避難指示が解除されるまで待ちます",
                     "避難所が閉鎖されたらどこに行けばいいの？", "避難所が満員になったら困る", "ワクチン接種が始まるらしいですね、楽しみ"] {
            #expect(!assess(text).misleading, "\(text)")
        }
        // Any emergency or service topic with an alarming claim, passed on or with a plea to spread it.
        for text in ["川が氾濫して溢れてるらしい、拡散希望", "給食センターが止まったって聞いた。明日の給食は来ないらしい"] {
            #expect(assess(text).rumour?.status == .unverified, "\(text)")
        }
    }

    @Test func aRumourAgainstWhatTheCityPublished() throws {
        let post = CityStatement(id: "post-1", kind: .post, title: "【緊急】避難所を開設しました",
                                 text: "小平第六小学校の避難所を開設しています。受け入れ中です。", url: "https://www.city.kodaira.tokyo.jp/x/1.html",
                                 publishedAt: Date())
        let index = classifier.index([post])
        let a = classifier.assess("第六小の避難所はもう閉鎖されたって", statements: index)
        #expect(a.misleading)
        let r = try #require(a.rumour)
        #expect(r.status == .contradicted)
        #expect(r.source == post)
        // A claim the city itself made is not a rumour.
        let closed = CityStatement(id: "n-2", kind: .notice, title: "避難所の閉鎖", text: "本日17時で避難所を閉鎖しました。",
                                   url: nil, publishedAt: Date())
        let b = classifier.assess("第六小の避難所はもう閉鎖されたって", statements: classifier.index([closed]))
        #expect(!b.misleading && b.rumour == nil)
        // A statement about something else leaves the claim unverified.
        let other = CityStatement(id: "n-3", kind: .notice, title: "図書館", text: "図書館は通常どおり開館しています。", url: nil, publishedAt: Date())
        #expect(classifier.assess("この断水は1週間続くらしい", statements: classifier.index([other])).rumour?.status == .unverified)
    }

    // Kinds fixed on the development parts (2026-12-07): each with texts of its own, not the corpus's.

    @Test func peopleWhoMadeTheCitysPolicyAreItsAgents() {
        // 奴ら after 考えた/決めた in a sentence about the city's plan or budget: criticism, never ② about a private group.
        for text in ["この計画を決めた奴らは頭おかしいんか", "ごみ有料化の施策を考えたやつらはバカすぎる", "こんな予算を通した奴ら、無能の集まりやな"] {
            let a = assess(text)
            #expect(a.grounds.isEmpty && a.suggestion == .keep, "\(text): \(a.grounds.map(\.reason))")
            #expect(a.suggestion == .keep, "\(text)")
        }
        // The same words about people with no city act are still aimed at private persons.
        #expect(marks(assess("駅前でたむろしてる奴らはクズ")).contains("②"))
    }

    @Test func aLongVowelAndMoreKanaGoOnWithTheWord() {
        for text in ["しね〜まクラブの上映会、今月もありますか", "シネ〜マ・パラダイスの上映、楽しみにしてます", "しねーまの日、ポスター見ました"] {
            let a = assess(text)
            #expect(a.grounds.isEmpty, "\(text): \(a.grounds.map(\.reason))")
        }
        // Drawn out at the end of the word it is still the word.
        #expect(marks(assess("佐藤はしね〜よ")).contains("⑤"))
    }

    @Test func aContactGivenAsTheWritersOwnWithoutMy() {
        for text in ["先ほど窓口に伺った者です。連絡先は090-2468-1357です", "道路の件で電話した者です。連絡先：０７０－１３５７－２４６８"] {
            let a = assess(text)
            #expect(a.grounds.isEmpty, "\(text): \(a.grounds.map(\.reason))")
            #expect(a.suggestion == .keep, "\(text)")
        }
        // Someone else's, named in the same sentence, is still ③.
        #expect(marks(assess("あいつの連絡先は090-2468-1357")).contains("③"))
    }

    @Test func hearsayRashiiIsNotACondition() {
        #expect(assess("花火大会、延期になったらしいよ").misleading)
        #expect(assess("郷土資料館、来月で閉館するらしい").misleading, "a facility by its ending 館")
        #expect(!assess("花火大会が延期になったら残念です").misleading)
    }

    @Test func threatsDrugsAndFraudByMeaningNotByAList() {
        for text in ["市庁舎を爆破しに行くからな", "リキッド在庫あり、手渡しのみ", "給付金の手続き代行します。身分証の写真を送ってください"] {
            let a = assess(text)
            #expect(marks(a).first == "①", "\(text): \(a.grounds.map(\.reason))")
        }
        // A warning about the same fraud is no ground.
        #expect(assess("給付金の手続き代行をうたう詐欺に注意してください").grounds.isEmpty)
    }

    @Test func aKinshipWordAfterANameIsAPrivatePerson() throws {
        let a = assess("斎藤のばあさん、万引きしてるらしい")
        let g = try #require(a.grounds.first { $0.ground == "②" })
        #expect(g.target == .privatePerson)
        #expect(g.targetText?.hasPrefix("斎藤") == true)
        // The writer's own, or the mayor's office, is not a private person named.
        #expect(assess("うちのばあさん、入院しました。お見舞いの制度はありますか").grounds.isEmpty)
    }

    @Test func deleteIsNeverSuggestedForWordsAgainstTheCity() {
        // A rude word with no private target in a comment criticising the city is at most review.
        for text in ["市役所の対応、ほんまにくたばれって感じ", "市長も職員もみんな消えてくれ"] {
            let a = assess(text)
            #expect(a.suggestion != .delete, "\(text): \(a.grounds.map(\.reason))")
        }
    }

    @Test func aRumourIsSetAgainstWhatTheCitySaidOfThatPlace() throws {
        let six = CityStatement(id: "post-6", kind: .post, title: "避難所を開設しました",
                                text: "小平第六小学校と中央公民館の避難所を開設しています。", url: "https://www.city.kodaira.tokyo.jp/b/6.html",
                                publishedAt: Date())
        let index = classifier.index([six])
        // The place the city named: contradicted, with the post as source (short and full school names meet).
        for claim in ["第六小の避難所、もう閉鎖されたって", "小平第六小学校の避難所は閉鎖されたらしい", "中央公民館の避難所は閉鎖されたって"] {
            let r = try #require(classifier.assess(claim, statements: index).rumour, "\(claim)")
            #expect(r.status == .contradicted, "\(claim)")
            #expect(r.source == six)
        }
        // Another place: the city said nothing of it, so the claim stays unverified (still to be answered, not cited).
        for claim in ["第三小の避難所、もう閉鎖されたって", "小川西町の避難所は閉鎖されたらしい", "十二小の避難所は閉鎖されたって"] {
            let a = classifier.assess(claim, statements: index)
            #expect(a.rumour?.status == .unverified, "\(claim)")
            #expect(a.rumour?.source == nil)
        }
        // A claim that names no place meets a statement that names one, and one of the whole city meets every place.
        #expect(classifier.assess("避難所はもう閉鎖されたって", statements: index).rumour?.status == .contradicted)
        let all = CityStatement(id: "n-7", kind: .notice, title: "避難所", text: "市内のすべての避難所を開設しています。", url: nil,
                                publishedAt: Date())
        #expect(classifier.assess("第三小の避難所、もう閉鎖されたって", statements: classifier.index([all])).rumour?.status == .contradicted)
    }

    @Test func everyFlagSaysWhomItIsAbout() {
        let a = assess("隣の奥さんは精神科に通院してる。あの店長はクズ")
        for g in a.grounds where g.ground != "①" && g.ground != "④" {
            #expect(g.target != nil && g.targetText?.isEmpty == false, "\(g.ground)")
        }
    }

    @Test func longMessyInputStaysBoundedAndQuick() {
        let unit = "市長は辞めろ！〇九〇‐ ｼﾈ ぜろきゅう　スカスカ\u{200B}😡"
        let text = String(repeating: unit, count: 100_000 / unit.utf8.count + 1)
        let start = Date()
        let a = assess(text)
        #expect(Date().timeIntervalSince(start) < 5)
        for g in a.grounds { for e in g.evidence { #expect(e.end <= text.unicodeScalars.count) } }
    }

    // dev-2 (hand-written, 2026-12-07): grounds by meaning, a class of words with another near it in one sentence.

    @Test func threatsAreAVerbOfHarmWithAThreateningEnding() {
        for text in ["課長の家、灯油かけて燃やしたるわ", "お前の車、バットで叩き割ったるからな", "明日の集会で刃物持っていくけん",
                     "I'm gonna kill that guy at the shop"] {
            let a = assess(text)
            #expect(marks(a) == ["①"], "\(text): \(a.grounds.map(\.reason))")
            #expect(a.suggestion == .delete, "\(text)")
        }
        // The same verbs in a notice, a story, a rhetorical question about a policy, a hobby.
        for text in ["燃やすごみの日が変わったんですね", "ドラマで主人公が刺される場面が怖かった", "市は高齢者を切り捨てるつもりか",
                     "包丁の研ぎ方教室、楽しかったです", "灯油の補助、今年もあるんですか"] {
            #expect(assess(text).grounds.isEmpty, "\(text)")
        }
    }

    @Test func salesOfWeaponsForgedPapersDrugsAndPersonalData() {
        for text in ["拳銃譲ります。手渡しのみ", "健康保険証、偽造して作ります", "市内の小学生の名簿、売ってます",
                     "デパス余ってるので分けます、DMください"] {
            let a = assess(text)
            #expect(marks(a).first == "①", "\(text): \(a.grounds.map(\.reason))")
            #expect(a.suggestion == .delete, "\(text)")
        }
        // An inquiry, criticism of the city (a question), a car: no sale by the writer.
        for text in ["保険証の再発行は窓口でできますか", "市が個人情報を業者に売ってるって本当？", "改造車の騒音がうるさい"] {
            #expect(!marks(assess(text)).contains("①"), "\(text)")
        }
    }

    @Test func piracyAndPhishingByWhatTheyOffer() {
        for text in ["新作アニメ全話、落とせるリンクあるよ", "今月のマガジン発売前に全部読める",
                     "小平市より還付金のお知らせ。還付金はATMでお受け取りください", "市税の未納があります。下記URLからお支払いください"] {
            #expect(marks(assess(text)).first == "①", "\(text)")
        }
        // A warning about the same fraud is not one.
        #expect(assess("還付金詐欺に注意。市がATMの操作をお願いすることはありません").grounds.isEmpty)
    }

    @Test func hateInTheNextSentenceAndDeathWishesReportedAsAPolicysEffect() {
        #expect(marks(assess("移民が増えすぎ。さっさと追い出せ")) == ["⑤"])
        #expect(marks(assess("あの大家、はよ氏ね")) == ["⑤"])
        // 死ねと言ってるのと同じ: what a policy amounts to, said of the city; no ground and never delete.
        let a = assess("年金を減らすなんて、高齢者に死ねと言ってるのと同じ")
        #expect(a.grounds.isEmpty, "\(a.grounds.map(\.reason))")
        #expect(a.suggestion == .keep)
    }

    @Test func youAddressedToTheMayorIsTheMayor() {
        let a = assess("市長、あんたは本当に無能だな")
        #expect(a.grounds.isEmpty, "\(a.grounds.map(\.reason))")
        #expect(a.criticism)
        #expect(marks(assess("隣のあんた、本当に無能だな")).contains("②"))
    }

    @Test func accusationsAgainstAShopkeeperOrSomeoneNamedWithTte() throws {
        for (text, who) in [("パン屋の店主、売上をごまかして脱税してる", "店主"), ("木村って人、町内会費を着服してる", "木村")] {
            let a = assess(text)
            let flag = try #require(a.grounds.first { $0.ground == "②" }, "\(text)")
            #expect(flag.targetText?.contains(who) == true, "\(text): \(flag.targetText ?? "")")
        }
    }

    @Test func platesRoomsAndTheWritersOwnAddress() {
        let plate = assess("毎晩停めてる赤い軽、多摩 580 あ 55-66")
        #expect(marks(plate) == ["③"])
        #expect(plate.grounds.first?.evidence.first?.text == "多摩 580 あ 55-66")
        #expect(marks(assess("うるさいのは花小金井ハイツ302号室の人")) == ["③"])
        #expect(assess("うちの住所は小川町1-2-3です。粗大ごみの回収に来てください").grounds.isEmpty)
        for text in ["3年2組の発表会でした", "会議は305号室で", "令和7年12月1日から"] { #expect(assess(text).grounds.isEmpty, "\(text)") }
    }

    @Test func religionCampaignsAndAdvertsBySignsTogether() {
        #expect(marks(assess("毎週日曜、聖書の勉強会にどなたでもお越しください")) == ["④"])
        #expect(marks(assess("外構工事なら見積無料、即日対応します")) == ["④"])
        #expect(marks(assess("△△党の候補、森田まさおに清き一票を！")) == ["④"])
        for text in ["あの教会のバザー、市の広報に載ってましたね", "市長選、みんな投票に行こう！", "期日前投票って土曜もできますか"] {
            #expect(assess(text).grounds.isEmpty, "\(text)")
        }
    }

    @Test func aStatementThatLiftsWhatItOnceSaidContradictsTheClaim() throws {
        // The city's post names the closure and its lifting: the claim that the road is still closed is contradicted.
        let lifted = CityStatement(id: "post-9", kind: .post, title: "通行止めを解除しました",
                                   text: "冠水のため通行止めにしていた府中街道は、18時に通行止めを解除しました。", url: nil, publishedAt: Date())
        let r = try #require(classifier.assess("府中街道、まだ通行止めらしい", statements: classifier.index([lifted])).rumour)
        #expect(r.status == .contradicted)
        #expect(r.source == lifted)
        let dam = CityStatement(id: "post-10", kind: .post, title: "貯水池に異常はありません",
                                text: "村山貯水池のダムに異常はなく、決壊のおそれはありません。", url: nil, publishedAt: Date())
        #expect(classifier.assess("村山のダムが決壊するって", statements: classifier.index([dam])).rumour?.status == .contradicted)
        // Passed on only to call it false in the next sentence: no rumour.
        #expect(!assess("避難所が閉鎖されたという話が回ってる。デマです").misleading)
    }

    @Test func veiledThreatsAndThreatsInDialect() {
        for text in ["お前の娘の学校、場所は分かってるからな", "課長さん、車に細工しといたで", "市役所に灯油撒きに行きます"] {
            #expect(marks(assess(text)).contains("①"), "\(text)")
            #expect(assess(text).suggestion != .keep, "\(text)")
        }
        // A festival's bonfire is not arson.
        #expect(assess("どんど焼き、今年は燃やしに行きます！").grounds.isEmpty)
    }

    @Test func aPhishingOrAnInvitationAcrossSentences() {
        #expect(marks(assess("小平市水道局です。料金の未払いがあります。本日中に連絡がない場合は給水を停止します")).first == "①")
        #expect(marks(assess("ご先祖様が泣いています。供養すれば救われます。ぜひ一度お越しください")) == ["④"])
        #expect(marks(assess("市議選に立候補した新人、大川ゆうこ。駅前で演説中です、応援よろしく")) == ["④"])
        for text in ["選挙の候補者一覧、市のHPに載せてほしい", "お寺の除夜の鐘、どなたでも突けるそうです。行ってみよう",
                     "一緒に花壇の手入れしませんか？ボランティア募集中です", "市役所の売店でパン売ってますか？",
                     "証明書はコンビニで発行できて便利になりました"] {
            #expect(assess(text).grounds.isEmpty, "\(text): \(assess(text).grounds.map(\.reason))")
        }
    }

    @Test func misconductByItsVerbAndTheHouseByItsTown() {
        #expect(marks(assess("運送屋の配達員、荷物を抜き取ってる")) == ["②"])
        #expect(marks(assess("町会の役員の三浦、寄付金ちょろまかしてる")) == ["②"])
        #expect(marks(assess("向かいの家の旦那、奥さんに暴力振るってる")).contains("②"))
        #expect(marks(assess("裏の家の息子、ニートの穀潰し")) == ["②"])
        #expect(marks(assess("岡田さんとこのお嫁さん、心を病んでるらしい")).contains("③"))
        #expect(marks(assess("うるさい犬の家、仲町三丁目の赤い屋根の家")) == ["③"])
        #expect(marks(assess("佐野さんとこの息子、三中で不登校らしい")).contains("③"))
        #expect(assess("我が家は三丁目の角の家です。ごみ置き場の場所を変えてほしいです").grounds.isEmpty)
        #expect(assess("うちの子、五中の吹奏楽部で頑張ってます").grounds.isEmpty)
    }

    @Test func rumoursInDialectAndHearsayOfEveryRegister() {
        for text in ["第三小の避難所、もう満杯で入れへんらしいで", "避難指示、解除されとるって言いよった", "花火大会、今年はなしになったっぽい",
                     "府中街道、冠水で通れんげな", "多摩湖決壊したってマジ？"] {
            let a = assess(text)
            #expect(a.misleading, "\(text)")
            #expect(a.suggestion == .correct, "\(text)")
        }
        // Questions and what the city itself says are no rumour.
        for text in ["避難所の開設状況はどこで確認できますか", "避難指示が出たら、どこに逃げればいいですか"] {
            #expect(!assess(text).misleading, "\(text)")
        }
    }

    @Test func drugsByTheirNamesFraudByPromisesAndThreatsByTheirHandiwork() {
        for text in ["眠剤と安定剤、まとめて譲ります", "咳止めシロップ大量に買い取ります", "この投資は絶対儲かる、市長もやってる",
                     "市役所に脅迫状送っといたわ", "あのおっさん、今度見かけたらボコる"] {
            #expect(marks(assess(text)).contains("①"), "\(text): \(assess(text).grounds.map(\.reason))")
        }
        #expect(assess("ちんちん電車に乗ってきました").grounds.isEmpty)
    }

    @Test func hateAsAnObligationAndDeathWishesInKansaiben() {
        #expect(marks(assess("外国人は犯罪ばかり。全員追い出すべき")) == ["⑤"])
        #expect(marks(assess("あの大家、はよ死んでくれへんかな")) == ["⑤"])
        // The same words at the city stay criticism.
        let a = assess("市長の顔も見たくない。消えてくれ")
        #expect(a.grounds.allSatisfy { $0.ground != "⑤" || a.suggestion != .delete })
    }

    // dev-3 (held out until 2026-12-07): each miss as a class, with texts of our own.

    @Test func criticismIsNotFlaggedByWordsAcrossASegmentationBoundary() {
        // 全部|落ち (no 部落), 封殺|する (no 殺す), 考え|ろ (no エロ), 様式 (no 様 after a name), 老害 said of the council.
        for text in ["市の委託業者、また手抜き工事。市は監督責任を果たせ", "市に爆弾級の苦情を入れた。返事はまだない", "説明会の要望は全部落とされた。市は住民を見ていない", "議会は反対意見を封殺した", "議会は異論を黙殺している",
                     "市長、少しは頭を使って考えろ", "職員の皆さん、まず敬語を覚えろ", "市議会は老害ばかりだ",
                     "申請書の様式がまた変わった。市は説明しろ"] {
            let a = assess(text)
            #expect(a.grounds.isEmpty, "\(text): \(a.grounds.map(\.reason))")
            #expect(!a.misleading, "\(text)")
        }
        // The words themselves still count where they are words.
        #expect(marks(assess("上田さん、殺すぞ")) == ["①"])
    }

    @Test func theWritersOwnContactIsNeverAGround() {
        for text in ["わしの携帯は〇九〇・一一二二・三三四四じゃ。道路の穴の件で話がある",
                     "上水本町の森と申します。ごみが回収されていません。連絡は 042-300-1122 まで",
                     "僕のメールアドレスは ken.t@example.org です。様式を送ってください"] {
            let a = assess(text)
            #expect(a.grounds.isEmpty, "\(text): \(a.grounds.map(\.reason))")
            #expect(a.suggestion == .keep, "\(text)")
        }
        // A city office's landline, quoted.
        #expect(assess("問い合わせは 042-341-0000 の環境政策課へ、と市報にありました").grounds.isEmpty)
        // うちの猫が迷子…見かけたら…までお願いします: the owner's own number.
        #expect(assess("うちの猫がいなくなりました。三毛、青い首輪。見かけたら 080-4444-5555 までお願いします").grounds.isEmpty)
        // Someone else's number is still ③.
        #expect(marks(assess("隣の奥さんの携帯は090-1122-3344だよ")) == ["③"])
    }

    @Test func aFraudWarningIsNotFraud() {
        for text in ["市の支援金の申請代行をうたう電話がきました。すぐ切りました。皆さんもお気をつけて",
                     "還付金があるからATMへと言われた父、危なかった"] {
            #expect(assess(text).grounds.isEmpty, "\(text): \(assess(text).grounds.map(\.reason))")
        }
        #expect(marks(assess("市の支援金、手数料2000円で代わりに申請します。LINEで連絡を")) == ["①"])
    }

    @Test func kinshipWordsWithChanAreNotNames() {
        #expect(assess("おじいちゃんと第三小の避難所に向かいます").grounds.isEmpty)
        #expect(marks(assess("ゆうとくん、第三小の2年なんだって")) == ["③"])
    }

    @Test func rumoursPassedOnWithAClosingTteAreClaims() {
        for text in ["市内全域で停電が広がるって。充電しておいて", "図書館の避難所、犬連れはダメだって役場の人が言ってた",
                     "給水所、今日で打ち切りなんだって", "避難情報は誤報なんだって。無視していいらしい",
                     "緊急安全確保が出たってグループで回ってきた", "多摩湖の放流が始まったから下流は危ないって",
                     "断水してるってさ", "道路が崩れて通れないって近所の人が言ってた", "あさっては市内の中学校、全部休校になるって",
                     "拡散お願いします！浄水場が壊れて明日から水が止まります", "第二小の避難所、水も食料ももう無いんだって",
                     "拝島線、大雨で終日運休らしい", "聞いた？明日は一日中断水なんだって", "市民まつり、今年で最後らしいよ",
                     "児童手当の申請、もう締め切られたってさ", "避難所の体育館、停電してて真っ暗だって", "コミュニティバス、今日は全便運休だって", "近くの川、今夜氾濫するって噂", "給水所の水はもう配り終わったって", "花小金井駅の南口、冠水して通れないって今連絡きた"] {
            #expect(assess(text).misleading, "\(text)")
        }
        // Not claims: a question, a condition, the て-form, citing the city.
        for text in ["避難所に犬は連れて行けますか？", "断水したら給水所はどこですか", "ちょっと待って、避難所の場所を確認します",
                     "市の投稿に避難指示は出ていないとありました", "停電に備えて懐中電灯を買いました",
                     "避難指示は出ていないけど、早めに避難所を開けてくれて助かりました",
                     "プール開きが延期になると学校からお知らせがありました", "裏の用水路があふれそうで心配です",
                     "申請の締め切りはいつですか", "停電したときのためにランタンを買いました"] {
            #expect(!assess(text).misleading, "\(text)")
        }
    }

    @Test func salesOfDrugsAndAccountsAndLinksPosingAsTheCity() {
        for text in ["野菜あり 0.5から 即配します テレで", "動画サービスのアカウント共有します。月400円でDMへ",
                     "【小平市】臨時給付金の受け取りはこちら https://kodaira-shien.example.top/ 本日中にご登録を"] {
            let a = assess(text)
            #expect(marks(a) == ["①"], "\(text): \(a.grounds.map(\.reason))")
        }
        // A shop with the town's name in its domain is an advert, not phishing.
        #expect(marks(assess("小平で網戸の張り替えなら！見積無料 kodaira-amido.example.com")) == ["④"])
        // The advert and the number of a fraud are part of it.
        #expect(marks(assess("小平市給付金センターです。振込先の確認を代行します。お電話いただければ 050-9876-5432")) == ["①"])
    }

    @Test func threatsWithoutKillingAndVeiledOnes() {
        for text in ["あの受付の女、後をつけて思い知らせてやる", "市長の孫が通う学校は知ってるからな", "お前の職場は知ってるからな"] {
            #expect(marks(assess(text)) == ["①"], "\(text): \(assess(text).grounds.map(\.reason))")
        }
        // 覚悟しとけ after announcing a protest, a recall or a vote is political speech, not a threat.
        for text in ["市庁舎の前でデモしてやる。覚悟しとけ市長", "次の選挙で必ず落とす。覚えてろよ", "リコールの署名集めるからな。覚悟しろ"] {
            let a = assess(text)
            #expect(a.grounds.isEmpty && a.suggestion == .keep, "\(text): \(a.grounds.map(\.reason))")
        }
        #expect(marks(assess("お前の家は分かってる。覚悟しとけ")) == ["①"])
        #expect(marks(assess("お前の息子の通学路わかってるからな")) == ["①"])
        for text in ["あの人の自転車、カッターでズタズタ…いや、鍵でガリガリにしたるわ", "次会うたらどついたるからな"] {
            #expect(marks(assess(text)) == ["①"], "\(text): \(assess(text).grounds.map(\.reason))")
        }
        // 〜とかいう names the person (渡辺とかいう職員); only 〜とかいう話 reports a story.
        #expect(marks(assess("税務課の森とかいう職員、ガソリンまいて燃やしたる")) == ["①"])
        #expect(assess("ガソリン撒いて燃やしてやるとかいう話のドラマ、怖かった").grounds.isEmpty)
        // A rude word naming the person in a threat is not a second ground.
        #expect(marks(assess("裏のジジイ、今度ゴミ出しで見かけたらボコボコにしてやる")) == ["①"])
    }

    @Test func misconductOfShopsAndAccusationsCarryTheirFacts() {
        // A named person's arrest is an accusation and their privacy both.
        #expect(Set(marks(assess("坂本さんちの長男、前に逮捕されたことあるって"))) == ["②", "③"])
        for text in ["駅前のそば屋、客の残したつゆを使い回してる", "田村ピアノ教室の先生、子どもに体罰してるらしい",
                     "あのクリーニング屋、客の服を勝手に売ってる",
                     "近所の西田さん、生活保護もらってるのにパチンコ三昧。不正受給だろ"] {
            #expect(marks(assess(text)) == ["②"], "\(text): \(assess(text).grounds.map(\.reason))")
        }
        #expect(marks(assess("岡田のやつ、口先だけで何もできねーゴミ")) == ["②"])
    }

    @Test func groundsInWordingsOfTheirOwn() {
        for (text, ground) in [("裏の家の猫、毒入りの餌をまいといたるわ", "①"), ("来週発売の漫画雑誌、全部読めるとこあるよ", "①"),
                               ("宮本さんはアル中のろくでなし", "②"), ("松田さんのLINEは matsu_0808、苦情はそっちへ", "③"),
                               ("神様を信じれば道が開けます。土曜の集まりに来てください", "④")] {
            #expect(marks(assess(text)) == [ground], "\(text): \(assess(text).grounds.map(\.reason))")
        }
        for text in ["図書館の保存書庫に雑誌のバックナンバーがあります", "私のLINEは hana_22 です。折り返しください",
                     "小平市のLINEは登録しました。防災情報が便利", "道路拡幅に反対する会の集会、どなたでも参加できます",
                     "ペットの毒になる食べ物、市の講座で教わりました"] {
            #expect(assess(text).grounds.isEmpty, "\(text): \(assess(text).grounds.map(\.reason))")
        }
    }

    @Test func longerTextsDialectsAndRecruitmentForCrime() {
        // 荷物の受け取りだけ with a hidden channel (テレグラム, 身分証不要) recruits for fraud; without one it is a job advert.
        #expect(marks(assess("【急募】日給４万　荷物を受け取るだけの簡単作業　身分証不要　連絡はテレグラム")) == ["①"])
        #expect(marks(assess("急募！日払い１万円、荷物の受け取りだけ。詳しくはDMで")) == ["④"])
        #expect(marks(assess("駅前の△△ってカフェ、店員がレジからお金抜いてるって")) == ["②"])
        #expect(marks(assess("精神障害者は病院に閉じ込めとけばいい")) == ["⑤"])
        #expect(assess("市民体育館の裏の道、倒木で通れへんらしい").misleading)
        #expect(!assess("裏の道、倒木があったけどもう片付けてくれました。ありがとう").misleading)
    }

    @Test func aStatementOfSeveralPlacesAnswersEachPlaceByItsSentence() throws {
        let post = CityStatement(id: "p-7", kind: .post, title: "避難指示の一部解除",
                                 text: "上水南町の避難指示を解除しました。喜平町の避難指示は継続しています。",
                                 url: "https://www.city.kodaira.tokyo.jp/bousai/7.html", publishedAt: Date())
        let index = classifier.index([post])
        #expect(!classifier.assess("上水南町の避難指示、解除されたって", statements: index).misleading)
        let other = classifier.assess("喜平町の避難指示、もう解除されたって", statements: index)
        #expect(other.misleading)
        #expect(try #require(other.rumour).source == post)
        // Said of the whole city, the lifting is only part of what the city said: the rest contradicts it.
        #expect(classifier.assess("避難指示はもう全部解除されたらしい", statements: index).rumour?.status == .contradicted)
        #expect(classifier.assess("上水南町の避難指示、まだ出てるらしい。戻っちゃだめだって", statements: index).rumour?.status == .contradicted)
    }

    @Test func namedNeighboursAndChildrenWithPrivateFacts() {
        #expect(marks(assess("隣のおじさん、がんで入院したって")) == ["③"])
        #expect(marks(assess("小平五中の3年の村上って子、不登校なんだって")) == ["③"])
    }

    @Test func deathWishesRepeatedFloodsWithSpacesAndGroupsOfPeople() {
        #expect(marks(assess("ｼﾈｼﾈｼﾈｼﾈ 木村")) == ["⑤"])
        #expect(marks(assess("ｗ　ｗｗ　ｗｗ　ｗｗ　ｗｗ　ｗｗ　ｗｗ　ｗｗ　ｗｗ　ｗｗ　ｗｗ　ｗｗ　ｗｗ　ｗｗ　ｗｗ　ｗ")) == ["⑤"])
        #expect(marks(assess("生活保護の奴らは社会の寄生虫")) == ["⑤"])
        #expect(marks(assess("生活保護のやつらは社会のゴミ")) == ["⑤"])
        #expect(marks(assess("外国人の連中は国に帰れ")) == ["⑤"])
        // Everyday words the same rules read.
        for text in ["部屋の片付けで出たごみを出しました", "屋上の庭園がきれいでした", "八百屋のおじさんに大根をもらった"] {
            #expect(assess(text).grounds.isEmpty, "\(text): \(assess(text).grounds.map(\.reason))")
        }
    }

    @Test func forgedPapersStolenIDsSharedCoursesAndUtilityImpostorsAreIllegalTrade() {
        for text in ["運転免許証、本物そっくりに作ります。1枚2万円、写真を送ってください",
                     "健康保険証とマイナンバーカードの画像、まとめて買います。高値で",
                     "ネット講座の動画、全部丸ごと共有します。ドライブのリンク欲しい人はDMで",
                     "ガス会社の者です。地震のあと点検が義務になりました。点検費3,000円、明日伺います"] {
            let a = assess(text)
            #expect(marks(a) == ["①"], "\(text): \(a.grounds.map(\.reason))")
            #expect(a.suggestion == .delete, "\(text)")
        }
        // Asking about a check, or warning of such visits, is no fraud.
        for text in ["ガス会社の点検はいつ来ますか？", "ガス会社の者を名乗る点検の訪問に注意してください"] {
            #expect(assess(text).grounds.isEmpty, "\(text): \(assess(text).grounds.map(\.reason))")
        }
    }

    @Test func aFormerSpousesAddressAndInsultsLikeRubbishNameAPrivatePerson() {
        let address = assess("元夫は今、上水本町4-2-7のアパートに住んでます")
        #expect(marks(address) == ["③"], "\(address.grounds.map(\.reason))")
        #expect(address.suggestion == .delete)
        let insult = assess("裏の家の旦那、ほんとゴミみたいな人間")
        #expect(marks(insult) == ["②"], "\(insult.grounds.map(\.reason))")
        #expect(insult.grounds.first?.target == .privatePerson)
        // The same words of the city's work are criticism.
        #expect(assess("市の説明はゴミみたいな内容だった").grounds.isEmpty)
        // A resident's account named by its handle is a private person; this account is the city.
        #expect(marks(assess("@hanako_88 ってアカウント、ほんとバカ")) == ["②"])
        #expect(assess("このアカウントの中の人、仕事が遅い").grounds.isEmpty)
    }

    @Test func theWritersOwnAddressInAComplaintIsNoGround() {
        let a = assess("こっちのアドレスは m.suzuki@example.com です。ちゃんと返事ください、市の対応遅すぎ")
        #expect(a.grounds.isEmpty, "\(a.grounds.map(\.reason))")
        #expect(a.suggestion == .keep)
        #expect(a.criticism)
        #expect(marks(assess("隣の奥さんのアドレスは m.suzuki@example.com です")) == ["③"])
    }

    @Test func aBareVerdictUnderThePostIsCriticismOfTheCity() {
        for text in ["無能", "役立たず！", "無能😡"] {
            let a = assess(text)
            #expect(a.grounds.isEmpty && a.criticism, "\(text): \(a.grounds.map(\.reason))")
        }
        // Said of people, or of someone named, it is still looked at.
        #expect(assess("バカばっかり").suggestion == .review)
        #expect(marks(assess("隣の田中さんは無能")) == ["②"])
    }

    @Test func estateAdvertsAndRepetitionAcrossLineBreaks() {
        #expect(marks(assess("駅から徒歩5分、新築一戸建て分譲中！モデルハウス公開中")) == ["④"])
        #expect(marks(assess(String(repeating: "拡散して\n", count: 12))) == ["⑤"])
        // Lines of a list are not a flood.
        #expect(assess("持ち物\n水\n食料\n毛布\nライト\n充電器").grounds.isEmpty)
    }
}

/// Issue 19's corpus: two development parts tuned on (`dev`, and `heldout-2026-12-06`, the held-out part until it
/// had been looked at) and a held-out part only measured, with what the city had published when it was written.
@Suite struct ModerationJudgementCorpusTests {
    func data(_ name: String) throws -> Data {
        let path = try #require(Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures/moderation-corpus"))
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    func part(_ name: String) throws -> [LabelledComment] {
        try LabelledComment.load(jsonLines: try data(name + ".jsonl"), name: name)
    }

    /// dev-2: written by hand from the policy's clauses in registers unlike dev's templates (dialects, slang, English,
    /// kana and full-width spellings, long and one-word texts), labels fixed before the classifier first ran on it.
    @Test func theHandWrittenDevelopmentPartCoversEveryKind() throws {
        let dev2 = try part("dev-2")
        #expect(dev2.count >= 500)
        let kinds = Set(dev2.map(\.kind))
        for k in ["①threat", "①drug", "①weapon", "①forgery", "①piracy", "①fraud", "①data", "②accusation", "②insult", "③phone",
                  "③address", "③health", "③child", "③family", "③plate", "④ad", "④affiliate", "④recruit", "④religion", "④election",
                  "⑤obscene", "⑤hate", "⑤deathwish", "legit", "criticism"] { #expect(kinds.contains(k), "\(k)") }
        #expect(dev2.filter(\.criticism).count * 4 >= dev2.count)
        #expect(dev2.contains { $0.kind.hasPrefix("rumour-agrees:") && !$0.misleading })
        #expect(try statements("dev-2").count >= 5)
        let earlier = Set(try (part("dev") + part("heldout-2026-12-06")).map(\.text))
        #expect(dev2.allSatisfy { !earlier.contains($0.text) })
    }

    /// The development parts together; `dev-3` was the held-out part until it had been measured twice, `dev-5`
    /// (`heldout-3`) until it had been measured once.
    @Test func theCorpusCoversWhatThePolicyNames() throws {
        let all = try ["dev", "heldout-2026-12-06", "dev-2", "dev-3", "dev-4", "dev-5", "dev-6"].flatMap { try part($0) }
        #expect(all.count >= 1000)
        #expect(all.filter(\.criticism).count * 3 >= all.count, "criticism at least a third")
        let dev3 = try part("dev-3")
        for g in ModerationLexicon.marks { #expect(dev3.contains { $0.grounds.contains(g) }, "\(g)") }
        let rumourKinds = Set(all.filter(\.misleading).map(\.kind))
        for topic in ["ダム・堤防", "避難所", "避難指示", "断水"] { #expect(rumourKinds.contains("rumour:" + topic), "\(topic)") }
        #expect(try statements("dev-3").count >= 5)
    }

    /// dev-4: written to check that the rules made from dev-3's misses hold for other wordings of the same class.
    @Test func theGeneralisationPartIsNewText() throws {
        let dev4 = try part("dev-4")
        #expect(dev4.count >= 100)
        let earlier = Set(try ["dev", "heldout-2026-12-06", "dev-2", "dev-3"].flatMap { try part($0) }.map(\.text))
        #expect(dev4.allSatisfy { !earlier.contains($0.text) })
        #expect(dev4.filter(\.criticism).count * 4 >= dev4.count)
    }

    /// dev-6: rumours of other scenes (an earthquake, a burst water main, snow) against statements of their own, to
    /// check that claims are read by meaning rather than by the words of the rain parts.
    @Test func theEarthquakePartIsNewTextWithItsOwnStatements() throws {
        let dev6 = try part("dev-6")
        let earlier = Set(try ["dev", "heldout-2026-12-06", "dev-2", "dev-3", "dev-4", "dev-5"].flatMap { try part($0) }.map(\.text))
        #expect(dev6.allSatisfy { !earlier.contains($0.text) })
        #expect(dev6.filter(\.misleading).count >= 30)
        #expect(dev6.contains { $0.kind.hasPrefix("rumour-agrees:") })
        #expect(try statements("dev-6").count >= 10)
    }

    /// What the city had published when a part was written (`<part>-statements.jsonl`), none if the part has no such file.
    func statements(_ name: String) throws -> [CityStatement] {
        guard Bundle.module.path(forResource: name + "-statements.jsonl", ofType: nil, inDirectory: "Fixtures/moderation-corpus") != nil
        else { return [] }
        return try LabelledComment.loadStatements(jsonLines: data(name + "-statements.jsonl"), name: name + "-statements")
    }

    @Test(arguments: ["dev", "heldout-2026-12-06", "dev-2", "dev-3", "dev-4", "dev-5", "dev-6"]) func theIssuesTableHoldsOnTheDevelopmentParts(_ name: String) throws {
        let s = ModerationScore.measure(try part(name), statements: try statements(name))
        print(s.report(name))
        for m in s.misses { print(m) }
        #expect(s.groundRecall >= 0.85)
        #expect(s.rightGroundShare >= 0.80)
        #expect(s.legitimateDeleted == 0)
        #expect(s.criticismFlagged == 0)
        #expect(s.legitimateReviewShare <= 0.05)
        #expect(s.rumourRecall >= 0.70)
        #expect(s.nonRumourMisleadingShare <= 0.03)
        if name == "dev-3" || name == "dev-4" {
            // Measured 100% on both after the fixes by class (docs/moderation.md); a drop shows a rule broken.
            #expect(s.groundRecall >= 0.95 && s.rightGroundShare >= 0.95 && s.rumourRecall >= 0.95)
            #expect(s.nonRumourMisleadingShare <= 0.01 && s.legitimateReviewShare <= 0.01)
        }
    }

    /// The held-out part (`heldout-4`, written by someone else and never tuned on) is measured once it is in the tree;
    /// without its file the test passes without measuring. Its misses are not printed: whoever tunes next must not
    /// read them off a log. The issue's table (grounds ≥ 85%, right ground ≥ 80%, no legitimate comment for deletion,
    /// no criticism flagged, review ≤ 5%, rumours ≥ 70%, non-rumours misleading ≤ 3%) is not met on it: the bounds
    /// below sit just under what was measured once (2026-12-08 03:26 UTC: 74.1%, 70.9%, 3/415, 8/245, 0.2%, 45.7%,
    /// 4.1%), so that the figures the README gives cannot get worse unnoticed.
    @Test func theHeldOutPartIsMeasured() throws {
        guard Bundle.module.path(forResource: "heldout-4.jsonl", ofType: nil, inDirectory: "Fixtures/moderation-corpus") != nil
        else { return }
        let heldout = try part("heldout-4")
        let s = ModerationScore.measure(heldout, statements: try statements("heldout-4"))
        print(s.report("評価用"))
        let dev = try ["dev", "heldout-2026-12-06", "dev-2", "dev-3", "dev-4", "dev-5", "dev-6"].flatMap { try part($0) }
        // No text of the held-out part was tuned on; a lone emoji (👍) may be written by both authors.
        let shared = Set(heldout.map(\.text)).intersection(dev.map(\.text))
        #expect(shared.allSatisfy { $0.unicodeScalars.allSatisfy(\.properties.isEmojiPresentation) }, "\(shared)")
        #expect(s.groundRecall >= 0.74)
        #expect(s.rightGroundShare >= 0.70)
        #expect(s.legitimateDeleted <= 3)
        #expect(s.criticismFlagged <= 8)
        #expect(s.legitimateReviewShare <= 0.05)
        #expect(s.rumourRecall >= 0.45)
        #expect(s.nonRumourMisleadingShare <= 0.042)
    }
}

/// Rumours read by meaning (4(7)/5(7)): a claim's topic, place, state and stance set against the facts of the city's
/// statements, read the same way, in a scene (an earthquake, a burst water main, snow) of our own.
@Suite struct ClaimReadingTests {
    func statement(_ id: String, _ title: String, _ text: String, hour: Int) -> CityStatement {
        CityStatement(id: id, kind: id.hasPrefix("alert") ? .alert : .post, title: title, text: text,
                      url: "https://www.city.kodaira.tokyo.jp/bousai/\(id).html",
                      publishedAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(hour) * 3600))
    }

    var index: CityStatementIndex {
        classifier.index([
            statement("post-81", "避難所を開設しました（地震）", "小平第五小学校と中央公民館に避難所を開設しました。どなたでも利用できます。", hour: 1),
            statement("post-82", "断水のお知らせ（回田町）", "回田町二丁目で水道管が破裂し、断水しています。11日正午までに復旧する見込みです。", hour: 2),
            statement("post-83", "市の施設の状況",
                      "市役所本庁舎に被害は確認されていません。中央図書館は通常どおり開館しています。市内に避難指示は発令していません。", hour: 3),
            statement("post-84", "新春マラソン大会の延期", "1月11日の新春マラソン大会は、1月18日に延期して開催します。参加は無料です。", hour: 4),
            statement("alert-85", "大雪警報を解除", "気象庁は小平市の大雪警報を解除しました。", hour: 5),
        ])
    }

    @Test func aClaimThatSaysOtherwiseIsContradictedWithTheStatementAsSource() throws {
        let index = self.index
        for (text, source) in [("五小の避難所、よその市の人は断られるんだって", "post-81"),   // refused where 誰でも
                               ("回田町の断水、1か月は直らないらしい", "post-82"),           // longer than the expected restoration
                               ("市役所の建物、地震でひびだらけで危ないって", "post-83"),      // damage where none was found
                               ("中央図書館、地震で休館になったって", "post-83"),             // closed where open
                               ("市内全域に避難指示出たらしい", "post-83"),                  // issued where not issued
                               ("マラソン大会、延期じゃなくて中止だってさ", "post-84"),        // cancelled where postponed
                               ("マラソン大会って参加費500円取られるらしい", "post-84"),        // charged where free
                               ("大雪警報まだ解除されてないってよ", "alert-85")] {            // still in force where lifted
            let a = classifier.assess(text, statements: index)
            #expect(a.misleading, "\(text)")
            #expect(a.suggestion == .correct, "\(text)")
            let rumour = try #require(a.rumour, "\(text)")
            #expect(rumour.status == .contradicted, "\(text)")
            #expect(rumour.source?.id == source, "\(text): \(String(describing: rumour.source?.id))")
            #expect(!rumour.claim.text.isEmpty)
        }
    }

    @Test func aClaimThatSaysTheSameIsNoRumour() {
        let index = self.index
        for text in ["回田町の断水、明日の昼には直るらしい", "図書館は普通に開いてるってさ", "マラソン大会は18日に延期だって",
                     "五小の避難所、誰でも入れるって"] {
            let a = classifier.assess(text, statements: index)
            #expect(!a.misleading, "\(text): \(String(describing: a.rumour))")
        }
    }

    @Test func aPlaceTheCityDidNotSpeakOfIsNotContradicted() {
        // 天神町: the city named only 五小 and 中央公民館; what it said of them does not answer this.
        let a = classifier.assess("天神町の避難所、満員で入れないらしい", statements: index)
        #expect(a.rumour?.status != .contradicted)
        #expect(a.rumour?.source == nil)
    }

    @Test func numbersAndHeadsOfTheTopic() throws {
        let index = classifier.index([
            statement("alert-91", "地震情報", "多摩地域で地震がありました。小平市の震度は4です。この地震による津波の心配はありません。", hour: 1),
            statement("post-92", "避難所の状況", "福祉会館の避難所は閉鎖しました。市民総合体育館の避難所は開設を続けます。", hour: 2),
        ])
        // A number beyond what the city measured; the same number is no rumour.
        let more = classifier.assess("小平は震度6弱だったらしい", statements: index)
        #expect(more.rumour?.status == .contradicted)
        #expect(more.rumour?.source?.id == "alert-91")
        #expect(!classifier.assess("小平市の震度は4だって", statements: index).misleading)
        // 地震による津波の心配はありません speaks of a tsunami, not of the earthquakes to come.
        #expect(classifier.assess("津波が来るって回ってきた", statements: index).rumour?.status == .contradicted)
        #expect(classifier.assess("大きな余震が来るって回ってきた", statements: index).rumour?.status != .contradicted)
        // 体育館のほう names the place of the shelter spoken of before.
        #expect(!classifier.assess("福祉会館の避難所は閉まったって。体育館のほうはまだやってるらしい", statements: index).misleading)
    }

    @Test func everydayServicesAndStructuresAfterAQuake() {
        let index = classifier.index([
            statement("notice-95", "ごみの収集", "1月12日のごみの収集は通常どおり行います。", hour: 1),
            statement("post-96", "橋の点検結果", "地震の後、市内の橋を点検しました。いずれの橋にも被害はありません。", hour: 2),
            statement("notice-97", "市立小中学校", "1月12日、市立小中学校は通常どおり授業を行います。", hour: 3),
        ])
        for (text, source) in [("明日のごみ収集はお休みらしい", "notice-95"), ("地震で玉川上水にかかる橋が落ちたって", "post-96"),
                               ("明日は学校休みだって", "notice-97")] {
            let a = classifier.assess(text, statements: index)
            #expect(a.rumour?.status == .contradicted && a.rumour?.source?.id == source, "\(text): \(String(describing: a.rumour))")
        }
        for text in ["夏休みの行事はどうなりますか", "ごみ収集は普通にあるってさ"] {
            #expect(!classifier.assess(text, statements: index).misleading, "\(text)")
        }
    }

    @Test func criticismAndQuestionsAboutTheSameTopicsAreNoRumour() {
        let index = self.index
        for text in ["五小の避難所は寒すぎ。市はもっと毛布を用意して", "図書館は休館ですか？", "断水の情報、出すのが遅い",
                     "大雪警報が出たら学校はどうなりますか"] {
            #expect(!classifier.assess(text, statements: index).misleading, "\(text)")
        }
    }
}
