import Foundation
import Testing
@testable import KohoCore

/// Issue 22: a draft from an agency message says what the agency says for the city's area, not the prefecture's
/// headline (which may be about islands a thousand kilometres away). The agency's official samples.
@Suite("The agency's headline for the city's area")
struct AgencyAreaHeadlineTests {
    let kodaira = JMAArea(municipality: "1321100", earthquakeRegion: "東京都多摩東部", earthquakeRegionCode: "351")

    func report(_ name: String, area: JMAArea? = nil) throws -> JMAReport {
        try JMAParser.parse(IntakeFixtures.data("jma", name), area: area ?? kodaira)
    }

    @Test("Tokyo's VPWW53 with 特別警報 on 小笠原諸島: 小平市 gets its own three advisories, not the islands' headline")
    func notTheIslandsHeadline() throws {
        let r = try report("15_12_02_161130_VPWW53.xml")
        #expect(r.headline.contains("小笠原諸島"))
        #expect(r.areaHeadline == "小平市: 大雨注意報・雷注意報・洪水注意報")
        let draft = EmergencyDraftText.agencyReport(title: r.title, reportDateTime: r.reportDateTime, summary: r.areaHeadline, platform: .facebook)
        #expect(draft == "気象庁の「気象特別警報・警報・注意報」（2月12日14時22分）: 小平市: 大雨注意報・雷注意報・洪水注意報")
        #expect(!draft.contains("小笠原") && !draft.contains("最大級"))
    }

    @Test("the headline's own item for the municipality, with its conditions (奥多摩町 under the 特別警報); 小平市 has none")
    func theHeadlinesItemForTheMunicipality() throws {
        let okutama = try report("15_14_01_170216_VPWW53.xml", area: JMAArea(municipality: "1330800"))
        #expect(okutama.areaHeadline.hasPrefix("奥多摩町: 大雨特別警報（土砂災害）"), "\(okutama.areaHeadline)")
        #expect(!okutama.areaHeadline.contains("２３区西部"))
        let kodaira = try report("15_14_01_170216_VPWW53.xml")
        #expect(kodaira.areaHeadline == "", "nothing in force for 小平市: \(kodaira.areaHeadline)")
    }

    @Test("the levelled R06 warnings (VPWW55, 島根県): 松江市's own kind with its level")
    func levelledWarnings() throws {
        let r = try report("15_17_01_250630_VPWW55.xml", area: JMAArea(municipality: "3220100"))
        #expect(r.areaHeadline.hasPrefix("松江市: レベル３大雨警報"), "\(r.areaHeadline)")
        #expect(!r.areaHeadline.contains("西部"))
    }

    @Test("an earthquake: the city's region and the city, in the agency's notation")
    func earthquake() throws {
        let r = try report("32-35_06_03_240613_VXSE53.xml")
        #expect(r.maxIntensity == "2")
        #expect(r.areaHeadline == "東京都多摩東部（小平市）で震度２")
        #expect(!r.areaHeadline.contains("岩手"))
    }

    @Test("the headline text follows when it names the city; a cancellation says nothing for the area")
    func headlineTextNamingTheCity() throws {
        var xml = String(decoding: try IntakeFixtures.data("jma", "koho_VPWW53_1321100_warning.xml"), as: UTF8.self)
        let r = try JMAParser.parse(Data(xml.utf8), area: kodaira)
        #expect(r.areaHeadline.hasPrefix("小平市: "), "\(r.areaHeadline)")
        #expect(!r.areaHeadline.contains("東京地方では"), "the prefecture's text stays out")
        xml = xml.replacingOccurrences(of: "東京地方では、", with: "小平市では、")
        let naming = try JMAParser.parse(Data(xml.utf8), area: kodaira)
        #expect(naming.areaHeadline.hasSuffix(" 小平市では、９日昼過ぎまで低い土地の浸水に警戒してください。"), "\(naming.areaHeadline)")
        #expect(try report("koho_VPWW53_cancel.xml").areaHeadline == "")
    }
}
