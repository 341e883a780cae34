import ArgumentParser
import Foundation
import KohoCore

/// The product's commands; `koho` adds the tools (benchmarks, fuzzer, sandbox) from KohoTools.
package enum ProductCommands {
    package static let all: [any ParsableCommand.Type] = [
        HolidaysCommand.self, HoursCommand.self, CheckCommand.self, ModerateCommand.self, PolicyCommand.self,
        ServeCommand.self, MigrateCommand.self, UsersCommand.self, TokensCommand.self, SecretsCommand.self, AuditCommand.self,
        PublicCommand.self, AlertsCommand.self, ImpersonationCommand.self, IntakeCommand.self, ReportCommand.self,
        BackupCommand.self, RestoreCommand.self, RecordsCommand.self,
    ]

    /// Errors of Koho's own that carry a message for the user (exit code 2 without ArgumentParser's usage text).
    package static func isInputError(_ error: any Error) -> Bool {
        error is PolicyFileError || error is ActionInputError || error is HolidayStoreError || error is CLIInputError
    }
}

/// Bad input found by a command itself.
package struct CLIInputError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// Options shared by commands that read a policy.
struct PolicyOption: ParsableArguments {
    @Option(name: .long, help: "ポリシーファイル（YAML）。省略時は組み込みの小平市ポリシー")
    var policy: String?

    func load() throws -> Policy {
        guard let policy else { return PolicyLoader.builtIn() }
        return try PolicyLoader.load(path: policy)
    }
}

struct DataDirOption: ParsableArguments {
    @Option(name: .long, help: "データフォルダ（既定: ./data）")
    var dataDir: String = "./data"

    var url: URL { URL(fileURLWithPath: dataDir, isDirectory: true) }
    func holidays() throws -> JapaneseHolidayCalendar { try HolidayStore(dataDirectory: url).calendar() }
}

func writeJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
