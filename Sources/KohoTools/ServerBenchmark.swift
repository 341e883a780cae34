import AsyncHTTPClient
import Fluent
import FluentPostgresDriver
import Foundation
import KohoCore
import KohoServer
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import SQLKit
import Vapor

/// `koho bench server`: the real Koho server and a bare Vapor app in this process, in the same run, driven by one
/// load generator (AsyncHTTPClient, keep-alive connections) whose own CPU is spent alike for both. The ratio to
/// bare Vapor is the figure that counts on a shared machine.
enum ServerBenchmark {
    struct Options: Sendable {
        var posts = 1_000
        var comments = 10_000
        var connections = 16
        var duration: Duration = .seconds(10)
        var cache = false
        /// PostgreSQL where a fresh database of its own is made (and dropped afterwards); nil: SQLite in a temporary folder.
        var databaseURL: String?
        var targets = Target.allCases
    }

    enum Target: String, CaseIterable, Sendable {
        case list, dashboard, one

        /// `--only`'s names, comma-separated, in the benchmark's own order.
        static func parse(_ only: String) throws -> [Target] {
            let names = Set(only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            guard !names.isEmpty, names.isSubset(of: Set(allCases.map(\.rawValue))) else {
                throw CLIInputError("--only は \(allCases.map(\.rawValue).joined(separator: "、")) をカンマで区切って指定してください")
            }
            return allCases.filter { names.contains($0.rawValue) }
        }
    }

    struct Line: Sendable {
        let name: String
        let requests: Int
        let failures: Int
        let seconds: Double
        let p50: Double
        let p99: Double
        var perSecond: Double { Double(requests) / max(seconds, 1e-9) }
    }

    struct Result: Sendable {
        var database: String
        /// The PostgreSQL database the run made (and dropped).
        var postgresDatabase: String?
        var seeded: String
        var bare: Line
        var lines: [Line]
    }

    static func run(_ o: Options, progress: @Sendable (String) -> Void = { _ in }) async throws -> Result {
        guard o.posts >= 1, o.comments >= 0, o.connections >= 1, o.duration > .zero else {
            throw CLIInputError("--posts と --connections は1以上、--comments は0以上、--duration は正の秒数にしてください")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("koho-bench-server-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var fresh: FreshPostgres?
        if let url = o.databaseURL { fresh = try await FreshPostgres.create(on: url) }
        do {
            var r = try await measure(o, dir: dir, databaseURL: fresh?.url, progress: progress)
            r.postgresDatabase = fresh?.name
            try await fresh?.drop()
            return r
        } catch {
            try? await fresh?.drop()
            throw error
        }
    }

    private static func measure(_ o: Options, dir: URL, databaseURL: String?, progress: @Sendable (String) -> Void) async throws -> Result {
        // A weekday morning that moves with real time, as in `bench publisher`: the figures do not depend on the hour.
        let origin = Date(), morning = JapaneseTime.parseISO8601("2026-11-25T10:00:00+09:00")!
        var config = KohoConfig(dataDirectory: dir, databaseURL: databaseURL, clock: { morning.addingTimeInterval(Date().timeIntervalSince(origin)) },
                                bcryptCost: 4, environment: Environment(name: "bench", arguments: ["koho"]))
        config.readCache = o.cache
        config.logLevel = .error
        let app = try await makeApp(config)
        let bare = try await Application.make(Environment(name: "bench", arguments: ["koho"]))
        bare.logger.logLevel = .error
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                                configuration: .init(redirectConfiguration: .disallow,
                                                     connectionPool: .init(idleTimeout: .seconds(60),
                                                                           concurrentHTTP1ConnectionsPerHostSoftLimit: o.connections)))
        do {
            let r = try await measure(o, app: app, bare: bare, client: client, postgres: databaseURL != nil, now: config.clock(), progress: progress)
            try await client.shutdown()
            await bare.server.shutdown()
            await app.server.shutdown()
            try await bare.asyncShutdown()
            try await app.asyncShutdown()
            return r
        } catch {
            try? await client.shutdown()
            await bare.server.shutdown()
            await app.server.shutdown()
            try? await bare.asyncShutdown()
            try? await app.asyncShutdown()
            throw error
        }
    }

    private static func measure(_ o: Options, app: Application, bare: Application, client: HTTPClient, postgres: Bool, now: Date,
                                progress: @Sendable (String) -> Void) async throws -> Result {
        progress("投稿 \(o.posts) 件とコメント \(o.comments) 件を入れています…")
        let seed = try await Seed.run(app, posts: o.posts, comments: o.comments, now: now)
        if postgres, let sql = app.db as? SQLDatabase {
            // Where a running server's tables are: autovacuum visits a table within a minute of such a load. Freshly
            // loaded and never vacuumed, every count through an index reads the table's rows as well (the comments
            // waiting: 8,741 heap fetches, 5 ms a page), which no server in use pays.
            progress("PostgreSQL の表を VACUUM ANALYZE しています（自動の VACUUM が読み込みの後にするように）…")
            try await sql.raw("VACUUM ANALYZE").run()
        }
        try await app.asyncBoot()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let kohoPort = app.http.server.shared.localAddress?.port else { throw CLIInputError("Koho のサーバーが起動しませんでした") }
        bare.get("posts") { _ in
            Response(status: .ok, headers: ["Content-Type": "application/json; charset=utf-8"],
                     body: .init(staticString: #"{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","state":"draft","text":"市民まつりのお知らせ"}"#))
        }
        try await bare.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let barePort = bare.http.server.shared.localAddress?.port else { throw CLIInputError("比べる Vapor のサーバーが起動しませんでした") }
        let koho = "http://127.0.0.1:\(kohoPort)"

        var bearer = HTTPHeaders()
        bearer.add(name: .authorization, value: "Bearer \(seed.token)")
        let cookie = try await login(client, koho, name: Seed.chief, password: Seed.password)
        var session = HTTPHeaders()
        session.add(name: .cookie, value: cookie)

        // Each target is checked once before it is measured: a load test of error pages measures nothing.
        let list = try await fetch(client, koho + "/api/v1/posts", bearer)
        guard list.status == .ok, let posts = try? JSONSerialization.jsonObject(with: Data(buffer: list.body)) as? [[String: Any]],
              posts.count == min(50, o.posts), let first = posts.first?["id"] as? String else {
            throw CLIInputError("GET /api/v1/posts が50件のページを返しません（\(list.status.code)）")
        }
        let dashboard = try await fetch(client, koho + "/", session)
        guard dashboard.status == .ok, String(buffer: dashboard.body).contains("ダッシュボード") else {
            throw CLIInputError("課長のセッションでダッシュボードが開けません（\(dashboard.status.code)）")
        }
        let one = try await fetch(client, koho + "/api/v1/posts/\(first)", bearer)
        guard one.status == .ok else { throw CLIInputError("GET /api/v1/posts/{id} が答えません（\(one.status.code)）") }

        let targets: [(String, String, HTTPHeaders)] = o.targets.map { t in
            switch t {
            case .list: ("GET /api/v1/posts（Bearer トークン、50件のページ）", koho + "/api/v1/posts", bearer)
            case .dashboard: ("GET /（ダッシュボード、課長のセッション）", koho + "/", session)
            case .one: ("GET /api/v1/posts/{id}", koho + "/api/v1/posts/\(first)", bearer)
            }
        }
        progress("測っています（\(o.connections) 接続、各 \(seconds(o.duration)) 秒）…")
        let bareLine = try await drive("bare Vapor（固定の JSON）", "http://127.0.0.1:\(barePort)/posts", HTTPHeaders(), client, o)
        var lines: [Line] = []
        for (name, url, headers) in targets { lines.append(try await drive(name, url, headers, client, o)) }
        let database = (postgres ? "PostgreSQL" : "SQLite") + "、読み取りの控え " + (o.cache ? "あり" : "なし")
        return Result(database: database, postgresDatabase: nil, seeded: seed.summary, bare: bareLine, lines: lines)
    }

    struct Answer {
        let status: HTTPResponseStatus
        let headers: HTTPHeaders
        let body: ByteBuffer
    }

    static func fetch(_ client: HTTPClient, _ url: String, _ headers: HTTPHeaders, method: HTTPMethod = .GET, body: String? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = headers
        if let body {
            request.headers.replaceOrAdd(name: .contentType, value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let res = try await client.execute(request, timeout: .seconds(30))
        return Answer(status: res.status, headers: res.headers, body: try await res.body.collect(upTo: 16 * 1024 * 1024))
    }

    /// The login form's CSRF token and cookie, then the login itself; the session cookie it ends with.
    static func login(_ client: HTTPClient, _ base: String, name: String, password: String) async throws -> String {
        func sessionCookie(_ h: HTTPHeaders) -> String? {
            h[canonicalForm: "set-cookie"].lazy.compactMap { v -> String? in
                let pair = v.split(separator: ";").first.map(String.init) ?? ""
                return pair.hasPrefix("koho_session=") ? pair : nil
            }.first
        }
        let form = try await fetch(client, base + "/login", HTTPHeaders())
        let page = String(buffer: form.body)
        guard let cookie = sessionCookie(form.headers), let r = page.range(of: #"name="csrf" value=""#),
              let end = page[r.upperBound...].firstIndex(of: "\"") else { throw CLIInputError("ログインのページに CSRF トークンがありません") }
        let csrf = String(page[r.upperBound..<end])
        var headers = HTTPHeaders()
        headers.add(name: .cookie, value: cookie)
        func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }
        let done = try await fetch(client, base + "/login", headers, method: .POST,
                                   body: "csrf=\(enc(csrf))&name=\(enc(name))&password=\(enc(password))")
        guard done.status == .seeOther || done.status == .found else { throw CLIInputError("ログインできませんでした（\(done.status.code)）") }
        return sessionCookie(done.headers) ?? cookie
    }

    /// `connections` loops, each on its own keep-alive connection, sending one request after another for the
    /// duration (after a short warm-up that is not counted).
    static func drive(_ name: String, _ url: String, _ headers: HTTPHeaders, _ client: HTTPClient, _ o: Options) async throws -> Line {
        let warmUp = min(Duration.seconds(1), o.duration / 5)
        _ = try await load(url, headers, client, connections: o.connections, for: warmUp)
        let start = ContinuousClock.now
        let (latencies, failures) = try await load(url, headers, client, connections: o.connections, for: o.duration)
        let seconds = Benchmarking.seconds(ContinuousClock.now - start)
        return Line(name: name, requests: latencies.count, failures: failures, seconds: seconds,
                    p50: Benchmarking.percentile(latencies, 0.5), p99: Benchmarking.percentile(latencies, 0.99))
    }

    /// Reads an answer as wrk does: its status and how many bytes came, nothing kept. Collecting a 60 KB list through
    /// the async body sequence cost the load generator more than the answer cost the server, and the ratio to bare
    /// Vapor (a 90-byte answer) then measured the generator.
    final class CountingDelegate: HTTPClientResponseDelegate, @unchecked Sendable {
        struct Counted: Sendable {
            let status: UInt
            let bytes: Int
        }
        private var status: UInt = 0, bytes = 0

        func didReceiveHead(task: HTTPClient.Task<Counted>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
            status = head.status.code
            return task.eventLoop.makeSucceededVoidFuture()
        }

        func didReceiveBodyPart(task: HTTPClient.Task<Counted>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
            bytes += buffer.readableBytes
            return task.eventLoop.makeSucceededVoidFuture()
        }

        func didFinishRequest(task: HTTPClient.Task<Counted>) throws -> Counted { Counted(status: status, bytes: bytes) }
    }

    private static func load(_ url: String, _ headers: HTTPHeaders, _ client: HTTPClient, connections: Int,
                             for duration: Duration) async throws -> (latencies: [Double], failures: Int) {
        let end = ContinuousClock.now + duration
        let request = try HTTPClient.Request(url: url, method: .GET, headers: headers)
        return try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var latencies: [Double] = []
                    latencies.reserveCapacity(4096)
                    var failures = 0
                    while ContinuousClock.now < end {
                        let t0 = ContinuousClock.now
                        do {
                            let res = try await client.execute(request: request, delegate: CountingDelegate(), deadline: .now() + .seconds(30)).futureResult.get()
                            if res.status == 200, res.bytes > 0 { latencies.append(Benchmarking.seconds(ContinuousClock.now - t0)) } else { failures += 1 }
                        } catch {
                            failures += 1
                        }
                    }
                    return (latencies, failures)
                }
            }
            var all: [Double] = [], failures = 0
            for try await (l, f) in group {
                all += l
                failures += f
            }
            return (all, failures)
        }
    }

    static func seconds(_ d: Duration) -> String { String(format: "%g", Benchmarking.seconds(d)) }

    static func format(_ r: Result, _ o: Options) -> [String] {
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "不明"
        let utc = DateFormatter()
        utc.locale = Locale(identifier: "en_US_POSIX")
        utc.timeZone = TimeZone(identifier: "UTC")
        utc.dateFormat = "yyyy-MM-dd HH:mm"
        var out = ["server: \(r.database)、\(r.seeded)、\(o.connections) 接続・各 \(seconds(o.duration)) 秒、\(utc.string(from: Date())) UTC、ロードアベレージ \(load)、\(ProcessInfo.processInfo.activeProcessorCount) コア"]
        for l in [r.bare] + r.lines {
            let share = 100 * l.perSecond / max(r.bare.perSecond, 1e-9)
            out.append(String(format: "%@: %.0f req/s、p50 %.1f ms、p99 %.1f ms、bare Vapor の %.1f%%", l.name, l.perSecond, l.p50 * 1000, l.p99 * 1000, share)
                       + (l.failures > 0 ? "（失敗 \(l.failures) 件）" : ""))
        }
        return out
    }
}

/// A database of the benchmark's own on the PostgreSQL server of `url` (the role needs CREATEDB), so that nothing
/// already there is touched; dropped at the end.
struct FreshPostgres {
    let admin: String
    let name: String
    let url: String

    static func create(on url: String) async throws -> FreshPostgres {
        guard var parts = URLComponents(string: url), parts.scheme?.hasPrefix("postgres") == true else {
            throw CLIInputError("--database-url は postgres://… の形で指定してください")
        }
        let name = "koho_bench_" + UUID().uuidString.prefix(8).lowercased()
        try await run(url, "CREATE DATABASE \(name)")
        parts.path = "/" + name
        guard let fresh = parts.string else { throw CLIInputError("--database-url を読めません") }
        return FreshPostgres(admin: url, name: name, url: fresh)
    }

    func drop() async throws { try await Self.run(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }

    /// The databases on the server of `url`.
    static func names(on url: String) async throws -> [String] {
        try await run(url, "SELECT datname FROM pg_database").compactMap { try? $0.decode(column: "datname", as: String.self) }
    }

    @discardableResult
    private static func run(_ url: String, _ sql: String) async throws -> [any SQLRow] {
        let dbs = Databases(threadPool: NIOThreadPool.singleton, on: MultiThreadedEventLoopGroup.singleton)
        let rows: [any SQLRow]
        do {
            dbs.use(.postgres(configuration: try SQLPostgresConfiguration(url: url)), as: .psql)
            guard let db = dbs.database(logger: Logger(label: "koho.bench"), on: MultiThreadedEventLoopGroup.singleton.any()) as? SQLDatabase else {
                throw CLIInputError("PostgreSQL に接続できません")
            }
            rows = try await db.raw(SQLQueryString(sql)).all()
        } catch {
            await dbs.shutdownAsync()
            throw CLIInputError("PostgreSQL で「\(sql)」ができません: \(String(reflecting: error))")
        }
        await dbs.shutdownAsync()
        return rows
    }
}

extension ServerBenchmark {
    /// The benchmark's city: a chief and a staff member, posts over the four accounts in the workflow's states (made
    /// by the workflow itself), and residents' comments classified and stored as the poller stores them.
    enum Seed {
        static let chief = "kacho"
        static let staff = "tanaka"
        static let password = "bench-server-password"

        struct Seeded {
            let token: String
            let summary: String
        }

        static func run(_ app: Application, posts: Int, comments: Int, now: Date) async throws -> Seeded {
            let ctx = app.koho
            let accounts = ctx.policy.accounts.map(\.id)
            let kacho = try await Setup.createUser(on: app.db, ctx: ctx, name: chief, password: password, role: .chief, accounts: [],
                                                   actor: "bench", reason: "")
            let tanaka = try await Setup.createUser(on: app.db, ctx: ctx, name: staff, password: password, role: .staff, accounts: accounts,
                                                    actor: "bench", reason: "")
            let token = try await Setup.createToken(ctx, userName: staff, tokenName: "bench")
            let w = app.workflow
            var states: [PostState: Int] = [:]
            for i in 0..<posts {
                let account = ctx.policy.accounts[i % ctx.policy.accounts.count]
                let action: PlannedAction
                switch account.platform {
                case .x where account.id == "hisyo_kodaira_tokyo":
                    action = PlannedAction(account: account.id, category: "市長", text: "市長の一日（\(i)）市内の小学校を訪れました。")
                case .x:
                    action = PlannedAction(account: account.id, category: "ウ", text: "市民まつりのお知らせ その\(i)。中央公園で10時から開きます。")
                case .facebook:
                    action = PlannedAction(account: account.id, category: "③", text: "小平市民文化会館のコンサート（\(i)）のお知らせです。",
                                           articleOrigin: "section")
                case .youtube:
                    action = PlannedAction(account: account.id, category: "①", text: "玉川上水の桜並木を撮りました（\(i)）。",
                                           title: "小平の風景 \(i)")
                }
                let author = i % 5 == 0 ? kacho : tanaka
                var post = try await PostService.create(w, author, action, asDraftDespiteViolations: true)
                do {
                    switch (i / accounts.count) % 10 {
                    case 3, 4:
                        post = try await PostService.transition(w, tanaka, post.id!, .submit, expectedVersion: nil, reason: "")
                    case 5, 6, 7:
                        post = try await PostService.transition(w, tanaka, post.id!, .submit, expectedVersion: nil, reason: "")
                        if post.state == .submitted {
                            post = try await PostService.transition(w, kacho, post.id!, .approve, expectedVersion: nil, reason: "")
                        }
                    case 8:
                        post = try await PostService.transition(w, tanaka, post.id!, .submit, expectedVersion: nil, reason: "")
                        post = try await PostService.transition(w, kacho, post.id!, .reject, expectedVersion: nil, reason: "日時を見直してください")
                    case 9:
                        post = try await PostService.transition(w, author, post.id!, .cancel, expectedVersion: nil, reason: "")
                    default:
                        break
                    }
                } catch {
                    // A step the policy refuses (a video post without its video) leaves the post where it was, as in service.
                }
                states[post.state, default: 0] += 1
            }
            let sample = CoreBenchmarks.moderationSample
            let commented = ctx.policy.accounts.filter { $0.platform != .x }
            var observed: [ObservedComment] = []
            observed.reserveCapacity(comments)
            for i in 0..<comments where !commented.isEmpty {
                let account = commented[i % commented.count]
                observed.append(ObservedComment(account: account.id, platform: account.platform, platformCommentID: "bench-comment-\(i)",
                                                platformPostID: "bench-post-\(i % 200)", authorName: "住民\(i % 5_000)",
                                                createdAt: now.addingTimeInterval(-Double(comments - i) * 30),
                                                text: sample[(i * 7 + i / 28) % sample.count] + (i % 3 == 0 ? "" : "（\(i)）")))
            }
            let stored = try await CommentIngest.ingest(observed, source: "bench", db: app.db, ctx: ctx)
            let shown = PostState.allCases.compactMap { s in states[s].map { "\(s.rawValue) \($0)" } }.joined(separator: "・")
            return Seeded(token: token, summary: "投稿 \(posts) 件（\(shown)）、コメント \(stored.new) 件")
        }
    }
}
