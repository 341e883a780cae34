import Foundation
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// `koho bench server` with tiny sizes: it seeds, starts Koho and bare Vapor, checks each target answers, drives them
/// and prints one line for each, with the share of bare Vapor's rate. On PostgreSQL (DATABASE_URL) it works in a
/// database of its own and drops it afterwards.
final class ServerBenchmarkTests: XCTestCase {
    func testPrintsEveryTargetAgainstBareVapor() async throws {
        var o = ServerBenchmark.Options()
        o.posts = 40
        o.comments = 60
        o.connections = 2
        o.duration = .seconds(1)
        o.databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        let r = try await ServerBenchmark.run(o)
        let lines = ServerBenchmark.format(r, o)
        let text = lines.joined(separator: "\n")
        print(text)
        XCTAssertEqual(lines.count, 5, text)
        XCTAssertTrue(lines[0].hasPrefix("server: \(o.databaseURL == nil ? "SQLite" : "PostgreSQL")、読み取りの控え なし"), text)
        XCTAssertTrue(lines[0].contains("ロードアベレージ"), text)
        XCTAssertTrue(r.seeded.contains("投稿 40 件") && r.seeded.contains("コメント 60 件"), r.seeded)
        // The posts went through the workflow into several states, not all drafts.
        XCTAssertTrue(r.seeded.contains("submitted") && r.seeded.contains("scheduled") && r.seeded.contains("rejected"), r.seeded)
        for (line, name) in zip(lines.dropFirst(), ["bare Vapor", "GET /api/v1/posts（", "GET /（ダッシュボード", "GET /api/v1/posts/{id}"]) {
            XCTAssertTrue(line.hasPrefix(name), line)
            XCTAssertNotNil(line.range(of: #"[0-9]+ req/s、p50 [0-9.]+ ms、p99 [0-9.]+ ms、bare Vapor の [0-9.]+%"#, options: .regularExpression), line)
        }
        XCTAssertTrue(lines[1].hasSuffix("bare Vapor の 100.0%"), lines[1])
        for l in [r.bare] + r.lines {
            XCTAssertGreaterThan(l.requests, 0, l.name)
            XCTAssertEqual(l.failures, 0, l.name)
            XCTAssertLessThanOrEqual(l.p50, l.p99, l.name)
        }
        // Nothing of the benchmark is left behind on the PostgreSQL server.
        if let url = o.databaseURL {
            let made = try XCTUnwrap(r.postgresDatabase)
            XCTAssertTrue(made.hasPrefix("koho_bench_"), made)
            let names = try await FreshPostgres.names(on: url)
            XCTAssertFalse(names.contains(made), "the benchmark's database \(made) was not dropped")
            XCTAssertTrue(names.contains(URL(string: url)!.lastPathComponent), "the given database must stay")
        }
    }

    /// `--only` measures the named targets alone (with bare Vapor), and a name it does not know is refused.
    func testOnlyMeasuresTheNamedTargets() async throws {
        XCTAssertEqual(try ServerBenchmark.Target.parse("dashboard, list"), [.list, .dashboard])
        for bad in ["", " , ", "lists", "list,admin"] {
            XCTAssertThrowsError(try ServerBenchmark.Target.parse(bad), bad) { e in
                XCTAssertTrue((e as? CLIInputError)?.description.contains("--only") == true, "\(e)")
            }
        }
        var o = ServerBenchmark.Options()
        o.posts = 8
        o.comments = 4
        o.connections = 1
        o.duration = .seconds(1)
        o.targets = [.list]
        o.databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        let lines = ServerBenchmark.format(try await ServerBenchmark.run(o), o)
        XCTAssertEqual(lines.count, 3, lines.joined(separator: "\n"))
        XCTAssertTrue(lines[2].hasPrefix("GET /api/v1/posts（"), lines[2])
        XCTAssertFalse(lines.joined().contains("（失敗"), lines.joined(separator: "\n"))
    }

    func testRefusesBadSettings() async throws {
        var o = ServerBenchmark.Options()
        o.connections = 0
        do {
            _ = try await ServerBenchmark.run(o)
            XCTFail("0 connections accepted")
        } catch let e as CLIInputError {
            XCTAssertTrue(e.description.contains("--connections"), e.description)
        }
        o = ServerBenchmark.Options()
        o.databaseURL = "mysql://nobody@127.0.0.1/x"
        do {
            _ = try await ServerBenchmark.run(o)
            XCTFail("a non-PostgreSQL URL accepted")
        } catch let e as CLIInputError {
            XCTAssertTrue(e.description.contains("postgres://"), e.description)
        }
    }
}
