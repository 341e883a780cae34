import ArgumentParser
import Foundation
import KohoCore

struct HolidaysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holidays",
        abstract: "国民の祝日・休日を一覧する、または内閣府の祝日CSVを取り込む",
        subcommands: [List.self, Import.self],
        defaultSubcommand: List.self
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "FROM_YEAR から TO_YEAR までの祝日を、1行に1日 `YYYY-MM-DD<TAB>名称` で日付順に出力する")

        @Argument(help: "最初の年（1955〜2099）") var fromYear: Int
        @Argument(help: "最後の年（省略時は FROM_YEAR と同じ）") var toYear: Int?
        @OptionGroup var data: DataDirOption

        func validate() throws {
            let range = JapaneseHolidayCalendar.shared.supportedYears
            for y in [fromYear, toYear ?? fromYear] where !range.contains(y) {
                throw ValidationError("年は \(range.lowerBound)〜\(range.upperBound) で指定してください: \(y)")
            }
            if let toYear, toYear < fromYear { throw ValidationError("TO_YEAR が FROM_YEAR より前です") }
        }

        func run() throws {
            let calendar = try data.holidays()
            var out = ""
            for h in calendar.holidays(from: CivilDate(fromYear, 1, 1), through: CivilDate(toYear ?? fromYear, 12, 31)) {
                out += "\(h.date)\t\(h.name)\n"
            }
            print(out, terminator: "")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "内閣府の syukujitsu.csv（Shift_JIS または UTF-8）を確かめて取り込む。取り込んだ日付は計算より優先される")

        @Argument(help: "CSVファイル") var file: String
        @OptionGroup var data: DataDirOption

        func run() throws {
            guard let bytes = FileManager.default.contents(atPath: file) else { throw CLIInputError("\(file): ファイルを読めません") }
            let holidays: [Holiday]
            do {
                holidays = try HolidayStore(dataDirectory: data.url).importCSV(bytes)
            } catch let e as CocoaError {
                throw CLIInputError("\(data.url.path): 保存できません: \(e.localizedDescription)")
            } catch {
                throw CLIInputError("\(file): \(error)")
            }
            let years = Set(holidays.map(\.date.year)).sorted()
            print("\(holidays.count)件の祝日（\(years.first ?? 0)〜\(years.last ?? 0)年）を取り込みました: \(HolidayStore(dataDirectory: data.url).fileURL.path)")
        }
    }
}
