import Fluent
import Foundation
import XCTVapor
import KohoCore
@testable import KohoServer

/// Issue 24: the chain's head is written down at least every minute while entries are written, so that removing the
/// newest entries is found, and `koho audit verify` says how many entries no checkpoint vouches for yet.
final class AuditAnchorTests: KohoTestCase {
    override func adjust(_ config: inout KohoConfig) {
        // The minute of the server, shortened so that the test sees several rounds.
        config.checkpointInterval = .milliseconds(200)
    }

    func testACheckpointFollowsTheWritesAndTheNewestEntriesCannotGoUnnoticed() async throws {
        let tokens = try await addStandardUsers()
        for i in 0..<3 { _ = try await createPost(tokens.staff, #"{"account":"kodaira_tokyo","category":"ウ","text":"記録 \#(i)"}"#) }
        let count = try await AuditEntry.query(on: app.db).count()
        var newest: AuditLog.Checkpoint?
        for _ in 0..<50 {
            newest = try await AuditLog.Checkpoints.stored(on: app.db).max { $0.count < $1.count }
            if (newest?.count ?? 0) >= count { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTAssertGreaterThanOrEqual(newest?.count ?? 0, count, "a checkpoint within the job's round after the writes")
        let rounds = try await AuditLog.Checkpoints.stored(on: app.db).count
        try await Task.sleep(for: .milliseconds(600))
        try await assertEqual(try await AuditLog.Checkpoints.stored(on: app.db).count, rounds, "nothing written, no new checkpoint")

        // The newest entry removed behind Koho's back: verify finds it against the checkpoint.
        let last = try await AuditEntry.query(on: app.db).sort(\.$id, .descending).first()
        try await XCTUnwrap(last).delete(on: app.db)
        let (checkpoints, _) = try await AuditLog.Checkpoints.gathered(on: app.db, dataDirectory: dir)
        let v = try await AuditLog.check(on: app.db, checkpoints: checkpoints)
        XCTAssertFalse(v.breaks.isEmpty, "the removal is found")

        XCTAssertTrue(AuditLog.window(count: 12, last: AuditLog.Checkpoint(at: jst("2026-12-07T21:42"), count: 10, hash: "x"))
            .contains("令和8年12月7日（月）21:42、10件）の後の記録: 2件"))
        XCTAssertTrue(AuditLog.window(count: 10, last: nil).contains("チェックポイントがありません"))
    }
}
