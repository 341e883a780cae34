import Foundation
import Testing
@testable import KohoCore

@Suite struct WarekiTests {
    @Test func eraBoundaries() {
        #expect(JapaneseTime.wareki(CivilDate(2019, 4, 30)) == "平成31年4月30日（火）")
        #expect(JapaneseTime.wareki(CivilDate(2019, 5, 1)) == "令和元年5月1日（水）")
        #expect(JapaneseTime.wareki(CivilDate(2020, 1, 1)) == "令和2年1月1日（水）")
        #expect(JapaneseTime.wareki(CivilDate(1989, 1, 7)) == "昭和64年1月7日（土）")
        #expect(JapaneseTime.wareki(CivilDate(1989, 1, 8)) == "平成元年1月8日（日）")
        #expect(JapaneseTime.wareki(CivilDate(1926, 12, 25)) == "昭和元年12月25日（土）")
        #expect(JapaneseTime.wareki(CivilDate(1926, 12, 24)) == "大正15年12月24日（金）")
        #expect(JapaneseTime.eraYear(CivilDate(1912, 7, 30)) == "大正元年")
        #expect(JapaneseTime.eraYear(CivilDate(1912, 7, 29)) == "明治45年")
        #expect(JapaneseTime.eraYear(CivilDate(1872, 12, 31)) == nil)
    }

    @Test func thePolicyDateAndAStaffDate() {
        #expect(JapaneseTime.wareki(CivilDate(2023, 10, 31)) == "令和5年10月31日（火）")
        #expect(JapaneseTime.wareki(CivilDate(2026, 12, 2)) == "令和8年12月2日（水）")
        let instant = JapaneseTime.parseISO8601("2026-12-02T09:05:00+09:00")!
        #expect(JapaneseTime.displayWithEra(instant) == "令和8年（2026年）12月2日（水）09:05")
        #expect(JapaneseTime.zoneName(JapaneseTime.tokyo) == "日本時間")
        #expect(JapaneseTime.zoneName(TimeZone(identifier: "America/New_York")!) == "America/New_York")
    }
}
