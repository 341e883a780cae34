import Foundation
import Testing
@testable import KohoCore

/// `emergencyAreas.disasterModeAt` of the policy file: the level of an agency message that switches disaster mode on.
@Suite struct DisasterModeLevelTests {
    static let areas = "  earthquakeRegionCode: \"351\""

    func loadWithLevel(_ lines: String) throws -> Policy {
        let yaml = BuiltInPolicy.kodairaR5
        precondition(yaml.contains(Self.areas))
        return try PolicyLoader.load(yaml: yaml.replacingOccurrences(of: Self.areas, with: Self.areas + "\n  disasterModeAt:\n" + lines),
                                     file: "level.yaml")
    }

    func lineOf(_ needle: String, in yaml: String) -> Int {
        yaml.components(separatedBy: "\n").firstIndex { $0.contains(needle) }! + 1
    }

    @Test func thePolicyFileMayNameTheLevel() throws {
        #expect(kodaira.disasterModeAt == nil, "Kodaira's policy does not say so: the chief switches disaster mode")
        let p = try loadWithLevel("    warnings: [特別警報]\n    intensity: ５弱\n")
        #expect(p.disasterModeAt == DisasterModeLevel(warnings: ["特別警報"], intensity: "5-"))
        #expect(p.disasterModeAt?.description == "特別警報、または震度5弱以上")
        #expect(p.emergencyAreas?.municipality == "1321100")
        #expect(try loadWithLevel("    intensity: \"6+\"\n").disasterModeAt == DisasterModeLevel(intensity: "6+"))
        #expect(PolicySummary.text(p).contains("災害モード: 市に特別警報、または震度5弱以上の情報が出たら、すべてのアカウントで開始（終えるのは課長）"))
        #expect(PolicySummary.text(kodaira).contains("災害モード: 課長が切り替える"))
    }

    @Test func aBadLevelIsRefusedAtItsLine() throws {
        let yaml = BuiltInPolicy.kodairaR5.replacingOccurrences(of: Self.areas, with: Self.areas + "\n  disasterModeAt:\n    warnings: [大雨注意報]\n")
        let advisory = #expect(throws: PolicyFileError.self) { try PolicyLoader.load(yaml: yaml, file: "level.yaml") }
        #expect(advisory?.field == "emergencyAreas.disasterModeAt.warnings[0]")
        #expect(advisory?.line == lineOf("warnings: [大雨注意報]", in: yaml))
        #expect(advisory?.message.contains("注意報では災害モードにしません") == true)
        #expect(advisory?.description.hasPrefix("level.yaml:\(lineOf("warnings: [大雨注意報]", in: yaml)): ") == true)

        let intensity = #expect(throws: PolicyFileError.self) { try loadWithLevel("    intensity: 震度5.5\n") }
        #expect(intensity?.field == "emergencyAreas.disasterModeAt.intensity")
        #expect(intensity?.message.contains("震度5.5") == true)
        let empty = #expect(throws: PolicyFileError.self) { try loadWithLevel("    warnings: []\n") }
        #expect(empty?.field == "emergencyAreas.disasterModeAt")
        let typo = #expect(throws: PolicyFileError.self) { try loadWithLevel("    intensities: \"5-\"\n") }
        #expect(typo?.field == "emergencyAreas.disasterModeAt.intensities")
    }

    @Test func theFeedsFileReadsTheSameWay() throws {
        let s = try IntakeSettings.load(yaml: "agency:\n  feeds: [http://127.0.0.1:1/extra.xml]\n  disasterModeAt:\n    intensity: 6弱\n", file: "feeds.yaml")
        #expect(s.agency?.disasterModeAt == DisasterModeLevel(intensity: "6-"))
        #expect(try IntakeSettings.load(yaml: "agency:\n  feeds: [http://127.0.0.1:1/extra.xml]\n", file: "feeds.yaml").agency?.disasterModeAt == nil)
        let e = #expect(throws: PolicyFileError.self) {
            try IntakeSettings.load(yaml: "agency:\n  feeds: [http://127.0.0.1:1/extra.xml]\n  disasterModeAt:\n    intensity: \"8\"\n", file: "feeds.yaml")
        }
        #expect(e?.line == 4)
    }

    func report(_ name: String, area: String = "1321100", edit: (String) -> String = { $0 }) throws -> JMAReport {
        let text = String(decoding: try IntakeFixtures.data("jma", name), as: UTF8.self)
        return try JMAParser.parse(Data(edit(text).utf8),
                                   area: JMAArea(municipality: area, earthquakeRegion: "東京都多摩東部", earthquakeRegionCode: "351"))
    }

    @Test func theAgencysSamplesAgainstTheLevel() throws {
        let level = DisasterModeLevel(warnings: ["特別警報"], intensity: "5-")
        // The agency's 特別警報 sample: for 奥多摩町 under it, not for 小平市 (advisories only).
        #expect(level.reached(by: try report("15_14_01_170216_VPWW53.xml", area: "1330800")) == "大雨特別警報")
        #expect(level.reached(by: try report("15_14_01_170216_VPWW53.xml")) == nil)
        #expect(level.reached(by: try report("15_12_02_161130_VPWW53.xml")) == nil)
        // 震度3 in 東京都多摩東部: an alert, but below the level.
        let three = try report("32-35_07_01_100915_VXSE51.xml")
        #expect(three.affects && level.reached(by: three) == nil)
        // 震度5弱: a drill never, the real message does; its cancellation does not.
        #expect(level.reached(by: try report("koho_VXSE51_drill_5minus.xml")) == nil)
        let real = { (s: String) in s.replacingOccurrences(of: "<Status>訓練</Status>", with: "<Status>通常</Status>") }
        #expect(level.reached(by: try report("koho_VXSE51_drill_5minus.xml", edit: real)) == "震度5弱")
        #expect(DisasterModeLevel(intensity: "5+").reached(by: try report("koho_VXSE51_drill_5minus.xml", edit: real)) == nil)
        let cancelled = try report("koho_VXSE51_drill_5minus.xml") { real($0).replacingOccurrences(of: "<InfoType>発表</InfoType>", with: "<InfoType>取消</InfoType>") }
        #expect(level.reached(by: cancelled) == nil)
        // A warning for 小平市 is not a special warning; made one, it reaches the level.
        #expect(level.reached(by: try report("koho_VPWW53_1321100_warning.xml")) == nil)
        let special = try report("koho_VPWW53_1321100_warning.xml") { $0.replacingOccurrences(of: "<Name>大雨警報</Name>", with: "<Name>大雨特別警報</Name>") }
        #expect(level.reached(by: special) == "大雨特別警報")
        #expect(DisasterModeLevel(intensity: "5-").reached(by: special) == nil)
    }
}
