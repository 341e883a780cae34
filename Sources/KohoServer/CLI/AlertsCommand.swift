import ArgumentParser
import Foundation
import KohoCore

struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "気象庁防災情報XMLを読む",
        subcommands: [Parse.self])

    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "気象庁防災情報XMLを市の地域について読み、ファイルごとに JSON を1行出す（読めないファイルがあれば終了コード 2）")
        @Option(help: "市町村コード（気象庁の7桁、小平市は 1321100）") var area: String
        @Option(help: "地震情報の細分区域（名前かコード、例: 東京都多摩東部）。省略時はポリシーファイルの emergencyAreas から") var region: String?
        @Option(help: "ポリシーファイル（省略時は組み込みの小平市ポリシー）") var policy: String?
        @Argument(help: "気象庁防災情報XMLのファイル") var files: [String]

        func run() throws {
            let policyAreas = try (policy.map(PolicyLoader.load(path:)) ?? PolicyLoader.builtIn()).emergencyAreas
            var jmaArea = JMAArea(municipality: area)
            if let region {
                if region.allSatisfy({ $0.isASCII && $0.isNumber }) { jmaArea.earthquakeRegionCode = region } else { jmaArea.earthquakeRegion = region }
            } else if let p = policyAreas, p.municipality == area {
                jmaArea = p
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var anyBad = false
            for file in files {
                let line: Data
                do {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        throw IntakeParseError("ファイルを読めません")
                    }
                    line = try encoder.encode(Line(file: file, report: try JMAParser.parse(data, area: jmaArea)))
                } catch {
                    anyBad = true
                    let message = (error as? IntakeParseError)?.message ?? "\(error)"
                    line = try encoder.encode(["file": file, "error": message])
                }
                print(String(decoding: line, as: UTF8.self))
            }
            if anyBad { throw ExitCode(2) }
        }
    }

    struct Line: Encodable {
        let file: String
        let report: JMAReport

        enum Keys: String, CodingKey {
            case file, title, status, infoType, reportDateTime, warnings, maxIntensity, affects
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(file, forKey: .file)
            try c.encode(report.title, forKey: .title)
            try c.encode(report.status, forKey: .status)
            try c.encode(report.infoType, forKey: .infoType)
            try c.encode(report.reportDateTime, forKey: .reportDateTime)
            try c.encode(report.kind == .weatherWarning || report.kind == .tsunami ? report.warnings : [], forKey: .warnings)
            if let m = report.maxIntensity { try c.encode(m, forKey: .maxIntensity) } else { try c.encodeNil(forKey: .maxIntensity) }
            try c.encode(report.affects, forKey: .affects)
        }
    }
}
