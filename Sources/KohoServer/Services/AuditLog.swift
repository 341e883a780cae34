import Fluent
import SQLKit
import Foundation
import Vapor
import KohoCore

/// The hash-chained audit trail: who, when, what and why.
enum AuditLog {
    static let genesis = String(repeating: "0", count: 64)

    static func append(_ req: Request, actor: String, action: String, subject: String = "", detail: String = "", reason: String = "") async throws {
        let db = req.db, now = req.koho.now
        try await req.koho.writeLock.run {
            try await appendLocked(on: db, at: now, actor: actor, action: action, subject: subject, detail: detail, reason: reason)
        }
    }

    /// Appends with the write lock already held by the caller.
    static func appendLocked(on db: Database, at: Date, actor: String, action: String, subject: String, detail: String, reason: String) async throws {
        guard db.inTransaction else {
            return try await db.transaction { try await appendLocked(on: $0, at: at, actor: actor, action: action, subject: subject, detail: detail, reason: reason) }
        }
        try await lockChainAcrossProcesses(db)
        let last = try await AuditEntry.query(on: db).sort(\.$id, .descending).first()
        let e = AuditEntry()
        e.at = Date(timeIntervalSince1970: at.timeIntervalSince1970.rounded(.down))
        e.actor = actor
        e.action = action
        e.subject = subject
        e.detail = detail
        e.reason = reason
        e.prevHash = last?.hash ?? genesis
        e.hash = hash(of: e)
        try await e.create(on: db)
    }

    /// The in-process write lock does not reach another server on the same PostgreSQL; without this, two
    /// servers appending at once read the same last entry and one of them fails on the unique `prev_hash`.
    /// Held until the caller's transaction ends. SQLite serialises writers itself.
    private static func lockChainAcrossProcesses(_ db: Database) async throws {
        guard let sql = db as? SQLDatabase, sql.dialect.name == "postgresql" else { return }
        try await sql.raw("SELECT pg_advisory_xact_lock(\(literal: chainLockKey))").run()
    }

    /// An arbitrary constant naming the audit chain's advisory lock ("koho" in ASCII).
    static let chainLockKey = 0x6B6F686F

    static func hash(of e: AuditEntry) -> String {
        let fields = [e.prevHash, String(Int(e.at.timeIntervalSince1970)), e.actor, e.action, e.subject, e.detail, e.reason]
        // Lengths first, so that moving text between fields changes the hash.
        return Secrets.sha256Hex(fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|"))
    }

    struct Break: Error, CustomStringConvertible {
        let id: Int
        let problem: String
        var description: String { "記録 #\(id) で連鎖が切れています: \(problem)" }
    }

    /// Nil when the chain is whole; otherwise the first broken entry.
    static func verify(on db: Database) async throws -> (count: Int, broken: Break?) {
        let entries = try await AuditEntry.query(on: db).sort(\.$id, .ascending).all()
        var prev = genesis
        for e in entries {
            let id = e.id ?? 0
            if e.prevHash != prev { return (entries.count, Break(id: id, problem: "前の記録のハッシュと一致しません（削除または改ざん）")) }
            if hash(of: e) != e.hash { return (entries.count, Break(id: id, problem: "内容がハッシュと一致しません（改ざん）")) }
            prev = e.hash
        }
        return (entries.count, nil)
    }

    static func csv(_ entries: [AuditEntry]) -> String {
        func q(_ s: String) -> String {
            // A leading =, +, - or @ would run as a formula in a spreadsheet; a quote mark keeps it text.
            var t = s
            if let f = t.first, "=+-@".contains(f) { t = "'" + t }
            return "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var out = "id,at,actor,action,subject,detail,reason,prev_hash,hash\r\n"
        for e in entries {
            out += [String(e.id ?? 0), JapaneseTime.iso8601(e.at), e.actor, e.action, e.subject, e.detail, e.reason, e.prevHash, e.hash]
                .map(q).joined(separator: ",") + "\r\n"
        }
        return out
    }

    struct JSONEntry: Content {
        let id: Int
        let at: String
        let actor, action, subject, detail, reason, prevHash, hash: String
        init(_ e: AuditEntry) {
            id = e.id ?? 0; at = JapaneseTime.iso8601(e.at); actor = e.actor; action = e.action; subject = e.subject
            detail = e.detail; reason = e.reason; prevHash = e.prevHash; hash = e.hash
        }
    }
}

