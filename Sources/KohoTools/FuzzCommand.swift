import ArgumentParser
import Foundation
import KohoServer
import Vapor
import KohoCore
#if canImport(Glibc)
import Glibc
#endif

/// `koho fuzz TARGET`: a deterministic mutation fuzzer for the readers of untrusted input. Each input is a seed
/// mutated by a seeded generator (bit flips, cuts, splices, deep nesting, control characters, huge numbers, bad
/// UTF-8); every input must be answered (a value or an error) without a crash and within the time limit.
/// Quick enough for CI on a debug build, with no extra toolchain (libFuzzer needs a separate sanitizer build).
struct FuzzCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fuzz",
        abstract: "入力の読み取り（koho check、ポリシーファイル、フォーム、JSON、メール、フィード、気象庁、Webhook、コメント）をファズする（クラッシュと遅い入力を探す）",
        discussion: """
        対象: check（koho check の JSON と検査）、policy（ポリシーファイルの読み込み）、form（ウェブのフォーム）、json（API の JSON）、
        mail（メールマガジン）、feed（RSS・Atom）、agency（気象庁の Atom と電文）、webhook（Facebook の Webhook）、
        text（コメントの分類・URL・HTML・日付）、all。外から届くものの対象は 100 KB までの入力を使います。
        同じ --seed なら同じ入力の列になります。見つかった入力は --out のフォルダに保存し、終了コード 1 で終わります。
        クラッシュした入力も、プロセスが止まる前に同じフォルダへ書き出します。
        """)

    @ArgumentParser.Argument(help: "check | policy | form | json | mail | feed | agency | webhook | text | all") var target: String
    @ArgumentParser.Option(name: .long, help: "対象ごとに走らせる秒数") var seconds: Double = 10
    @ArgumentParser.Option(name: .long, help: "乱数の種（同じ種なら同じ入力）") var seed: UInt64 = 1
    @ArgumentParser.Option(name: .long, help: "対象ごとの入力の数の上限（0: 秒数だけで止める）") var runs: Int = 0
    @ArgumentParser.Option(name: .long, help: "1入力あたりの制限時間（ミリ秒）。超えた入力は見つかったものとして保存") var maxMsPerInput: Int = 1000
    @ArgumentParser.Option(name: .long, help: "見つかった入力を保存するフォルダ") var out: String = "./fuzz-findings"

    func run() async throws {
        let targets: [FuzzTarget.Kind]
        if target == "all" { targets = FuzzTarget.Kind.allCases } else {
            guard let k = FuzzTarget.Kind(rawValue: target) else { throw CLIInputError("対象は check, policy, form, json, mail, feed, agency, webhook, text, all のいずれかです") }
            targets = [k]
        }
        guard seconds > 0, maxMsPerInput > 0 else { throw CLIInputError("--seconds と --max-ms-per-input は正の数にしてください") }
        let outDir = URL(fileURLWithPath: out, isDirectory: true)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("koho-fuzz-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        // The real app on a scratch database, so that the form and JSON readers run exactly as in a request.
        var config = KohoConfig(dataDirectory: scratch, databaseURL: nil, bcryptCost: 4, environment: .testing)
        config.logLevel = .critical
        let app = try await makeApp(config)
        var findings = 0
        do {
            for kind in targets {
                let t = FuzzTarget(kind: kind, app: app)
                var fuzzer = Fuzzer(seed: seed &+ UInt64(kind.index) &* 0x9E3779B9, seeds: t.seeds, maxLength: kind.maxLength)
                let report = try fuzzer.run(seconds: seconds, runs: runs, limit: .milliseconds(maxMsPerInput), target: kind.rawValue,
                                            outDir: outDir, body: t.run)
                print(report.summary)
                fflush(nil)
                findings += report.slow.count
            }
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
        if findings > 0 {
            print("遅い入力が \(findings) 件見つかりました（\(outDir.path)）")
            throw ExitCode(1)
        }
    }
}

/// One reader of untrusted input, called as the app calls it.
struct FuzzTarget {
    enum Kind: String, CaseIterable {
        case check, policy, form, json, mail, feed, agency, webhook, text

        var maxLength: Int {
            switch self {
            case .policy: return 256 * 1024
            case .check, .form, .json: return 64 * 1024
            case .mail, .feed, .agency, .webhook, .text: return InboundFuzz.maxLength
            }
        }

        var index: Int { Kind.allCases.firstIndex(of: self)! }
    }

    let kind: Kind
    let app: Application

    var seeds: [[UInt8]] {
        let strings: [String]
        switch kind {
        case .check, .json:
            strings = [
                #"{"account":"kodaira_tokyo","category":"ア","text":"避難所を開設しました","sourceURL":"https://www.city.kodaira.tokyo.jp/a.html","scheduledAt":"2026-11-25T10:00:00+09:00"}"#,
                #"{"account":"kodaira_tokyo","kind":"reply","text":"ありがとうございます","replyPurpose":"correction"}"#,
                #"{"account":"kodaira_tokyo","kind":"quote","quotedAccount":"tokyo_bousai","text":"引用 https://example.com/x?a=1","links":["https://www.city.kodaira.tokyo.jp/b.html"]}"#,
                #"{"account":"koho.kodairacity","category":"③","text":"市民まつり","articleOrigin":"shiho","emergency":true,"emergencyReason":"台風"}"#,
                #"{"account":"UCp9YZtjCNcG0q3fQ1ln31Xg","category":"①","title":"動画","text":"説明","scheduledAt":"2026-12-31T23:59:59Z"}"#,
                #"{"version":3,"reason":"日付を確認してください"}"#,
            ]
        case .form:
            strings = [
                "account=kodaira_tokyo&category=%E3%82%A6&text=%E5%B8%82%E6%B0%91%E3%81%BE%E3%81%A4%E3%82%8A&links=https%3A%2F%2Fexample.com%0D%0Ahttps%3A%2F%2Fexample.org&scheduledAt=2026-11-25T10%3A00&intent=save&csrf=abc",
                "account=koho.kodairacity&kind=post&category=%E2%91%A2&text=x&emergency=1&emergencyReason=y&version=2&csrf=t",
                "name=kacho&password=correct+horse+battery&totp=123456&csrf=t",
                "role=staff&accounts[]=kodaira_tokyo&accounts[]=koho.kodairacity&totpRequired=on&reason=r&csrf=t",
                "version=1&reason=%E6%97%A5%E4%BB%98&csrf=t",
            ]
        case .policy:
            strings = [PolicyLoader.builtInYAML]
        case .mail, .feed, .agency, .webhook, .text:
            strings = InboundFuzz.seeds(kind)
        }
        return strings.map { Array($0.utf8) }
    }

    /// Runs one input; errors are answers, only a crash or a hang is a finding.
    func run(_ input: [UInt8]) {
        switch kind {
        case .check:
            guard let action = try? PlannedAction.decode(json: Data(input)) else { return }
            _ = PolicyChecker(policy: app.koho.policy, holidays: app.koho.holidays).check(action, now: Date(timeIntervalSince1970: 1_795_000_000))
        case .policy:
            _ = try? PolicyLoader.load(yaml: String(decoding: input, as: UTF8.self), file: "fuzz.yaml")
        case .json:
            let req = request(input, contentType: .json)
            if let action = try? APIController.plannedAction(req) {
                _ = PolicyChecker(policy: app.koho.policy, holidays: app.koho.holidays).check(action, now: Date(timeIntervalSince1970: 1_795_000_000))
            }
            _ = try? req.content.decode(APIController.StepBody.self)
        case .form:
            let req = request(input, contentType: .urlEncodedForm)
            _ = try? req.content.get(String.self, at: "csrf")
            if let form = try? req.content.decode(PostsController.ComposeForm.self), let action = try? form.action() {
                _ = PolicyChecker(policy: app.koho.policy, holidays: app.koho.holidays).check(action, now: Date(timeIntervalSince1970: 1_795_000_000))
            }
            _ = try? req.content.decode(AuthController.LoginForm.self)
            _ = try? req.content.decode(AdminController.UpdateUserForm.self)
            _ = try? req.content.decode(PostsController.StepForm.self)
        case .mail, .feed, .agency, .webhook, .text:
            InboundFuzz.run(kind, input)
        }
    }

    private func request(_ input: [UInt8], contentType: HTTPMediaType) -> Request {
        var headers = HTTPHeaders()
        headers.contentType = contentType
        var buffer = ByteBufferAllocator().buffer(capacity: input.count)
        buffer.writeBytes(input)
        return Request(application: app, method: .POST, url: "/fuzz", headers: headers, collectedBody: buffer, on: app.eventLoopGroup.any())
    }
}

struct Fuzzer {
    var rng: SplitMix64
    let seeds: [[UInt8]]
    let maxLength: Int

    init(seed: UInt64, seeds: [[UInt8]], maxLength: Int) {
        rng = SplitMix64(state: seed)
        self.seeds = seeds
        self.maxLength = maxLength
    }

    struct Report {
        let target: String
        let runs: Int
        let slowest: Duration
        let slow: [URL]
        var summary: String { "fuzz \(target): \(runs) 入力、最も遅い入力 \(Self.milliseconds(slowest)) ms、遅い入力 \(slow.count) 件" }

        static func milliseconds(_ d: Duration) -> Int {
            Int((Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15).rounded())
        }
    }

    mutating func run(seconds: Double, runs maxRuns: Int, limit: Duration, target: String, outDir: URL,
                      body: ([UInt8]) -> Void) throws -> Report {
        let clock = ContinuousClock()
        let end = clock.now + .milliseconds(Int(seconds * 1000))
        var runs = 0, slowest = Duration.zero, slow: [URL] = []
        CrashCapture.arm(path: outDir.appendingPathComponent("crash-\(target).bin").path)
        defer { CrashCapture.disarm() }
        // The seeds themselves first: they must pass as they are.
        var pending = seeds
        while clock.now < end, maxRuns == 0 || runs < maxRuns {
            let input = pending.popLast() ?? mutate()
            CrashCapture.hold(input)
            let took = clock.measure { body(input) }
            runs += 1
            slowest = max(slowest, took)
            if took > limit {
                try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
                let file = outDir.appendingPathComponent("slow-\(target)-\(slow.count + 1).bin")
                try Data(input).write(to: file)
                slow.append(file)
                FileHandle.standardError.write(Data("fuzz \(target): \(Report.milliseconds(took)) ms かかった入力を \(file.path) に保存しました\n".utf8))
                if slow.count >= 5 { break }
            }
        }
        return Report(target: target, runs: runs, slowest: slowest, slow: slow)
    }

    mutating func mutate() -> [UInt8] {
        var data = seeds[rng.below(seeds.count)]
        for _ in 0..<(1 + rng.below(4)) { mutateOnce(&data) }
        if data.count > maxLength { data.removeLast(data.count - maxLength) }
        return data
    }

    static let interesting: [[UInt8]] = ([
        "1e999999", "-1e-999999", "99999999999999999999999999999999", "-9223372036854775809", "18446744073709551616",
        "1.7976931348623157e309", "-0", "NaN", "Infinity", "0x7fffffff", "null", "true", "[]", "{}", "\"\"",
        "\\u0000", "\\ud800", "\\uDFFF\\uD800", "\u{0}", "\u{1B}[31m", "\r", "\n", "\r\n", "\t", "\u{7F}", "\u{85}", "\u{2028}",
        "\u{202E}", "\u{FEFF}", "%00", "%0D%0A", "%", "%zz", "&&", "==", "[]=", "a[b][c][d]=", "&a[]=1&a[]=2",
        "*anchor", "&anchor ", "!!binary ", "? ", ": ", "- ", "---\n", "...\n", "<<: *a\n", "'", "\"", "\\",
        "2026-02-29T25:61:61+99:99", "0000-00-00", "9999-12-31T23:59:59Z", "https://", "http://[::1", "xn--",
    ] as [String]).map { Array($0.utf8) }

    static let runs: [[UInt8]] = (["あ", "a", "\\", "%", "😀", "\u{0}", ")", "=?", "=?a?B?", "href=", "1", "１", "三", " a=''", "<"] as [String])
        .map { Array($0.utf8) }

    mutating func mutateOnce(_ d: inout [UInt8]) {
        if d.isEmpty { d = seeds[rng.below(seeds.count)] }
        let at = rng.below(d.count + 1)
        switch rng.below(12) {
        case 0: // flip a bit
            if !d.isEmpty { let i = rng.below(d.count); d[i] ^= UInt8(1 << rng.below(8)) }
        case 1: // a random byte, often a structural one
            let structural: [UInt8] = Array("{}[]\":,\\&=%\n\r\t 0-.#".utf8) + [0, 0x80, 0xC0, 0xFF]
            let b = rng.chance(70) ? structural[rng.below(structural.count)] : UInt8(truncatingIfNeeded: rng.next())
            if !d.isEmpty, rng.chance(50) { d[rng.below(d.count)] = b } else { d.insert(b, at: at) }
        case 2: // cut the end off
            d.removeLast(d.count - at)
        case 3: // remove a range
            let n = min(d.count - min(at, d.count), 1 + rng.below(64))
            if n > 0 { d.removeSubrange(at..<(at + n)) }
        case 4: // repeat a range
            if !d.isEmpty {
                let start = rng.below(d.count), n = min(d.count - start, 1 + rng.below(128))
                let piece = Array(d[start..<(start + n)])
                for _ in 0..<(1 + rng.below(8)) { d.insert(contentsOf: piece, at: min(at, d.count)) }
            }
        case 5: // splice with another seed
            let other = seeds[rng.below(seeds.count)]
            let from = rng.below(other.count + 1)
            d = Array(d[..<at]) + Array(other[from...])
        case 6: // deep nesting
            let depth = 1 + rng.below(rng.chance(20) ? 3000 : 200)
            let (open, close): ([UInt8], [UInt8]) = [
                (Array("[".utf8), Array("]".utf8)), (Array("{\"a\":".utf8), Array("}".utf8)),
                (Array("a[".utf8), Array("]".utf8)), (Array("- ".utf8), Array("\n".utf8)), (Array("{a: ".utf8), Array("}".utf8)),
            ][rng.below(5)]
            var nest = [UInt8]()
            for _ in 0..<depth { nest += open }
            nest += Array("1".utf8)
            if rng.chance(80) { for _ in 0..<depth { nest += close } }
            d.insert(contentsOf: nest, at: at)
        case 7: // a deep value where a value goes (after a colon, comma or bracket), so that the reader parses it all
            let spots = d.indices.filter { d[$0] == UInt8(ascii: ":") || d[$0] == UInt8(ascii: ",") || d[$0] == UInt8(ascii: "[") }
            guard let spot = spots.isEmpty ? nil : spots[rng.below(spots.count)] else { return }
            let depth = 1 + rng.below(600)
            let object = rng.chance(30)
            var nest = [UInt8]()
            for _ in 0..<depth { nest += object ? Array("{\"a\":".utf8) : [UInt8(ascii: "[")] }
            nest += Array("1".utf8)
            for _ in 0..<depth { nest.append(object ? UInt8(ascii: "}") : UInt8(ascii: "]")) }
            if d[spot] == UInt8(ascii: "[") { nest.append(UInt8(ascii: ",")) }
            d.insert(contentsOf: nest, at: spot + 1)
        case 8: // an interesting token
            d.insert(contentsOf: Self.interesting[rng.below(Self.interesting.count)], at: at)
        case 9: // a long run of one character
            // Also the runs that made readers quadratic: brackets after a URL, `=?`, unquoted `href=`, numerals, attributes.
            let ch = Self.runs[rng.below(Self.runs.count)]
            let count = 1 + rng.below(rng.chance(20) ? 50_000 : 5000)
            var run = [UInt8]()
            run.reserveCapacity(count * ch.count)
            for _ in 0..<count { run += ch }
            d.insert(contentsOf: run, at: at)
        case 10: // invalid UTF-8
            let bad: [[UInt8]] = [[0xC3], [0xE3, 0x81], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFE], [0xC0, 0xAF]]
            d.insert(contentsOf: bad[rng.below(bad.count)], at: at)
        default: // swap two ranges' contents
            if d.count > 2 {
                let i = rng.below(d.count), j = rng.below(d.count)
                d.swapAt(i, j)
            }
        }
    }
}

/// Writes the input being read to a file when the process is about to die of a crash, so that CI keeps it.
/// The signal handler may only call async-signal-safe functions: open, write, close, signal and raise.
enum CrashCapture {
    nonisolated(unsafe) private static var path: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var note: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var buffer: UnsafeMutableRawBufferPointer?
    nonisolated(unsafe) private static var length = 0

    static func arm(path p: String) {
        try? FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        path = strdup(p)
        note = strdup("fuzz: クラッシュしました。読んでいた入力を \(p) に保存しました\n")
        if buffer == nil { buffer = .allocate(byteCount: 1 << 20, alignment: 8) }
        for sig in [SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGABRT, SIGFPE] {
            signal(sig) { sig in
                if let path = CrashCapture.path, let buffer = CrashCapture.buffer {
                    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
                    if fd >= 0 { _ = write(fd, buffer.baseAddress, CrashCapture.length); close(fd) }
                    if let note = CrashCapture.note { _ = write(2, note, strlen(note)) }
                }
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }

    static func hold(_ input: [UInt8]) {
        guard let buffer else { return }
        let n = min(input.count, buffer.count)
        input.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        length = n
    }

    static func disarm() {
        for sig in [SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGABRT, SIGFPE] { signal(sig, SIG_DFL) }
        free(path)
        free(note)
        path = nil
        note = nil
    }
}
