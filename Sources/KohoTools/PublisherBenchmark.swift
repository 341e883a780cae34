import Foundation
import KohoServer
import KohoCore
import KohoPlatforms
import KohoSandbox
import Vapor

/// `koho bench publisher`: the whole path (workflow, database, publisher, HTTP to a sandbox on loopback) on a
/// fresh SQLite database in a temporary folder.
enum PublisherBenchmark {
    struct Result {
        var latencies: [Double]
        var throughputPosts: Int
        var throughputSeconds: Double
        /// The process's CPU time over the throughput run (the sandbox, in the same process, included).
        var throughputCPUSeconds: Double

        func percentile(_ p: Double) -> Double { Benchmarking.percentile(latencies, p) }
    }

    static func run(emergencies: Int, batch: Int) async throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("koho-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sandbox = try await PlatformSandbox()
        _ = try await sandbox.start(host: "127.0.0.1", port: 0)
        // The city's clock runs from a weekday morning, so that posts that wait for the operating hours go out
        // whenever the benchmark is run; the platform calls and the figures keep real time.
        let origin = Date(), morning = JapaneseTime.parseISO8601("2026-11-25T10:00:00+09:00")!
        var config = KohoConfig(dataDirectory: dir, databaseURL: nil, clock: { morning.addingTimeInterval(Date().timeIntervalSince(origin)) },
                                bcryptCost: 4, environment: Environment(name: "bench", arguments: ["koho"]))
        config.platforms = .sandbox(url: sandbox.baseURL)
        config.logLevel = .error
        return try await withBenchmarkApp(config, sandbox: sandbox) { app in try await measure(app, sandbox, emergencies: emergencies, batch: batch) }
    }

    private static func measure(_ app: Application, _ sandbox: PlatformSandbox, emergencies: Int, batch: Int) async throws -> Result {
        let chief = try await Setup.createUser(on: app.db, ctx: app.koho, name: "bench", password: "benchmark password", role: .chief,
                                               accounts: [], actor: "bench", reason: "")
        let req = app.workflow
        guard let jobs = app.backgroundJobs, jobs.publisher != nil else { throw CLIInputError("publisher not configured") }
        jobs.start()

        // Approval to appearance: each emergency post alone, the publisher idle and woken by the approval.
        var latencies: [Double] = []
        for i in 0..<emergencies {
            let text = "【緊急】避難所を開設しました（ベンチマーク \(i)）"
            let action = PlannedAction(account: "kodaira_tokyo", category: "ア", text: text,
                                       sourceURL: "https://www.city.kodaira.tokyo.jp/bousai/\(i).html", emergency: true, emergencyReason: "訓練")
            let post = try await PostService.create(req, chief, action)
            let before = await sandbox.postCount()
            var p = try await PostService.transition(req, chief, post.id!, .submit, expectedVersion: nil, reason: "")
            let start = ContinuousClock.now
            if p.state == .submitted { p = try await PostService.transition(req, chief, post.id!, .approve, expectedVersion: nil, reason: "") }
            // Counted rather than listed while waiting, so that the waiting costs the publisher little.
            while await sandbox.postCount() == before {
                try await Task.sleep(for: .milliseconds(1))
                if ContinuousClock.now - start > .seconds(30) { throw CLIInputError("post \(i) did not appear") }
            }
            let d = ContinuousClock.now - start
            // The tweet carries the source article after the text.
            guard await sandbox.allPosts().contains(where: { $0.text.hasPrefix(text) }) else { throw CLIInputError("post \(i) is not the one that appeared") }
            latencies.append(Benchmarking.seconds(d))
        }

        // Throughput: a queue of due posts across the four accounts, published from a standing start.
        await jobs.stop()
        let before = await sandbox.postCount()
        for i in 0..<batch {
            let action: PlannedAction
            switch i % 3 {
            case 0: action = PlannedAction(account: "hisyo_kodaira_tokyo", category: "市長", text: "市長メッセージ（ベンチマーク \(i)）")
            case 1: action = PlannedAction(account: "kodaira_tokyo", category: "イ", text: "お知らせ（ベンチマーク \(i)）",
                                           sourceURL: "https://www.city.kodaira.tokyo.jp/kurashi/\(i).html", emergency: true, emergencyReason: "訓練")
            default: action = PlannedAction(account: "koho.kodairacity", category: "①", text: "緊急防災情報（ベンチマーク \(i)）",
                                            sourceURL: "https://www.city.kodaira.tokyo.jp/bousai/\(i).html", emergency: true,
                                            emergencyReason: "訓練", articleOrigin: "shiho")
            }
            let post = try await PostService.create(req, chief, action)
            let p = try await PostService.transition(req, chief, post.id!, .submit, expectedVersion: nil, reason: "")
            if p.state == .submitted { _ = try await PostService.transition(req, chief, post.id!, .approve, expectedVersion: nil, reason: "") }
        }
        let start = ContinuousClock.now, cpu = Benchmarking.processCPUSeconds()
        jobs.start()
        while await sandbox.postCount() < before + batch {
            try await Task.sleep(for: .milliseconds(5))
            if ContinuousClock.now - start > .seconds(300) { throw CLIInputError("the queue was not published in time") }
        }
        let d = ContinuousClock.now - start, used = Benchmarking.processCPUSeconds() - cpu
        await jobs.stop()
        return Result(latencies: latencies, throughputPosts: batch, throughputSeconds: Benchmarking.seconds(d), throughputCPUSeconds: used)
    }
}
