import AsyncHTTPClient
import Fluent
import Foundation
import NIOCore
import NIOPosix
import SQLKit
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// Many people at once on one SQLite file: logins (sessions, the login throttle, two-factor steps), API writes and
/// page views together never answer 500 "database is locked" (issue 21, finding 8).
final class ConcurrentWritesTests: KohoTestCase {
    private static func loginOnce(_ app: Application, _ base: String, name: String, password: String) async throws -> HTTPStatus {
        let web = WebClient(app)
        web.liveBaseURL = base
        try await web.get("/login")
        return try await web.post("/login", ["name": name, "password": password, "totp": ""]).status
    }

    func testSixtyConcurrentLoginsAndTwentyWritingClientsGetNoServerError() async throws {
        for i in 0..<6 { try await addUser("user\(i)", .staff, accounts: ["kodaira_tokyo"]) }
        var tokens: [String] = []
        for i in 0..<6 { tokens.append(try await Setup.createToken(app.koho, userName: "user\(i)", tokenName: "load")) }
        let base = try await WebClient.startLive(app)
        let pw = password
        let app = self.app!

        let statuses: [HTTPStatus] = try await withThrowingTaskGroup(of: [HTTPStatus].self) { group in
            // 60 logins: most right, every fifth with a wrong password (the throttle writes too).
            for i in 0..<60 {
                group.addTask {
                    [try await Self.loginOnce(app, base, name: "user\(i % 6)", password: i % 5 == 0 ? "wrong password!" : pw)]
                }
            }
            // 20 clients writing through the API at the same time: create and submit posts, and read the list.
            for c in 0..<20 {
                let token = tokens[c % tokens.count]
                group.addTask {
                    let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
                    var seen: [HTTPStatus] = []
                    do {
                        for n in 0..<5 {
                            var create = HTTPClientRequest(url: base + "/api/v1/posts")
                            create.method = .POST
                            create.headers.bearerAuthorization = .init(token: token)
                            create.headers.contentType = .json
                            create.body = .bytes(ByteBuffer(string: #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつり \#(c)-\#(n)","sourceURL":"https://www.city.kodaira.tokyo.jp/event/\#(c).html"}"#))
                            let made = try await client.execute(create, timeout: .seconds(60))
                            seen.append(made.status)
                            let body = try await made.body.collect(upTo: 1 << 20)
                            let obj = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
                            if let id = obj?["id"] as? String, let version = obj?["version"] as? Int {
                                var submit = HTTPClientRequest(url: base + "/api/v1/posts/\(id)/submit")
                                submit.method = .POST
                                submit.headers.bearerAuthorization = .init(token: token)
                                submit.headers.contentType = .json
                                submit.body = .bytes(ByteBuffer(string: #"{"version":\#(version)}"#))
                                let s = try await client.execute(submit, timeout: .seconds(60))
                                seen.append(s.status)
                                _ = try await s.body.collect(upTo: 1 << 20)
                            }
                            var list = HTTPClientRequest(url: base + "/api/v1/posts?limit=20")
                            list.headers.bearerAuthorization = .init(token: token)
                            let l = try await client.execute(list, timeout: .seconds(60))
                            seen.append(l.status)
                            _ = try await l.body.collect(upTo: 4 << 20)
                        }
                    } catch {
                        try? await client.shutdown()
                        throw error
                    }
                    try await client.shutdown()
                    return seen
                }
            }
            var all: [HTTPStatus] = []
            for try await s in group { all += s }
            return all
        }
        let serverErrors = statuses.filter { $0.code >= 500 }
        XCTAssertEqual(serverErrors.count, 0, "answers: \(Dictionary(grouping: statuses, by: \.code).mapValues(\.count))")
        XCTAssertEqual(statuses.count, 60 + 20 * 5 * 3)
        let submitted = try await Post.query(on: app.db).filter(\.$state == .submitted).count()
        XCTAssertEqual(submitted, 100, "every post created was submitted: nothing lost")
    }

    /// Requests at once each get a PostgreSQL connection of their own: with Fluent's default of one connection per
    /// event loop, every request on a loop waited for the round trips of those before it.
    func testRequestsAtOnceEachGetAPostgreSQLConnection() async throws {
        guard let sql = app.db as? SQLDatabase, sql.dialect.name == "postgresql" else { throw XCTSkip("PostgreSQL's connection pool") }
        let loop = app.eventLoopGroup.next()
        let databases = app.databases, logger = app.logger
        let pids = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let db = try XCTUnwrap(databases.database(.psql, logger: logger, on: loop) as? SQLDatabase)
                    let row = try await db.raw("SELECT pg_backend_pid() AS pid, pg_sleep(0.3) AS slept").first()
                    return try XCTUnwrap(row).decode(column: "pid", as: Int.self)
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        XCTAssertEqual(Set(pids).count, 4, "a request waited for another's connection")
    }
}
