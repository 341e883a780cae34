import ArgumentParser
import Foundation
import KohoCore
import KohoServer

/// The `koho` command. Exit codes: 0 success, 1 a policy violation, 2 bad input.
public struct KohoCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "koho",
        abstract: "Koho（広報）: 自治体のソーシャルメディア運用ポリシーを実行できる形にする",
        subcommands: ProductCommands.all + [BenchCommand.self, FuzzCommand.self, SandboxCommand.self]
    )

    public init() {}

    /// Runs the command line and ends the process with Koho's exit codes.
    public static func runAndExit(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        do {
            var command = try parseAsRoot(arguments)
            // `koho serve` starts the sandbox from here: the product library does not carry its wiring.
            try await EmbeddedSandbox.$provided.withValue(.inProcess) {
                if var asyncCommand = command as? AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
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
        !ProductCommands.isInputError(error)
            && !(error is CocoaError)
    }
}

private func terminate(_ code: Int32) -> Never {
    fflush(nil)
    Foundation.exit(code)
}
