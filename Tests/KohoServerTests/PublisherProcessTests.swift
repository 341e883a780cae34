import AsyncHTTPClient
import Foundation
import NIOCore
import XCTVapor
import XCTest
import KohoCore
import KohoPlatforms
import KohoSandbox
@testable import KohoServer
@testable import KohoTools

/// `koho serve` as a child process (the built executable next to the test binary) against a sandbox in the test process.
final class ServerProcess {
    let process = Process()
    let port: Int

    init(dataDir: URL, sandboxURL: String, extra: [String] = []) throws {
        port = try freePort()
        process.executableURL = KohoProcess.executable
        process.arguments = ["serve", "--data-dir", dataDir.path, "--port", String(port), "--sandbox-url", sandboxURL,
                             "--poll-interval-ms", "20", "--lease-seconds", "2.5", "--call-timeout-seconds", "1.5",
                             "--retry-base-seconds", "0.05"] + extra
        let log = dataDir.appendingPathComponent("serve-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// A loopback port that nothing listens on at the moment.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard bound else { throw CLIInputError("no free port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

final class PublisherProcessTests: XCTestCase {
    var dir: URL!
    var sandbox: PlatformSandbox!

    override func setUp() async throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("koho-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        sandbox = try await startSandbox()
    }

    override func tearDown() async throws {
        try await sandbox?.shutdown()
        try? FileManager.default.removeItem(at: dir)
    }

    /// Creates the database, a chief and `count` emergency posts (they may go out at any hour), all scheduled now.
    func prepare(count: Int) async throws -> String {
        var config = KohoConfig(dataDirectory: dir, bcryptCost: 4, loginDelayPerFailure: .zero, environment: .testing)
        config.resetDatabase = config.databaseURL != nil
        let app = try await makeApp(config)
        do {
            _ = try await Setup.createUser(on: app.db, ctx: app.koho, name: "kacho", password: "correct horse battery", role: .chief,
                                           accounts: [], actor: "test", reason: "")
            let token = try await Setup.createToken(app.koho, userName: "kacho", tokenName: "test")
            for i in 0..<count {
                let fields = PostFactory.fields(i, account: i % 2 == 0 ? 0 : 2, emergency: true, tag: "c")
                let res = try await app.testable().sendRequest(.POST, "/api/v1/posts", beforeRequest: { (req: inout XCTHTTPRequest) async throws in
                    req.headers.bearerAuthorization = BearerAuthorization(token: token)
                    req.headers.contentType = .json
                    req.body = ByteBuffer(string: fields)
                })
                XCTAssertEqual(res.status, .created, res.body.string)
                let id = ((try? JSONSerialization.jsonObject(with: Data(res.body.string.utf8))) as? [String: Any])?["id"] as? String ?? ""
                for step in ["submit", "approve"] {
                    _ = try await app.testable().sendRequest(.POST, "/api/v1/posts/\(id)/\(step)", beforeRequest: { (req: inout XCTHTTPRequest) async throws in
                        req.headers.bearerAuthorization = BearerAuthorization(token: token)
                    })
                }
            }
            try await app.asyncShutdown()
            return token
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    /// The posts' states as the database has them (read with the server stopped).
    func finalStates() async throws -> [Post] {
        var config = KohoConfig(dataDirectory: dir, bcryptCost: 4, environment: .testing)
        config.resetDatabase = false
        let app = try await makeApp(config)
        let posts = try await Post.query(on: app.db).all()
        try await app.asyncShutdown()
        return posts
    }

    func waitForSandbox(count: Int, seconds: Double) async throws {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end, await sandbox.allPosts().count < count { try await Task.sleep(for: .milliseconds(100)) }
    }

    func assertExactlyOnce(_ posts: [Post], count: Int) async throws {
        let onPlatform = await sandbox.allPosts()
        XCTAssertEqual(posts.count, count)
        XCTAssertEqual(posts.filter { $0.state == .published }.count, count, "\(Dictionary(grouping: posts, by: \.state).mapValues(\.count))")
        XCTAssertEqual(onPlatform.count, count, "nothing twice on the platform")
        let texts = Dictionary(grouping: onPlatform, by: \.text)
        for p in posts {
            let text = try XCTUnwrap(p.platformText, "the approval is recorded")
            XCTAssertEqual(texts[text]?.count, 1, text)
            XCTAssertEqual(texts[text]?.first?.id, p.platformPostID)
        }
    }

    /// The server is killed with SIGKILL at random moments while it publishes, 20 times, and started again each
    /// time; in the end every post is on the platform exactly once and recorded as published.
    func testKilledWhilePublishingEveryPostPublishedExactlyOnce() async throws {
        let count = 60
        _ = try await prepare(count: count)
        // Slow answers, so that kills land mid-call; lost answers too, so that the crash and the unknown outcome meet.
        await sandbox.setFaults(SandboxFaults(errorRate: 0.1, lostResponseRate: 0.15, latencyMs: 250))
        var kills = 0, progress: [Int] = []
        while kills < 20 {
            let server = try ServerProcess(dataDir: dir, sandboxURL: sandbox.baseURL)
            try await Task.sleep(for: .milliseconds(Int.random(in: 600...1600)))
            server.kill()
            kills += 1
            progress.append(await sandbox.allPosts().count)
        }
        print("crash test: on the platform after each of \(kills) kills: \(progress)")
        await sandbox.setFaults(SandboxFaults())
        let last = try ServerProcess(dataDir: dir, sandboxURL: sandbox.baseURL)
        try await waitForSandbox(count: count, seconds: 60)
        // Let the last writes land, then stop it as an operator would.
        try await Task.sleep(for: .seconds(3))
        last.stop()
        let posts = try await finalStates()
        try await assertExactlyOnce(posts, count: count)
        try await printAttempts()
    }

    func printLogs() {
        for file in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] where file.hasSuffix(".log") {
            let text = (try? String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)) ?? ""
            print("--- \(file)\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n"))
        }
    }

    func printAttempts() async throws {
        var config = KohoConfig(dataDirectory: dir, bcryptCost: 4, environment: .testing)
        config.resetDatabase = false
        let app = try await makeApp(config)
        let attempts = try await PublishAttempt.query(on: app.db).all()
        try await app.asyncShutdown()
        print("attempts by outcome: \(Dictionary(grouping: attempts, by: \.outcome.rawValue).mapValues(\.count))")
        XCTAssertFalse(attempts.contains { $0.outcome == .pending }, "every attempt settled")
    }

    /// Two servers on one PostgreSQL publish the same queue: no post twice. Runs only where `DATABASE_URL` is set.
    func testTwoServersOnOnePostgreSQLPublishNothingTwice() async throws {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw XCTSkip("DATABASE_URL is not set: the two-server test needs PostgreSQL")
        }
        let count = 60
        _ = try await prepare(count: count)
        await sandbox.setFaults(SandboxFaults(errorRate: 0.1, lostResponseRate: 0.1, latencyMs: 20))
        let a = try ServerProcess(dataDir: dir, sandboxURL: sandbox.baseURL)
        try await Task.sleep(for: .milliseconds(300))
        let b = try ServerProcess(dataDir: dir, sandboxURL: sandbox.baseURL)
        try await waitForSandbox(count: count, seconds: 90)
        await sandbox.setFaults(SandboxFaults())
        try await Task.sleep(for: .seconds(3))
        a.stop()
        b.stop()
        if await sandbox.allPosts().count != count { printLogs() }
        try await assertExactlyOnce(try await finalStates(), count: count)
    }
}
