import Fluent
import Foundation
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// `koho intake mail`: the mail system pipes one message of the mail magazine to the command.
final class IntakeMailCommandTests: XCTestCase {
    var dir: URL!
    var smtp: LoopbackSMTPServer!
    var feedsFile: URL!

    override func setUp() async throws {
        dir = try temporaryDirectory()
        smtp = try await LoopbackSMTPServer.start()
        feedsFile = dir.appendingPathComponent("feeds.yaml")
        try writeFeeds(senders: ["mailmag@city.kodaira.tokyo.jp"])
    }

    override func tearDown() async throws {
        try? await smtp.stop()
        try? FileManager.default.removeItem(at: dir)
    }

    func writeFeeds(senders: [String]) throws {
        try """
        mail:
          senders: [\(senders.joined(separator: ", "))]
          categories: [ア, ①]
        smtp:
          host: 127.0.0.1
          port: \(smtp.port)
          from: koho@city.kodaira.tokyo.jp
          to: [kacho@city.kodaira.tokyo.jp]
        """.write(to: feedsFile, atomically: true, encoding: .utf8)
    }

    func pipe(_ message: Data) throws -> KohoProcess.Result {
        try KohoProcess.run(["intake", "mail", "--feeds", feedsFile.path, "--data-dir", dir.appendingPathComponent("data").path],
                            input: message, environment: ["DATABASE_URL": ""])
    }

    /// What the command left in the database.
    func stored() async throws -> (posts: [Post], items: Int, notices: [MailNotice]) {
        var config = KohoConfig(dataDirectory: dir.appendingPathComponent("data"), databaseURL: nil, bcryptCost: 4, environment: .testing)
        config.logLevel = .error
        let app = try await makeApp(config)
        do {
            let posts = try await Post.query(on: app.db).sort(\.$account).all()
            let items = try await IntakeItem.query(on: app.db).count()
            let notices = try await MailNotice.query(on: app.db).all()
            try await app.asyncShutdown()
            return (posts, items, notices)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    func testAnISO2022JPMessageFromAnAllowedSenderBecomesDrafts() async throws {
        let message = try Data(contentsOf: fixtures.appendingPathComponent("mail/iso2022jp-7bit.eml"))
        let r = try pipe(message)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.json?["taken"] as? Bool, true, r.stdout)
        let ids = try XCTUnwrap(r.json?["drafts"] as? [String], r.stdout)
        XCTAssertEqual(ids.count, 2)

        let s = try await stored()
        XCTAssertEqual(s.posts.map { $0.id!.uuidString.lowercased() }.sorted(), ids.sorted())
        XCTAssertEqual(s.posts.map(\.account), ["kodaira_tokyo", "koho.kodairacity"])
        for p in s.posts {
            XCTAssertEqual(p.state, .submitted, "waits for the chief")
            XCTAssertTrue(p.emergency)
            XCTAssertEqual(p.sourceURL, "https://www.city.kodaira.tokyo.jp/kurashi/bousai/123456.html")
            let text = try p.action.text
            XCTAssertTrue(text.hasPrefix("【緊急】【小平市】台風第１０号に伴う避難所の開設について"), text)
        }
        // The notice went before the command ended, through the outbox.
        XCTAssertEqual(smtp.messages.count, 1)
        XCTAssertTrue(smtp.messages.first?.text.contains("記事: 【小平市】台風第１０号に伴う避難所の開設について") == true, smtp.messages.first?.text ?? "")
        XCTAssertEqual(s.notices.count, 1)
        XCTAssertNotNil(s.notices.first?.sentAt)

        // Piped twice (the mail system retried): taken once.
        let again = try pipe(message)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stdout.trimmingCharacters(in: .whitespacesAndNewlines), #"{"taken":false,"reason":"already taken"}"#)
        let after = try await stored()
        XCTAssertEqual(after.posts.count, 2)
        XCTAssertEqual(smtp.messages.count, 1)
    }

    func testASenderNotOnTheListIsRefusedAndNothingIsLost() async throws {
        let message = try Data(contentsOf: fixtures.appendingPathComponent("mail/shiftjis-qp.eml"))
        let from = try MailParser.parse(message).from
        XCTAssertEqual(from, "info@city.kodaira.tokyo.jp", "not on the list of setUp")
        let r = try pipe(message)
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines), "差出人 \(from) は受け付ける差出人にありません")
        let s = try await stored()
        XCTAssertEqual(s.posts.count, 0, "nothing created")
        XCTAssertEqual(s.items, 0, "not marked as taken")
        XCTAssertEqual(s.notices.count, 0)
        XCTAssertEqual(smtp.messages.count, 0)

        // Nothing lost: once the sender is on the list, the same message (redelivered) is taken.
        try writeFeeds(senders: [from])
        let taken = try pipe(message)
        XCTAssertEqual(taken.status, 0, taken.stderr)
        XCTAssertEqual((taken.json?["drafts"] as? [String])?.count, 2, taken.stdout)
    }

    func testAMalformedMessageGetsAClearError() async throws {
        let r = try pipe(Data("これはメールではありません\n本文だけです\n".utf8))
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines), "メールとして読めません（ヘッダーがありません）")
        let s = try await stored()
        XCTAssertEqual(s.posts.count, 0)
        XCTAssertEqual(s.items, 0)

        let noMail = dir.appendingPathComponent("no-mail.yaml")
        try "website:\n  - url: https://www.city.kodaira.tokyo.jp/rss.xml\n    categories: [ア]\n".write(to: noMail, atomically: true, encoding: .utf8)
        let refused = try KohoProcess.run(["intake", "mail", "--feeds", noMail.path, "--data-dir", dir.appendingPathComponent("data").path],
                                          input: Data(), environment: ["DATABASE_URL": ""])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("mail の設定がありません"), refused.stderr)
    }
}
