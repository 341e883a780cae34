import ArgumentParser
import Foundation
import KohoCore

struct HoursCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hours",
        abstract: "ある時点が運用時間内かどうかと、次の運用開始を示す")

    @Option(help: "時点（ISO 8601。例: 2026-11-25T09:00:00+09:00）。省略時は現在") var at: String?
    @Option(help: "プラットフォーム（x, facebook, youtube）。省略時はポリシーの最初のもの") var platform: String?
    @Flag(help: "JSONで出力する（open, nextOpening, …）") var json = false
    @OptionGroup var policyOption: PolicyOption
    @OptionGroup var data: DataDirOption

    struct Output: Encodable {
        let at: String
        let open: Bool
        let closesAt: String?
        let nextOpening: String?
        let closedReason: String?
        let rule: String
    }

    func run() throws {
        let policy = try policyOption.load()
        var instant = Date()
        if let at {
            guard let d = JapaneseTime.parseISO8601(at) else {
                throw CLIInputError("--at: ISO 8601 の日時が必要です（例: 2026-11-25T09:00:00+09:00）: \(at)")
            }
            instant = d
        }
        let rules: PlatformRules
        if let platform {
            guard let p = Platform(rawValue: platform), let r = policy.rules(for: p) else {
                throw CLIInputError("--platform: このポリシーにないプラットフォームです: \(platform)")
            }
            rules = r
        } else {
            rules = policy.platforms[0]
        }
        let zone = rules.operatingHours.timeZone
        let calendar = OperatingCalendar(hours: rules.operatingHours, holidays: try data.holidays())
        let window = calendar.currentWindow(at: instant)
        let next = calendar.nextOpening(after: instant)
        let reason = window == nil ? closedReason(calendar, instant) : nil
        if json {
            try writeJSON(Output(at: JapaneseTime.iso8601(instant, in: zone), open: window != nil,
                                 closesAt: window.map { JapaneseTime.iso8601($0.end, in: zone) },
                                 nextOpening: next.map { JapaneseTime.iso8601($0, in: zone) },
                                 closedReason: reason, rule: rules.hoursClause))
            return
        }
        let when = JapaneseTime.display(instant, in: zone)
        if let window {
            print("運用時間内: \(when)（\(JapaneseTime.display(window.end, in: zone).suffix(5))まで）")
        } else {
            print("運用時間外: \(when)（\(reason ?? "")）")
        }
        if let next { print("次の運用開始: \(JapaneseTime.display(next, in: zone))") }
        print("根拠: \(rules.hoursClause) \(PolicyChecker(policy: policy).describe(rules.operatingHours))")
    }

    private func closedReason(_ calendar: OperatingCalendar, _ instant: Date) -> String {
        switch calendar.closedReason(on: calendar.localDate(of: instant)) {
        case .nationalHoliday(let name)?: return "祝日: \(name)"
        case .closure(let name)?: return name
        case .weekday?: return "運用しない曜日"
        case nil: return "運用時間の前後"
        }
    }
}
