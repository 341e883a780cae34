import Crypto
import Foundation
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
@testable import KohoServer

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
}
