import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit

/// Group commit for the publisher's writes. Writes that arrive while one is being committed go together into the
/// next transaction, each inside a savepoint of its own, so that the posts in flight share one commit (one fsync of
/// the log) instead of one each. Nothing else changes: every write is still one atomic change with its audit entry,
/// a write that fails is rolled back alone (to its savepoint), and a caller returns only after the commit that holds
/// its write has succeeded; if that commit fails, every write in it fails and its caller tries again as before. So
/// an attempt is still committed before its platform call is made.
///
/// A write's audit entries (`Write.audit`) are appended to the chain at the end of its transaction, all the
/// transaction's entries in one statement after one read of the chain's head: still in the same transaction as the
/// change they record, and gone with it when the write fails.
actor GroupCommit {
    /// One write's part of the shared transaction.
    final class Write: Sendable {
        let db: Database
        fileprivate let entries = NIOLockedValueBox<[AuditTrail.Pending]>([])

        init(_ db: Database) { self.db = db }

        /// Records an entry in the audit trail with this write (appended when the transaction commits).
        func audit(at: Date, actor: String, action: String, subject: String, detail: String, reason: String) {
            let entry = AuditTrail.Pending(at: at, actor: actor, action: action, subject: subject, detail: detail, reason: reason)
            entries.withLockedValue { $0.append(entry) }
        }
    }

    private struct Entry: Sendable {
        let body: @Sendable (Write) async throws -> any Sendable
        let done: CheckedContinuation<any Sendable, any Error>
    }

    private var queue: [Entry] = []
    private var draining = false
    /// How many transactions carried the writes so far.
    private(set) var transactions = 0
    /// A bound on one transaction, so that another server waiting for the database is not kept out long.
    static let maxBatch = 16

    func run<T: Sendable>(_ db: Database, lock: AuditTrail, _ body: @escaping @Sendable (Write) async throws -> T) async throws -> T {
        let value = try await withCheckedThrowingContinuation { (done: CheckedContinuation<any Sendable, any Error>) in
            queue.append(Entry(body: { try await body($0) }, done: done))
            if !draining {
                draining = true
                Task { await self.drain(db, lock) }
            }
        }
        guard let typed = value as? T else { throw GroupCommitError() }
        return typed
    }

    private func drain(_ db: Database, _ lock: AuditTrail) async {
        while !queue.isEmpty {
            let batch = Array(queue.prefix(Self.maxBatch))
            queue.removeFirst(batch.count)
            transactions += 1
            // Off the actor: writes that arrive meanwhile queue up for the next transaction.
            await Self.commit(batch, db, lock)
        }
        draining = false
    }

    private nonisolated static func commit(_ batch: [Entry], _ db: Database, _ lock: AuditTrail) async {
        let results: [Result<any Sendable, any Error>]
        do {
            results = try await lock.run {
                try await db.transaction { tx -> [Result<any Sendable, any Error>] in
                    var out: [Result<any Sendable, any Error>] = []
                    var audited: [AuditTrail.Pending] = []
                    if batch.count == 1 {
                        // One write alone is its own transaction, exactly as without grouping.
                        let write = Write(tx)
                        out.append(.success(try await batch[0].body(write)))
                        audited = write.entries.withLockedValue { $0 }
                    } else {
                        guard let sql = tx as? SQLDatabase else { throw GroupCommitError() }
                        for (i, entry) in batch.enumerated() {
                            let write = Write(tx)
                            // Not released: the commit keeps what the savepoints hold, one statement fewer per write.
                            try await sql.raw("SAVEPOINT koho_write_\(unsafeRaw: String(i))").run()
                            do {
                                let value = try await entry.body(write)
                                out.append(.success(value))
                                audited += write.entries.withLockedValue { $0 }
                            } catch {
                                try await sql.raw("ROLLBACK TO SAVEPOINT koho_write_\(unsafeRaw: String(i))").run()
                                out.append(.failure(error))
                            }
                        }
                    }
                    try await AuditTrail.append(audited, on: tx)
                    return out
                }
            }
        } catch {
            for entry in batch { entry.done.resume(throwing: error) }
            return
        }
        for (entry, result) in zip(batch, results) { entry.done.resume(with: result) }
    }
}

struct GroupCommitError: Error {}
