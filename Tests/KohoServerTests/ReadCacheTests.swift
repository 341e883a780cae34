import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// GET answers are kept while the database is unchanged; a write by another server on the same database shows at
/// once, on the API list, on the dashboard (within the same second of the clock) and in who is let in.
final class ReadCacheTests: KohoTestCase {
    /// A second server on this test's database, as `koho serve` would start it next to the first.
    func secondServer() async throws -> Application {
        let c = clock!
        var config = KohoConfig(dataDirectory: dir, clock: { c.now }, bcryptCost: 4, loginDelayPerFailure: .zero, environment: .testing)
        config.mediaTools = .none
        config.resetDatabase = false
        return try await makeApp(config, migrate: false)
    }

    func list(_ token: String, on server: Application? = nil) async throws -> (status: HTTPStatus, total: String?, texts: [String]) {
        let res = try await (server ?? app).testable().sendRequest(.GET, "/api/v1/posts", headers: ["Authorization": "Bearer \(token)"])
        let page = (try? JSONSerialization.jsonObject(with: Data(res.body.readableBytesView))) as? [[String: Any]] ?? []
        return (res.status, res.headers.first(name: "X-Total-Count"), page.compactMap { $0["text"] as? String })
    }

    func testAWriteByAnotherServerShowsAtOnce() async throws {
        let (_, staff, _, viewer) = try await addStandardUsers()
        let first = try await createPost(staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ　第１回"}"#)
        XCTAssertEqual(first.status, .created, first.body)
        let web = WebClient(app)
        try await web.login("tanaka", password)
        for _ in 0..<3 {
            let seen = try await list(viewer)
            XCTAssertEqual(seen.total, "1")
            XCTAssertEqual(seen.texts, ["市民まつりのお知らせ　第１回"])
            try await web.get("/")
            XCTAssertTrue(web.lastBody.contains("自分の下書き（1件）"), web.lastBody)
        }

        let other = try await secondServer()
        do {
            // The other server adds a draft; the clock has not moved, so only the database says anything changed.
            let res = try await other.testable().sendRequest(.POST, "/api/v1/posts", beforeRequest: { (req: inout XCTHTTPRequest) async throws in
                req.headers.bearerAuthorization = BearerAuthorization(token: staff)
                req.headers.contentType = .json
                req.body = ByteBuffer(string: #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつりのお知らせ　第２回\u0007"}"#)
            })
            XCTAssertEqual(res.status, .created, res.body.string)
            let seen = try await list(viewer)
            XCTAssertEqual(seen.total, "2")
            XCTAssertEqual(Set(seen.texts), ["市民まつりのお知らせ　第１回", "市民まつりのお知らせ　第２回\u{7}"])
            try await web.get("/")
            XCTAssertTrue(web.lastBody.contains("自分の下書き（2件）"), web.lastBody)
            XCTAssertTrue(web.lastBody.contains("第２回"), web.lastBody)

            // A token revoked on the other server is refused here at once, though it was let in a moment ago.
            let kansaUser = try await User.query(on: other.db).filter(\.$name == "kansa").first()
            let kansa = try XCTUnwrap(kansaUser)
            let kansaToken = try await APIToken.query(on: other.db).filter(\.$user.$id == kansa.requireID()).first()
            let token = try XCTUnwrap(kansaToken)
            _ = try await Setup.revokeToken(other.koho, try token.requireID().uuidString, reason: "異動")
            let refused = try await list(viewer)
            XCTAssertEqual(refused.status, .unauthorized)
            let still = try await list(staff)
            XCTAssertEqual(still.total, "2", "the other tokens still work")

            // The chief's role taken away on the other server: the dashboard here no longer shows the chief's view.
            try await User.query(on: other.db).filter(\.$name == "tanaka").set(\.$role, to: .viewer).update()
            try await web.get("/")
            XCTAssertFalse(web.lastBody.contains("自分の下書き"), "a viewer has no drafts section")
        } catch {
            try? await other.asyncShutdown()
            throw error
        }
        try await other.asyncShutdown()
    }

    /// The dashboard with a one-time notice: shown once, and the same page in the same second no longer has it.
    func testTheDashboardsOneTimeNoticeShowsOnce() async throws {
        _ = try await addStandardUsers()
        let web = WebClient(app)
        try await web.login("tanaka", password)
        try await web.get("/")
        XCTAssertFalse(web.lastBody.contains("パスワードを変更しました。"))
        let moved = try await web.post("/password", ["current": password, "new": "another long password", "confirm": "another long password"])
        XCTAssertEqual(moved.status, .seeOther)
        try await web.get("/")
        XCTAssertTrue(web.lastBody.contains("パスワードを変更しました。"), web.lastBody)
        try await web.get("/")
        XCTAssertTrue(web.lastBody.contains("ダッシュボード"))
        XCTAssertFalse(web.lastBody.contains("パスワードを変更しました。"), "the notice is shown once")
    }
}
