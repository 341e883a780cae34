import Fluent
import Crypto
import Foundation
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
@testable import KohoServer
@testable import KohoTools

/// Issue 25 (first point): a server whose key cannot open what the database holds sealed refuses to start, and says
/// what to do, instead of failing later on a post ("トークンを復号できません") or a login.
final class SecretKeyTests: KohoTestCase {
    func testAServerWithAnotherKeyRefusesToStart() async throws {
        let user = try await addUser("kacho", .chief)
        user.totpSecret = try TOTPSecret.seal(TOTP.newSecret(), user: user, app.koho.vault)
        user.totpEnabled = true
        try await user.save(on: app.db)
        try await app.asyncShutdown()
        app = nil

        // The same data folder and the same key: starts.
        let c = clock!
        var config = KohoConfig(dataDirectory: dir, clock: { c.now }, bcryptCost: 4, loginDelayPerFailure: .zero, environment: .testing)
        config.mediaTools = .none
        let again = try await makeApp(config)
        try await again.asyncShutdown()

        // Another key (a second server that made its own secret.key): refused, naming the variable.
        let keyFile = dir.appendingPathComponent("secret.key")
        try FileManager.default.removeItem(at: keyFile)
        _ = try TokenVault.load(environment: [:], keyFile: keyFile)
        do {
            let wrong = try await makeApp(config)
            try? await wrong.asyncShutdown()
            XCTFail("a server with another key started")
        } catch let e as SecretKeyCheck.WrongKey {
            XCTAssertTrue(e.description.contains("KOHO_SECRET_KEY"), e.description)
            XCTAssertTrue(e.description.contains("kacho"), e.description)
        }
    }

    /// `koho secrets rotate`: the secrets sealed again under a new key that replaces the data folder's, audited; the
    /// old key opens nothing any more, the server starts with the new one and the two-factor login still works.
    func testRotatingTheKeySealsEverythingAgainAndTheServerStillStarts() async throws {
        try XCTSkipIf(app.koho.config.databaseURL != nil, "the command finds the database through DATABASE_URL; covered on SQLite")
        let user = try await addUser("kacho", .chief)
        let secret = TOTP.newSecret()
        user.totpSecret = try TOTPSecret.seal(secret, user: user, app.koho.vault)
        user.totpEnabled = true
        try await user.save(on: app.db)
        let keyFile = dir.appendingPathComponent("secret.key")
        let oldKey = try String(contentsOf: keyFile, encoding: .utf8)
        try await app.asyncShutdown()
        app = nil

        let r = try KohoProcess.run(["secrets", "rotate", "--data-dir", dir.path], environment: ["KOHO_SECRET_KEY": ""])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("二段階認証の秘密 1件"), r.stdout)
        let newKey = try String(contentsOf: keyFile, encoding: .utf8)
        XCTAssertNotEqual(newKey, oldKey)
        XCTAssertFalse(FileManager.default.fileExists(atPath: keyFile.path + ".new"))
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600)

        let c = clock!
        var config = KohoConfig(dataDirectory: dir, clock: { c.now }, bcryptCost: 4, loginDelayPerFailure: .zero, environment: .testing)
        config.mediaTools = .none
        app = try await makeApp(config)
        let stored = try await User.query(on: app.db).filter(\.$name == "kacho").first()
        let sealed = try XCTUnwrap(stored?.totpSecret)
        XCTAssertEqual(try TOTPSecret.open(sealed, user: try XCTUnwrap(stored), app.koho.vault), secret)
        let old = try TokenVault.load(environment: [:], keyFile: {
            let f = dir.appendingPathComponent("old.key")
            try? oldKey.write(to: f, atomically: true, encoding: .utf8)
            chmod(f.path, 0o600)
            return f
        }())
        XCTAssertThrowsError(try TOTPSecret.open(sealed, user: try XCTUnwrap(stored), old), "the old key opens nothing")
        let code = try XCTUnwrap(TOTP.code(secret: secret, counter: UInt64(TOTP.counter(at: clock.now))))
        try await assertEqual(try await WebClient(app).login("kacho", password, totp: code).status, .seeOther)
        let audited = try await AuditEntry.query(on: app.db).filter(\.$action == "secrets.rotate").count()
        XCTAssertEqual(audited, 1)
    }
}
