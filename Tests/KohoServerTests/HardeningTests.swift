import Fluent
import Foundation
import SQLKit
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools
#if canImport(Glibc)
import Glibc
#endif

/// The findings of the attack on a running server (issue 8), each as a user or an attacker would meet it.
final class LongFormTests: KohoTestCase {
    /// Finding 1: over a real connection a body larger than the first packet arrives after the head; the CSRF
    /// check read the form before it came and refused every form over about 2 KB, and the text typed was lost.
    func testLongFormsSentOverARealConnectionAreSaved() async throws {
        let t = try await addStandardUsers()
        let long = String(repeating: "お知らせ", count: 100)
        let fiveThousand = String(String(repeating: "小平市からのお知らせです。", count: 385).prefix(5000))
        let fb = WebClient(app)
        try await fb.login("sato", password)
        for text in [long, fiveThousand] {
            try await fb.get("/posts/new?account=koho.kodairacity")
            fb.liveBaseURL = try await WebClient.startLive(app)
            let res = try await fb.post("/posts/new", ["account": "koho.kodairacity", "category": "③", "text": text, "intent": "save"])
            fb.liveBaseURL = nil
            XCTAssertEqual(res.status, .seeOther, String(fb.lastBody.prefix(2000)))
            XCTAssertFalse(fb.lastBody.contains("CSRF"), "refused as a bad form token")
        }
        let texts = try await Post.query(on: app.db).all().map { try $0.action.text }
        XCTAssertTrue(texts.contains(long), "the 400-character post was saved")
        XCTAssertTrue(texts.contains(fiveThousand), "the 5,000-character post was saved")

        // Too long for X: kept as a draft that cannot be submitted, its page giving the policy's answer.
        let x = WebClient(app)
        try await x.login("tanaka", password)
        try await x.get("/posts/new?account=kodaira_tokyo")
        x.liveBaseURL = try await WebClient.startLive(app)
        let tooLong = try await x.post("/posts/new", ["account": "kodaira_tokyo", "category": "ウ", "text": long, "intent": "save"])
        XCTAssertEqual(tooLong.status, .seeOther)
        try await x.get(try XCTUnwrap(tooLong.headers.first(name: .location)))
        XCTAssertTrue(x.lastBody.contains("280"), "the X limit is named")
        XCTAssertTrue(x.lastBody.contains("提出できません"))
        try await x.get(try XCTUnwrap(tooLong.headers.first(name: .location)) + "/edit")
        XCTAssertTrue(x.lastBody.contains(long), "the text typed is kept")
        let refused = try await x.post("/posts/new", ["account": "kodaira_tokyo", "category": "ウ", "text": long, "intent": "submit"])
        XCTAssertEqual(refused.status, .unprocessableEntity, "submitting it is refused")

        // A long reason for sending a post back.
        let created = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつり"}"#)
        try await api(.POST, "/posts/\(postID(created))/submit", token: t.staff)
        let chief = WebClient(app)
        try await chief.login("kacho", password)
        try await chief.get("/posts/\(postID(created))")
        chief.liveBaseURL = try await WebClient.startLive(app)
        let reason = String(repeating: "日付と出典を確認してください。", count: 40)
        let rejected = try await chief.post("/posts/\(postID(created))/reject", ["version": "2", "reason": reason])
        XCTAssertEqual(rejected.status, .seeOther)
        try await assertEqual(try await api(.GET, "/posts/\(postID(created))", token: t.chief).json["state"] as? String, "rejected")
        try await assertEqual(try await AuditEntry.query(on: app.db).filter(\.$action == "post.reject").first()?.reason, reason)
    }

    /// A form larger than the app's body limit is refused as too large, not read in part.
    func testAFormOverTheBodyLimitIsRefusedAsTooLarge() async throws {
        _ = try await addStandardUsers()
        let staff = WebClient(app)
        try await staff.login("tanaka", password)
        try await staff.get("/posts/new?account=kodaira_tokyo")
        staff.liveBaseURL = try await WebClient.startLive(app)
        let res = try await staff.post("/posts/new", ["account": "kodaira_tokyo", "text": String(repeating: "a", count: 1_100_000), "intent": "save"])
        XCTAssertEqual(res.status, .payloadTooLarge)
        try await assertEqual(try await Post.query(on: app.db).count(), 0)
    }
}

final class AuditFaithfulnessTests: KohoTestCase {
    /// Finding 2: a NUL in a login name was stored whole and read back cut, so the chain looked tampered with.
    func testALoginNameWithANulByteIsRecordedVisiblyAndTheChainStaysWhole() async throws {
        _ = try await addStandardUsers()
        let web = WebClient(app)
        try await assertEqual(try await web.login("x\u{0}y", "whatever").status, .unauthorized)
        try await assertEqual(try await web.login("a\u{1B}[31mb\\c", "whatever").status, .unauthorized)
        try await assertNil(try await AuditLog.verify(on: app.db).broken)
        let actors = try await AuditEntry.query(on: app.db).filter(\.$action == "login.failed").sort(\.$id).all().map(\.actor)
        XCTAssertEqual(actors, ["x\\u{0}y", "a\\u{1B}[31mb\\\\c"])
        let viewer = WebClient(app)
        try await viewer.login("kansa", password)
        try await viewer.get("/audit")
        XCTAssertTrue(viewer.lastBody.contains("x\\u{0}y"))
        XCTAssertTrue(viewer.lastBody.contains("正しくつながっています"), "the audit page shows the chain whole")
    }

    /// A trail written before this fix may already hold a NUL: it verifies on the bytes as stored, and a real
    /// change to that entry is still found.
    func testAnOldEntryHoldingANulStillVerifies() async throws {
        let sql = try XCTUnwrap(app.db as? SQLDatabase)
        guard sql.dialect.name == "sqlite" else { throw XCTSkip("PostgreSQL never stored a NUL") }
        let last = try await AuditEntry.query(on: app.db).sort(\.$id, .descending).first()
        let e = AuditEntry()
        e.at = Date(timeIntervalSince1970: clock.now.timeIntervalSince1970.rounded(.down))
        e.actor = "x\u{0}y"; e.action = "login.failed"; e.subject = "user:x\u{0}y"; e.detail = "利用者なし"; e.reason = ""
        e.prevHash = last?.hash ?? AuditLog.genesis
        e.hash = AuditLog.hash(of: e)
        try await e.create(on: app.db)
        try await assertEqual(try await AuditEntry.find(e.id, on: app.db)?.actor, "x", "SQLite reads text up to the NUL")
        try await assertNil(try await AuditLog.verify(on: app.db).broken)
        try await sql.raw("UPDATE audit_entries SET detail = 'changed' WHERE id = \(bind: e.id!)").run()
        try await assertEqual(try await AuditLog.verify(on: app.db).broken?.id, e.id)
    }

    /// A post's text keeps its control characters byte for byte: it is stored as JSON, where they are escaped.
    func testAPostTextWithControlCharactersReadsBackTheSame() async throws {
        let t = try await addStandardUsers()
        let text = "お知らせ\u{0}続き\u{1B}[0m\r\n終わり"
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["account": "koho.kodairacity", "category": "③", "text": text]), as: UTF8.self)
        let created = try await createPost(t.fbStaff, body)
        XCTAssertEqual(created.status, .created, created.body)
        let read = try await api(.GET, "/posts/\(postID(created))", token: t.fbStaff)
        XCTAssertEqual(read.json["text"] as? String, text)
        try await assertNil(try await AuditLog.verify(on: app.db).broken)
    }

    /// A NUL in a query is refused plainly, not sent to the database (PostgreSQL answers such a query with an error).
    func testANulInAQueryIsABadRequest() async throws {
        let t = try await addStandardUsers()
        try await assertEqual(try await api(.GET, "/posts?account=x%00y", token: t.viewer).status, .badRequest)
        try await assertEqual(try await api(.GET, "/posts?account=kodaira_tokyo", token: t.viewer).status, .ok)
    }

    /// A user cannot be given a name with a control character: it would be invisible, or cut.
    func testANewUserNameWithAControlCharacterIsRefused() async throws {
        do {
            try await addUser("ta\u{0}naka", .staff)
            XCTFail("a NUL in a user name was accepted")
        } catch let e as AppError {
            XCTAssertEqual(e.status, .badRequest)
            XCTAssertTrue(e.message.contains("制御文字"))
        }
    }

    /// Verify goes on past the first break: a changed entry and a removed one are both reported.
    func testVerifyReportsEveryBreakNotOnlyTheFirst() async throws {
        try await fillTrail(12)
        let entries = try await AuditEntry.query(on: app.db).sort(\.$id).all()
        let sql = try XCTUnwrap(app.db as? SQLDatabase)
        try await sql.raw("UPDATE audit_entries SET detail = 'changed' WHERE id = \(bind: entries[2].id!)").run()
        try await sql.raw("DELETE FROM audit_entries WHERE id = \(bind: entries[7].id!)").run()
        let v = try await AuditLog.check(on: app.db, checkpoints: [])
        XCTAssertEqual(v.breaks.compactMap(\.id), [entries[2].id!, entries[8].id!], v.breaks.map(\.description).joined(separator: "\n"))
    }

    func fillTrail(_ n: Int) async throws {
        let db = app.db, now = clock.now
        for i in 0..<n {
            try await app.koho.writeLock.run {
                try await AuditLog.appendLocked(on: db, at: now, actor: "test", action: "test", subject: "\(i)", detail: "", reason: "")
            }
        }
    }
}

/// Finding 3: the chain is anchored outside the database by checkpoints of its head.
final class AuditCheckpointTests: KohoTestCase {
    var sql: SQLDatabase { app.db as! SQLDatabase }

    /// A fresh database starts with the policy's own entry.
    var base: Int { get async throws { try await AuditEntry.query(on: app.db).count() } }

    func fill(_ n: Int) async throws {
        let db = app.db, now = clock.now
        for i in 0..<n {
            try await app.koho.writeLock.run {
                try await AuditLog.appendLocked(on: db, at: now, actor: "test", action: "test", subject: "\(i)", detail: "d\(i)", reason: "")
            }
        }
    }

    func checkpoint() async throws {
        try await AuditLog.Checkpoints.write(on: app.db, dataDirectory: dir, at: clock.now, logger: app.logger)
    }

    func verify() async throws -> [String] {
        let (checkpoints, unreadable) = try AuditLog.Checkpoints.read(dir)
        return (unreadable + (try await AuditLog.check(on: app.db, checkpoints: checkpoints)).breaks).map(\.description)
    }

    func testTheCheckpointFileIsAppendedToAndOnlyTheOwnerCanReadIt() async throws {
        let b = try await base
        try await fill(3)
        try await checkpoint()
        try await fill(2)
        try await checkpoint()
        let file = AuditLog.Checkpoints.url(dir)
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(try AuditLog.Checkpoints.read(dir).checkpoints.map(\.count), [b + 3, b + 5])
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        try await assertEqual(try await verify(), [])
    }

    func testDeletingTheLastEntriesIsFound() async throws {
        try await addUser("kansa", .viewer)
        try await fill(10)
        let b = try await base
        try await checkpoint()
        try await sql.raw("DELETE FROM audit_entries WHERE id > \(literal: b - 3)").run()
        try await assertNil(try await AuditLog.verify(on: app.db).broken, "the chain alone cannot tell")
        let found = try await verify()
        XCTAssertEqual(found.count, 1, found.joined(separator: "\n"))
        XCTAssertTrue(found.first?.contains("\(b)件 → \(b - 3)件") ?? false, found.joined(separator: "\n"))
        // The audit page says so too.
        let viewer = WebClient(app)
        try await viewer.login("kansa", password)
        try await viewer.get("/audit")
        XCTAssertTrue(viewer.lastBody.contains("より記録が少なくなっています"), viewer.lastBody)
        XCTAssertFalse(viewer.lastBody.contains("正しくつながっています"))
    }

    func testDeletingEveryEntryIsFound() async throws {
        try await fill(5)
        let b = try await base
        try await checkpoint()
        try await sql.raw("DELETE FROM audit_entries").run()
        let found = try await verify()
        XCTAssertTrue(found.contains { $0.contains("\(b)件 → 0件") }, found.joined(separator: "\n"))
    }

    func testRewritingAnEntryAndEveryHashAfterItIsFound() async throws {
        try await fill(8)
        let b = try await base
        try await checkpoint()
        // The careful forger: change entry 4 and recompute every hash from there on, so that the chain is whole again.
        let entries = try await AuditEntry.query(on: app.db).sort(\.$id).all()
        var prev = entries[2].hash
        for e in entries[3...] {
            if e.id == entries[3].id { e.detail = "書き換え" }
            e.prevHash = prev
            e.hash = AuditLog.hash(of: e)
            prev = e.hash
        }
        // prev_hash is unique: move the rows aside first, then write them back in order.
        for e in entries[3...] { try await sql.raw("UPDATE audit_entries SET prev_hash = \(bind: "x\(e.id!)") WHERE id = \(bind: e.id!)").run() }
        for e in entries[3...] {
            try await sql.raw("UPDATE audit_entries SET detail = \(bind: e.detail), prev_hash = \(bind: e.prevHash), hash = \(bind: e.hash) WHERE id = \(bind: e.id!)").run()
        }
        try await assertNil(try await AuditLog.verify(on: app.db).broken, "the chain alone cannot tell")
        let found = try await verify()
        XCTAssertEqual(found.count, 1, found.joined(separator: "\n"))
        XCTAssertTrue(found.first?.contains("\(b)件目のハッシュと一致しません") ?? false, found.joined(separator: "\n"))
    }

    func testAnEditedCheckpointLineIsReported() async throws {
        try await fill(2)
        try await checkpoint()
        let handle = try FileHandle(forWritingTo: AuditLog.Checkpoints.url(dir))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("garbage\n".utf8))
        try handle.close()
        let found = try await verify()
        XCTAssertTrue(found.contains { $0.contains(":2: チェックポイントの行を読めません") }, found.joined(separator: "\n"))
    }

    /// `koho audit checkpoint` and `koho audit verify` as an operator runs them, on the SQLite of a data folder.
    func testTheCommandsWriteCheckpointsAndVerifyFindsTruncation() async throws {
        let folder = dir.appendingPathComponent("cli")
        let c = clock!
        let config = KohoConfig(dataDirectory: folder, databaseURL: nil, clock: { c.now }, bcryptCost: 4, environment: .testing)
        let local = try await makeApp(config)
        for i in 0..<4 {
            try await local.koho.writeLock.run {
                try await AuditLog.appendLocked(on: local.db, at: c.now, actor: "test", action: "test", subject: "\(i)", detail: "", reason: "")
            }
        }
        let b = try await AuditEntry.query(on: local.db).count()
        try await local.asyncShutdown()
        let d = ["--data-dir", folder.path]
        let env = ["DATABASE_URL": ""]
        let cp = try KohoProcess.run(["audit", "checkpoint"] + d, environment: env)
        XCTAssertEqual(cp.status, 0, cp.stderr)
        XCTAssertTrue(cp.stdout.contains("\(b)件"), cp.stdout)
        let ok = try KohoProcess.run(["audit", "verify"] + d, environment: env)
        XCTAssertEqual(ok.status, 0, ok.stdout + ok.stderr)
        XCTAssertTrue(ok.stdout.contains("先頭: \(b)件目"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("チェックポイント: 1件"), ok.stdout)

        let reopened = try await makeApp(config)
        try await (reopened.db as! SQLDatabase).raw("DELETE FROM audit_entries WHERE id > 2").run()
        try await reopened.asyncShutdown()
        let cut = try KohoProcess.run(["audit", "verify"] + d, environment: env)
        XCTAssertEqual(cut.status, 1, cut.stdout + cut.stderr)
        XCTAssertTrue(cut.stdout.contains("\(b)件 → 2件"), cut.stdout)
    }
}

/// Finding 8: headers on pages, JSON and errors.
final class SecurityHeaderTests: KohoTestCase {
    func assertCommonHeaders(_ h: HTTPHeaders, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(h.first(name: "X-Content-Type-Options"), "nosniff", what, file: file, line: line)
        XCTAssertEqual(h.first(name: "X-Frame-Options"), "DENY", what, file: file, line: line)
        XCTAssertEqual(h.first(name: "Referrer-Policy"), "same-origin", what, file: file, line: line)
        let csp = h.first(name: "Content-Security-Policy") ?? ""
        XCTAssertTrue(csp.contains("frame-ancestors 'none'"), "\(what): \(csp)", file: file, line: line)
        XCTAssertTrue(csp.contains("default-src 'none'"), "\(what): \(csp)", file: file, line: line)
    }

    func testPagesJSONAndErrorsCarryTheHeaders() async throws {
        let t = try await addStandardUsers()
        for (path, token) in [("/login", nil), ("/api/v1/posts", t.viewer), ("/api/v1/posts", nil), ("/api/v1/openapi.yaml", nil),
                              ("/no-such-page", nil), ("/calendar/kodaira_tokyo.ics?token=\(t.viewer)", nil)] as [(String, String?)] {
            let res = try await app.testable().sendRequest(.GET, path, beforeRequest: { (req: inout XCTHTTPRequest) async throws in
                if let token { req.headers.bearerAuthorization = BearerAuthorization(token: token) }
            })
            assertCommonHeaders(res.headers, path)
            XCTAssertNil(res.headers.first(name: "Strict-Transport-Security"), "no HSTS over plain HTTP: \(path)")
        }
        let page = try await WebClient(app).get("/login")
        XCTAssertTrue(page.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") ?? false, "pages keep their own policy")
        let json = try await app.testable().sendRequest(.GET, "/api/v1/posts", beforeRequest: { (req: inout XCTHTTPRequest) async throws in
            req.headers.bearerAuthorization = BearerAuthorization(token: t.viewer)
        })
        XCTAssertEqual(json.headers.contentType?.subType, "json")
    }

    func testHSTSOnlyWithSecureCookies() async throws {
        try await app.asyncShutdown()
        let c = clock!
        var config = KohoConfig(dataDirectory: dir, clock: { c.now }, bcryptCost: 4, loginDelayPerFailure: .zero, environment: .testing)
        config.secureCookies = true
        app = try await makeApp(config)
        for path in ["/login", "/api/v1/posts"] {
            let res = try await app.testable().sendRequest(.GET, path)
            XCTAssertEqual(res.headers.first(name: "Strict-Transport-Security"), "max-age=31536000", path)
            assertCommonHeaders(res.headers, path)
        }
    }
}

/// Finding 9: what is exported cannot be made to say more than was written.
final class ExportInjectionTests: KohoTestCase {
    func testAPostCannotInjectAnEventIntoTheCalendarFeed() async throws {
        let t = try await addStandardUsers()
        for breakChar in ["\r", "\n", "\r\n", "\u{2028}"] {
            let text = "市長メッセージ\(breakChar)END:VEVENT\(breakChar)BEGIN:VEVENT\(breakChar)UID:evil\(breakChar)SUMMARY:偽の予定"
            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["account": "hisyo_kodaira_tokyo", "category": "市長", "text": text]), as: UTF8.self)
            let created = try await createPost(t.staff, body)
            XCTAssertEqual(created.status, .created, created.body)
            try await api(.POST, "/posts/\(postID(created))/submit", token: t.staff)
        }
        let res = try await app.testable().sendRequest(.GET, "/calendar/hisyo_kodaira_tokyo.ics?token=\(t.staff)")
        XCTAssertEqual(res.status, .ok)
        let feed = res.body.string
        // Every line ends in CRLF: no lone CR or LF anywhere.
        XCTAssertFalse(feed.replacingOccurrences(of: "\r\n", with: "").unicodeScalars.contains { $0 == "\r" || $0 == "\n" })
        let lines = feed.components(separatedBy: "\r\n")
        XCTAssertEqual(lines.filter { $0 == "BEGIN:VEVENT" }.count, 4, "one event per post")
        XCTAssertEqual(lines.filter { $0 == "END:VEVENT" }.count, 4)
        XCTAssertFalse(lines.contains { $0.hasPrefix("UID:evil") })
        XCTAssertTrue(feed.contains("市長メッセージ\\nEND:VEVENT\\nBEGIN:VEVENT"))
    }

    func testAuditCSVGuardsCellsThatASpreadsheetWouldRun() async throws {
        _ = try await addStandardUsers()
        let attacker = WebClient(app)
        // The full-width forms too (issue 22, finding 7): Japanese spreadsheets read ＝ as =.
        let payloads = ["\t=HYPERLINK(\"http://evil.example/\",\"x\")", "\r=1+1", "=1+2", "@SUM(A1)", "＝HYPERLINK(\"http://evil.example/\")", "＋1＋1", "－1", "＠SUM(A1)"]
        for p in payloads { try await attacker.login(p, "whatever") }
        let viewer = WebClient(app)
        try await viewer.login("kansa", password)
        let res = try await viewer.get("/audit.csv")
        XCTAssertEqual(res.status, .ok)
        let csv = viewer.lastBody
        for p in payloads {
            let quoted = p.replacingOccurrences(of: "\"", with: "\"\"")
            XCTAssertTrue(csv.contains("\"'" + quoted + "\""), "guarded: \(p.debugDescription)")
            XCTAssertFalse(csv.contains(",\"" + quoted + "\""), "unguarded: \(p.debugDescription)")
        }
    }
}

/// Finding 11 (part): `CONNECT` is answered and its connection closed.
final class ConnectMethodTests: KohoTestCase {
    func testConnectIsRefusedAndTheConnectionClosed() async throws {
        try await app.asyncBoot()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = try XCTUnwrap(app.http.server.shared.localAddress?.port)
        let started = Date()
        let (answer, closed) = try rawExchange(port: port, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", timeout: 5)
        await app.server.shutdown()
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 405"), answer)
        XCTAssertTrue(closed, "the server closed the connection; answer: \(answer)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 4)
    }

    func testOtherRequestsAreServedAfterAConnect() async throws {
        try await app.asyncBoot()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = try XCTUnwrap(app.http.server.shared.localAddress?.port)
        _ = try rawExchange(port: port, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", timeout: 5)
        let (answer, _) = try rawExchange(port: port, "GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", timeout: 5)
        await app.server.shutdown()
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 200"), answer)
    }
}

struct SocketError: Error { let what: String }

/// Sends bytes on a fresh TCP connection and reads until the server closes it or `timeout` passes.
func rawExchange(port: Int, _ request: String, timeout: TimeInterval) throws -> (answer: String, closed: Bool) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SocketError(what: "socket") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard rc == 0 else { throw SocketError(what: "connect") }
    var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    let bytes = Array(request.utf8)
    guard send(fd, bytes, bytes.count, 0) == bytes.count else { throw SocketError(what: "send") }
    var received = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n == 0 { return (String(decoding: received, as: UTF8.self), true) }
        if n < 0 { break }
        received += buffer[0..<n]
    }
    return (String(decoding: received, as: UTF8.self), false)
}

/// `koho serve` writes a checkpoint when it starts (and daily after), to the file and to its log.
final class ServeCheckpointTests: XCTestCase {
    func testServeWritesACheckpointWhenItStarts() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("koho-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = KohoConfig(dataDirectory: dir, bcryptCost: 4, environment: .testing)
        config.resetDatabase = config.databaseURL != nil
        let app = try await makeApp(config)
        try await app.asyncShutdown()
        let server = try ServerProcess(dataDir: dir, sandboxURL: "http://127.0.0.1:9")
        defer { server.stop() }
        let file = AuditLog.Checkpoints.url(dir)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, (try? AuditLog.Checkpoints.read(dir).checkpoints.count) ?? 0 == 0 {
            try await Task.sleep(for: .milliseconds(100))
        }
        let checkpoints = try AuditLog.Checkpoints.read(dir).checkpoints
        XCTAssertEqual(checkpoints.count, 1)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int, 0o600)
        server.stop()
        let log = try String(contentsOf: dir.appendingPathComponent("serve-\(server.port).log"), encoding: .utf8)
        XCTAssertTrue(log.contains("監査記録のチェックポイント: \(checkpoints[0].count)件"), log)
    }
}
