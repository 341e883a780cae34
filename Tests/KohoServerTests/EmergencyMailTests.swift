import Fluent
import XCTest
import XCTVapor
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// A server with a loopback mail relay that refuses the first `refusals` messages.
class MailTestCase: KohoTestCase {
    var smtp: LoopbackSMTPServer!
    var refusals: Int { 0 }
    var notify: [String] { ["kacho@city.kodaira.example"] }

    override func setUp() async throws {
        smtp = try await LoopbackSMTPServer.start(refusingFirst: refusals)
        try await super.setUp()
        try await app.asyncBoot()
    }

    override func adjust(_ config: inout KohoConfig) {
        config.mail = MailSettings(host: "127.0.0.1", port: smtp.port, from: "koho@city.kodaira.example", notify: notify, timeout: .seconds(5))
    }

    override func tearDown() async throws {
        try await super.tearDown()
        try await smtp.stop()
    }
}

/// An emergency waiting for the chief's approval is told by e-mail, where a mail server is configured.
final class EmergencyMailTests: MailTestCase {
    override var notify: [String] { ["kacho@city.kodaira.example", "fukukacho@city.kodaira.example"] }

    static let emergency = #"{"account":"koho.kodairacity","category":"①","text":"【緊急】小平市内に避難指示を発令しました。\n最寄りの避難所へ避難してください。","sourceURL":"https://www.city.kodaira.tokyo.jp/bousai/hinan.html","emergency":true,"emergencyReason":"大雨による避難指示","articleOrigin":"website"}"#

    func waitForMessages(_ n: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while smtp.messages.count < n, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
    }

    func testSubmittingAnEmergencyTellsTheChiefByMail() async throws {
        let t = try await addStandardUsers()
        let id = postID(try await createPost(t.fbStaff, Self.emergency))
        try await api(.POST, "/posts/\(id)/submit", token: t.fbStaff)
        try await waitForMessages(1)
        let m = try XCTUnwrap(smtp.messages.first, "one mail to the relay")
        XCTAssertEqual(m.to, ["RCPT TO:<kacho@city.kodaira.example>", "RCPT TO:<fukukacho@city.kodaira.example>"])
        XCTAssertEqual(m.header("Subject"), "【緊急・承認依頼】フェイスブック プチ田舎東京都小平市: 【緊急】小平市内に避難指示を発令しました。 最寄りの避難所へ", "the subject in one line, decoded")
        XCTAssertTrue(m.text.contains("【緊急】小平市内に避難指示を発令しました。\r\n最寄りの避難所へ避難してください。"), m.text)
        XCTAssertTrue(m.text.contains("大雨による避難指示"))
        XCTAssertTrue(m.text.contains("/posts/\(id)"), "a link to the post for the approval")
        XCTAssertTrue(m.text.contains("直ちに発信されます（4(6)）"), "the Facebook Page's clause, not X's 3(5) (issue 23)")
        XCTAssertFalse(m.text.contains("3(5)"))
        // The relay has the message before the sender records it: wait for the record.
        var sent: [AuditEntry] = []
        for _ in 0..<250 {
            sent = try await AuditEntry.query(on: app.db).filter(\.$action == "mail.sent").all()
            if !sent.isEmpty { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertEqual(sent.map(\.subject), ["post:\(id)"])

        // An ordinary post waiting for approval is not mailed.
        let ordinary = postID(try await createPost(t.fbStaff, #"{"account":"koho.kodairacity","category":"③","text":"市民まつりのお知らせ"}"#))
        try await api(.POST, "/posts/\(ordinary)/submit", token: t.fbStaff)
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertEqual(smtp.messages.count, 1)
        let queued = try await MailNotice.query(on: app.db).count()
        XCTAssertEqual(queued, 1)
    }
}

/// A relay that refuses at first: the notice is tried again later, and sent once.
final class EmergencyMailRetryTests: MailTestCase {
    override var refusals: Int { 1 }

    func testARefusedNoticeIsTriedAgainAndSentOnce() async throws {
        let t = try await addStandardUsers()
        let id = postID(try await createPost(t.fbStaff, EmergencyMailTests.emergency))
        try await api(.POST, "/posts/\(id)/submit", token: t.fbStaff)
        var notice: MailNotice?
        for _ in 0..<250 {
            notice = try await MailNotice.query(on: app.db).first()
            if notice?.attempts == 1 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertEqual(notice?.attempts, 1)
        XCTAssertTrue(notice?.lastError?.contains("451") == true, notice?.lastError ?? "")
        XCTAssertNil(notice?.sentAt)
        XCTAssertEqual(smtp.messages.count, 0)

        // Not before its time: a wake-up alone does not resend.
        let mailJob = try XCTUnwrap(app.backgroundJobs?.job(named: JobName.mail))
        mailJob.wake()
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertEqual(smtp.messages.count, 0)

        clock.advance(31)
        mailJob.wake()
        for _ in 0..<250 where smtp.messages.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertEqual(smtp.messages.count, 1)
        mailJob.wake()
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertEqual(smtp.messages.count, 1, "sent once")
        let after = try await MailNotice.query(on: app.db).first()
        XCTAssertNotNil(after?.sentAt)
    }

    func testTheSettingsAreCheckedOnTheCommandLine() throws {
        XCTAssertEqual(try MailSettings.parse(smtp: "mail.city.local:2525", from: "koho@city.local", notify: ["kacho@city.local"]).port, 2525)
        XCTAssertEqual(try MailSettings.parse(smtp: "mail.city.local", from: "koho@city.local", notify: ["kacho@city.local"]).port, 25)
        XCTAssertThrowsError(try MailSettings.parse(smtp: "mail.city.local:x", from: "koho@city.local", notify: ["kacho@city.local"]))
        XCTAssertThrowsError(try MailSettings.parse(smtp: "mail.city.local", from: "koho@city.local", notify: []))
        XCTAssertThrowsError(try MailSettings.parse(smtp: "mail.city.local", from: "koho@city.local", notify: ["kacho@city.local\r\nBcc: x@y"]),
                             "no header injection through an address")
    }
}
