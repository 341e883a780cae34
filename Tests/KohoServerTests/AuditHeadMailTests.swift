import Fluent
import Foundation
import XCTest
import KohoCore
@testable import KohoServer

/// The chain's daily head mailed through the mail outbox (issue 24): once a Tokyo day, to the `--audit-mail`
/// addresses, with retries and attempts; `koho audit verify` prints the same head line.
final class AuditHeadMailTests: KohoTestCase {
    var smtp: LoopbackSMTPServer!
    let recordsOfficer = "kiroku@city.kodaira.example"

    override func setUp() async throws {
        // The relay refuses the first message (451), as a busy one would: the outbox tries again.
        smtp = try await LoopbackSMTPServer.start(refusingFirst: 1)
        try await super.setUp()
    }

    override func adjust(_ config: inout KohoConfig) {
        config.mail = MailSettings(host: "127.0.0.1", port: smtp.port, from: "koho@city.kodaira.example",
                                   notify: ["kacho@city.kodaira.example"], timeout: .seconds(5))
        config.auditMail = [recordsOfficer]
    }

    override func tearDown() async throws {
        try await super.tearDown()
        try await smtp.stop()
    }

    func send() async throws -> Int {
        try await MailOutbox.sendDue(on: app.db, app.koho, mailer: Mailer.live(try XCTUnwrap(app.koho.config.mailRelay)), logger: app.logger)
    }

    func testTheHeadIsMailedOnceADayThroughTheOutboxAndVerifyPrintsTheSameLine() async throws {
        _ = try await addStandardUsers()
        XCTAssertTrue(app.backgroundJobs?.others.contains { $0.name == AuditHeadMail.jobName } ?? false, "the job is configured")
        let ctx = app.koho, relay = app.koho.config.mailRelay
        let queued = try await AuditHeadMail.queueIfDue(on: app.db, ctx: ctx, relay: relay, to: app.koho.config.auditMail)
        XCTAssertTrue(queued)
        let head = try await AuditHeadMail.head(on: app.db)
        XCTAssertGreaterThan(head.count, 0)
        let again = try await AuditHeadMail.queueIfDue(on: app.db, ctx: ctx, relay: relay, to: app.koho.config.auditMail)
        XCTAssertFalse(again, "once a day")

        // `koho audit verify` prints the very line the mail carries.
        let verify = try KohoProcess.run(["audit", "verify", "--data-dir", dir.path],
                                         environment: ["DATABASE_URL": app.koho.config.databaseURL ?? ""])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        let line = AuditHeadMail.line(head)
        XCTAssertTrue(line.contains("先頭: \(head.count)件目（#\(head.id!)） ハッシュ \(head.hash) 日時 2026-11-25T"), line)
        XCTAssertTrue(verify.stdout.contains(line + "\n"), verify.stdout)

        // The first try is refused: an attempt is written, nothing is audited as sent, and the next round sends it.
        _ = try await send()
        XCTAssertEqual(smtp.messages.count, 0)
        let notice = try await XCTUnwrapAsync(try await MailNotice.query(on: app.db).filter(\.$kind == AuditHeadMail.kind).first())
        XCTAssertEqual(notice.attempts, 1)
        XCTAssertEqual(notice.recipients, recordsOfficer, "the records addresses, not the approval notices'")
        clock.advance(60)
        _ = try await send()
        let m = try XCTUnwrap(smtp.messages.first)
        XCTAssertEqual(m.to, ["RCPT TO:<\(recordsOfficer)>"])
        XCTAssertEqual(m.header("Subject"), "【Koho】監査記録の先頭（2026-11-25）")
        XCTAssertTrue(m.text.contains(line), m.text)
        XCTAssertTrue(m.text.contains("ハッシュ（SHA-256）: \(head.hash)"))
        let attempts = try await MailAttempt.query(on: app.db).filter(\.$noticeID == notice.id!).sort(\.$number).all()
        XCTAssertEqual(attempts.map(\.outcome), [.notDone, .published])
        let sent = try await AuditEntry.query(on: app.db).filter(\.$action == "mail.sent").filter(\.$subject == "audit:head:2026-11-25").count()
        XCTAssertEqual(sent, 1)

        // The next Tokyo day (00:30 JST, still the 25th in UTC) is another mail, with the head as it then stands.
        clock.now = jst("2026-11-26T00:30")
        let tomorrow = try await AuditHeadMail.queueIfDue(on: app.db, ctx: ctx, relay: relay, to: app.koho.config.auditMail)
        XCTAssertTrue(tomorrow)
        _ = try await send()
        XCTAssertEqual(smtp.messages.count, 2)
        XCTAssertEqual(smtp.messages.last?.header("Subject"), "【Koho】監査記録の先頭（2026-11-26）")
        let (_, broken) = try await AuditLog.verify(on: app.db)
        XCTAssertNil(broken)
    }

    /// `koho serve --audit-mail` refuses an address it cannot send to, and addresses without a relay, before starting.
    func testServeRefusesABadAuditAddressOrNoRelayBeforeStarting() throws {
        let d = ["--data-dir", dir.appendingPathComponent("cli").path]
        let bad = try KohoProcess.run(["serve", "--smtp", "127.0.0.1:\(smtp.port)", "--notify", "kacho@city.kodaira.example",
                                       "--audit-mail", "kiroku <kiroku@city.kodaira.example>"] + d)
        XCTAssertEqual(bad.status, 2, bad.stdout + bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--audit-mail のメールアドレスとして読めません"), bad.stderr)
        let noRelay = try KohoProcess.run(["serve", "--audit-mail", recordsOfficer] + d)
        XCTAssertEqual(noRelay.status, 2, noRelay.stdout + noRelay.stderr)
        XCTAssertTrue(noRelay.stderr.contains("メールサーバー"), noRelay.stderr)
    }

    func testWithoutAddressesOrARelayNothingIsQueued() async throws {
        let none = try await AuditHeadMail.queueIfDue(on: app.db, ctx: app.koho, relay: app.koho.config.mailRelay, to: [])
        XCTAssertFalse(none)
        let noRelay = try await AuditHeadMail.queueIfDue(on: app.db, ctx: app.koho, relay: nil, to: [recordsOfficer])
        XCTAssertFalse(noRelay)
        try await assertEqual(try await MailNotice.query(on: app.db).count(), 0)
    }
}
