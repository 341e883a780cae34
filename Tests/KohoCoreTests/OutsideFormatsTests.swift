import Foundation
import Testing
@testable import KohoCore

/// Issue 22: the agency's levelled warnings, emergency drafts as a resident reads them, and which items of a city
/// feed are emergencies.
@Suite struct OutsideFormatsTests {
    let kodaira = JMAArea(municipality: "1321100", earthquakeRegion: "東京都多摩東部", earthquakeRegionCode: "351")

    @Test("each warning carries its level from the R06 name; hazards without a level and older messages have none")
    func warningLevels() throws {
        let matsue = JMAArea(municipality: "3220100")
        let r = try JMAParser.parse(IntakeFixtures.data("jma", "15_17_01_250630_VPWW55.xml"), area: matsue)
        #expect(r.warnings.first?.level == 3)
        #expect(JMAWarning(name: "レベル５大雨特別警報", status: "発表").level == 5)
        #expect(JMAWarning(name: "レベル４大雨危険警報", status: "発表").level == 4)
        #expect(JMAWarning(name: "レベル2大雨注意報", status: "発表").level == 2, "a half-width digit too")
        #expect(JMAWarning(name: "波浪警報", status: "発表").level == nil)
        #expect(JMAWarning(name: "大雨警報", status: "発表").level == nil, "the older messages name no level")
        let old = try JMAParser.parse(IntakeFixtures.data("jma", "15_12_02_161130_VPWW53.xml"), area: kodaira)
        #expect(old.warnings.allSatisfy { $0.level == nil })
        // Written out with the level, null where there is none.
        let json = String(decoding: try JSONEncoder().encode([JMAWarning(name: "波浪警報", status: "発表"),
                                                              JMAWarning(name: "レベル４大雨危険警報", status: "発表")]), as: UTF8.self)
        #expect(json.contains(#""level":null"#))
        #expect(json.contains(#""level":4"#))
        let back = try JSONDecoder().decode([JMAWarning].self, from: Data(json.utf8))
        #expect(back.map(\.level) == [nil, 4])
    }

    @Test("disasterModeAt takes a level: レベル４ and above switch it on, レベル３ does not, レベル２ cannot be written")
    func disasterModeByLevel() throws {
        let s = try IntakeSettings.load(yaml: "agency:\n  feeds: [http://127.0.0.1:1/extra.xml]\n  disasterModeAt:\n    level: ４\n", file: "feeds.yaml")
        let level = try #require(s.agency?.disasterModeAt)
        #expect(level.level == 4)
        #expect(level.description == "レベル4以上の警報")
        func report(_ warnings: [JMAWarning]) -> JMAReport {
            JMAReport(title: "気象警報・注意報（Ｒ０６）（大雨）", status: "通常", infoType: "発表", reportDateTime: "2026-12-07T22:01:00+09:00",
                      eventID: nil, kind: .weatherWarning, warnings: warnings, maxIntensity: nil, affects: true, headline: "")
        }
        #expect(level.reached(by: report([JMAWarning(name: "レベル４大雨危険警報", status: "発表")])) == "レベル４大雨危険警報")
        #expect(level.reached(by: report([JMAWarning(name: "レベル５大雨特別警報", status: "継続")])) == "レベル５大雨特別警報")
        #expect(level.reached(by: report([JMAWarning(name: "レベル３大雨警報", status: "発表")])) == nil)
        #expect(level.reached(by: report([JMAWarning(name: "レベル４大雨危険警報", status: "解除")])) == nil, "a lifted warning is not in force")
        #expect(throws: PolicyFileError.self) {
            try IntakeSettings.load(yaml: "agency:\n  feeds: [http://127.0.0.1:1/extra.xml]\n  disasterModeAt:\n    level: 2\n", file: "feeds.yaml")
        }
    }

    @Test("an article's draft says 【緊急】 once, however the city wrote its title")
    func noDoubledPrefix() {
        #expect(EmergencyDraftText.headline("避難所を開設しました") == "【緊急】避難所を開設しました")
        #expect(EmergencyDraftText.headline("【緊急】避難所を開設しました") == "【緊急】避難所を開設しました")
        #expect(EmergencyDraftText.headline("  【緊急情報】断水のお知らせ") == "【緊急情報】断水のお知らせ")
        #expect(EmergencyDraftText.headline("［緊急］道路の通行止め") == "［緊急］道路の通行止め")
        #expect(EmergencyDraftText.headline("緊急：土砂崩れ") == "緊急：土砂崩れ")
        #expect(EmergencyDraftText.headline("【お知らせ】緊急避難場所の見直し") == "【緊急】【お知らせ】緊急避難場所の見直し")
        let x = EmergencyDraftText.article(title: "【緊急】避難所を開設しました", summary: "小平第三小学校を避難所として開設しました。",
                                           platform: .x, hasLink: true)
        #expect(x == "【緊急】避難所を開設しました\n小平第三小学校を避難所として開設しました。")
        #expect(!x.contains("【緊急】【緊急】"))
    }

    @Test("an agency draft gives the time as people write it, not a timestamp")
    func agencyTime() {
        #expect(EmergencyDraftText.spokenTime("2026-12-07T22:01:00+09:00") == "12月7日22時01分")
        #expect(EmergencyDraftText.spokenTime("2026-12-07T13:01:00Z") == "12月7日22時01分", "in Tokyo time")
        #expect(EmergencyDraftText.spokenTime("そのうち") == "そのうち", "what does not read is given as written")
        let text = EmergencyDraftText.agencyReport(title: "気象警報・注意報（Ｒ０６）（大雨）", reportDateTime: "2026-12-07T22:01:00+09:00",
                                                   summary: "レベル４大雨危険警報", platform: .facebook)
        #expect(text == "気象庁の「気象警報・注意報（Ｒ０６）（大雨）」（12月7日22時01分）: レベル４大雨危険警報")
        #expect(!text.contains("T22:01"))
    }

    @Test("by default only emergencies of a city feed become drafts; a feed may say all, or its own words")
    func emergencyItems() throws {
        let s = try IntakeSettings.load(yaml: """
            website:
              - url: http://127.0.0.1:1/rss.xml
                categories: [ア]
              - url: http://127.0.0.1:1/bousai.xml
                categories: [ア]
                emergencyItems: all
              - url: http://127.0.0.1:1/other.xml
                categories: [ア]
                keywords: [ごみ]
            """, file: "feeds.yaml")
        let (plain, all, own) = (s.website[0], s.website[1], s.website[2])
        #expect(!plain.isEmergency(title: "図書館の休館日のお知らせ", summary: "12月の休館日は次のとおりです。"))
        #expect(plain.isEmergency(title: "避難所を開設しました", summary: ""))
        #expect(plain.isEmergency(title: "図書館の臨時休館", summary: "停電のため"), "a closure for a power cut is one")
        #expect(plain.isEmergency(title: "ｷﾝｷｭｳ", summary: "断水のお知らせ"))
        #expect(all.isEmergency(title: "図書館の休館日のお知らせ", summary: ""))
        #expect(own.isEmergency(title: "ごみ収集の変更", summary: "") && !own.isEmergency(title: "避難所を開設しました", summary: ""))
        #expect(throws: PolicyFileError.self) {
            try IntakeSettings.load(yaml: "website:\n  - url: http://127.0.0.1:1/rss.xml\n    categories: [ア]\n    emergencyItems: some\n", file: "feeds.yaml")
        }
    }

    @Test("policy validation warns, with file and line, of an X username that cannot exist on X")
    func xUsernames() throws {
        let yaml = BuiltInPolicy.kodairaR5
        let policy = try PolicyLoader.load(yaml: yaml, file: "kodaira.yaml")
        let warnings = PolicyLoader.warnings(policy, yaml: yaml, file: "kodaira.yaml")
        // The mayor's office's X username in the policy has 19 characters: X allows 15.
        #expect(warnings.count == 1)
        let line = yaml.components(separatedBy: "\n").firstIndex { $0.contains("handle: hisyo_kodaira_tokyo") }! + 1
        #expect(warnings.first?.hasPrefix("kodaira.yaml:\(line): accounts[1].handle: ") == true, "\(warnings)")
        #expect(warnings.first?.contains("19文字") == true)
        #expect(!warnings.joined().contains("「kodaira_tokyo」"), "the city's own 13-character username is fine")
    }

    static func bytes(_ hex: String) -> Data {
        var d = Data()
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            d.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return d
    }

    @Test("a city feed labelled Shift_JIS is read as code page 932 (①, ㈱, 髙), and EUC-JP too")
    func japaneseFeedEncodings() throws {
        // Encoded with Python's cp932 and euc_jp codecs, as a Japanese CMS writes them.
        let sjis = Self.bytes("3c3f786d6c2076657273696f6e3d22312e302220656e636f64696e673d2253686966745f4a4953223f3e3c7273732076657273696f6e3d22322e30223e3c6368616e6e656c3e3c7469746c653e8fac95bd8e733c2f7469746c653e3c6974656d3e3c7469746c653e81798bd98b7d817a94f093ef8f8a874082f08a4a90dd8169878aeee08bb48c9a90dd82cc8ba697cd816a3c2f7469746c653e3c6c696e6b3e68747470733a2f2f7777772e636974792e6b6f64616972612e746f6b796f2e6a702f626f757361692f312e68746d6c3c2f6c696e6b3e3c677569643e622d313c2f677569643e3c6465736372697074696f6e3e91e6874094f093ef8f8a3c2f6465736372697074696f6e3e3c2f6974656d3e3c2f6368616e6e656c3e3c2f7273733e")
        let items = try FeedParser.parse(sjis)
        #expect(items.first?.title == "【緊急】避難所①を開設（㈱髙橋建設の協力）")
        #expect(items.first?.summary == "第①避難所")
        let eucItems = try FeedParser.parse(Self.bytes("3c3f786d6c2076657273696f6e3d22312e302220656e636f64696e673d224555432d4a50223f3e3c7273732076657273696f6e3d22322e30223e3c6368616e6e656c3e3c7469746c653ebeaecabfbbd43c2f7469746c653e3c6974656d3e3c7469746c653ea1dab6dbb5dea1dbc3c7bfe5a4cea4aac3cea4e9a4bb3c2f7469746c653e3c6c696e6b3e68747470733a2f2f7777772e636974792e6b6f64616972612e746f6b796f2e6a702f737569646f2f312e68746d6c3c2f6c696e6b3e3c677569643e652d313c2f677569643e3c2f6974656d3e3c2f6368616e6e656c3e3c2f7273733e"))
        #expect(eucItems.first?.title == "【緊急】断水のお知らせ")
    }

    @Test("a feed in ISO-2022-JP, and UTF-8 with a byte-order mark, read as the others")
    func iso2022AndBOMFeeds() throws {
        // Encoded with Python's iso2022_jp codec, and UTF-8 with U+FEFF in front, as some CMSs write them.
        let jis = try FeedParser.parse(Self.bytes("3c3f786d6c2076657273696f6e3d22312e302220656e636f64696e673d2249534f2d323032322d4a50223f3e3c7273732076657273696f6e3d22322e30223e3c6368616e6e656c3e3c7469746c653e1b24423e2e4a3f3b541b28423c2f7469746c653e3c6974656d3e3c7469746c653e1b2442215a365b355e215b487246713d6a2472332b405f1b28423c2f7469746c653e3c6c696e6b3e68747470733a2f2f7777772e636974792e6b6f64616972612e746f6b796f2e6a702f626f757361692f322e68746d6c3c2f6c696e6b3e3c677569643e6a2d313c2f677569643e3c2f6974656d3e3c2f6368616e6e656c3e3c2f7273733e"))
        #expect(jis.first?.title == "【緊急】避難所を開設")
        let bom = try FeedParser.parse(Self.bytes("efbbbf3c3f786d6c2076657273696f6e3d22312e302220656e636f64696e673d225554462d38223f3e3c7273732076657273696f6e3d22322e30223e3c6368616e6e656c3e3c7469746c653ee5b08fe5b9b3e5b8823c2f7469746c653e3c6974656d3e3c7469746c653ee38090e7b78ae680a5e38091e7b5a6e6b0b4e68980e381aee3818ae79fa5e38289e3819b3c2f7469746c653e3c6c696e6b3e68747470733a2f2f7777772e636974792e6b6f64616972612e746f6b796f2e6a702f737569646f2f322e68746d6c3c2f6c696e6b3e3c677569643e752d313c2f677569643e3c2f6974656d3e3c2f6368616e6e656c3e3c2f7273733e"))
        #expect(bom.first?.title == "【緊急】給水所のお知らせ")
    }

    @Test("X's user search is off unless the city's settings say its X plan allows it")
    func xUserSearchSetting() throws {
        #expect(try IntakeSettings.load(yaml: "website: []\n", file: "feeds.yaml").xUserSearch == false)
        #expect(try IntakeSettings.load(yaml: "xUserSearch: true\n", file: "feeds.yaml").xUserSearch == true)
        #expect(throws: PolicyFileError.self) { try IntakeSettings.load(yaml: "xUserSearch: たぶん\n", file: "feeds.yaml") }
    }
}
