import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// Disaster mode from an agency message, where the policy file says so (`emergencyAreas.disasterModeAt`, issue 13
/// point 4): at or above the level for the city it goes on, audited with the message; a drill never; a cancellation
/// does not end it; the chief does.
final class IntakeDisasterModeTests: IntakeTestCase {
    override func adjustIntake(_ intake: inout IntakeSettings, _ config: inout KohoConfig) {
        // Not in the feeds file: the policy file says so.
        intake.agency?.disasterModeWarnings = []
        intake.agency?.disasterModeIntensity = nil
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("policies/kodaira-r5.yaml")
        let areas = "  earthquakeRegionCode: \"351\""
        let yaml = (try? String(contentsOf: source, encoding: .utf8)) ?? ""
        precondition(yaml.contains(areas))
        let file = dir.appendingPathComponent("policy-with-level.yaml")
        try? yaml.replacingOccurrences(of: areas, with: areas + "\n  disasterModeAt:\n    warnings: [特別警報]\n    intensity: 5弱\n")
            .write(to: file, atomically: true, encoding: .utf8)
        config.policyPath = file.path
    }

    func modes() async throws -> [String] { try await DisasterMode.query(on: app.db).all().map(\.account).sorted() }

    let everyAccount = ["UCp9YZtjCNcG0q3fQ1ln31Xg", "hisyo_kodaira_tokyo", "kodaira_tokyo", "koho.kodairacity"]
    let real = { (s: String) in s.replacingOccurrences(of: "<Status>訓練</Status>", with: "<Status>通常</Status>") }

    func testAnIntensityAtThePolicysLevelSwitchesDisasterModeOnButADrillNeverAndACancellationDoesNotEndIt() async throws {
        XCTAssertEqual(app.koho.policy.disasterModeAt, DisasterModeLevel(warnings: ["特別警報"], intensity: "5-"))
        // An ordinary post scheduled for later this morning: what disaster mode holds.
        let event = try await schedule(#"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ","scheduledAt":"2026-11-25T11:30:00+09:00"}"#)

        // The agency's 震度速報 with 震度3 for 東京都多摩東部: an alert, below the level. The drill of 震度5弱: nothing.
        try serve("32-35_07_01_100915_VXSE51.xml", at: "q3.xml")
        try serve("koho_VXSE51_drill_5minus.xml", at: "drill.xml")
        feeds.set("/extra.xml", feed([("drill.xml", "震度速報"), ("q3.xml", "震度速報")]))
        try await job("intake-agency").runOnce()
        try await assertEqual(try await Alert.query(on: self.app.db).count(), 1)
        try await assertEqual(try await self.modes(), [])

        // The same earthquake at 震度5弱 for real (the same EventID): the alert follows it, and every account goes into
        // disaster mode, audited with the message.
        try serve("koho_VXSE51_drill_5minus.xml", at: "q5.xml", edit: real)
        feeds.set("/extra.xml", feed([("q5.xml", "震度速報"), ("drill.xml", "震度速報"), ("q3.xml", "震度速報")]))
        try await job("intake-agency").runOnce()
        try await assertEqual(try await Alert.query(on: self.app.db).count(), 1)
        try await assertEqual(try await self.modes(), everyAccount)
        let on = try await AuditEntry.query(on: app.db).filter(\.$action == "disaster.on").all()
        XCTAssertEqual(on.count, 4)
        for entry in on {
            XCTAssertEqual(entry.actor, "system")
            XCTAssertTrue(entry.reason.hasPrefix("気象庁「震度速報」（2009-08-11T05:09:00+09:00）の震度5弱（災害モードの水準: 特別警報、または震度5弱以上）"), entry.reason)
            XCTAssertTrue(entry.reason.hasSuffix("電文 \(feedBase)/q5.xml"), entry.reason)
        }
        let held = try await XCTUnwrapAsync(try await Post.find(UUID(uuidString: event)!, on: app.db))
        XCTAssertTrue(held.heldReason?.hasPrefix("災害モードのため保留: 気象庁「震度速報」") == true, held.heldReason ?? "")
        try await waitFor(seconds: 10) { self.smtp.messages.count == 2 }
        XCTAssertTrue(smtp.messages.contains { $0.text.contains("震度5弱は災害モードの水準に当たるため、すべてのアカウントを災害モードにしました") },
                      smtp.messages.map(\.text).joined(separator: "\n---\n"))

        // Its cancellation withdraws the alert; disaster mode stays on until the chief ends it.
        try serve("koho_VXSE51_drill_5minus.xml", at: "q5-cancel.xml") {
            self.real($0).replacingOccurrences(of: "<InfoType>発表</InfoType>", with: "<InfoType>取消</InfoType>")
        }
        feeds.set("/extra.xml", feed([("q5-cancel.xml", "震度速報"), ("q5.xml", "震度速報")]))
        try await job("intake-agency").runOnce()
        let quake = try await XCTUnwrapAsync(try await Alert.query(on: app.db).first())
        XCTAssertEqual(quake.status, "withdrawn")
        try await assertEqual(try await self.modes(), everyAccount)
        try await assertEqual(try await AuditEntry.query(on: self.app.db).filter(\.$action == "disaster.off").count(), 0)
        try await waitFor(seconds: 10) { self.smtp.messages.count == 3 }
        XCTAssertTrue(smtp.messages.last?.text.contains("災害モードは続いています。終えるかどうかは課長が判断してください。") == true, smtp.messages.last?.text ?? "")

        let off = try await api(.POST, "/disaster-mode", token: chiefToken, json: #"{"accounts":"all","on":false,"reason":"取消を確かめた"}"#)
        XCTAssertEqual(off.status, .ok, off.body)
        try await assertEqual(try await self.modes(), [])
    }

    func testASpecialWarningSwitchesItOnOnceAndTheChiefsEndingStands() async throws {
        let special = { (s: String) in s.replacingOccurrences(of: "<Name>大雨警報</Name>", with: "<Name>大雨特別警報</Name>") }
        let at = { (time: String) in { (s: String) in s.replacingOccurrences(of: "2026-09-09T06:05:00+09:00", with: "2026-09-09T\(time):00+09:00") } }

        // A 大雨警報 for the city: an alert, not the level.
        try serve("koho_VPWW53_1321100_warning.xml", at: "w1.xml")
        feeds.set("/extra.xml", feed([("w1.xml", "気象特別警報・警報・注意報")]))
        try await job("intake-agency").runOnce()
        let alert = try await XCTUnwrapAsync(try await Alert.query(on: app.db).first())
        try await assertEqual(try await self.modes(), [])

        // Raised to 大雨特別警報: the same alert follows it, and disaster mode goes on.
        try serve("koho_VPWW53_1321100_warning.xml", at: "w2.xml") { special(at("07:05")($0)) }
        feeds.set("/extra.xml", feed([("w2.xml", "気象特別警報・警報・注意報"), ("w1.xml", "気象特別警報・警報・注意報")]))
        try await job("intake-agency").runOnce()
        try await assertEqual(try await Alert.query(on: self.app.db).count(), 1)
        try await assertEqual(try await Alert.find(alert.id, on: self.app.db)?.summary.contains("大雨特別警報"), true)
        try await assertEqual(try await self.modes(), everyAccount)
        let on = try await AuditEntry.query(on: app.db).filter(\.$action == "disaster.on").all()
        XCTAssertTrue(on.allSatisfy { $0.reason.contains("の大雨特別警報（災害モードの水準") }, on.map(\.reason).joined(separator: "\n"))

        // The chief ends it; the same special warning continuing does not switch it on again.
        let off = try await api(.POST, "/disaster-mode", token: chiefToken, json: #"{"accounts":"all","on":false,"reason":"雨のピークを過ぎた"}"#)
        XCTAssertEqual(off.status, .ok, off.body)
        try serve("koho_VPWW53_1321100_warning.xml", at: "w3.xml") { special(at("08:05")($0)).replacingOccurrences(of: "<Status>発表</Status>", with: "<Status>継続</Status>") }
        feeds.set("/extra.xml", feed([("w3.xml", "気象特別警報・警報・注意報"), ("w2.xml", "気象特別警報・警報・注意報")]))
        try await job("intake-agency").runOnce()
        try await assertEqual(try await Alert.find(alert.id, on: self.app.db)?.reportTime, "2026-09-09T08:05:00+09:00")
        try await assertEqual(try await self.modes(), [])
    }
}
