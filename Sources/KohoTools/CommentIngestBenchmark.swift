import Fluent
import Foundation
import KohoServer
import KohoCore
import KohoSandbox
import Vapor

/// `koho bench moderation`'s ingest: residents' comments put on the sandbox (on loopback, in this process), read
/// back by the comment poller through the Graph API as it reads them in service, and stored by `CommentIngest`
/// into SQLite in a temporary folder. Each round puts `postsPerRound` new posts of `perPost` comments on the city's
/// Facebook Page and polls once, so every comment is read once, as the newest posts are.
enum CommentIngestBenchmark {
    struct Result {
        var comments: Int
        var stored: Int
        var rounds: Int
        /// Time spent in the polls (reading the sandbox and storing), without putting the comments on the sandbox.
        var seconds: Double
        /// The process's peak resident memory (VmHWM) over the ingest, and its resident memory before it.
        var peakRSS: Int?
        var rssBefore: Int?
    }

    static func run(comments: Int, perPost: Int = 100, postsPerRound: Int = 25) async throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("koho-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sandbox = try await PlatformSandbox()
        _ = try await sandbox.start(host: "127.0.0.1", port: 0)
        var config = KohoConfig(dataDirectory: dir, databaseURL: nil, bcryptCost: 4, environment: Environment(name: "bench", arguments: ["koho"]))
        config.platforms = .sandbox(url: sandbox.baseURL)
        config.publisher.enabled = false
        var settings = CommentSettings(environment: [:])
        settings.enabled = false // the benchmark drives the rounds
        settings.facebookPostsPerRound = postsPerRound
        config.comments = settings
        config.logLevel = .error
        return try await withBenchmarkApp(config, sandbox: sandbox) { app in try await measure(app, sandbox, comments: comments, perPost: perPost, postsPerRound: postsPerRound) }
    }

    private static func measure(_ app: Application, _ sandbox: PlatformSandbox, comments: Int, perPost: Int, postsPerRound: Int) async throws -> Result {
        guard let poller = app.workers?.poller, let account = app.koho.policy.account(SandboxAccounts.facebookKoho.account) else {
            throw CLIInputError("comment poller not configured")
        }
        let sample = CoreBenchmarks.moderationSample
        let rssBefore = Memory.status("VmRSS")
        Memory.resetPeak()
        var elapsed = Duration.zero
        var made = 0, rounds = 0
        while made < comments {
            for _ in 0..<postsPerRound where made < comments {
                let n = min(perPost, comments - made)
                let texts = (0..<n).map { j -> (author: String, text: String) in
                    let i = made + j
                    // Mostly distinct comments, as residents write them; every text of the sample comes back often.
                    return ("住民\(i % 5_000)", sample[(i * 7 + i / 28) % sample.count] + (i % 3 == 0 ? "" : "（\(i)）"))
                }
                await sandbox.seedPost(account: SandboxAccounts.facebookKoho, text: "お知らせ \(made)", comments: texts)
                made += n
            }
            let start = ContinuousClock.now
            _ = try await poller.poll(account)
            elapsed += ContinuousClock.now - start
            rounds += 1
        }
        let stored = try await Comment.query(on: app.db).count()
        return Result(comments: comments, stored: stored, rounds: rounds,
                      seconds: Benchmarking.seconds(elapsed),
                      peakRSS: Memory.status("VmHWM"), rssBefore: rssBefore)
    }
}

/// This process's memory as Linux reports it in /proc/self/status (nil elsewhere).
enum Memory {
    /// A field of /proc/self/status in bytes (`VmHWM`: peak resident set, `VmRSS`: now).
    static func status(_ field: String) -> Int? {
        // /proc files report a size of 0: read to the end rather than by size.
        guard let h = FileHandle(forReadingAtPath: "/proc/self/status") else { return nil }
        defer { try? h.close() }
        let text = String(decoding: h.readDataToEndOfFile(), as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kb = line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
            return kb.map { $0 * 1024 }
        }
        return nil
    }

    /// Starts the peak (VmHWM) again from the present resident set (Linux 4.0 and later; ignored elsewhere).
    static func resetPeak() {
        guard let h = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return }
        try? h.write(contentsOf: Data("5".utf8))
        try? h.close()
    }
}
