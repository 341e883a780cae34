import Fluent
import Foundation
import XCTest
@testable import KohoServer
@testable import KohoTools

/// The audit trail's actor: many writers at once in one process make one unbroken chain.
final class AuditTrailTests: KohoTestCase {
    func testConcurrentEntriesMakeOneUnbrokenChain() async throws {
        let before = try await AuditLog.verify(on: app.db).count
        let trail = app.koho.audit, db = app.db, now = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<60 {
                group.addTask {
                    try await trail.record(on: db, at: now, actor: "test", action: "test.entry", subject: "n:\(i)", detail: "記録\(i)")
                }
            }
            try await group.waitForAll()
        }
        let (count, broken) = try await AuditLog.verify(on: app.db)
        XCTAssertEqual(count, before + 60)
        XCTAssertNil(broken)
        let subjects = try await AuditEntry.query(on: app.db).filter(\.$action == "test.entry").all().map(\.subject)
        XCTAssertEqual(Set(subjects).count, 60, "none lost")
    }
}
