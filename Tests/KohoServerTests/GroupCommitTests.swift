import Fluent
import Foundation
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// The publisher's writes committed together: each is still all or nothing with its audit entry, one that fails
/// takes nothing of the others with it, and every caller returns after its write is committed.
final class GroupCommitTests: KohoTestCase {
    struct Refused: Error {}

    func testWritesAtOnceShareCommitsAndAFailingOneIsRolledBackAlone() async throws {
        let commits = GroupCommit()
        let db = app.db, lock = app.koho.writeLock, now = app.koho.now
        let before = try await AuditEntry.query(on: db).count()
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for i in 0..<40 {
                group.addTask {
                    do {
                        let n = try await commits.run(db, lock: lock) { w -> Int in
                            // Half append at once, half with the transaction's other entries at its commit.
                            if i.isMultiple(of: 2) {
                                try await AuditLog.appendLocked(on: w.db, at: now, actor: "test", action: "group.\(i)", subject: "", detail: "書き込み\(i)", reason: "")
                            } else {
                                w.audit(at: now, actor: "test", action: "group.\(i)", subject: "", detail: "書き込み\(i)", reason: "")
                            }
                            // Every seventh write fails after its entry was appended: the entry must go with it.
                            if i % 7 == 3 { throw Refused() }
                            return i
                        }
                        // Returned: the write is committed and visible to any other connection.
                        let seen = try await AuditEntry.query(on: db).filter(\.$action == "group.\(n)").count()
                        return (i, seen == 1)
                    } catch is Refused {
                        return (i, false)
                    }
                }
            }
            var all: [Int: Bool] = [:]
            for try await (i, ok) in group { all[i] = ok }
            return all
        }
        let failing = Set((0..<40).filter { $0 % 7 == 3 })
        for i in 0..<40 { XCTAssertEqual(outcomes[i], !failing.contains(i), "write \(i)") }
        let actions = Set(try await AuditEntry.query(on: db).all().map(\.action))
        for i in 0..<40 { XCTAssertEqual(actions.contains("group.\(i)"), !failing.contains(i), "entry \(i)") }
        let after = try await AuditEntry.query(on: db).count()
        XCTAssertEqual(after, before + 40 - failing.count)
        let verified = try await AuditLog.verify(on: db)
        XCTAssertNil(verified.broken, "the chain stays whole across grouped writes")
        let transactions = await commits.transactions
        XCTAssertLessThan(transactions, 40, "writes that came at once shared transactions")
    }
}
