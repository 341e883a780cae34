import Fluent
import Foundation
import SQLKit
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// Pages and API reads only read: a GET of every route leaves the records as they were, even with an approval
/// overdue (the approval-expiry job, not a page, lapses it). Sessions and a token's last use (written at most once a
/// minute) are sign-in bookkeeping, not records, and not counted.
final class ReadOnlyPagesTests: KohoTestCase {
    /// Every table but the sessions', row by row.
    func snapshot() async throws -> [String: [String]] {
        let sql = try XCTUnwrap(app.db as? SQLDatabase)
        var tables: [String: [String]] = [:]
        for table in ["posts", "audit_entries", "users", "api_tokens", "setup_tokens", "policy_versions", "publish_attempts", "account_connections"] {
            let rows = try await sql.raw("SELECT * FROM \(ident: table)").all()
            tables[table] = try rows.map { row in
                try row.allColumns.sorted().filter { $0 != "last_used_at" }.map { column in
                    "\(column)=\((try? row.decode(column: column, as: String?.self)).flatMap { $0 } ?? (try? row.decode(column: column, as: Double?.self)).flatMap { $0 }.map { String($0) } ?? "?")"
                }.joined(separator: "|")
            }.sorted()
        }
        return tables
    }

    func testAGetOfEveryRouteWritesNothing() async throws {
        let (chief, staff, _, _) = try await addStandardUsers()
        let created = try await createPost(staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"市民まつり","scheduledAt":"2026-11-25T10:30:00+09:00"}"#)
        let id = postID(created)
        _ = try await api(.POST, "/posts/\(id)/submit", token: staff)
        let approved = try await api(.POST, "/posts/\(id)/approve", token: chief)
        XCTAssertEqual(approved.json["state"] as? String, "scheduled")
        clock.advance(3600) // the approval is overdue now
        let web = WebClient(app)
        try await web.login("kacho", password)
        let before = try await snapshot()

        var paths: [String] = []
        for route in app.routes.all where route.method == .GET {
            let path = "/" + route.path.map { component -> String in
                switch component.description {
                case ":id": return id
                case ":file": return "kodaira_tokyo.ics"
                case ":token": return "no-such-token"
                default: return component.description
                }
            }.joined(separator: "/")
            // The OAuth return writes the connection it completes; it is the platform's redirect, not a page.
            if path == SiteURL.oauthCallback.path || path.contains("_sandbox") { continue }
            paths.append(path)
        }
        XCTAssertGreaterThan(paths.count, 20)
        for path in paths {
            if path.hasPrefix("/api/") {
                let res = try await app.testable().sendRequest(.GET, path, headers: ["Authorization": "Bearer \(chief)"])
                XCTAssertLessThan(res.status.code, 500, path)
            } else {
                let res = try await web.get(path)
                XCTAssertLessThan(res.status.code, 500, path)
            }
        }
        let after = try await snapshot()
        for (table, rows) in before {
            XCTAssertEqual(after[table], rows, "GET wrote to \(table)")
        }
        let stillScheduled = try await Post.find(UUID(uuidString: id)!, on: app.db)
        XCTAssertEqual(stillScheduled?.state, .scheduled)
        try await app.backgroundJobs?.expiry.runOnce()
        let lapsed = try await Post.find(UUID(uuidString: id)!, on: app.db)
        XCTAssertEqual(lapsed?.state, .expired, "the job lapses it")
    }
}
