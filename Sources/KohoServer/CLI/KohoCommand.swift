import ArgumentParser
import Foundation
import KohoCore

/// The `koho` command. Exit codes: 0 success, 1 a policy violation, 2 bad input.
public struct KohoCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "koho",
        abstract: "Koho（広報）: 自治体のソーシャルメディア運用ポリシーを実行できる形にする",
        subcommands: [HolidaysCommand.self, HoursCommand.self, CheckCommand.self, ModerateCommand.self, PolicyCommand.self, BenchCommand.self,
                      ServeCommand.self, SandboxCommand.self, MigrateCommand.self, UsersCommand.self, TokensCommand.self, SecretsCommand.self, AuditCommand.self,
                      FuzzCommand.self, PublicCommand.self, AlertsCommand.self, ImpersonationCommand.self, IntakeCommand.self,
                      ReportCommand.self, BackupCommand.self, RestoreCommand.self, RecordsCommand.self]
    )

    public init() {}

    /// Runs the command line and ends the process with Koho's exit codes.
    public static func runAndExit(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            terminate(0)
        } catch let e as ExitCode {
            terminate(e.rawValue)
        } catch {
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                terminate(0)
            }
            let text = isArgumentParserError(error) ? fullMessage(for: error) : "エラー: \(error)"
            FileHandle.standardError.write(Data((text + "\n").utf8))
            terminate(2)
        }
    }

    static func isArgumentParserError(_ error: Error) -> Bool {
        !(error is PolicyFileError || error is ActionInputError || error is HolidayStoreError || error is CLIInputError)
            && !(error is CocoaError)
    }
}

/// Bad input found by a command itself.
struct CLIInputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
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

private func terminate(_ code: Int32) -> Never {
    fflush(nil)
    Foundation.exit(code)
}
