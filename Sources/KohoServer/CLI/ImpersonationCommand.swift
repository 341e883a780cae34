import ArgumentParser
import Foundation
import KohoCore

struct ImpersonationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "impersonation",
        abstract: "なりすまし（3(2)・4(2)・5(2)）の判定: 候補の採点と UTS #39 の skeleton",
        subcommands: [Score.self, Skeleton.self])

    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "score",
            abstract: "標準入力の JSON Lines（候補のアカウント）を公式アカウントと比べ、1行に1件の結果を出力する",
            discussion: """
            入力の各行: {"platform": "x|facebook|youtube", "handle": "...", "name": "...", "bio": "..."}（どれも空・省略可）。
            出力の各行（入力と同じ順）: {"score": 0〜1, "flagged": bool, "imitates": 公式アカウントのハンドルまたはID|null,
            "reasons": [日本語の理由]}。読めない行には {"error": "..."}。
            終了コード: 0、読めない行があれば 2。
            """)

        @OptionGroup var policyOption: PolicyOption
        @Option(help: "なりすましと判定するしきい値（0〜1）") var threshold: Double = ImpersonationScorer.defaultThreshold

        func run() throws {
            guard (0...1).contains(threshold) else { throw CLIInputError("--threshold は 0〜1 で指定してください") }
            let scorer = ImpersonationScorer(policy: try policyOption.load(), threshold: threshold)
            var bad = false
            var out = ""
            while let line = readLine(strippingNewline: true) {
                switch ImpersonationLine.parse(line) {
                case .success(let candidate):
                    out += ImpersonationLine.encode(scorer.score(candidate))
                case .failure(let error):
                    bad = true
                    out += ImpersonationLine.encode(error: error.description)
                }
                out += "\n"
                if out.utf8.count > 64 * 1024 { FileHandle.standardOutput.write(Data(out.utf8)); out = "" }
            }
            FileHandle.standardOutput.write(Data(out.utf8))
            if bad { throw ExitCode(2) }
        }
    }

    struct Skeleton: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "skeleton",
            abstract: "標準入力の各行の UTS #39 skeleton（confusables.txt \(ConfusableSkeleton.dataVersion)）を1行ずつ出力する")

        func run() throws {
            var out = ""
            while var line = readLine(strippingNewline: true) {
                if line.hasSuffix("\r") { line.removeLast() }
                out += ConfusableSkeleton.skeleton(line)
                out += "\n"
                if out.utf8.count > 64 * 1024 { FileHandle.standardOutput.write(Data(out.utf8)); out = "" }
            }
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }
}

/// One line of `koho impersonation score`: parsing the candidate and writing the result, shared with the tests.
enum ImpersonationLine {
    static let maxBytes = 64 * 1024

    static func parse(_ line: String) -> Result<ImpersonationCandidate, CLIInputError> {
        guard line.utf8.count <= maxBytes else { return .failure(CLIInputError("行が長すぎます（\(maxBytes) バイトまで）")) }
        guard let data = line.data(using: .utf8),
              let object = (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) else {
            return .failure(CLIInputError("JSON として読めません"))
        }
        guard let fields = object as? [String: Any] else {
            return .failure(CLIInputError("JSON のオブジェクト（{\"platform\": …, \"handle\": …}）を1行に1つ書いてください"))
        }
        let known: Set<String> = ["platform", "handle", "name", "bio"]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            return .failure(CLIInputError("不明な項目 \(unknown)（使える項目: platform, handle, name, bio）"))
        }
        var strings: [String: String] = [:]
        for key in known {
            switch fields[key] {
            case nil, is NSNull: strings[key] = ""
            case let s as String: strings[key] = s
            default: return .failure(CLIInputError("\(key) は文字列で指定してください"))
            }
        }
        var platform: Platform?
        if let p = strings["platform"], !p.isEmpty {
            guard let known = Platform(rawValue: p.lowercased()) else {
                return .failure(CLIInputError("platform は x、facebook、youtube のいずれかです（\(p.debugDescription)）"))
            }
            platform = known
        }
        return .success(ImpersonationCandidate(platform: platform, handle: strings["handle"] ?? "",
                                               name: strings["name"] ?? "", bio: strings["bio"] ?? ""))
    }

    struct Output: Encodable {
        let score: Double
        let flagged: Bool
        let imitates: String?
        let reasons: [String]

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(score, forKey: .score)
            try c.encode(flagged, forKey: .flagged)
            try c.encode(imitates, forKey: .imitates)   // null, not absent, when nothing is imitated
            try c.encode(reasons, forKey: .reasons)
        }
        enum CodingKeys: String, CodingKey { case score, flagged, imitates, reasons }
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    static func encode(_ result: ImpersonationScore) -> String {
        let output = Output(score: result.score, flagged: result.flagged, imitates: result.imitates?.handle, reasons: result.reasons)
        return (try? String(decoding: encoder.encode(output), as: UTF8.self)) ?? #"{"error":"出力できません"}"#
    }

    static func encode(error: String) -> String {
        (try? String(decoding: encoder.encode(["error": error]), as: UTF8.self)) ?? #"{"error":"?"}"#
    }
}
