import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// The intake's notices go through the mail outbox: queued with what they tell of, sent by the mail job, tried again
/// while the relay is down, audited.
final class IntakeNoticeOutboxTests: IntakeTestCase {
    override var relayDown: Bool { true }

    func testARelayThatIsDownLosesNoNotice() async throws {
        feeds.set("/bousai.xml", rss([("n-1", "避難所を開設しました", "https://www.city.kodaira.tokyo.jp/kurashi/bousai/77.html",
                                       "Wed, 25 Nov 2026 09:58:00 +0900", "市内の避難所を開設しました。")]))
        try await job("intake-website").runOnce()
        try await assertEqual(try await self.intakePosts().count, 2)

        // Queued in the transaction that recorded the article; the relay refuses the connection.
        let item = try await XCTUnwrapAsync(try await IntakeItem.query(on: app.db).filter(\.$key == "n-1").first())
        var notice: MailNotice?
        try await waitFor(seconds: 10) {
            notice = try await MailNotice.query(on: self.app.db).first()
            return notice?.attempts == 1
        }
        XCTAssertEqual(notice?.subjectRef, "intake:\(item.id!.uuidString.lowercased())")
        XCTAssertEqual(notice?.recipients, "kacho@city.kodaira.tokyo.jp,tanaka@city.kodaira.tokyo.jp")
        XCTAssertNil(notice?.sentAt)
        XCTAssertNotNil(notice?.lastError)
        try await waitFor(seconds: 5) { try await self.sourceState("smtp")?.lastError != nil }
        let relayState = try await sourceState("smtp")
        XCTAssertTrue(relayState?.lastError?.hasPrefix("知らせのメールを送れませんでした（1回目、再送します）") == true, relayState?.lastError ?? "")
        let sources = try await api(.GET, "/intake/sources", token: chiefToken)
        XCTAssertTrue(sources.body.contains("知らせのメールを送れませんでした"), sources.body)

        // The relay comes back where it was; at the retry's time the notice goes, once.
        smtp = try await LoopbackSMTPServer.start(port: smtpPort)
        let mailJob = try XCTUnwrap(app.backgroundJobs?.job(named: JobName.mail))
        clock.advance(31)
        mailJob.wake()
        try await waitFor(seconds: 10) { self.smtp.messages.count == 1 }
        XCTAssertEqual(smtp.messages.count, 1)
        let mail = try XCTUnwrap(smtp.messages.first)
        XCTAssertEqual(mail.header("Subject"), "【Koho】緊急情報の下書き: 避難所を開設しました")
        XCTAssertTrue(mail.text.contains("出典: https://www.city.kodaira.tokyo.jp/kurashi/bousai/77.html"), mail.text)
        mailJob.wake()
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertEqual(smtp.messages.count, 1, "sent once")
        let sent = try await AuditEntry.query(on: app.db).filter(\.$action == "mail.sent").all()
        XCTAssertEqual(sent.map(\.subject), ["intake:\(item.id!.uuidString.lowercased())"])
        try await waitFor(seconds: 5) { try await self.sourceState("smtp")?.lastError == nil }
        try await assertEqual(try await self.sourceState("smtp")?.lastItemTitle, "【Koho】緊急情報の下書き: 避難所を開設しました")
    }
}
