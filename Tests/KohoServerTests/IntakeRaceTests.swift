import Fluent
import Foundation
import SQLKit
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// `koho intake mail` beside the server, on the same data folder and database, given the message the server's own
/// intake is taking: one set of drafts in the chief's queue, whoever comes second writing nothing.
final class IntakeRaceTests: IntakeTestCase {
    var feedsFile: URL!

    override func setUp() async throws {
        try await super.setUp()
        feedsFile = dir.appendingPathComponent("feeds.yaml")
        try """
        mail:
          senders: [mailmag@city.kodaira.tokyo.jp]
          categories: [ア, ①]
        smtp:
          host: 127.0.0.1
          port: \(smtpPort)
          from: koho@city.kodaira.tokyo.jp
          to: [kacho@city.kodaira.tokyo.jp]
        """.write(to: feedsFile, atomically: true, encoding: .utf8)
    }

    var message: Data { get throws { try Data(contentsOf: fixtures.appendingPathComponent("mail/iso2022jp-7bit.eml")) } }

    /// The command, as the mail system runs it, on a thread of its own.
    static func command(_ args: [String], _ env: [String: String], _ message: Data) async -> Result<KohoProcess.Result, any Error> {
        await withCheckedContinuation { c in
            Thread.detachNewThread { c.resume(returning: Result { try KohoProcess.run(args, input: message, environment: env) }) }
        }
    }

    var commandArguments: [String] { ["intake", "mail", "--feeds", feedsFile.path, "--data-dir", dir.path] }
    var commandEnvironment: [String: String] { ["DATABASE_URL": app.koho.config.databaseURL ?? ""] }

    func chiefQueue() async throws -> [Post] {
        try await Post.query(on: app.db).filter(\.$state == .submitted).filter(\.$emergency == true).all()
    }

    /// The server has taken the message and not yet committed when the command starts: the command finds nothing
    /// recorded, makes its way to its own transaction, waits on the server's, and then writes nothing.
    func testTheCommandArrivingWhileTheServerTakesTheSameMessageWritesNothing() async throws {
        let message = try self.message
        let mail = try XCTUnwrap(app.intake?.settings.mail)
        let app = self.app!
        let isPostgres = (app.db as? SQLDatabase)?.dialect.name == "postgresql"
        let args = commandArguments, env = commandEnvironment
        let running = NIOLockedBox<Task<Result<KohoProcess.Result, any Error>, Never>?>(nil)
        let outcome = try await app.koho.write(on: app.db) { tx -> MailIntake.Outcome in
            let outcome = await MailIntake.take(app.koho, data: message, settings: mail, fallbackKey: "race")
            let cli = Task { await Self.command(args, env, message) }
            running.value = cli
            // Held open until the command waits on this transaction (PostgreSQL shows it waiting for the item's key;
            // SQLite for the write lock, which cannot be seen from here: long enough for the command to start).
            let deadline = Date().addingTimeInterval(isPostgres ? 60 : 8)
            while Date() < deadline {
                // Within a transaction PostgreSQL keeps showing its first reading of the activity unless told not to.
                if isPostgres, let sql = tx as? SQLDatabase, (try? await sql.raw("SELECT pg_stat_clear_snapshot()").run()) != nil,
                   let n = try await sql.raw("""
                       SELECT count(*) AS n FROM pg_stat_activity
                       WHERE wait_event_type = 'Lock' AND query LIKE '%intake_items%' AND pid <> pg_backend_pid()
                       """).first()?.decode(column: "n", as: Int.self), n > 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            return outcome
        }
        guard case .taken(let serverDrafts) = outcome else { return XCTFail("the server took it: \(outcome)") }
        XCTAssertEqual(serverDrafts.count, 2)
        let result = try await XCTUnwrap(running.value).value.get()
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.json?["taken"] as? Bool, false, result.stdout)
        XCTAssertEqual(result.json?["reason"] as? String, "already taken")

        let queue = try await chiefQueue()
        XCTAssertEqual(Set(queue.compactMap(\.id)), Set(serverDrafts), "one set of drafts in the chief's queue")
        try await assertEqual(try await IntakeItem.query(on: app.db).count(), 1)
        try await assertEqual(try await Post.query(on: app.db).count(), 2, "nothing else, not even a draft left over")
        try await assertEqual(try await MailNotice.query(on: app.db).filter(\.$kind == "緊急情報の下書き").count(), 1)
        let (_, broken) = try await AuditLog.verify(on: app.db)
        XCTAssertNil(broken, "the two processes kept one chain")
    }

    /// The command twice and the server's intake four times over, all at once: one set of drafts.
    func testTheCommandAndTheServerRacingOnTheSameMessageMakeOneSetOfDrafts() async throws {
        let message = try self.message
        let mail = try XCTUnwrap(app.intake?.settings.mail)
        let app = self.app!
        let args = commandArguments, env = commandEnvironment
        async let first = Self.command(args, env, message)
        async let second = Self.command(args, env, message)
        let server = await withTaskGroup(of: MailIntake.Outcome.self) { group in
            for i in 0..<4 { group.addTask { await MailIntake.take(app.koho, data: message, settings: mail, fallbackKey: "race-\(i)") } }
            return await group.reduce(into: [MailIntake.Outcome]()) { $0.append($1) }
        }
        let commands = [try await first.get(), try await second.get()]
        for r in commands { XCTAssertEqual(r.status, 0, r.stderr) }
        let takenByCommands = commands.filter { $0.json?["taken"] as? Bool == true }.count
        let takenByServer = server.filter { if case .taken = $0 { return true } else { return false } }.count
        XCTAssertEqual(takenByCommands + takenByServer, 1, "taken once: \(server) \(commands.map(\.stdout))")
        XCTAssertTrue(server.allSatisfy { if case .refused = $0 { return false } else { return true } }, "\(server)")
        try await assertEqual(try await self.chiefQueue().count, 2, "X and Facebook, once each")
        try await assertEqual(try await IntakeItem.query(on: app.db).count(), 1)
        try await assertEqual(try await Post.query(on: app.db).count(), 2)
        let (_, broken) = try await AuditLog.verify(on: app.db)
        XCTAssertNil(broken)
    }
}

/// A value a test's closures share.
final class NIOLockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// An agency message that reaches disaster mode's level and whose drafts cannot be saved leaves nothing: no alert,
/// no disaster mode, no audit record of either; it is set aside with its reason.
final class AgencyAllOrNothingTests: IntakeTestCase {
    func testAFailedDraftUndoesTheAlertAndDisasterMode() async throws {
        guard let sql = app.db as? SQLDatabase, sql.dialect.name == "sqlite" else { throw XCTSkip("SQLite trigger") }
        try await sql.raw("CREATE TRIGGER koho_test_poison BEFORE INSERT ON posts WHEN NEW.account = 'koho.kodairacity' BEGIN SELECT RAISE(ABORT, 'posts: 試験で拒否'); END").run()
        try serve("koho_VXSE51_drill_5minus.xml", at: "quake.xml") { $0.replacingOccurrences(of: "<Status>訓練</Status>", with: "<Status>通常</Status>") }
        feeds.set("/extra.xml", agencyFeed([("quake", "震度速報", feedBase + "/quake.xml")]))
        try await job("intake-agency").runOnce()
        try await assertEqual(try await Alert.query(on: self.app.db).count(), 0)
        try await assertEqual(try await DisasterMode.query(on: self.app.db).count(), 0, "disaster mode went with the alert")
        try await assertEqual(try await Post.query(on: self.app.db).count(), 0, "not even the X draft made before the failing one")
        try await assertEqual(try await AuditEntry.query(on: self.app.db).filter(\.$action ~~ ["alert.raise", "disaster.on", "post.create"]).count(), 0)
        try await assertEqual(try await MailNotice.query(on: self.app.db).count(), 0)
        let aside = try await setAside()
        XCTAssertEqual(aside.map(\.key), ["urn:koho:quake"])
        XCTAssertTrue(aside.first?.reason.hasPrefix("読めません: ") == true, aside.first?.reason ?? "")
    }
}
