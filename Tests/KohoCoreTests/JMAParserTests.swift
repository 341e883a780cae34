import Foundation
import Testing
@testable import KohoCore

enum IntakeFixtures {
    static func data(_ dir: String, _ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/\(dir)"))
        return try Data(contentsOf: url)
    }
}

@Suite("気象庁防災情報XML (JMAParser)")
struct JMAParserTests {
    let kodaira = JMAArea(municipality: "1321100", earthquakeRegion: "東京都多摩東部", earthquakeRegionCode: "351")

    func report(_ name: String, area: JMAArea? = nil) throws -> JMAReport {
        try JMAParser.parse(IntakeFixtures.data("jma", name), area: area ?? kodaira)
    }

    @Test("the agency's VPWW53 (Tokyo): 小平市's advisories in the message's order; advisories alone do not affect the city")
    func advisoriesOnly() throws {
        let r = try report("15_12_02_161130_VPWW53.xml")
        #expect(r.kind == .weatherWarning)
        #expect(r.title == "気象特別警報・警報・注意報")
        #expect(r.status == "通常")
        #expect(r.infoType == "発表")
        #expect(r.reportDateTime == "2016-02-12T14:22:00+09:00")
        #expect(r.warnings == [JMAWarning(name: "大雨注意報", status: "継続"), JMAWarning(name: "雷注意報", status: "継続"),
                               JMAWarning(name: "洪水注意報", status: "継続")])
        #expect(r.maxIntensity == nil)
        #expect(!r.affects)
        #expect(!r.headline.isEmpty)
    }

    @Test("a 特別警報 elsewhere in Tokyo does not affect 小平市, which has none (VPWW53 and the newer VPWW54)")
    func specialWarningElsewhere() throws {
        for name in ["15_14_01_170216_VPWW53.xml", "15_14_01_170216_VPWW54.xml"] {
            let r = try report(name)
            #expect(r.kind == .weatherWarning)
            #expect(r.warnings == [])
            #expect(!r.affects)
            #expect(r.headline.hasPrefix("【特別警報（大雨）】"))
        }
        // The same message for 奥多摩町 (多摩西部, under the 特別警報) does.
        let okutama = try report("15_14_01_170216_VPWW53.xml", area: JMAArea(municipality: "1330800"))
        #expect(okutama.warnings == [JMAWarning(name: "大雨特別警報", status: "発表"), JMAWarning(name: "洪水警報", status: "発表")])
        #expect(okutama.affects)
    }

    @Test("a 警報 for 小平市 affects it; the same warning lifted (解除) in a 試験 message does not")
    func warningAndLifted() throws {
        let r = try report("koho_VPWW53_1321100_warning.xml")
        #expect(r.warnings == [JMAWarning(name: "大雨警報", status: "発表"), JMAWarning(name: "洪水注意報", status: "継続"),
                               JMAWarning(name: "雷注意報", status: "発表")])
        #expect(r.affects)
        #expect(!r.isDrillOrTest)
        let lifted = try report("koho_VPWW53_1321100_lifted_test.xml")
        #expect(lifted.status == "試験")
        #expect(lifted.isDrillOrTest)
        #expect(lifted.warnings.first == JMAWarning(name: "大雨警報", status: "解除"))
        #expect(!lifted.affects)
        // Another municipality in the same message: nothing for it.
        let other = try report("koho_VPWW53_1321100_warning.xml", area: JMAArea(municipality: "1321000"))
        #expect(other.warnings == [JMAWarning(name: "大雨注意報", status: "継続")])
        #expect(!other.affects)
    }

    @Test("a cancellation (取消) names what it cancels and affects nothing")
    func cancellation() throws {
        let w = try report("koho_VPWW53_cancel.xml")
        #expect(w.infoType == "取消")
        #expect(w.isCancellation)
        #expect(w.kind == .weatherWarning)
        #expect(!w.affects)
        let q = try report("32-35_10_01_220510_VXSE51.xml")
        #expect(q.infoType == "取消")
        #expect(q.kind == .earthquakeIntensity)
        #expect(q.maxIntensity == nil)
        #expect(q.eventID == "20220509152315")
        #expect(!q.affects)
        let t = try report("38-39_03_01_210805_VTSE41.xml")
        #expect(t.kind == .tsunami)
        #expect(t.infoType == "取消")
        let s = try report("32-35_06_06_100915_VXSE53.xml")
        #expect(s.kind == .earthquakeIntensity && s.isCancellation)
    }

    @Test("the 2026 warnings (R06 format, VPWW55): レベル３大雨警報 for 松江市 affects it")
    func newStyleWarnings() throws {
        let matsue = JMAArea(municipality: "3220100")
        let r = try report("15_17_01_250630_VPWW55.xml", area: matsue)
        #expect(r.kind == .weatherWarning)
        #expect(r.title == "気象警報・注意報（Ｒ０６）（大雨）")
        #expect(r.warnings.first == JMAWarning(name: "レベル３大雨警報", status: "継続"))
        #expect(r.affects)
        #expect(JMAWarning(name: "レベル４大雨危険警報", status: "発表").isWarningInForce)
        #expect(JMAWarning(name: "レベル５大雨特別警報", status: "継続").isWarningInForce)
        #expect(!JMAWarning(name: "レベル２大雨注意報", status: "発表").isWarningInForce)
        #expect(!JMAWarning(name: "大雨警報", status: "解除").isWarningInForce)
        // 小平市 is not in a message for 島根県.
        #expect(try report("15_17_01_250630_VPWW55.xml").warnings.isEmpty)
    }

    @Test("VXSE53 gives municipalities: 小平市 2 (from its City, not its region's maximum)")
    func intensityMunicipality() throws {
        let r = try report("32-35_06_03_240613_VXSE53.xml")
        #expect(r.kind == .earthquakeIntensity)
        #expect(r.title == "震源・震度に関する情報")
        #expect(r.eventID == "20080614084350")
        #expect(r.maxIntensity == "2")
        #expect(!r.affects)
        #expect(r.warnings == [])
        // 奥州市 saw 6+ in the same message.
        let oshu = try report("32-35_06_03_240613_VXSE53.xml", area: JMAArea(municipality: "0321500", earthquakeRegion: "岩手県内陸南部"))
        #expect(oshu.maxIntensity == "6+")
        #expect(oshu.affects)
    }

    @Test("VXSE51 gives regions only: 小平市 gets 東京都多摩東部's intensity (3, which affects it)")
    func intensityRegion() throws {
        let r = try report("32-35_07_01_100915_VXSE51.xml")
        #expect(r.title == "震度速報")
        #expect(r.maxIntensity == "3")
        #expect(r.affects)
        // By code alone, too.
        let byCode = try report("32-35_07_01_100915_VXSE51.xml", area: JMAArea(municipality: "1321100", earthquakeRegionCode: "351"))
        #expect(byCode.maxIntensity == "3")
        // No region configured: nothing to say.
        #expect(try report("32-35_07_01_100915_VXSE51.xml", area: JMAArea(municipality: "1321100")).maxIntensity == nil)
    }

    @Test("drills (訓練) keep their status and their reading, so the caller can refuse to draft from them")
    func drills() throws {
        let r = try report("koho_VXSE51_drill_5minus.xml")
        #expect(r.status == "訓練")
        #expect(r.isDrillOrTest)
        #expect(r.maxIntensity == "5-")
        #expect(r.affects)
        let q = try report("32-35_01_03_240613_VXSE53.xml")
        #expect(q.status == "訓練")
        #expect(q.maxIntensity == nil)
        let t = try report("32-39_13_07_250206_VTSE41.xml")
        #expect(t.status == "訓練" && t.kind == .tsunami)
    }

    @Test("VTSE41: inland 小平市 has no tsunami regions; a coastal city with 東京湾内湾 gets its forecast, which is no warning")
    func tsunami() throws {
        let r = try report("32-39_11_02_250206_VTSE41.xml")
        #expect(r.kind == .tsunami)
        #expect(r.title == "津波警報・注意報・予報a")
        #expect(r.warnings == [])
        #expect(!r.affects)
        let bay = try report("32-39_11_02_250206_VTSE41.xml", area: JMAArea(municipality: "1310100", tsunamiRegions: ["東京湾内湾"]))
        #expect(bay.warnings == [JMAWarning(name: "津波予報（若干の海面変動）", status: "発表")])
        #expect(!bay.affects)
        let iwate = try report("32-39_11_02_250206_VTSE41.xml", area: JMAArea(municipality: "0320200", tsunamiRegions: ["210"]))
        #expect(iwate.warnings == [JMAWarning(name: "大津波警報：発表", status: "発表")])
        #expect(iwate.affects)
    }

    @Test("what is not the agency's XML gets a clear error: a feed, HTML, broken XML, an entity bomb, an oversized file")
    func notJMA() throws {
        let feed = try IntakeFixtures.data("jma", "mican3_jmaxml_test_extra.xml")
        #expect(throws: IntakeParseError.self) { try JMAParser.parse(feed, area: kodaira) }
        let cases: [String] = [
            "<html><body>503 Service Unavailable</body></html>",
            "<Report xmlns=\"http://xml.kishou.go.jp/jmaxml1/\"><Control><Title>x</Title>",
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><r>&b;</r>",
            "",
            "not xml at all",
        ]
        for text in cases {
            #expect(throws: IntakeParseError.self) { try JMAParser.parse(Data(text.utf8), area: kodaira) }
        }
        let wrongStatus = String(decoding: try IntakeFixtures.data("jma", "koho_VPWW53_cancel.xml"), as: UTF8.self)
            .replacingOccurrences(of: "<Status>通常</Status>", with: "<Status>本番</Status>")
        do {
            _ = try JMAParser.parse(Data(wrongStatus.utf8), area: kodaira)
            Issue.record("an unknown Status was accepted")
        } catch let e as IntakeParseError {
            #expect(e.message.contains("本番"))
        }
        let huge = Data(count: JMAParser.maxBytes + 1)
        #expect(throws: IntakeParseError.self) { try JMAParser.parse(huge, area: kodaira) }
    }

    @Test("the agency's Atom feeds (extra.xml) read as feeds: id, title, link to the message's XML, updated")
    func agencyAtomFeed() throws {
        let items = try FeedParser.parse(IntakeFixtures.data("jma", "mican3_jmaxml_test_extra.xml"))
        #expect(!items.isEmpty)
        for item in items {
            #expect(!item.id.isEmpty)
            #expect(!item.title.isEmpty)
            #expect(item.link?.hasSuffix(".xml") == true)
            #expect(item.updated != nil)
        }
        let older = try FeedParser.parse(IntakeFixtures.data("jma", "shirasagi_weather-sample_atom.xml"))
        #expect(!older.isEmpty)
    }

    @Test("the policy file names the areas: the built-in Kodaira policy has 1321100 and 東京都多摩東部; others may omit them")
    func policyAreas() throws {
        let areas = try #require(PolicyLoader.builtIn().emergencyAreas)
        #expect(areas.municipality == "1321100")
        #expect(areas.earthquakeRegion == "東京都多摩東部")
        #expect(areas.earthquakeRegionCode == "351")
        let url = try #require(Bundle.module.url(forResource: "midoridai-city", withExtension: "yaml", subdirectory: "Fixtures"))
        #expect(try PolicyLoader.load(path: url.path).emergencyAreas == nil)
        let bad = BuiltInPolicy.kodairaR5.replacingOccurrences(of: "municipality: \"1321100\"", with: "municipality: \"小平市\"")
        #expect(throws: PolicyFileError.self) { try PolicyLoader.load(yaml: bad, file: "bad.yaml") }
    }
}
