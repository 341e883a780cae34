import ArgumentParser
import Foundation
import KohoServer
import KohoCore

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "性能を測って数値を出力する（release ビルドで: swift run -c release koho bench）",
        subcommands: [Core.self, Publisher.self, Intake.self, Moderation.self, Public.self, Server.self], defaultSubcommand: Core.self)

    struct Core: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "core", abstract: "文字数の数え方、運用時間の計算、なりすましの採点")
        @Option(help: "weightedLength の繰り返し回数（64件の文を1回とする）") var rounds: Int = 2_000
        @Option(help: "nextOpening を引く回数") var lookups: Int = 500_000
        @Option(help: "なりすまし判定で採点する候補の数") var candidates: Int = 200_000

        func run() throws {
            noteIfDebugBuild()
            print(CoreBenchmarks.weightedLength(rounds: rounds))
            print(CoreBenchmarks.nextOpening(lookups: lookups))
            print(CoreBenchmarks.impersonation(candidates: candidates))
        }
    }

    struct Publisher: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "publisher",
            abstract: "緊急の投稿が承認からサンドボックスに現れるまでの時間と、発信の処理量（一時フォルダの SQLite とループバックのサンドボックス）")
        @Option(help: "承認から発信までを測る緊急の投稿の数") var emergencies: Int = 50
        @Option(help: "処理量を測る投稿の数") var batch: Int = 300

        func run() async throws {
            noteIfDebugBuild("publisher")
            let r = try await PublisherBenchmark.run(emergencies: emergencies, batch: batch)
            print(String(format: "緊急の投稿: 承認からサンドボックスに現れるまで 中央値 %.1f ms、p95 %.1f ms（%d件）",
                         r.percentile(0.5) * 1000, r.percentile(0.95) * 1000, r.latencies.count))
            print(String(format: "処理量: %d件を %.2f 秒で発信（%.1f 件/秒、サンドボックスへ、障害なし）",
                         r.throughputPosts, r.throughputSeconds, Double(r.throughputPosts) / r.throughputSeconds))
            print(String(format: "  その間のプロセスの CPU 時間: %.2f 秒（1件あたり %.2f ms、同じプロセスのサンドボックスを含む）",
                         r.throughputCPUSeconds, r.throughputCPUSeconds * 1000 / Double(max(1, r.throughputPosts))))
        }
    }

    struct Intake: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "intake",
            abstract: "市のフィードに緊急の記事が出てから下書きが揃うまでと、承認からサンドボックスに現れるまでの時間（ループバックのフィードサーバーとサンドボックス）")
        @Option(help: "測る記事の数（取得の間隔どおりと、取得を起こしたときの、それぞれ）") var items: Int = 30
        @Option(help: "フィードを取得する間隔（秒）") var interval: Int = 1

        func run() async throws {
            noteIfDebugBuild("intake")
            guard items > 0, interval > 0 else { throw CLIInputError("--items と --interval は1以上にしてください") }
            let r = try await IntakeBenchmark.run(items: items, interval: .seconds(interval))
            func line(_ label: String, _ values: [Double]) -> String {
                label + String(format: ": 中央値 %.1f ms、p95 %.1f ms（%d件）",
                               Benchmarking.percentile(values, 0.5) * 1000, Benchmarking.percentile(values, 0.95) * 1000, values.count)
            }
            print(line("記事がフィードに出てから X とフェイスブックの下書きが承認待ちになるまで（取得の間隔 \(interval) 秒）", r.draftsReady))
            print(line("  うち取り込みの処理だけ（記事を出した直後に取得を起こしたとき）", r.draftsReadyWoken))
            print(line("承認からサンドボックスに現れるまで（X とフェイスブック）", r.live))
        }
    }

    struct Moderation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "moderation",
            abstract: "コメントの分類の速さ（日本語の混在したコメント、1コア）と、サンドボックスから SQLite への取り込みの時間とメモリの最大")
        @Option(help: "分類するコメントの数") var comments: Int = 200_000
        @Option(help: "サンドボックスから取り込むコメントの数（0 で取り込みを測らない）") var ingest: Int = 100_000
        @Option(help: "ラベル付きコーパスのフォルダ（dev.jsonl、heldout-2026-12-06.jsonl、dev-2.jsonl、dev-3.jsonl、dev-4.jsonl、dev-5.jsonl、dev-6.jsonl、heldout-4.jsonl。それぞれの -statements.jsonl は市の情報）。無い部分は飛ばす")
        var corpus: String = "Tests/KohoCoreTests/Fixtures/moderation-corpus"

        func run() async throws {
            noteIfDebugBuild("moderation")
            // Development parts (two were held out until they had been measured and looked at) and the held-out
            // part, each printed on its own; a part's `-statements.jsonl` is what the city had published.
            let parts = [("dev", "開発用"), ("heldout-2026-12-06", "開発用"), ("dev-2", "開発用"),
                         ("dev-3", "開発用（2026-12-07 までの評価用）"), ("dev-4", "開発用"),
                         ("dev-5", "開発用（2026-12-08 までの評価用 heldout-3）"), ("dev-6", "開発用（地震・断水・雪）"),
                         ("heldout-4", "評価用（調整に使っていない部分）")]
            for (part, title) in parts {
                let dir = URL(fileURLWithPath: corpus)
                let path = dir.appendingPathComponent(part + ".jsonl")
                guard let data = try? Data(contentsOf: path) else {
                    print("精度: \(path.path) がありません（--corpus でコーパスのフォルダを指定）")
                    continue
                }
                do {
                    let labelled = try LabelledComment.load(jsonLines: data, name: path.lastPathComponent)
                    let statementsPath = dir.appendingPathComponent(part + "-statements.jsonl")
                    let statements = try (try? Data(contentsOf: statementsPath)).map {
                        try LabelledComment.loadStatements(jsonLines: $0, name: statementsPath.lastPathComponent)
                    } ?? []
                    print(ModerationScore.measure(labelled, statements: statements).report("\(part) \(title)"))
                } catch let e as ModerationLexiconError {
                    throw CLIInputError(e.description)
                }
            }
            print(CoreBenchmarks.moderation(comments: comments))
            guard ingest > 0 else { return }
            let r = try await CommentIngestBenchmark.run(comments: ingest)
            func mb(_ bytes: Int?) -> String { bytes.map { String(format: "%.1f MB", Double($0) / 1_048_576) } ?? "不明" }
            print(String(format: "ingest: %d 件を %.2f 秒で取り込み（%.0f 件/秒。サンドボックスのフェイスブックから巡回 %d 回、一時フォルダの SQLite、保存 %d 件）",
                         r.comments, r.seconds, Double(r.comments) / max(r.seconds, 1e-9), r.rounds, r.stored))
            print("ingest のメモリ: 最大 \(mb(r.peakRSS))（VmHWM、同じプロセスのサンドボックスが持つコメントを含む。取り込み前 \(mb(r.rssBefore))）")
            if r.stored != r.comments { throw CLIInputError("保存されたコメントが \(r.stored) 件で、\(r.comments) 件と合いません") }
        }
    }

    struct Public: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "public",
            abstract: "公開ページの書き出し（koho public export）の時間: アカウント10件・お知らせ1,000件の市（一時フォルダの SQLite）")
        @Option(help: "公式アカウントの数") var accounts: Int = 10
        @Option(help: "掲載中のお知らせの数") var notices: Int = 1_000

        func run() async throws {
            noteIfDebugBuild("public")
            let r = try await PublicBenchmark.run(accounts: max(1, accounts), notices: max(0, notices))
            print(String(format: "public export: %.3f 秒（読み込み %.3f 秒、作成と書き込み %.3f 秒）、アカウント %d件・お知らせ %d件、%dファイル %.1f MB",
                         r.loadSeconds + r.writeSeconds, r.loadSeconds, r.writeSeconds, r.accounts, r.notices, r.files, Double(r.bytes) / 1_000_000))
        }
    }

    struct Server: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "server",
            abstract: "サーバーの速さ: 投稿とコメントを入れた Koho と、何もしない Vapor を同じプロセスで起動し、同じ負荷をかけて件/秒・p50・p99 と Vapor に対する割合を出す")
        @Option(help: "入れる投稿の数（4つのアカウントに分ける）") var posts: Int = 1_000
        @Option(help: "入れるコメントの数") var comments: Int = 10_000
        @Option(help: "同時の接続の数（keep-alive）") var connections: Int = 16
        @Option(help: "一つの対象を測る秒数") var duration: Int = 10
        @Option(help: "読み取りの控え（ReadCache）: on か off") var cache: String = "off"
        @Option(name: .customLong("database-url"), help: "PostgreSQL（postgres://…）。その上に新しいデータベースを作って使い、終わりに消す。無ければ DATABASE_URL、それも無ければ一時フォルダの SQLite")
        var databaseURL: String?
        @Option(help: "測る対象だけ（list、dashboard、one をカンマで区切る）。既定はすべて。bare Vapor はいつも測る")
        var only: String?

        func run() async throws {
            noteIfDebugBuild("server")
            var o = ServerBenchmark.Options()
            guard ["on", "off"].contains(cache) else { throw CLIInputError("--cache は on か off で指定してください") }
            guard duration >= 1 else { throw CLIInputError("--duration は1以上の秒数にしてください") }
            o.posts = posts
            o.comments = comments
            o.connections = connections
            o.duration = .seconds(duration)
            o.cache = cache == "on"
            if let only { o.targets = try ServerBenchmark.Target.parse(only) }
            o.databaseURL = (databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"]).flatMap { $0.isEmpty ? nil : $0 }
            let r = try await ServerBenchmark.run(o) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            for line in ServerBenchmark.format(r, o) { print(line) }
        }
    }
}

/// Figures from a debug build say little; the note names the command to measure with instead.
private func noteIfDebugBuild(_ benchmark: String? = nil) {
    #if DEBUG
    print("注意: debug ビルドです。数値は `swift run -c release koho bench\(benchmark.map { " " + $0 } ?? "")` で測ってください。")
    #endif
}
