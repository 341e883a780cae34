import ArgumentParser
import Foundation
import KohoCore

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "ポリシーファイルを確かめる・表示する",
        subcommands: [Validate.self, Show.self])

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "ポリシーファイルを読み、誤りがあればファイル・行・項目を示す")
        @Argument(help: "ポリシーファイル（YAML）") var file: String

        func run() throws {
            let p = try PolicyLoader.load(path: file)
            let yaml = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            for w in PolicyLoader.warnings(p, yaml: yaml, file: file) {
                FileHandle.standardError.write(Data(("警告: " + w + "\n").utf8))
            }
            print("OK: \(file): \(p.title)（版 \(p.version)、施行 \(JapaneseTime.displayDate(p.effectiveDate))、アカウント\(p.accounts.count)件）")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "ポリシーの内容を読みやすく表示する")
        @Argument(help: "ポリシーファイル（省略時は組み込みの小平市ポリシー）") var file: String?

        func run() throws {
            let policy = try file.map(PolicyLoader.load(path:)) ?? PolicyLoader.builtIn()
            print(PolicySummary.text(policy), terminator: "")
        }
    }
}
