import ArgumentParser
import Foundation
import KohoCore

struct ModerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moderate",
        abstract: "標準入力のコメント（JSON Lines）を削除の根拠（4(8)/5(8)）と誤解のおそれ（4(7)/5(7)）に照らし、1行ずつJSONで出力する",
        discussion: """
        入力: 1行に1件、{"text": "...", "platform": "x|facebook|youtube"}（platform は省略可）。
        出力: 入力の1行ごとに1行、同じ順に {"grounds": [{"ground": "③", "clause": "4(8)③", "reason": "...",
        "evidence": [{"start": 0, "end": 13, "text": "..."}], "target": "privatePerson", "targetText": "山田さん"}],
        "misleading": false, "criticism": false, "suggestion": "delete|review|correct|keep"}。うわさには "rumour":
        {"status": "unverified|contradicted", "topic", "claim", "source"}（--statements の市の情報と食い違うとき contradicted）。
        evidence の start/end は元の文の Unicode スカラー単位（end は含まない）。根拠は強いものから。
        項番号は使っているポリシーの commentDeletion から、その platform のアカウントのもの（フェイスブック 4(8)、
        ユーチューブ 5(8)）。削除の定めのない X と platform の省略時は、定めの最初の項番号（4(8)）で根拠を示す。
        text が文字列のJSONオブジェクトでない行には {"error": "..."} を出して次の行へ進む。
        終了コード: 0 すべて判定できた、2 誤った行があった。
        """)

    @OptionGroup var policyOption: PolicyOption
    @Option(name: .long, help: "モデレーション辞書（JSON）。省略時は組み込みの辞書")
    var lexicon: String?
    @Option(name: .long, help: "市が出した情報（JSON Lines、1行に1件 {\"id\",\"kind\":\"alert|post|notice|article\",\"title\",\"text\",\"url\",\"publishedAt\":\"2026-12-01T09:00:00Z\"}）。うわさをこれと照らす")
    var statements: String?

    func run() throws {
        let policy = try policyOption.load()
        let classifier: CommentClassifier
        if let lexicon {
            do {
                classifier = CommentClassifier(lexicon: try ModerationLexicon.load(json: Data(contentsOf: URL(fileURLWithPath: lexicon))))
            } catch let e as ModerationLexiconError {
                throw CLIInputError("辞書 \(lexicon): \(e.description)")
            }
        } else {
            classifier = CommentClassifier()
        }
        let index = try statements.map { classifier.index(try Self.loadStatements($0)) }
        let clauses = Self.deletionClauses(policy)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var anyBad = false
        let out = FileHandle.standardOutput
        var pending = Data()
        LineReader(FileHandle.standardInput, maxBytes: JSONBounds.maxBytes).forEachLine { line in
            let answer: Data
            switch Self.parse(line) {
            case .success(let input):
                let clause = clauses[input.platform.map { $0.rawValue } ?? ""] ?? clauses[""]!
                let a = classifier.assess(input.text, platform: input.platform, deletionClause: clause,
                                          statements: index)
                answer = (try? encoder.encode(a)) ?? Data(#"{"error":"出力できません"}"#.utf8)
            case .failure(let problem):
                anyBad = true
                answer = (try? encoder.encode(["error": problem.description])) ?? Data()
            }
            pending.append(answer)
            pending.append(0x0A)
            if pending.count >= 64 * 1024 { out.write(pending); pending.removeAll(keepingCapacity: true) }
        } onIdle: {
            // Written as soon as the input pauses, so a tool that sends a line and waits gets its answer.
            if !pending.isEmpty { out.write(pending); pending.removeAll(keepingCapacity: true) }
        }
        if !pending.isEmpty { out.write(pending) }
        if anyBad { throw ExitCode(2) }
    }

    /// The city's statements, one JSON object a line; a line that is not one stops with its number, nothing half-read.
    static func loadStatements(_ path: String) throws -> [CityStatement] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CLIInputError("市の情報 \(path) を読めません: \(error.localizedDescription)")
        }
        guard data.count <= 64 * 1024 * 1024 else { throw CLIInputError("市の情報 \(path) が大きすぎます（64MBまで）") }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var out: [CityStatement] = []
        for (i, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.last == 0x0D ? line.dropLast() : line
            if trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            do {
                out.append(try decoder.decode(CityStatement.self, from: Data(trimmed)))
            } catch {
                throw CLIInputError("市の情報 \(path) の\(i + 1)行目を読めません（id、kind、title、text、publishedAt（ISO 8601）が要ります）")
            }
        }
        return out
    }

    /// Platform → the deletion clause of that platform's account in the policy; "" → the clause used without one.
    static func deletionClauses(_ policy: Policy) -> [String: String] {
        let rules = policy.commentDeletion
        let fallback = rules?.clauses.values.sorted().first ?? "4(8)"
        var clauses = ["": fallback]
        for p in Platform.allCases {
            clauses[p.rawValue] = policy.accounts.lazy.filter { $0.platform == p }.compactMap { rules?.clause(for: $0) }.first ?? fallback
        }
        return clauses
    }

    struct Input {
        let text: String
        let platform: Platform?
    }

    struct LineProblem: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ line: LineReader.Line) -> Result<Input, LineProblem> {
        let data: Data
        switch line {
        case .tooLong: return .failure(LineProblem(description: "行が長すぎます（\(JSONBounds.maxBytes / 1024)KBまで）"))
        case .data(let d): data = d
        }
        do {
            try JSONBounds.check(data)
        } catch {
            return .failure(LineProblem(description: error.message))
        }
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            return .failure(LineProblem(description: "JSONとして読めません"))
        }
        guard let dict = object as? [String: Any] else {
            return .failure(LineProblem(description: "JSONオブジェクトではありません"))
        }
        guard let text = dict["text"] as? String else {
            return .failure(LineProblem(description: dict["text"] == nil ? "text がありません" : "text が文字列ではありません"))
        }
        var platform: Platform? = nil
        if let p = dict["platform"], !(p is NSNull) {
            guard let s = p as? String, let known = Platform(rawValue: s) else {
                return .failure(LineProblem(description: "platform は x、facebook、youtube のいずれかです"))
            }
            platform = known
        }
        return .success(Input(text: text, platform: platform))
    }
}

/// Reads lines from a file handle without holding more than one line (and at most `maxBytes` of it) in memory.
struct LineReader {
    enum Line {
        case data(Data)
        case tooLong
    }

    let handle: FileHandle
    let maxBytes: Int

    init(_ handle: FileHandle, maxBytes: Int) {
        self.handle = handle
        self.maxBytes = maxBytes
    }

    func forEachLine(_ body: (Line) -> Void, onIdle: () -> Void) {
        var buffer = Data()
        var overlong = false
        while true {
            onIdle()
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            var start = chunk.startIndex
            while let nl = chunk[start...].firstIndex(of: 0x0A) {
                if !overlong { buffer.append(chunk[start..<nl]) }
                emit(&buffer, &overlong, body)
                start = chunk.index(after: nl)
            }
            if !overlong {
                buffer.append(chunk[start...])
                if buffer.count > maxBytes { overlong = true; buffer.removeAll() }
            }
        }
        // A last line without a newline is still a line.
        if !buffer.isEmpty || overlong { emit(&buffer, &overlong, body) }
    }

    private func emit(_ buffer: inout Data, _ overlong: inout Bool, _ body: (Line) -> Void) {
        if overlong || buffer.count > maxBytes {
            body(.tooLong)
        } else {
            if buffer.last == 0x0D { buffer.removeLast() }
            body(.data(buffer))
        }
        buffer.removeAll(keepingCapacity: true)
        overlong = false
    }
}
