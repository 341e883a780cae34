import ArgumentParser
import Foundation
import KohoCore

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "報告", subcommands: [Comments.self])

    struct Comments: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "comments",
            abstract: "コメントの月次報告（受信・印・課長の決定・決定までの時間・訂正の返信の発信。月の境は日本時間）")
        @Option(name: .long, help: "月（YYYY-MM）") var month: String
        @Flag(name: .long, help: "CSV（UTF-8、BOM つき、CRLF。Excel でそのまま開ける）で出力する") var csv = false
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            // Refused before the data folder is opened (or created).
            guard let m = ReportMonth(month) else {
                throw CLIInputError("--month は YYYY-MM（例: 2026-11）で指定してください: \(CommentReport.visible(month))")
            }
            let report = try await db.withApp { app in try await CommentReportQuery.load(app.db, month: m, policy: app.koho.policy) }
            FileHandle.standardOutput.write(Data((csv ? report.csv : report.text).utf8))
        }
    }
}
