import Fluent
import Foundation
import NIOConcurrencyHelpers
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// The one outbox runner under the mail notices: two rounds at once (the server and `koho intake mail`) send each
/// notice once, and a relay that refuses is tried again on the one retry policy.
final class OutboxRunnerTests: KohoTestCase {
    let settings = MailSettings(host: "127.0.0.1", port: 9, from: "koho@city.kodaira.lg.jp", notify: ["kacho@city.kodaira.lg.jp"])

    func enqueue(_ n: Int) async throws {
        for i in 0..<n {
            try await MailOutbox.enqueue(on: app.db, settings: settings, kind: "緊急の投稿の承認依頼", subjectRef: "post:\(i)",
                                         subject: "承認をお願いします \(i)", body: "本文 \(i)", now: clock.now)
        }
    }

    func testTwoRoundsAtOnceSendEachNoticeOnce() async throws {
        try await enqueue(12)
        let sent = NIOLockedValueBox<[String]>([])
        let mailer = Mailer(settings: settings) { mail in
            // A relay takes a moment: the other round runs meanwhile.
            try await Task.sleep(for: .milliseconds(10))
            sent.withLockedValue { $0.append(mail.subject) }
        }
        let db = app.db, ctx = app.koho, logger = app.logger
        async let a = MailOutbox.sendDue(on: db, ctx, mailer: mailer, logger: logger)
        async let b = MailOutbox.sendDue(on: db, ctx, mailer: mailer, logger: logger)
        let (x, y) = try await (a, b)
        XCTAssertEqual(x + y, 12)
        let subjects = sent.withLockedValue { $0 }
        XCTAssertEqual(subjects.count, 12, "no notice sent twice")
        XCTAssertEqual(Set(subjects).count, 12)
        try await assertEqual(try await MailNotice.query(on: app.db).filter(\.$sentAt == nil).count(), 0)
        try await assertEqual(try await AuditEntry.query(on: app.db).filter(\.$action == "mail.sent").count(), 12)
        let attempts = try await MailAttempt.query(on: app.db).all()
        XCTAssertEqual(attempts.map(\.outcome), Array(repeating: .published, count: 12), "one attempt each, recorded")
    }

    /// A round that stopped mid-send left its attempt pending; once the claim lapses the notice goes again, and the
    /// cut-off attempt says it is not known whether it arrived.
    func testASendCutOffIsRecordedAsUnknownAndSentAgain() async throws {
        try await enqueue(1)
        let notice = try await MailNotice.query(on: app.db).first()
        let id = try XCTUnwrap(notice?.id)
        let cut = MailAttempt()
        cut.noticeID = id
        cut.number = 1
        cut.startedAt = clock.now
        cut.outcome = .pending
        cut.message = ""
        cut.worker = "stopped-server"
        try await cut.create(on: app.db)
        notice?.nextAttemptAt = clock.now.addingTimeInterval(MailOutbox.claimSeconds)
        try await notice?.update(on: app.db)
        let sent = NIOLockedValueBox(0)
        let mailer = Mailer(settings: settings) { _ in sent.withLockedValue { $0 += 1 } }
        let early = try await MailOutbox.sendDue(on: app.db, app.koho, mailer: mailer, logger: app.logger)
        XCTAssertEqual(early, 0, "the claim still holds")
        clock.advance(MailOutbox.claimSeconds + 1)
        let later = try await MailOutbox.sendDue(on: app.db, app.koho, mailer: mailer, logger: app.logger)
        XCTAssertEqual(later, 1)
        XCTAssertEqual(sent.withLockedValue { $0 }, 1)
        let attempts = try await MailAttempt.query(on: app.db).sort(\.$number).all()
        XCTAssertEqual(attempts.map(\.outcome), [.unknown, .published])
        XCTAssertTrue(attempts[0].message.contains("届いたか確かめられない"), attempts[0].message)
    }

    func testARefusingRelayIsTriedAgainOnTheRetryPolicy() async throws {
        try await enqueue(1)
        struct Refused: Error, CustomStringConvertible { var description: String { "451 4.3.0 try again later" } }
        let calls = NIOLockedValueBox(0)
        let refusing = Mailer(settings: settings) { _ in
            calls.withLockedValue { $0 += 1 }
            throw Refused()
        }
        let db = app.db, ctx = app.koho, logger = app.logger
        var waits: [TimeInterval] = []
        for _ in 0..<3 {
            let start = clock.now
            let settled = try await MailOutbox.sendDue(on: db, ctx, mailer: refusing, logger: logger)
            XCTAssertEqual(settled, 0, "a failure before the last attempt settles nothing")
            // Not due again at once.
            _ = try await MailOutbox.sendDue(on: db, ctx, mailer: refusing, logger: logger)
            let n = try await MailNotice.query(on: app.db).first()
            waits.append(try XCTUnwrap(n?.nextAttemptAt).timeIntervalSince(start))
            XCTAssertEqual(n?.lastError, "451 4.3.0 try again later")
            clock.advance(3600)
        }
        XCTAssertEqual(waits, [30, 60, 120], "30 s, then doubled")
        XCTAssertEqual(calls.withLockedValue { $0 }, 3)
        let attempts = try await MailAttempt.query(on: app.db).sort(\.$number).all()
        XCTAssertEqual(attempts.map(\.number), [1, 2, 3])
        XCTAssertEqual(Set(attempts.map(\.outcome)), [.notDone])
        XCTAssertEqual(waits, (1...3).map { MailOutbox.retryPolicy.backoff($0) })
    }
}
