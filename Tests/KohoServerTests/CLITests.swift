import Foundation
import Testing
import XCTVapor
@testable import KohoServer
@testable import KohoTools

/// Runs the built `koho` executable as other tools do: arguments, stdin, stdout, stderr and exit code.
struct KohoProcess {
    static var executable: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for dir in candidates {
            let url = dir.appendingPathComponent("koho")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/koho")
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]
        }
    }

    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Result {
        try run(arguments, input: stdin.map { Data($0.utf8) }, environment: environment)
    }

    /// With bytes on stdin (a message in ISO-2022-JP or Shift_JIS, as the mail system pipes it).
    static func run(_ arguments: [String], input stdin: Data?, environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("koho-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct CLITests {
    @Test func everyCommandHasHelp() throws {
        for args in [["--help"], ["holidays", "--help"], ["holidays", "import", "--help"], ["hours", "--help"],
                     ["check", "--help"], ["policy", "validate", "--help"], ["policy", "show", "--help"], ["bench", "--help"], ["bench", "intake", "--help"],
                     ["moderate", "--help"], ["bench", "moderation", "--help"]] {
            let r = try KohoProcess.run(args)
            #expect(r.status == 0, "\(args)")
            #expect(r.stdout.contains("USAGE"), "\(args)")
        }
        #expect(try KohoProcess.run(["check", "--help"]).stdout.contains("emergencyReason"))
    }

    @Test func holidaysListsOneLinePerHolidayInOrder() throws {
        let r = try KohoProcess.run(["holidays", "2026"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first == "2026-01-01\t元日")
        #expect(lines.contains("2026-05-06\t休日"))
        #expect(lines.contains("2026-09-22\t休日"))
        #expect(lines.last == "2026-11-23\t勤労感謝の日")
        #expect(lines == lines.sorted())
        let range = try KohoProcess.run(["holidays", "2019", "2021"])
        #expect(range.stdout.contains("2019-05-01\t休日（祝日扱い）\n"))
        #expect(range.stdout.contains("2021-07-23\tスポーツの日\n"))
        let bad = try KohoProcess.run(["holidays", "1900"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("1955"))
        #expect(try KohoProcess.run(["holidays", "2027", "2026"]).status == 2)
        #expect(try KohoProcess.run(["holidays", "twenty"]).status == 2)
    }

    @Test func holidaysImportWinsOverComputedDates() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A gazette for 2030 that (hypothetically) moves the autumn equinox.
        let csv = "国民の祝日・休日月日,国民の祝日・休日名称\r\n2030/1/1,元日\r\n2030/9/24,秋分の日\r\n"
        let file = dir.appendingPathComponent("new.csv")
        try Data(csv.utf8).write(to: file)
        let data = dir.appendingPathComponent("data").path
        let before = try KohoProcess.run(["holidays", "2030", "--data-dir", data])
        #expect(before.stdout.contains("2030-09-23\t秋分の日"))
        let imported = try KohoProcess.run(["holidays", "import", file.path, "--data-dir", data])
        #expect(imported.status == 0, "\(imported.stderr)")
        let after = try KohoProcess.run(["holidays", "2030", "--data-dir", data])
        #expect(after.stdout.contains("2030-09-24\t秋分の日"))
        #expect(!after.stdout.contains("2030-09-23"))
        // A broken file is refused, names its line, and leaves the earlier import in place.
        try Data("国民の祝日・休日月日,国民の祝日・休日名称\n2031/2/30,建国記念の日\n".utf8).write(to: file)
        let refused = try KohoProcess.run(["holidays", "import", file.path, "--data-dir", data])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("2行目"))
        #expect(try KohoProcess.run(["holidays", "2030", "--data-dir", data]).stdout.contains("2030-09-24\t秋分の日"))
        #expect(try KohoProcess.run(["holidays", "import", "/nonexistent.csv", "--data-dir", data]).status == 2)
    }

    @Test func hoursAnswersInTokyoTimeWhateverTheServerZone() throws {
        for zone in ["Asia/Tokyo", "America/New_York", "UTC"] {
            let r = try KohoProcess.run(["hours", "--at", "2026-11-20T17:15:00+09:00", "--json"], environment: ["TZ": zone])
            #expect(r.status == 0)
            #expect(r.json?["open"] as? Bool == false, "\(zone)")
            #expect(r.json?["nextOpening"] as? String == "2026-11-24T08:30:00+09:00", "\(zone)")
            let open = try KohoProcess.run(["hours", "--at", "2026-11-24T08:30:00+09:00", "--json"], environment: ["TZ": zone])
            #expect(open.json?["open"] as? Bool == true, "\(zone)")
        }
        let text = try KohoProcess.run(["hours", "--at", "2026-12-28T18:00:00+09:00"])
        #expect(text.stdout.contains("運用時間外"))
        #expect(text.stdout.contains("次の運用開始: 2027年1月4日(月) 08:30"))
        let bad = try KohoProcess.run(["hours", "--at", "yesterday"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--at"))
    }

    @Test func checkExitCodesAndJSON() throws {
        let ok = try KohoProcess.run(["check"], stdin: #"{"account":"kodaira_tokyo","category":"ア","text":"避難所を開設しました","sourceURL":"https://www.city.kodaira.tokyo.jp/a.html","scheduledAt":"2026-11-25T10:00:00+09:00"}"#)
        #expect(ok.status == 0)
        #expect(ok.json?["ok"] as? Bool == true)
        #expect(ok.json?["requiresChiefApproval"] as? Bool == false)
        // The source article goes out with the text, so it is counted: 20 + a line break + 23 for the link.
        #expect(ok.json?["weightedLength"] as? Int == 44)
        let rendering = ok.json?["rendering"] as? [String: Any]
        #expect(rendering?["text"] as? String == "避難所を開設しました\nhttps://www.city.kodaira.tokyo.jp/a.html")
        let broken = try KohoProcess.run(["check"], stdin: #"{"account":"kodaira_tokyo","kind":"reply","text":"ありがとう","scheduledAt":"2026-11-25T10:00:00+09:00"}"#)
        #expect(broken.status == 1)
        let violations = broken.json?["violations"] as? [[String: Any]]
        #expect(violations?.first?["rule"] as? String == "3(6)")
        #expect(violations?.first?["code"] as? String == "reply.notAllowed")
        #expect((violations?.first?["message"] as? String)?.isEmpty == false)
        let judgement = try KohoProcess.run(["check"], stdin: #"{"account":"koho.kodairacity","category":"③","text":"市民まつり","scheduledAt":"2026-11-25T10:00:00+09:00"}"#)
        #expect(judgement.json?["requiresChiefApproval"] as? Bool == true)
        #expect(judgement.json?["weightedLength"] == nil)
        for bad in [#"{"account":"kodaira_tokyo","unknown":1}"#, #"{"account":"kodaira_tokyo","emergency":"yes"}"#, "not json", ""] {
            let r = try KohoProcess.run(["check"], stdin: bad)
            #expect(r.status == 2, "\(bad)")
            #expect(r.stdout.isEmpty)
            #expect(!r.stderr.isEmpty)
        }
    }

    /// Twenty arrays 300 deep took 9 seconds of decoding; the nesting is now refused before any decoder runs.
    @Test func deeplyNestedInputIsRefusedQuickly() throws {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        let input = #"{"account":"kodaira_tokyo","links":["# + Array(repeating: deep, count: 20).joined(separator: ",") + "]}"
        let started = Date()
        let r = try KohoProcess.run(["check"], stdin: input)
        #expect(r.status == 2)
        #expect(r.stderr.contains("入れ子が深すぎます"), "\(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 3)
    }

    @Test func checkUsesAnotherCitysPolicyFile() throws {
        let policy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("KohoCoreTests/Fixtures/midoridai-city.yaml").path
        let r = try KohoProcess.run(["check", "--policy", policy], stdin: #"{"account":"midoridai_city","kind":"reply","text":"ありがとうございます","scheduledAt":"2026-11-28T17:30:00+09:00"}"#)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let missing = try KohoProcess.run(["check", "--policy", "/nonexistent.yaml"], stdin: "{}")
        #expect(missing.status == 2)
    }

    /// `koho moderate`: one JSON line out per line in, in order; bad lines answered with an error and the rest go on.
    @Test func moderateAnswersEachLineInOrder() throws {
        let input = [
            #"{"text": "山田さんの携帯は０９０ー１２３４ー５６７８です", "platform": "youtube"}"#,
            #"{"text": "市長は辞めろ。税金の無駄遣い", "platform": "facebook"}"#,
            "not json",
            #"{"text": 42}"#,
            #"{"text": "市民まつりは中止らしいよ"}"#,
            #"["text"]"#,
            #"{"text": "大麻あります", "platform": "x", "id": "c-1"}"#,
            #"{"text": "駐車場はありますか", "platform": "tiktok"}"#,
            "",
            #"{"text": "窓口の佐藤さんはバカ\u0000", "platform": null}"#,
        ].joined(separator: "\n") + "\n"
        let r = try KohoProcess.run(["moderate"], stdin: input)
        #expect(r.status == 2, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(lines.count == 10)
        let objects = lines.map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:] }
        for i in [2, 3, 5, 7, 8] {
            #expect(objects[i].keys.sorted() == ["error"], "\(lines[i])")
            #expect((objects[i]["error"] as? String)?.isEmpty == false)
        }
        for i in [0, 6, 9] { #expect(objects[i].keys.sorted() == ["criticism", "grounds", "misleading", "suggestion"], "\(lines[i])") }
        #expect(objects[1]["criticism"] as? Bool == true, "criticism of the city is marked, never a ground")
        #expect(objects[4].keys.sorted() == ["criticism", "grounds", "misleading", "rumour", "suggestion"], "\(lines[4])")
        #expect((objects[4]["rumour"] as? [String: Any])?["status"] as? String == "unverified")

        let privacy = try #require((objects[0]["grounds"] as? [[String: Any]])?.first)
        #expect(privacy["ground"] as? String == "③")
        #expect(privacy["clause"] as? String == "5(8)③")
        #expect((privacy["reason"] as? String)?.isEmpty == false)
        let span = try #require((privacy["evidence"] as? [[String: Any]])?.first)
        #expect(span["start"] as? Int == 8)
        #expect(span["end"] as? Int == 21)
        #expect(span["text"] as? String == "０９０ー１２３４ー５６７８")
        #expect(objects[0]["suggestion"] as? String == "delete")
        #expect(objects[0]["misleading"] as? Bool == false)

        #expect((objects[1]["grounds"] as? [Any])?.isEmpty == true)
        #expect(objects[1]["suggestion"] as? String == "keep")
        #expect(objects[4]["misleading"] as? Bool == true)
        #expect(objects[4]["suggestion"] as? String == "correct")
        // X has no deletion clause of its own: the grounds are shown under the policy's first one.
        #expect(((objects[6]["grounds"] as? [[String: Any]])?.first?["clause"] as? String) == "4(8)①")
        #expect(((objects[9]["grounds"] as? [[String: Any]])?.first?["clause"] as? String) == "4(8)②")

        let good = try KohoProcess.run(["moderate"], stdin: #"{"text":"ありがとう"}"# + "\r\n" + #"{"text":"バカンス"}"#)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout == #"{"criticism":false,"grounds":[],"misleading":false,"suggestion":"keep"}"# + "\n"
                + #"{"criticism":false,"grounds":[],"misleading":false,"suggestion":"keep"}"# + "\n")
        #expect(try KohoProcess.run(["moderate"], stdin: "").stdout.isEmpty)
    }

    @Test func moderateReadsTheClauseFromThePolicyInForce() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("policies/kodaira-r5.yaml")
        let yaml = try String(contentsOf: source, encoding: .utf8)
            .replacingOccurrences(of: #"{ account: UCp9YZtjCNcG0q3fQ1ln31Xg, clause: "5(8)" }"#, with: #"{ account: UCp9YZtjCNcG0q3fQ1ln31Xg, clause: "第8条" }"#)
        let policy = dir.appendingPathComponent("policy.yaml")
        try yaml.write(to: policy, atomically: true, encoding: .utf8)
        let r = try KohoProcess.run(["moderate", "--policy", policy.path], stdin: #"{"text":"エロ動画はこちら","platform":"youtube"}"# + "\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(#""clause":"第8条⑤""#), "\(r.stdout)")
        let badLexicon = dir.appendingPathComponent("lexicon.json")
        try Data("{}".utf8).write(to: badLexicon)
        let refused = try KohoProcess.run(["moderate", "--lexicon", badLexicon.path], stdin: #"{"text":"x"}"#)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("辞書"))
    }

    /// `koho moderate --statements`: a rumour the city's own statement contradicts names it as the source; one the
    /// city confirms is no rumour; a bad statements file stops with its line number and nothing on stdout.
    @Test func moderateChecksRumoursAgainstTheCitysStatements() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let statements = dir.appendingPathComponent("statements.jsonl")
        try (#"{"id":"post-9","kind":"post","title":"避難所を開設しました","text":"小平第三小学校の避難所を開設しています。","url":"https://www.city.kodaira.tokyo.jp/bousai/9.html","publishedAt":"2026-12-07T09:00:00Z"}"# + "\n"
             + #"{"id":"alert-2","kind":"alert","title":"断水","text":"断水は本日中に復旧しました。","url":null,"publishedAt":"2026-12-07T10:00:00Z"}"# + "\n")
            .write(to: statements, atomically: true, encoding: .utf8)
        let input = #"{"text":"第三小の避難所、もう閉鎖されたって"}"# + "\n" + #"{"text":"ダムが決壊寸前らしい"}"# + "\n"
        let r = try KohoProcess.run(["moderate", "--statements", statements.path], stdin: input)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:] }
        #expect(lines.count == 2)
        let shelter = try #require(lines[0]["rumour"] as? [String: Any])
        #expect(lines[0]["misleading"] as? Bool == true)
        #expect(shelter["status"] as? String == "contradicted")
        #expect((shelter["source"] as? [String: Any])?["url"] as? String == "https://www.city.kodaira.tokyo.jp/bousai/9.html")
        #expect((lines[1]["rumour"] as? [String: Any])?["status"] as? String == "unverified")

        let bad = dir.appendingPathComponent("bad.jsonl")
        try Data("{\"id\":\"x\"}\n".utf8).write(to: bad)
        let refused = try KohoProcess.run(["moderate", "--statements", bad.path], stdin: input)
        #expect(refused.status != 0)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("1行目"), "\(refused.stderr)")
    }

    @Test func benchModerationPrintsClassificationsPerSecond() throws {
        // A small ingest: the default 100,000 is for release builds and took three minutes of a debug test run.
        let r = try KohoProcess.run(["bench", "moderation", "--comments", "2000", "--ingest", "2000"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("件/秒"))
        #expect(r.stdout.contains("ingest: 2000 件を"))
        #expect(r.stdout.contains("ingest のメモリ: 最大"))
    }

    @Test func policyValidateAndShow() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try KohoProcess.run(["policy", "show"])
        #expect(good.status == 0)
        #expect(good.stdout.contains("小平市ソーシャルメディア運用ポリシー"))
        #expect(good.stdout.contains("3(5)"))
        #expect(good.stdout.contains("秘書広報課長"))
        let file = dir.appendingPathComponent("bad.yaml")
        try Data("format: koho-policy/1\nversion: x\neffectiveDate: 2023-02-30\n".utf8).write(to: file)
        let bad = try KohoProcess.run(["policy", "validate", file.path])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("\(file.path):3: effectiveDate:"))
        let kodaira = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("policies/kodaira-r5.yaml").path
        let valid = try KohoProcess.run(["policy", "validate", kodaira])
        #expect(valid.status == 0)
        #expect(valid.stdout.hasPrefix("OK"))
        #expect(try KohoProcess.run(["policy", "validate"]).status == 2)
        // Whole-file problems carry a line too, and a control character from the file never reaches the terminal raw.
        let empty = dir.appendingPathComponent("empty.yaml")
        try Data().write(to: empty)
        let bell = dir.appendingPathComponent("bell.yaml")
        try Data("format: koho-policy/1\n\"\\e]0;owned\\a\": 1\n".utf8).write(to: bell)
        let raw = dir.appendingPathComponent("raw.yaml")
        try Data("format: koho-policy/1\nversion: a\u{07}b\n".utf8).write(to: raw)
        for (f, line) in [(empty, 1), (raw, 2)] {
            let r = try KohoProcess.run(["policy", "validate", f.path])
            #expect(r.status == 2)
            #expect(r.stderr.contains("\(f.path):\(line): "), "\(r.stderr)")
        }
        let r = try KohoProcess.run(["policy", "validate", bell.path])
        #expect(r.status == 2)
        #expect(!r.stderr.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(r.stderr)")
    }

    @Test func tokensListAndRevokeAreAudited() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let d = ["--data-dir", dir.path]
        let env = ["DATABASE_URL": ""]
        #expect(try KohoProcess.run(["users", "add", "tanaka", "--role", "staff", "--accounts", "kodaira_tokyo"] + d,
                                    stdin: "a long enough password\n", environment: env).status == 0)
        let first = try KohoProcess.run(["tokens", "create", "tanaka", "--label", "calendar"] + d, environment: env)
        let second = try KohoProcess.run(["tokens", "create", "tanaka", "--label", "calendar"] + d, environment: env)
        let third = try KohoProcess.run(["tokens", "create", "tanaka", "--label", "scripts"] + d, environment: env)
        let secrets = [first, second, third].map { $0.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(secrets.allSatisfy { $0.hasPrefix("koho_") })

        // One use of the first token, as the calendar program makes it.
        let app = try await makeApp(KohoConfig(dataDirectory: dir, databaseURL: nil, environment: .testing))
        let used = try await app.testable().sendRequest(.GET, "/api/v1/posts", beforeRequest: { (req: inout XCTHTTPRequest) async throws in
            req.headers.bearerAuthorization = BearerAuthorization(token: secrets[0])
        })
        #expect(used.status == .ok)
        try await app.asyncShutdown()

        let list = try KohoProcess.run(["tokens", "list"] + d, environment: env)
        #expect(list.status == 0, "\(list.stderr)")
        let rows = list.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.first == ["ID", "名前", "利用者", "作成", "最終使用"])
        #expect(rows.count == 4)
        #expect(rows.dropFirst().allSatisfy { $0.count == 5 && $0[2] == "tanaka" })
        #expect(rows.dropFirst().filter { $0[4] != "-" }.count == 1, "one token has been used")
        for s in secrets { #expect(!list.stdout.contains(s), "a secret is never shown") }

        let ambiguous = try KohoProcess.run(["tokens", "revoke", "calendar"] + d, environment: env)
        #expect(ambiguous.status == 2)
        #expect(ambiguous.stderr.contains("2件"), "\(ambiguous.stderr)")
        let unknown = try KohoProcess.run(["tokens", "revoke", "nothing"] + d, environment: env)
        #expect(unknown.status == 2)
        let usedID = try #require(rows.dropFirst().first { $0[4] != "-" }?[0])
        let revoked = try KohoProcess.run(["tokens", "revoke", usedID, "--reason", "端末の紛失"] + d, environment: env)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        let byName = try KohoProcess.run(["tokens", "revoke", "scripts"] + d, environment: env)
        #expect(byName.status == 0, "\(byName.stderr)")
        let after = try KohoProcess.run(["tokens", "list"] + d, environment: env)
        #expect(after.stdout.split(separator: "\n").count == 2)
        #expect(!after.stdout.contains(usedID))

        let reopened = try await makeApp(KohoConfig(dataDirectory: dir, databaseURL: nil, environment: .testing))
        let refused = try await reopened.testable().sendRequest(.GET, "/api/v1/posts", beforeRequest: { (req: inout XCTHTTPRequest) async throws in
            req.headers.bearerAuthorization = BearerAuthorization(token: secrets[0])
        })
        #expect(refused.status == .unauthorized, "a revoked token no longer works")
        let entries = try await AuditEntry.query(on: reopened.db).sort(\.$id).all()
        try await reopened.asyncShutdown()
        let revokes = entries.filter { $0.action == "token.revoke" }
        #expect(revokes.count == 2)
        #expect(revokes.first?.detail.contains(usedID) == true)
        #expect(revokes.first?.reason == "端末の紛失")
        #expect(entries.filter { $0.action == "token.list" }.count == 2)
        #expect(try KohoProcess.run(["audit", "verify"] + d, environment: env).status == 0)
    }

    /// The fuzz harness runs every target on its seeds and a few hundred mutations without a crash. (The time per
    /// input is the CI stage's to judge, over a longer run; here the limit is loose so that a busy machine passes.)
    @Test func fuzzHarnessRunsEveryTarget() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try KohoProcess.run(["fuzz", "all", "--runs", "150", "--seconds", "60", "--seed", "7", "--max-ms-per-input", "60000",
                                     "--out", dir.path],
                                    environment: ["DATABASE_URL": ""])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        for target in ["check", "policy", "form", "json", "mail", "feed", "agency", "webhook", "text"] { #expect(r.stdout.contains("fuzz \(target): 150 入力"), "\(r.stdout)") }
        #expect(try KohoProcess.run(["fuzz", "nothing"]).status == 2)
    }
}

@Suite struct AlertsParseCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("KohoCoreTests/Fixtures/jma")

    func path(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

    func lines(_ r: KohoProcess.Result) -> [[String: Any]] {
        r.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    @Test func oneLinePerFileWithTheCitysReading() throws {
        let r = try KohoProcess.run(["alerts", "parse", "--area", "1321100",
                                     path("koho_VPWW53_1321100_warning.xml"), path("32-35_07_01_100915_VXSE51.xml"),
                                     path("32-35_06_03_240613_VXSE53.xml"), path("koho_VPWW53_1321100_lifted_test.xml")])
        #expect(r.status == 0, "\(r.stderr)")
        let l = lines(r)
        #expect(l.count == 4)
        #expect(l[0]["file"] as? String == path("koho_VPWW53_1321100_warning.xml"))
        #expect(l[0]["title"] as? String == "気象特別警報・警報・注意報")
        #expect(l[0]["status"] as? String == "通常")
        #expect(l[0]["infoType"] as? String == "発表")
        #expect(l[0]["reportDateTime"] as? String == "2026-09-09T06:05:00+09:00")
        let w = l[0]["warnings"] as? [[String: Any]]
        #expect(w?.map { $0["name"] as? String ?? "" } == ["大雨警報", "洪水注意報", "雷注意報"])
        #expect(w?.first?["status"] as? String == "発表")
        #expect(w?.first?["level"] is NSNull, "an older message names no level")
        #expect(l[0]["maxIntensity"] is NSNull)
        #expect(l[0]["affects"] as? Bool == true)
        // VXSE51 names regions only: 小平市's region comes from the built-in policy.
        #expect(l[1]["maxIntensity"] as? String == "3")
        #expect((l[1]["warnings"] as? [Any])?.isEmpty == true)
        #expect(l[1]["affects"] as? Bool == true)
        #expect(l[2]["maxIntensity"] as? String == "2")
        #expect(l[2]["affects"] as? Bool == false)
        #expect(l[3]["status"] as? String == "試験")
        #expect(l[3]["affects"] as? Bool == false)
    }

    @Test func badFilesGetAnErrorLineAndExitTwo() throws {
        let dir = try temporaryDirectory()
        let html = dir.appendingPathComponent("page.xml")
        try Data("<html><body>503</body></html>".utf8).write(to: html)
        let r = try KohoProcess.run(["alerts", "parse", "--area", "1321100", html.path,
                                     dir.appendingPathComponent("missing.xml").path, path("koho_VPWW53_cancel.xml")])
        #expect(r.status == 2)
        let l = lines(r)
        #expect(l.count == 3)
        #expect(l[0]["file"] as? String == html.path)
        #expect((l[0]["error"] as? String)?.isEmpty == false)
        #expect(l[0]["title"] == nil)
        #expect(l[1]["error"] != nil)
        #expect(l[2]["infoType"] as? String == "取消")
        #expect(l[2]["affects"] as? Bool == false)
        // Another municipality: no region from the policy, unless given.
        let other = try KohoProcess.run(["alerts", "parse", "--area", "1320100", "--region", "351", path("32-35_07_01_100915_VXSE51.xml")])
        #expect(lines(other).first?["maxIntensity"] as? String == "3")
    }
}
