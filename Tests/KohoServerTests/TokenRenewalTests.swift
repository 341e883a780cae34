import Fluent
import Foundation
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
import KohoSandbox
@testable import KohoServer
@testable import KohoTools

/// Tokens that lapse, against the HTTP sandbox: the comment poller goes on after Google's hour is over, and a renewal
/// the platform refuses marks the account for reconnection where the chief sees it.
final class TokenRenewalTests: CommentTestCase {
    var youtube: KohoCore.Account { app.koho.policy.account(SandboxAccounts.youtubeKodaira.account)! }

    func refreshes() async throws -> [AuditEntry] {
        try await AuditEntry.query(on: app.db).filter(\.$action == "account.refresh").all()
    }

    func testYouTubeCommentsStillArriveAfterTheAccessTokenExpired() async throws {
        let video = try await youtubeVideo()
        _ = try await residentComment(on: video, "最初のコメントです")
        let first = try await poller.poll(youtube)
        XCTAssertEqual(first, 1)

        // Google's hour is over.
        await sandbox.expireTokens(account: youtube.id)
        let lapsed = await sandbox.tokenReport()
        XCTAssertEqual(lapsed.expired, [youtube.id])
        _ = try await residentComment(on: video, "期限が切れた後のコメントです")
        let second = try await poller.pass(force: true)
        XCTAssertEqual(second, 1, "the comment written after the token lapsed arrives")
        let texts = try await Comment.query(on: app.db).filter(\.$account == youtube.id).all().map(\.text)
        XCTAssertEqual(Set(texts), ["最初のコメントです", "期限が切れた後のコメントです"])
        let renewed = await sandbox.tokenReport()
        XCTAssertEqual(renewed.renewals[youtube.id], 1, "one refresh call")
        XCTAssertEqual(renewed.expired, [])
        try await assertEqual(try await refreshes().map(\.subject), ["account:\(youtube.id)"])
        let connection = try await ConnectionService.find(youtube.id, on: app.db)
        XCTAssertEqual(connection?.status, .connected)
        XCTAssertGreaterThan(try XCTUnwrap(connection?.expiresAt), Date().addingTimeInterval(3000), "the hour the platform gave")
        XCTAssertNotEqual(connection?.sealedAccessToken, SandboxAccounts.youtubeKodaira.accessToken, "stored sealed")

        // Shortly before the new token lapses it is renewed before the call, not after a refusal.
        connection?.expiresAt = Date().addingTimeInterval(60)
        try await connection?.save(on: app.db)
        _ = try await residentComment(on: video, "更新の直前のコメントです")
        let third = try await poller.poll(youtube)
        XCTAssertEqual(third, 1)
        let again = await sandbox.tokenReport()
        XCTAssertEqual(again.renewals[youtube.id], 2)
        try await assertEqual(try await refreshes().count, 2)
    }

    func testARefusedRenewalMarksTheAccountForReconnectionAndTheChiefSeesIt() async throws {
        let video = try await youtubeVideo()
        _ = try await residentComment(on: video, "取り消しの前のコメントです")
        let revoke = try JSONSerialization.data(withJSONObject: ["revokeToken": SandboxAccounts.youtubeKodaira.accessToken])
        _ = try await sandboxCall(.POST, "/_sandbox/faults", body: revoke)

        let new = try await poller.pass(force: true)
        XCTAssertEqual(new, 0)
        let connection = try await ConnectionService.find(youtube.id, on: app.db)
        XCTAssertEqual(connection?.status, .needsReconnecting)
        XCTAssertTrue(connection?.statusReason.contains("更新もできませんでした") == true, connection?.statusReason ?? "")
        let marked = try await AuditEntry.query(on: app.db).filter(\.$action == "account.needsReconnecting").all()
        XCTAssertEqual(marked.map(\.subject), ["account:\(youtube.id)"])
        try await assertEqual(try await refreshes().count, 0)

        // The next rounds wait for the chief instead of asking the platform again.
        _ = try await poller.pass(force: true)
        let report = await sandbox.tokenReport()
        XCTAssertNil(report.renewals[youtube.id])
        try await assertEqual(try await AuditEntry.query(on: app.db).filter(\.$action == "account.needsReconnecting").count(), 1)
        try await assertEqual(try await ConnectionService.find("koho.kodairacity", on: app.db)?.status, .connected,
                              "the other accounts go on")

        let web = WebClient(app)
        try await web.login("kacho", password)
        try await web.get("/accounts")
        XCTAssertTrue(web.lastBody.contains("要再接続"), web.lastBody)
        XCTAssertTrue(web.lastBody.contains("更新もできませんでした"))
        XCTAssertFalse(web.lastBody.contains("sandbox-token"), "no token on the page")

        // The profile check says why it could not read the channel.
        _ = try await ProfileCheckService.pass(app.koho)
        let record = try await ProfileCheckRecord.query(on: app.db).filter(\.$account == youtube.id).first()
        XCTAssertTrue(record?.readError.contains("要再接続") == true, record?.readError ?? "")
    }

    /// A post whose account's token lapsed goes out after one renewal: the refused attempt is recorded as not done,
    /// the next one publishes, and the account stays connected.
    func testAPostGoesOutAfterItsAccountsTokenLapsed() async throws {
        let created = try await createPost(tokens.chief, PostFactory.fields(1, account: 0))
        XCTAssertEqual(created.status, .created, created.body)
        let id = postID(created)
        var r = try await api(.POST, "/posts/\(id)/submit", token: tokens.chief)
        if r.json["state"] as? String == "submitted" { r = try await api(.POST, "/posts/\(id)/approve", token: tokens.chief) }
        XCTAssertEqual(r.json["state"] as? String, "scheduled", r.body)
        await sandbox.expireTokens(account: "kodaira_tokyo")

        let worked = try await app.workers!.publisher.pass()
        XCTAssertEqual(worked, 1)
        let post = try await Post.find(UUID(uuidString: id)!, on: app.db)
        XCTAssertEqual(post?.state, .published)
        let attempts = try await PublishAttempt.query(on: app.db).filter(\.$postID == UUID(uuidString: id)!).sort(\.$number).all()
        XCTAssertEqual(attempts.map(\.outcome), [.notDone, .published])
        let onPlatform = await sandboxPosts(sandbox)
        XCTAssertEqual(onPlatform.count, 1, "sent once")
        let report = await sandbox.tokenReport()
        XCTAssertEqual(report.renewals["kodaira_tokyo"], 1)
        try await assertEqual(try await ConnectionService.find("kodaira_tokyo", on: app.db)?.status, .connected)
    }

    /// The impersonation search reaches the platforms through the gateway and the same credentials: after the token
    /// lapsed it renews it and finds the look-alike channel.
    func testTheImpersonationSearchGoesOnAfterTheTokenLapsed() async throws {
        await sandbox.expireTokens(account: youtube.id)
        let opened = try await ImpersonationScan.pass(app.koho)
        XCTAssertGreaterThanOrEqual(opened, 1)
        let cases = try await ImpersonationCase.query(on: app.db).all()
        XCTAssertTrue(cases.contains { $0.platformId == "UCk0dairaFakeChannel0001" }, "\(cases.map(\.platformId))")
        let report = await sandbox.tokenReport()
        XCTAssertEqual(report.renewals[youtube.id], 1)
    }
}

/// A platform in memory whose tokens the test lapses: counts the refresh calls and the refused ones.
actor LapsingPlatform {
    private(set) var valid: String
    private(set) var refreshCalls = 0
    private(set) var refusedCalls = 0
    private(set) var calls = 0
    /// Refresh answers `invalid_grant` from now on.
    var refuseRenewal = false
    /// Even a renewed token is refused (the grant is gone).
    var refuseEveryToken = false
    private var issued = 0

    init(valid: String) { self.valid = valid }

    func lapse() { valid = "lapsed-\(UUID())" }
    func setRefuseRenewal(_ on: Bool) { refuseRenewal = on }
    func setRefuseEveryToken(_ on: Bool) { refuseEveryToken = on }

    func refresh(now: Date) async throws -> OAuthTokens {
        refreshCalls += 1
        // A token endpoint takes a moment: the other callers arrive meanwhile.
        try await Task.sleep(for: .milliseconds(80))
        if refuseRenewal { throw PlatformError.tokenExpiredOrRevoked }
        issued += 1
        valid = "renewed-\(issued)"
        return OAuthTokens(accessToken: AccessToken(valid), refreshToken: AccessToken("refresh-\(issued)"),
                           expiresAt: now.addingTimeInterval(3600), scope: nil)
    }

    func comments(_ c: Credentials) async throws -> [PlatformComment] {
        calls += 1
        try await Task.sleep(for: .milliseconds(5))
        guard !refuseEveryToken, c.accessToken.value == valid else {
            refusedCalls += 1
            throw PlatformError.tokenExpiredOrRevoked
        }
        return []
    }

    nonisolated var gateway: PlatformGateway {
        var g = PlatformGateway.failing
        g.oauth = { $0 == .youtube ? OAuthClient.google(clientID: "koho-test", clientSecret: nil) : nil }
        g.refresh = { _, _, now in try await self.refresh(now: now) }
        g.youtubeComments = { c, _ in try await self.comments(c) }
        return g
    }
}

/// `AccountCredentials` on a platform in memory: one renewal however many callers, a refused call renewed once.
final class AccountCredentialsTests: KohoTestCase {
    var platform: LapsingPlatform!
    var credentials: AccountCredentials { app.publishing!.credentials }
    var youtube: KohoCore.Account { app.koho.policy.account(SandboxAccounts.youtubeKodaira.account)! }

    override func adjust(_ config: inout KohoConfig) {
        platform = LapsingPlatform(valid: SandboxAccounts.youtubeKodaira.accessToken)
        config.platforms = .sandbox(url: "http://127.0.0.1:9")
        config.platformGateway = platform.gateway
        config.publisher.enabled = false
    }

    func listComments(_ c: Credentials) async throws -> [PlatformComment] {
        try await app.publishing!.gateway.youtubeComments(c, nil)
    }

    func testConcurrentCallersAfterATokenLapsedMakeOneRefresh() async throws {
        await platform.lapse()
        let credentials = self.credentials, youtube = self.youtube, gateway = app.publishing!.gateway
        let listed = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<6 { group.addTask { try await credentials.call(youtube) { try await gateway.youtubeComments($0, nil) }.count } }
            return try await group.reduce(0) { $0 + $1 + 1 }
        }
        XCTAssertEqual(listed, 6, "every caller's call succeeds")
        let refreshes = await platform.refreshCalls
        XCTAssertEqual(refreshes, 1, "one refresh, not six")
        let refused = await platform.refusedCalls
        XCTAssertEqual(refused, 6, "each caller was refused once, then went on with the renewed token")
        try await assertEqual(try await AuditEntry.query(on: app.db).filter(\.$action == "account.refresh").count(), 1)
        let c = try await credentials.current(youtube)
        XCTAssertEqual(c.accessToken.value, "renewed-1")
    }

    func testConcurrentCallersBeforeExpiryMakeOneRefresh() async throws {
        let connection = try await ConnectionService.find(youtube.id, on: app.db)
        connection?.expiresAt = Date().addingTimeInterval(120)
        try await connection?.save(on: app.db)
        let credentials = self.credentials, youtube = self.youtube
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<5 { group.addTask { try await credentials.current(youtube).accessToken.value } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        XCTAssertEqual(tokens, ["renewed-1"])
        let refreshes = await platform.refreshCalls
        XCTAssertEqual(refreshes, 1)
        let refused = await platform.refusedCalls
        XCTAssertEqual(refused, 0)
    }

    func testARefusedCallMidwayIsRenewedOnceAndSucceeds() async throws {
        var runs = 0
        let first = try await credentials.call(youtube) { c -> Int in
            runs += 1
            // The token lapses while the call is on its way.
            if runs == 1 { await platform.lapse() }
            return try await listComments(c).count
        }
        XCTAssertEqual(first, 0)
        XCTAssertEqual(runs, 2, "the call ran once more with the renewed token")
        let refreshes = await platform.refreshCalls
        XCTAssertEqual(refreshes, 1)
        try await assertEqual(try await ConnectionService.find(youtube.id, on: app.db)?.status, .connected)
    }

    func testATokenRefusedAgainAfterRenewalMarksTheAccount() async throws {
        await platform.setRefuseEveryToken(true)
        do {
            _ = try await credentials.call(youtube) { try await listComments($0) }
            XCTFail("a refused account cannot be called")
        } catch let hold as HoldReason {
            XCTAssertTrue(hold.message.contains("要再接続"), hold.message)
        }
        let refreshes = await platform.refreshCalls
        XCTAssertEqual(refreshes, 1, "renewed once, not in a loop")
        let c = try await ConnectionService.find(youtube.id, on: app.db)
        XCTAssertEqual(c?.status, .needsReconnecting)
        let calls = await platform.calls
        do {
            _ = try await credentials.call(youtube) { try await listComments($0) }
            XCTFail("still held")
        } catch is HoldReason {}
        let after = await platform.calls
        XCTAssertEqual(after, calls, "nothing is sent for an account that needs reconnecting")
    }

    func testARenewalTheTokenEndpointRefusesMarksTheAccountOnce() async throws {
        await platform.lapse()
        await platform.setRefuseRenewal(true)
        let credentials = self.credentials, youtube = self.youtube, gateway = app.publishing!.gateway
        let held = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    do { _ = try await credentials.call(youtube) { try await gateway.youtubeComments($0, nil) }; return false }
                    catch { return error is HoldReason }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        XCTAssertEqual(held, 4)
        let refreshes = await platform.refreshCalls
        XCTAssertEqual(refreshes, 1)
        try await assertEqual(try await AuditEntry.query(on: app.db).filter(\.$action == "account.needsReconnecting").count(), 1)
        try await assertEqual(try await ConnectionService.find(youtube.id, on: app.db)?.status, .needsReconnecting)
    }
}
