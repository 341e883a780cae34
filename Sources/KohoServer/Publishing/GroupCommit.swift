import Fluent
import Foundation
import SQLKit

/// Group commit for the publisher's writes. Writes that arrive while one is being committed go together into the
/// next transaction, each inside a savepoint of its own, so that the posts in flight share one commit (one fsync of
/// the log) instead of one each. Nothing else changes: every write is still one atomic change with its audit entry,
/// a write that fails is rolled back alone (to its savepoint), and a caller returns only after the commit that holds
/// its write has succeeded; if that commit fails, every write in it fails and its caller tries again as before. So
/// an attempt is still committed before its platform call is made.
actor GroupCommit {
    private struct Entry: Sendable {
        let body: @Sendable (Database) async throws -> any Sendable
        let done: CheckedContinuation<any Sendable, any Error>
    }

    private var queue: [Entry] = []
    private var draining = false
    /// How many transactions carried the writes so far.
    private(set) var transactions = 0
    /// A bound on one transaction, so that another server waiting for the database is not kept out long.
    static let maxBatch = 16

    func run<T: Sendable>(_ db: Database, lock: AuditTrail, _ body: @escaping @Sendable (Database) async throws -> T) async throws -> T {
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
                    // One write alone is its own transaction, exactly as without grouping.
                    if batch.count == 1 { return [.success(try await batch[0].body(tx))] }
                    guard let sql = tx as? SQLDatabase else { throw GroupCommitError() }
                    var out: [Result<any Sendable, any Error>] = []
                    for entry in batch {
                        try await sql.raw("SAVEPOINT koho_write").run()
                        do {
                            let value = try await entry.body(tx)
                            try await sql.raw("RELEASE SAVEPOINT koho_write").run()
                            out.append(.success(value))
                        } catch {
                            try await sql.raw("ROLLBACK TO SAVEPOINT koho_write").run()
                            try await sql.raw("RELEASE SAVEPOINT koho_write").run()
                            out.append(.failure(error))
                        }
                    }
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
