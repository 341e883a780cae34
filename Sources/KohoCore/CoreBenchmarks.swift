import Foundation

/// Measurements printed by `koho bench`: figures, not pass/fail.
public enum CoreBenchmarks {
    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// X weighted-length counting over mixed Japanese text (kana, kanji, ASCII, URLs, emoji).
    public static func weightedLength(rounds: Int) -> String {
        let sample = """
        【小平市】本日15時、大雨警報が発表されました。🌧️ 避難所の開設状況は市ホームページ https://www.city.kodaira.tokyo.jp/kurashi/123456.html \
        をご覧ください。Kodaira City: heavy rain warning. 詳細は kodaira.example.jp まで👨‍👩‍👧‍👦 ｶﾀｶﾅも含みます。
        """
        let texts = (0..<64).map { "\($0) " + sample }
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        var total = 0
        let s = seconds {
            for _ in 0..<rounds { for t in texts { total &+= XTextCounter.weightedLength(t) } }
        }
        let mb = Double(bytes * rounds) / 1_000_000
        return String(format: "weightedLength: %.1f MB/s（日本語・英語・URL・絵文字の混在文 %d 件 × %d 回 = %.1f MB、%.2f 秒、検算 %d）",
                      mb / s, texts.count, rounds, mb, s, total)
    }

    /// Next-opening look-ups over random instants of 1955–2099.
    public static func nextOpening(lookups: Int) -> String {
        let calendar = OperatingCalendar(hours: PolicyLoader.builtIn().platforms[0].operatingHours)
        let low = JapaneseTime.parseISO8601("1955-01-01T00:00:00+09:00")!.timeIntervalSince1970
        let high = JapaneseTime.parseISO8601("2099-12-01T00:00:00+09:00")!.timeIntervalSince1970
        var rng = SystemRandomNumberGenerator()
        let instants = (0..<4096).map { _ in Date(timeIntervalSince1970: Double.random(in: low..<high, using: &rng)) }
        var found = 0
        let s = seconds {
            for i in 0..<lookups where calendar.nextOpening(after: instants[i & 4095]) != nil { found += 1 }
        }
        return String(format: "nextOpening: %.0f 回/秒（1955〜2099年の無作為な時点 %d 回、%.2f 秒、見つかった数 %d）",
                      Double(lookups) / s, lookups, s, found)
    }

    /// Impersonation candidates scored per second against the Kodaira accounts: a realistic mix of residents, shops,
    /// fans, namesakes and impostors with look-alike letters, on one core.
    public static func impersonation(candidates: Int) -> String {
        let scorer = ImpersonationScorer(policy: PolicyLoader.builtIn())
        let samples: [ImpersonationCandidate] = [
            .init(platform: .x, handle: "tanaka_taro1987", name: "田中太郎", bio: "東京都小平市在住。写真と散歩が好きです。"),
            .init(platform: .x, handle: "k0daira__tokyo", name: "プチ田舎 東京都小平巿", bio: "小平市の公式アカウントです"),
            .init(platform: .x, handle: "kodaira_bakery", name: "小平市のパン屋 こむぎ", bio: "東京都小平市のベーカリーです。火曜定休"),
            .init(platform: .facebook, handle: "obira.hokkaido", name: "小平町役場", bio: "北海道留萌郡小平町の公式ページ"),
            .init(platform: .youtube, handle: "@kodaira_fan", name: "小平市ファン（非公式）", bio: "小平市が好きな個人の非公式チャンネル"),
            .init(platform: .x, handle: "k\u{043E}d\u{0430}ira_tokyo", name: "ｐｕｃｈｉ ｉｎａｋａ", bio: ""),
            .init(platform: .x, handle: "kokubunji_city", name: "国分寺市", bio: "東京都国分寺市の公式アカウントです"),
            .init(platform: .x, handle: "sunny_day_2024", name: "はれのひ", bio: "Photos of Tokyo parks and trains. 📷 DM open"),
        ]
        var flagged = 0
        let s = seconds {
            for i in 0..<candidates where scorer.score(samples[i & 7]).flagged { flagged += 1 }
        }
        return String(format: "impersonation: %.0f 件/秒（住民・店・ファン・同名の町・近隣の市・なりすましの混在 %d 件、%.2f 秒、1コア、flagged %d、confusables.txt \(ConfusableSkeleton.dataVersion)）",
                      Double(candidates) / s, candidates, s, flagged)
    }
}

extension CoreBenchmarks {
    /// Comments as residents write them: thanks, questions, harsh criticism, rumours, and each ground in
    /// full-width and half-width writing, with links, numbers and emoji.
    public static let moderationSample: [String] = [
        "いつも役立つ情報をありがとうございます。", "駐車場はありますか？", "今年の花火大会も楽しみにしています！🎆",
        "税金の無駄遣い。市長は辞めろ", "市役所の窓口の対応が遅すぎる。職員は何をしているんだ",
        "市民まつりは中止らしいよ", "図書館が来月で閉鎖されるって聞いた", "水道水が汚染されているらしい、拡散希望",
        "山田さんの携帯は０９０ー１２３４ー５６７８です", "犯人の家は小平市小川町3丁目5番12号", "連絡先: tanaka.hanako@example.com",
        "マイナンバーは123456789018です", "隣の山田さんは泥棒です。気をつけて", "あの店長はクズ。最低な人間",
        "市役所を爆破してやる", "闇バイト募集　即日現金", "次の選挙では山田一郎に清き一票をお願いします",
        "副業で月収100万！スマホで簡単に稼げる方法はプロフへ https://example.com/x?aff=123", "激安セール開催中！今なら送料無料",
        "ｴﾛ動画はこちら bit.ly/3abcdEF", "😂😂😂😂😂😂😂😂😂😂😂😂😂😂😂😂😂😂😂😂😂", "ああああああああああああああああああああ",
        "子どもと一緒に見ました。分かりやすかったです。来年も参加したいと思います。会場までのバスの本数を増やしてください。",
        "Kodaira City's English page is helpful. Thank you! https://www.city.kodaira.tokyo.jp/",
        "給付金の申請期限はいつまでですか？　申請書の書き方がわからないので教えてください", "小平の桜、今年もきれいでした🌸🌸",
        "防災訓練に参加してきました。避難所の場所を確認しておきましょう", "ゴミ収集の有料化には反対です。説明会を開いてください",
    ]

    /// CPU time of the calling thread: on a machine shared with other work, what one core spent.
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Classifications per second over `moderationSample`, on one core (one thread).
    public static func moderation(comments: Int) -> String {
        let classifier = CommentClassifier()
        let sample = moderationSample
        let scalars = sample.reduce(0) { $0 + $1.unicodeScalars.count }
        var flagged = 0
        _ = classifier.assess(sample[0])
        let cpuStart = threadCPUSeconds()
        let s = seconds {
            for i in 0..<comments where classifier.assess(sample[i % sample.count]).suggestion != .keep { flagged += 1 }
        }
        let cpu = threadCPUSeconds() - cpuStart
        // With the account's 50 latest comments to compare against (floods), kept folded and each new comment put in
        // after it is classified, as the ingest does (CommentIngest): what the inbox pays per new comment.
        var recent = RecentComments(newestFirst: (0..<50).map { sample[($0 * 7) % sample.count] + ($0 % 3 == 0 ? "" : "！") },
                                    capacity: 50)
        let withRecent = max(1, comments / 4)
        let s2 = seconds {
            for i in 0..<withRecent {
                let text = sample[i % sample.count]
                _ = classifier.assess(text, recent: recent)
                recent.insert(text)
            }
        }
        return String(format: "moderation: %.0f 件/秒（日本語の混在したコメント %d 種、平均 %d 文字、計 %d 件、%.2f 秒、1コア、keep 以外 %d 件。"
                      + "このスレッドの CPU 時間 %.2f 秒で数えると %.0f 件/秒）\n"
                      + "moderation（直近のコメント 50 件と比べて）: %.0f 件/秒（%d 件、%.2f 秒）",
                      Double(comments) / s, sample.count, scalars / sample.count, comments, s, flagged,
                      cpu, Double(comments) / max(cpu, 1e-9), Double(withRecent) / s2, withRecent, s2)
    }
}
