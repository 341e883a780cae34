import Fluent
import Foundation
import NIOConcurrencyHelpers
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// Bcrypt that counts its checks, to show that every sign-in answer does exactly one.
final class CountingHasher: PasswordHasher {
    let verifications = NIOLockedValueBox(0)

    func hash<Password: DataProtocol>(_ password: Password) throws -> [UInt8] {
        Array(try Bcrypt.hash(String(decoding: Array(password), as: UTF8.self), cost: 4).utf8)
    }

    func verify<Password: DataProtocol, Digest: DataProtocol>(_ password: Password, created digest: Digest) throws -> Bool {
        verifications.withLockedValue { $0 += 1 }
        return try Bcrypt.verify(String(decoding: Array(password), as: UTF8.self), created: String(decoding: Array(digest), as: UTF8.self))
    }
}

/// Finding 4 and 7 of issue 8: sign-in throttling, unlock, and sessions.
final class LoginThrottleTests: KohoTestCase {
    let attacker = "203.0.113.9", office = "198.51.100.7"

    override func adjust(_ config: inout KohoConfig) { config.trustForwardedFor = true }

    func testAnAttackerHammeringTheChiefsNameCannotLockTheChiefOut() async throws {
        try await addUser("kacho", .chief)
        let evil = WebClient(app, from: attacker)
        for _ in 0..<20 { try await assertEqual(try await evil.login("kacho", "guess guess guess").status, .unauthorized) }
        try await assertEqual(try await evil.login("kacho", password).status, .unauthorized, "the attacker's address is locked out of the name")
        let chief = WebClient(app, from: office)
        try await assertEqual(try await chief.login("kacho", password).status, .seeOther, "the chief, from the office, still gets in")
        try await assertEqual(try await chief.get("/").status, .ok)
        let actions = try await AuditEntry.query(on: app.db).all().map(\.action)
        XCTAssertTrue(actions.contains("login.locked"))
        XCTAssertTrue(actions.contains("login"))
    }

    func testTheSameAddressIsLockedForAWhile() async throws {
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let web = WebClient(app, from: attacker)
        for _ in 0..<5 { try await assertEqual(try await web.login("tanaka", "wrong password!").status, .unauthorized) }
        try await assertEqual(try await web.login("tanaka", password).status, .unauthorized)
        clock.advance(16 * 60)
        try await assertEqual(try await web.login("tanaka", password).status, .seeOther)
    }

    func testTheChiefUnlocksAName() async throws {
        let staff = try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        try await addUser("kacho", .chief)
        let locked = WebClient(app, from: attacker)
        for _ in 0..<5 { try await locked.login("tanaka", "wrong password!") }
        try await assertEqual(try await locked.login("tanaka", password).status, .unauthorized)

        let other = WebClient(app, from: office)
        try await other.login("tanaka", password)
        try await other.get("/users")
        try await assertEqual(try await other.post("/users/\(staff.id!.uuidString.lowercased())/unlock", [:]).status, .forbidden, "staff cannot unlock")

        let chief = WebClient(app, from: office)
        try await assertEqual(try await chief.login("kacho", password).status, .seeOther)
        try await chief.get("/users")
        XCTAssertTrue(chief.lastBody.contains("1 か所の接続元からロック中"), chief.lastBody)
        XCTAssertTrue(chief.lastBody.contains("ロックを解除する"))
        let unlock = "/users/\(staff.id!.uuidString.lowercased())/unlock"
        try await assertEqual(try await chief.post(unlock, [:], withCSRF: false).status, .forbidden, "the form needs its CSRF token")
        try await chief.get("/users")
        try await assertEqual(try await chief.post(unlock, [:]).status, .seeOther)
        let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "user.unlock").first()
        XCTAssertEqual(entry?.actor, "kacho")
        XCTAssertEqual(entry?.subject, "user:tanaka")
        try await assertEqual(try await locked.login("tanaka", password).status, .seeOther, "unlocked")
    }

    func testKohoUsersUnlock() async throws {
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let web = WebClient(app, from: attacker)
        for _ in 0..<5 { try await web.login("tanaka", "wrong password!") }
        try await assertEqual(try await web.login("tanaka", password).status, .unauthorized)
        let r = try KohoProcess.run(["users", "unlock", "tanaka", "--data-dir", dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("tanaka"))
        try await assertEqual(try await web.login("tanaka", password).status, .seeOther)
        let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "user.unlock").first()
        XCTAssertEqual(entry?.actor, "cli")
        XCTAssertEqual(try KohoProcess.run(["users", "unlock", "nobody", "--data-dir", dir.path]).status, 2)
    }

    /// Unknown, locked and wrong: the same answer, after the same single bcrypt check and the same delay.
    func testUnknownLockedAndWrongTakeTheSamePath() async throws {
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let hasher = CountingHasher()
        app.passwords.use { _ in hasher }
        let web = WebClient(app, from: attacker)
        for _ in 0..<5 { try await web.login("tanaka", "wrong password!") }
        var answers: [String] = []
        for (name, pass) in [("tanaka", password), ("tanaka", "wrong again!!"), ("nobody", "whatever!!")] {
            let before = hasher.verifications.withLockedValue { $0 }
            let res = try await web.login(name, pass)
            XCTAssertEqual(res.status, .unauthorized)
            XCTAssertEqual(hasher.verifications.withLockedValue { $0 } - before, 1, "\(name): one bcrypt check")
            answers.append(web.lastBody.replacingOccurrences(of: #"value="[^"]*""#, with: "", options: .regularExpression))
        }
        XCTAssertEqual(Set(answers).count, 1, "the same page for locked, wrong and unknown")
        // The delay depends on the counts of failures, kept alike for names that exist and names that do not.
        try await addUser("sato", .staff, accounts: ["koho.kodairacity"])
        for i in 0..<5 { try await WebClient(app, from: "192.0.2.\(i)").login("sato", "x") }
        for i in 0..<5 { try await WebClient(app, from: "192.0.2.\(i)").login("nobody-else", "x") }
        let known = try await LoginThrottle.state(name: "sato", address: office, on: app.db, now: clock.now)
        let unknown = try await LoginThrottle.state(name: "nobody-else", address: office, on: app.db, now: clock.now)
        XCTAssertGreaterThan(known.delayUnits, 0)
        XCTAssertEqual(known.delayUnits, unknown.delayUnits)
    }

    func testTheDelayGrowsAndIsCapped() {
        func units(name: Int, address: Int) -> Int { LoginThrottle.State(nameFailures: name, addressFailures: address).delayUnits }
        XCTAssertEqual((0...3).map { units(name: $0, address: $0) }, [0, 0, 0, 0])
        XCTAssertEqual((4...9).map { units(name: 0, address: $0) }, [1, 2, 4, 8, 16, 32])
        XCTAssertEqual(units(name: 0, address: 1000), LoginThrottle.maxAddressUnits)
        XCTAssertEqual(units(name: 1000, address: 0), LoginThrottle.maxNameUnits, "a name is slowed, never closed")
    }

    func testWrongCurrentPasswordsAreThrottledLikeALogin() async throws {
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let web = WebClient(app, from: attacker)
        try await web.login("tanaka", password)
        for _ in 0..<5 {
            try await web.get("/password")
            try await assertEqual(try await web.post("/password", ["current": "a guess!!!", "new": "a brand new secret", "confirm": "a brand new secret"]).status, .unauthorized)
        }
        try await web.get("/password")
        try await assertEqual(try await web.post("/password", ["current": password, "new": "a brand new secret", "confirm": "a brand new secret"]).status, .unauthorized,
                              "after five wrong guesses the right one is not taken either")
        clock.advance(16 * 60)
        try await web.login("tanaka", password)
        try await web.get("/password")
        try await assertEqual(try await web.post("/password", ["current": password, "new": "a brand new secret", "confirm": "a brand new secret"]).status, .seeOther)
    }

    func testChangingThePasswordEndsTheOtherSessions() async throws {
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let here = WebClient(app, from: office), there = WebClient(app, from: attacker)
        try await here.login("tanaka", password)
        try await there.login("tanaka", password)
        try await assertEqual(try await there.get("/").status, .ok)
        try await here.get("/password")
        try await assertEqual(try await here.post("/password", ["current": password, "new": "a brand new secret", "confirm": "a brand new secret"]).status, .seeOther)
        try await assertEqual(try await there.get("/").status, .seeOther, "the other session has ended")
        try await assertEqual(try await here.get("/").status, .ok, "the one that changed it goes on")
    }
}

final class SessionAndSecretTests: KohoTestCase {
    func testTheSetupLinkStartsANewSession() async throws {
        let issued = try await Setup.issueLinkIfEmpty(app.koho)
        let link = try XCTUnwrap(issued)
        let path = String(link.dropFirst(app.koho.config.baseURL.count))
        let web = WebClient(app)
        try await web.get(path)
        let planted = try XCTUnwrap(web.cookie)
        try await assertEqual(try await web.post(path, ["name": "kacho", "password": password, "passwordConfirm": password]).status, .seeOther)
        XCTAssertNotEqual(web.cookie, planted, "a new session id once signed in")
        try await assertEqual(try await web.get("/").status, .ok)
        let fixed = WebClient(app)
        fixed.cookie = planted
        try await assertEqual(try await fixed.get("/").status, .seeOther, "the id known before sign-in is worth nothing")
    }

    /// Vapor's sessions middleware hands the session back after every request that touched it; a page that changed
    /// nothing in it must not write it (`ChangedOnlySessionDriver`), or every page read is a commit queued behind the
    /// one writer (the publisher, the intake) and the pages of everyone signed in wait on each other.
    func testAPageReadThatChangesNothingNeitherWritesTheSessionNorWaitsForTheWriter() async throws {
        try await addUser("kacho", .chief)
        let web = WebClient(app)
        try await web.login("kacho", password)
        try await assertEqual(try await web.get("/").status, .ok) // the first page may add the form token to the session
        let before = try await SessionRecord.query(on: app.db).all().map(\.data)

        let (entered, enter) = AsyncStream.makeStream(of: Void.self)
        let (release, releasing) = AsyncStream.makeStream(of: Void.self)
        let holder = Task { [lock = app.koho.writeLock] in
            try await lock.run { enter.yield(); for await _ in release {} }
        }
        for await _ in entered { break }
        // If a page waited for the lock, only this would let it go, after 10 s.
        let watchdog = Task { try await Task.sleep(for: .seconds(10)); releasing.finish(); return true }
        for path in ["/", "/posts", "/"] { try await assertEqual(try await web.get(path).status, .ok) }
        watchdog.cancel()
        let waited = (try? await watchdog.value) ?? false
        releasing.finish()
        try await holder.value
        XCTAssertFalse(waited, "the pages waited for the writer's lock")
        let after = try await SessionRecord.query(on: app.db).all().map(\.data)
        XCTAssertEqual(after, before)

        // A change is still written: the last use, once a minute has passed.
        clock.advance(SessionUserMiddleware.seenResolution + 1)
        try await web.get("/")
        let seen = try await SessionRecord.query(on: app.db).all().compactMap { $0.data["seen"] }
        XCTAssertEqual(seen, [String(Int(clock.now.timeIntervalSince1970))])
    }

    func testSessionIdsAreStoredHashed() async throws {
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let web = WebClient(app)
        try await web.login("tanaka", password)
        let cookie = try XCTUnwrap(web.cookie)
        let keys = try await SessionRecord.query(on: app.db).all().map(\.key.string)
        XCTAssertFalse(keys.isEmpty)
        XCTAssertFalse(keys.contains(cookie), "the table holds no cookie")
        XCTAssertTrue(keys.contains(Secrets.sha256Hex(cookie)))
        for key in keys {
            let reader = WebClient(app)
            reader.cookie = key
            try await assertEqual(try await reader.get("/").status, .seeOther, "a stored key is not a session")
        }
    }

    func testTOTPSecretsAreSealedAndOldOnesSealedByTheMigration() async throws {
        let user = try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo"])
        let web = WebClient(app)
        try await web.login("tanaka", password)
        try await web.get("/totp")
        let secret = try XCTUnwrap(web.lastBody.firstMatch(of: #/<dd><code>([A-Z2-7]+)</code></dd>/#)?.1).description
        let code = try XCTUnwrap(TOTP.code(secret: secret, counter: UInt64(TOTP.counter(at: clock.now))))
        let pending = try await SessionRecord.query(on: app.db).all().compactMap { $0.data["totpSecret"] }
        XCTAssertEqual(pending.count, 1)
        XCTAssertFalse(pending.contains(secret), "the secret being set up is sealed in the session too")
        try await assertEqual(try await web.post("/totp", ["code": code]).status, .seeOther)
        let found = try await User.find(user.id, on: app.db)
        let stored = try XCTUnwrap(found?.totpSecret)
        XCTAssertTrue(stored.hasPrefix("v1:"))
        XCTAssertFalse(stored.contains(secret))

        // A secret an older Koho stored as it was.
        let old = try await addUser("sato", .staff, accounts: ["koho.kodairacity"])
        let plain = TOTP.newSecret()
        old.totpSecret = plain
        old.totpEnabled = true
        try await old.save(on: app.db)
        try await SealTOTPSecrets(vault: app.koho.vault).prepare(on: app.db)
        let reread = try await User.find(old.id, on: app.db)
        let sealed = try XCTUnwrap(reread?.totpSecret)
        XCTAssertTrue(sealed.hasPrefix("v1:"))
        clock.advance(60)
        let later = try XCTUnwrap(TOTP.code(secret: plain, counter: UInt64(TOTP.counter(at: clock.now))))
        try await assertEqual(try await WebClient(app).login("sato", password, totp: later).status, .seeOther, "the sealed secret still signs in")
    }

    func testDataFilesAreTheOwnersAlone() async throws {
        func mode(_ url: URL) throws -> Int {
            try XCTUnwrap((try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue)
        }
        try await addUser("tanaka", .staff, accounts: ["UCp9YZtjCNcG0q3fQ1ln31Xg"])
        let t = try await token("tanaka")
        let created = try await createPost(t, #"{"account":"UCp9YZtjCNcG0q3fQ1ln31Xg","category":"①","title":"紅葉","text":"紅葉"}"#)
        try await assertEqual(try await attachMedia(t, postID(created), version: 1).status, .ok)
        XCTAssertEqual(try mode(dir), 0o700)
        var files = [dir.appendingPathComponent("secret.key")]
        files += try FileManager.default.contentsOfDirectory(at: PostMedia.directory(dir), includingPropertiesForKeys: nil)
        if app.koho.config.databaseURL == nil {
            files += ["koho.sqlite", "koho.sqlite-wal", "koho.sqlite-shm"].map { dir.appendingPathComponent($0) }
        }
        for f in files { XCTAssertEqual(try mode(f), 0o600, f.lastPathComponent) }

        // An older Koho's folder: opened again, it is closed to others.
        var config = app.koho.config
        config.resetDatabase = false
        try await app.asyncShutdown()
        app = nil
        let left = files.filter { FileManager.default.fileExists(atPath: $0.path) }
        chmod(dir.path, 0o755)
        for f in left { chmod(f.path, 0o644) }
        XCTAssertEqual(try mode(left[0]), 0o644)
        app = try await makeApp(config)
        XCTAssertEqual(try mode(dir), 0o700)
        for f in left { XCTAssertEqual(try mode(f), 0o600, f.lastPathComponent) }
    }
}

/// Finding 5: nesting is refused before anything decodes the body, and before the role is looked at.
final class CostlyJSONTests: KohoTestCase {
    func testDeeplyNestedJSONIsRefusedAtOnce() async throws {
        let t = try await addStandardUsers()
        let deep = String(repeating: "[", count: 510) + String(repeating: "]", count: 510)
        let started = Date()
        let viewer = try await createPost(t.viewer, deep)
        XCTAssertTrue([.badRequest, .forbidden].contains(viewer.status))
        XCTAssertEqual(viewer.json["error"] as? String, "JSONの入れ子が深すぎます（32段まで）", viewer.body)
        let chief = try await createPost(t.chief, #"{"account":"kodaira_tokyo","links":\#(deep)}"#)
        XCTAssertEqual(chief.status, .badRequest)
        XCTAssertEqual(chief.json["error"] as? String, "JSONの入れ子が深すぎます（32段まで）")
        let created = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"お知らせ"}"#)
        let edited = try await api(.PUT, "/posts/\(postID(created))", token: t.staff, json: deep, headers: ["If-Match": "\"1\""])
        XCTAssertEqual(edited.status, .badRequest)
        let step = try await api(.POST, "/posts/\(postID(created))/submit", token: t.staff, json: #"{"reason":\#(deep)}"#)
        XCTAssertEqual(step.status, .badRequest)
        // Anonymous, at the login form, with a JSON body.
        let login = try await app.testable().sendRequest(.POST, "/login", beforeRequest: { (req: inout XCTHTTPRequest) async throws in
            req.headers.contentType = .json
            req.body = ByteBuffer(string: #"{"csrf":\#(deep)}"#)
        })
        XCTAssertEqual(login.status, .badRequest)
        XCTAssertTrue(login.body.string.contains("入れ子が深すぎます"))
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        try await assertEqual(try await api(.GET, "/posts/\(postID(created))", token: t.staff).json["version"] as? Int, 1, "nothing changed")
    }

    func testAViewersBodyIsNotReadAtAll() async throws {
        let t = try await addStandardUsers()
        let r = try await createPost(t.viewer, #"{"account":"kodaira_tokyo","colour":"red"}"#)
        XCTAssertEqual(r.status, .forbidden, "refused for the role, not for the body")
        let created = try await createPost(t.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"お知らせ"}"#)
        try await assertEqual(try await attachMedia(t.viewer, postID(created), version: 1, data: Data("not even a file".utf8)).status, .forbidden)
    }
}

/// Finding 10: an upload is judged by its container, not by its first bytes.
final class UploadCheckTests: KohoTestCase {
    /// Where ffprobe is installed its word counts too; a stand-in script plays it here.
    func testFFProbeIsAskedWhenInstalled() async throws {
        let file = dir.appendingPathComponent("v.mp4")
        try Self.sampleVideo.write(to: file)
        func fake(_ body: String) throws -> String {
            let script = dir.appendingPathComponent("ffprobe-\(UUID().uuidString)")
            try Data("#!/bin/sh\n\(body)\n".utf8).write(to: script)
            chmod(script.path, 0o700)
            return script.path
        }
        let refused = await FFProbe.problem(with: file, executable: try fake("echo 'Invalid data found' >&2; exit 1"))
        XCTAssertEqual(refused, "ffprobe が映像・画像を読み取れません")
        let audioOnly = await FFProbe.problem(with: file, executable: try fake("echo audio"))
        XCTAssertNotNil(audioOnly)
        let fine = await FFProbe.problem(with: file, executable: try fake("echo video; echo audio"))
        XCTAssertNil(fine)
        let absent = await FFProbe.problem(with: file, executable: nil)
        XCTAssertNil(absent, "without ffprobe the container check alone decides")
    }

    func testAnUploadedFilesNameIsKeptForPeopleWithoutFoldersOrControls() {
        XCTAssertEqual(PostMedia.displayName("C:\\Users\\tanaka\\紅葉.mp4"), "紅葉.mp4")
        XCTAssertEqual(PostMedia.displayName("../../etc/passwd"), "passwd")
        XCTAssertEqual(PostMedia.displayName("台風\u{0007}\u{202E}4pm.exe\r\n"), "台風4pm.exe", "no bell, no line break, no right-to-left override that disguises the name")
        XCTAssertNil(PostMedia.displayName(" \u{0000} "))
        XCTAssertEqual(PostMedia.displayName(String(repeating: "あ", count: 500) + ".mp4")?.count, 200)
    }

    /// With ffmpeg installed, a video gets a frame; a file ffmpeg cannot read gets none and nothing is left behind.
    func testAVideoGetsAFrameWhereFFmpegIsInstalled() async throws {
        guard let ffmpeg = FFMpeg.executable else { throw XCTSkip("ffmpeg is not installed here") }
        let video = dir.appendingPathComponent("real.mp4")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let make = Process()
        make.executableURL = URL(fileURLWithPath: ffmpeg)
        make.arguments = ["-v", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=320x240:rate=10", "-pix_fmt", "yuv420p", "-y", video.path]
        try make.run()
        make.waitUntilExit()
        XCTAssertEqual(make.terminationStatus, 0)
        let poster = dir.appendingPathComponent("real.poster.jpg")
        await FFMpeg.writePoster(of: video, to: poster, executable: ffmpeg)
        let jpeg = try Data(contentsOf: poster)
        XCTAssertEqual(Array(jpeg.prefix(2)), [0xFF, 0xD8], "a JPEG")
        let fake = dir.appendingPathComponent("fake.mp4")
        try Self.sampleVideo.write(to: fake)
        let none = dir.appendingPathComponent("fake.poster.jpg")
        await FFMpeg.writePoster(of: fake, to: none, executable: ffmpeg)
        XCTAssertFalse(FileManager.default.fileExists(atPath: none.path))
    }

    func testForgedFilesAreRefusedAndThePostIsUnchanged() async throws {
        try await addUser("tanaka", .staff, accounts: ["kodaira_tokyo", "UCp9YZtjCNcG0q3fQ1ln31Xg"])
        let t = try await token("tanaka")
        let video = postID(try await createPost(t, #"{"account":"UCp9YZtjCNcG0q3fQ1ln31Xg","category":"①","title":"紅葉","text":"紅葉"}"#))
        let image = postID(try await createPost(t, #"{"account":"kodaira_tokyo","category":"ウ","text":"お知らせ"}"#))
        let htmlAfterFtyp = Data([0, 0, 0, 0x18]) + Data("ftypmp42".utf8) + Data(count: 12) + Data("<html><script>alert(1)</script></html>".utf8)
        let r = try await attachMedia(t, video, version: 1, data: htmlAfterFtyp)
        XCTAssertEqual(r.status, .unprocessableEntity)
        XCTAssertTrue((r.json["error"] as? String ?? "").contains("このファイルは読めません: MP4・MOV のファイルとして読めません"), r.body)
        let barePNG = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(repeating: 0, count: 8)
        try await assertEqual(try await attachMedia(t, image, version: 1, data: barePNG).status, .unprocessableEntity)
        for id in [video, image] {
            let shown = try await api(.GET, "/posts/\(id)", token: t)
            XCTAssertEqual(shown.json["version"] as? Int, 1)
            XCTAssertNil(shown.json["mediaSHA256"] as? String)
        }
        try await assertEqual(try await api(.POST, "/posts/\(video)/submit", token: t).status, .unprocessableEntity, "no video, no submission")
        XCTAssertTrue(((try? FileManager.default.contentsOfDirectory(atPath: PostMedia.directory(dir).path)) ?? []).isEmpty, "nothing kept")
        try await assertEqual(try await attachMedia(t, video, version: 1).status, .ok, "a real MP4 is taken")
        try await assertEqual(try await attachMedia(t, image, version: 1, data: Self.sampleImage).status, .ok, "a real PNG is taken")
    }
}
