import Fluent
import Foundation
import KohoServer
import KohoCore
import KohoSandbox
import Vapor

/// `koho bench intake`: an article published on the city's feed (a loopback feed server) → the X and Facebook drafts
/// waiting for the chief, and the chief's approval → the post live on the sandbox; the whole path (the website feed
/// job on its interval, the workflow, SQLite in a temporary folder, the publisher, HTTP to the sandbox).
enum IntakeBenchmark {
    struct Result {
        /// Published → both drafts submitted, the feed polled on its interval.
        var draftsReady: [Double]
        /// The same, the feed job woken as the article is published: the intake's own work.
        var draftsReadyWoken: [Double]
        /// Approval → live on the sandbox, X and Facebook.
        var live: [Double]
    }

    static func run(items: Int, interval: Duration) async throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("koho-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let sandbox = try await PlatformSandbox()
        _ = try await sandbox.start(host: "127.0.0.1", port: 0)
        let feeds = try await LoopbackFeedServer()
        let base = try await feeds.start()
        let origin = Date(), morning = JapaneseTime.parseISO8601("2026-11-25T10:00:00+09:00")!
        let cityNow: @Sendable () -> Date = { morning.addingTimeInterval(Date().timeIntervalSince(origin)) }
        var config = KohoConfig(dataDirectory: dir, databaseURL: nil, clock: cityNow, bcryptCost: 4,
                                environment: Environment(name: "bench", arguments: ["koho"]))
        config.platforms = .sandbox(url: sandbox.baseURL)
        config.logLevel = .error
        config.intake = IntakeSettings(website: [.init(url: base + "/bousai.xml", categories: ["ア", "①"], interval: interval)])
        feeds.set("/bousai.xml", feed([], now: cityNow()))
        let app = try await makeApp(config)
        func shutdown() async {
            try? await app.asyncShutdown()
            try? await feeds.shutdown()
            try? await sandbox.shutdown()
        }
        do {
            let result = try await measure(app, sandbox, feeds, items: items, now: cityNow)
            await shutdown()
            return result
        } catch {
            await shutdown()
            throw error
        }
    }

    typealias Item = (id: String, title: String, link: String, date: Date)

    static func feed(_ items: [Item], now: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let entries = items.reversed().map { i in
            "<item><guid>\(i.id)</guid><title>\(i.title)</title><link>\(i.link)</link><pubDate>\(f.string(from: i.date))</pubDate>"
                + "<description>市内の避難所を開設しました。避難の際は、常備薬と懐中電灯をお持ちください。</description></item>"
        }
        return """
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0"><channel><title>小平市 緊急情報</title><link>https://www.city.kodaira.tokyo.jp/</link><description>緊急防災情報</description>
        \(entries.joined(separator: "\n"))
        </channel></rss>
        """
    }

    private static func measure(_ app: Application, _ sandbox: PlatformSandbox, _ feeds: LoopbackFeedServer, items: Int,
                                now: @escaping @Sendable () -> Date) async throws -> Result {
        let chief = try await Setup.createUser(on: app.db, ctx: app.koho, name: "bench", password: "benchmark password", role: .chief,
                                               accounts: [], actor: "bench", reason: "")
        guard let jobs = app.backgroundJobs, jobs.publisher != nil, let intake = app.intake else {
            throw CLIInputError("the publisher or the intake is not configured")
        }
        jobs.start()
        // The first fetch of an empty feed: from here on every item is new.
        let deadline = ContinuousClock.now + .seconds(30)
        while try await IntakeSourceState.query(on: app.db).first()?.lastFetchAt == nil {
            guard ContinuousClock.now < deadline else { throw CLIInputError("the feed was never fetched") }
            try await Task.sleep(for: .milliseconds(10))
        }
        var published: [Item] = []
        var result = Result(draftsReady: [], draftsReadyWoken: [], live: [])
        let w = app.workflow
        for i in 0..<(2 * items) {
            let woken = i >= items
            // A random moment in the feed's interval, so that the articles do not keep step with the fetches.
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...1_050)))
            let item: Item = ("bench-\(i)", "避難所を開設しました（ベンチマーク \(i)）", "https://www.city.kodaira.tokyo.jp/kurashi/bousai/bench-\(i).html", now())
            published.append(item)
            let start = ContinuousClock.now
            feeds.set("/bousai.xml", feed(Array(published.suffix(20)), now: now()))
            if woken { intake.wakeAll() }
            var drafts: [Post] = []
            while drafts.count < 2 {
                try await Task.sleep(for: .milliseconds(2))
                drafts = try await Post.query(on: app.db).filter(\.$sourceURL == item.link).filter(\.$state == .submitted).all()
                if ContinuousClock.now - start > .seconds(30) { throw CLIInputError("the drafts of item \(i) did not appear") }
            }
            let ready = Benchmarking.seconds(ContinuousClock.now - start)
            if woken { result.draftsReadyWoken.append(ready) } else { result.draftsReady.append(ready) }
            if woken { continue }

            // One approval each, at once; the post goes out (3(5)).
            for (n, post) in drafts.enumerated() {
                let approved = ContinuousClock.now
                _ = try await PostService.transition(w, chief, post.id!, .approve, expectedVersion: nil, reason: "")
                while await sandbox.allPosts().filter({ $0.text.contains(item.title) }).count < n + 1 {
                    try await Task.sleep(for: .milliseconds(1))
                    if ContinuousClock.now - approved > .seconds(30) { throw CLIInputError("post of item \(i) did not go out") }
                }
                result.live.append(Benchmarking.seconds(ContinuousClock.now - approved))
            }
        }
        await jobs.stop()
        return result
    }
}
