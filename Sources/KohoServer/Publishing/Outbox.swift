import Fluent
import Foundation
import KohoPlatforms
import SQLKit

/// One of Koho's exactly-once outboxes (posts to publish, comment decisions to carry out, notices to mail), as the
/// runner drives it: what is due, the claim, the work (settling an earlier attempt whose outcome is unknown, then
/// performing and recording the new one), and what becomes of an item whose work failed.
struct Outbox<Item: Sendable, Claimed: Sendable>: Sendable {
    /// Up to `limit` items whose time has come and that no live lease holds, in the order they should go.
    var due: @Sendable (_ limit: Int) async throws -> [Item]
    /// Items of one group (a platform account) run at most `OutboxRunner.perGroup` at a time.
    var group: @Sendable (Item) -> String
    var id: @Sendable (Item) -> UUID
    /// Takes the item with a lease (`OutboxLease.claim`); nil when another worker won it or it is no longer due.
    var claim: @Sendable (Item) async throws -> Claimed?
    /// Settles, performs and records; runs only inside the claim's lease.
    var work: @Sendable (Claimed) async throws -> Void
    /// After `work` threw: frees the item to be tried again after the retry policy's first wait.
    var failed: @Sendable (Item, any Error) async -> Void
}

/// The runner of every outbox. A pass takes the due items in order, at most `perGroup` of one group at a time and the
/// groups side by side; when a full selection has all been started, the next is selected while those run, so that a
/// long queue keeps every group busy instead of waiting at the end of each selection for its slowest item.
struct OutboxRunner: Sendable {
    var perGroup: Int
    var batch = 64

    /// How many items this pass claimed and worked on.
    @discardableResult
    func pass<Item, Claimed>(_ outbox: Outbox<Item, Claimed>) async throws -> Int {
        var waiting = try await outbox.due(batch)
        guard !waiting.isEmpty else { return 0 }
        var more = waiting.count == batch
        let limit = max(1, perGroup)
        var worked = 0
        await withTaskGroup(of: (done: Bool, id: UUID, group: String).self) { tasks in
            var running: [String: Int] = [:]
            var inHand = Set<UUID>()
            while true {
                var i = 0
                while !Task.isCancelled, i < waiting.count {
                    let item = waiting[i], id = outbox.id(item), group = outbox.group(item)
                    guard running[group, default: 0] < limit else { i += 1; continue }
                    running[group, default: 0] += 1
                    inHand.insert(id)
                    waiting.remove(at: i)
                    tasks.addTask { (await Self.run(item, outbox), id, group) }
                }
                if waiting.isEmpty, more, !Task.isCancelled {
                    let next = (try? await outbox.due(batch)) ?? []
                    more = next.count == batch
                    waiting = next.filter { !inHand.contains(outbox.id($0)) }
                    if !waiting.isEmpty { continue }
                }
                guard let finished = await tasks.next() else { break }
                running[finished.group, default: 1] -= 1
                inHand.remove(finished.id)
                if finished.done { worked += 1 }
            }
        }
        return worked
    }

    /// Whether the item was worked on (false: another worker had it, or it was not due after all).
    private static func run<Item, Claimed>(_ item: Item, _ outbox: Outbox<Item, Claimed>) async -> Bool {
        guard let claimed = try? await outbox.claim(item) else { return false }
        do {
            try await outbox.work(claimed)
        } catch {
            await outbox.failed(item, error)
        }
        return true
    }
}

/// The lease every outbox claims its items with.
enum OutboxLease {
    /// One conditional UPDATE, won by whichever worker's statement the database applies first: row `id` of `table`
    /// is leased until `until` when its lease column is unset or past `now` and `conditions` hold (each starting with
    /// AND). `set` adds what the claim also changes (starting with a comma). The rows `returning` asks for; none when
    /// another worker holds it.
    static func claim(_ db: Database, table: String, id: UUID, column: String = "lease_until", until: Date, now: Date,
                      set: SQLQueryString = "", where conditions: SQLQueryString = "", returning: SQLQueryString = "id") async throws -> [SQLRow] {
        guard let sql = db as? SQLDatabase else { throw OutboxError.notSQL }
        return try await sql.raw("""
            UPDATE \(ident: table) SET \(ident: column) = \(bind: until)\(set)
            WHERE id = \(bind: id) AND (\(ident: column) IS NULL OR \(ident: column) <= \(bind: now))\(conditions)
            RETURNING \(returning)
            """).all()
    }

    /// Extends a lease that `owner` holds (just before a platform call, so that the call runs inside it); false when
    /// it was lost.
    static func renew(_ db: Database, table: String, id: UUID, owner: String, until: Date) async throws -> Bool {
        guard let sql = db as? SQLDatabase else { throw OutboxError.notSQL }
        let rows = try await sql.raw("""
            UPDATE \(ident: table) SET lease_until = \(bind: until) WHERE id = \(bind: id) AND lease_owner = \(bind: owner) RETURNING id
            """).all()
        return !rows.isEmpty
    }
}

enum OutboxError: Error { case notSQL, unsaved }

/// One attempt of an outbox item, as every outbox records it: written before the call, its outcome after.
protocol OutboxAttempt: AnyObject {
    var number: Int { get }
    var startedAt: Date { get }
    var finishedAt: Date? { get set }
    var outcome: AttemptOutcome { get set }
    var message: String { get set }
    var worker: String { get }
}

extension PublishAttempt: OutboxAttempt {}
extension CommentAction: OutboxAttempt {}

extension OutboxAttempt {
    /// Whether the call may have been carried out without Koho hearing of it: it is settled before another is made.
    var isOpen: Bool { outcome == .pending || outcome == .unknown }

    /// The platform's error recorded on the attempt (`message`: its explanation unless given).
    func record(_ e: PlatformError, message: String? = nil, at now: Date) {
        outcome = AttemptOutcome(after: e)
        self.message = message ?? e.explanation
        finishedAt = now
    }

    /// An open attempt settled: the platform had it (`found`) or not (`absent`, and a new attempt may go).
    func settle(found: Bool, note: String?, at now: Date) {
        outcome = found ? .found : .absent
        if let note { message += (message.isEmpty ? "" : " / ") + note }
        finishedAt = finishedAt ?? now
    }
}

extension AttemptOutcome {
    /// What an error answered to a call says became of it.
    init(after e: PlatformError) {
        switch e {
        case .transient: self = .unknown
        case .invalid: self = .refused
        case .rateLimited, .tokenExpiredOrRevoked: self = .notDone
        }
    }
}
