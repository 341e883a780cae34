import Fluent
import SQLKit
import Foundation
import Vapor
import KohoCore
#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#else
import Darwin
private let systemWrite = Darwin.write
#endif

/// The audit trail of this process: one actor that owns the chain (appending, checking, checkpoints outside the
/// database) and the write lock under which every audited change is made, so that one writer at a time extends
/// the chain here and the advisory lock keeps other servers on the same PostgreSQL out.
actor AuditTrail {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init() {}

    /// Runs `body` as this process's one writer; an audited change appends its entry (`append`) inside it.
    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        // Already this task's write (`KohoContext.write`): the lock is held by the caller.
        if WriteScope.transaction != nil { return try await body() }
        if busy { await withCheckedContinuation { waiters.append($0) } } else { busy = true }
        defer { if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() } }
        return try await body()
    }

    /// An entry of its own: one transaction, under the lock.
    func record(on db: Database, at: Date, actor: String, action: String, subject: String = "", detail: String = "",
                reason: String = "") async throws {
        if let tx = WriteScope.transaction {
            return try await Self.append(on: tx, at: at, actor: actor, action: action, subject: subject, detail: detail, reason: reason)
        }
        try await run {
            try await db.transaction { try await Self.append(on: $0, at: at, actor: actor, action: action, subject: subject,
                                                             detail: detail, reason: reason) }
        }
    }

    /// Appends within the caller's transaction (opened here if there is none); the caller holds `run`.
    static func append(on db: Database, at: Date, actor: String, action: String, subject: String, detail: String, reason: String) async throws {
        guard db.inTransaction else {
            return try await db.transaction { try await append(on: $0, at: at, actor: actor, action: action, subject: subject, detail: detail, reason: reason) }
        }
        try await append([Pending(at: at, actor: actor, action: action, subject: subject, detail: detail, reason: reason)], on: db)
    }

    /// An entry not yet chained: what `append` records.
    struct Pending: Sendable {
        let at: Date
        let actor, action, subject, detail, reason: String
    }

    /// Appends `entries` in order within the caller's transaction (the caller holds `run`): one read of the chain's
    /// head, then one INSERT of all of them, each holding the hash of the one before.
    static func append(_ entries: [Pending], on db: Database) async throws {
        guard !entries.isEmpty else { return }
        guard let sql = db as? SQLDatabase else { throw AuditChainError() }
        try await lockChainAcrossProcesses(db)
        var prev = try await sql.raw("SELECT hash FROM audit_entries ORDER BY id DESC LIMIT 1").first()?
            .decode(column: "hash", as: String.self) ?? AuditLog.genesis
        // Rows are numbered in the order of the VALUES list, which is the chain's order.
        for chunk in stride(from: 0, to: entries.count, by: 50).map({ entries[$0..<min($0 + 50, entries.count)] }) {
            var rows: [SQLQueryString] = []
            for p in chunk {
                let e = AuditEntry()
                e.at = Date(timeIntervalSince1970: p.at.timeIntervalSince1970.rounded(.down))
                e.actor = AuditLog.recordable(p.actor)
                e.action = AuditLog.recordable(p.action)
                e.subject = AuditLog.recordable(p.subject)
                e.detail = AuditLog.recordable(p.detail)
                e.reason = AuditLog.recordable(p.reason)
                e.prevHash = prev
                e.hash = AuditLog.hash(of: e)
                prev = e.hash
                rows.append("(\(bind: e.at), \(bind: e.actor), \(bind: e.action), \(bind: e.subject), \(bind: e.detail), \(bind: e.reason), \(bind: e.prevHash), \(bind: e.hash))")
            }
            try await sql.raw("""
                INSERT INTO audit_entries (at, actor, action, subject, detail, reason, prev_hash, hash) VALUES \(rows.joined(separator: ", "))
                """).run()
        }
    }

    /// The in-process lock does not reach another server on the same PostgreSQL; without this, two
    /// servers appending at once read the same last entry and one of them fails on the unique `prev_hash`.
    /// Held until the caller's transaction ends. SQLite serialises writers itself.
    private static func lockChainAcrossProcesses(_ db: Database) async throws {
        guard let sql = db as? SQLDatabase, sql.dialect.name == "postgresql" else { return }
        try await sql.raw("SELECT pg_advisory_xact_lock(\(literal: AuditLog.chainLockKey))").run()
    }

    /// Appends the chain's head to the checkpoint table and file, as this process's one writer: two writes of the
    /// file never interleave, and on SQLite the row never meets another write.
    @discardableResult
    func writeCheckpoint(on db: Database, dataDirectory: URL, at now: Date, logger: Logger, always: Bool = true) async throws -> AuditLog.Checkpoint? {
        try await run { try await AuditLog.Checkpoints.write(on: db, dataDirectory: dataDirectory, at: now, logger: logger, always: always) }
    }
}

struct AuditChainError: Error {}

/// The trail's record format: the hash rule, text as kept, verification and checkpoints, exports.
enum AuditLog {
    static let genesis = String(repeating: "0", count: 64)

    static func append(_ req: Request, actor: String, action: String, subject: String = "", detail: String = "", reason: String = "") async throws {
        try await req.koho.audit.record(on: req.db, at: req.koho.now, actor: actor, action: action, subject: subject, detail: detail, reason: reason)
    }

    /// Appends with the trail's lock (`AuditTrail.run`, `writeLock`) already held by the caller.
    static func appendLocked(on db: Database, at: Date, actor: String, action: String, subject: String, detail: String, reason: String) async throws {
        try await AuditTrail.append(on: db, at: at, actor: actor, action: action, subject: subject, detail: detail, reason: reason)
    }

    /// An arbitrary constant naming the audit chain's advisory lock ("koho" in ASCII).
    static let chainLockKey = 0x6B6F686F

    static func hash(of e: AuditEntry) -> String {
        let fields = [e.prevHash, String(Int(e.at.timeIntervalSince1970)), e.actor, e.action, e.subject, e.detail, e.reason]
        // Lengths first, so that moving text between fields changes the hash.
        return Secrets.sha256Hex(fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|"))
    }

    /// Text as it is kept in the trail: control characters other than TAB, LF and CR written visibly as `\u{0}`,
    /// and a backslash as `\\`, so that the record says exactly what was typed and reads back as stored
    /// (SQLite returns text only up to a NUL; PostgreSQL refuses NUL outright).
    static func recordable(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0 == "\\" || needsEscape($0) }) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            if u == "\\" {
                out += "\\\\"
            } else if needsEscape(u) {
                out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    private static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        (u.value < 0x20 && u != "\t" && u != "\n" && u != "\r") || (0x7F...0x9F).contains(u.value)
    }

    struct Break: Error, CustomStringConvertible {
        /// The entry where the chain breaks; nil for a break found against a checkpoint.
        let id: Int?
        let problem: String
        /// False for a difference from a checkpoint: the chain itself may be whole.
        var inChain = true
        var description: String {
            guard let id else { return problem }
            return inChain ? "記録 #\(id) で連鎖が切れています: \(problem)" : "記録 #\(id): \(problem)"
        }
    }

    /// The chain checked entry by entry and against every checkpoint; every break is listed, not only the first.
    struct Verification {
        let count: Int
        /// The last entry's hash (the genesis value for an empty trail): the value to compare with a copy kept elsewhere.
        let headHash: String
        let headID: Int?
        let breaks: [Break]
        var headAt: Date? = nil
        var broken: Break? { breaks.first }
    }

    /// The count and the first break only, for callers that need to know whether the chain is whole.
    static func verify(on db: Database) async throws -> (count: Int, broken: Break?) {
        let v = try await check(on: db, checkpoints: [])
        return (v.count, v.broken)
    }

    static func check(on db: Database, checkpoints: [Checkpoint]) async throws -> Verification {
        let entries = try await AuditEntry.query(on: db).sort(\.$id, .ascending).all()
        var breaks: [Break] = []
        var prev = genesis
        for e in entries {
            let id = e.id ?? 0
            if e.prevHash != prev { breaks.append(Break(id: id, problem: "前の記録のハッシュと一致しません（削除または改ざん）")) }
            if hash(of: e) != e.hash, try await !matchesAsStored(e, on: db) {
                breaks.append(Break(id: id, problem: "内容がハッシュと一致しません（改ざん）"))
            }
            // On from the stored hash, so that one changed entry is one break and later ones are judged on their own.
            prev = e.hash
        }
        for c in checkpoints {
            if entries.count < c.count {
                breaks.append(Break(id: nil, problem: "\(c.label)より記録が少なくなっています（\(c.count)件 → \(entries.count)件。末尾または途中の削除）"))
            } else if c.count > 0, entries[c.count - 1].hash != c.hash {
                breaks.append(Break(id: entries[c.count - 1].id,
                                    problem: "\(c.label)の\(c.count)件目のハッシュと一致しません（書き換えまたは削除）", inChain: false))
            }
        }
        return Verification(count: entries.count, headHash: entries.last?.hash ?? genesis, headID: entries.last?.id, breaks: breaks,
                            headAt: entries.last?.at)
    }

    /// Entries written before text was made recordable may hold a NUL, which SQLite returns cut short: their
    /// hash is checked again on the bytes as stored (SQLite's `hex()` reads past a NUL), so that an old
    /// login attempt does not show as tampering for good.
    private static func matchesAsStored(_ e: AuditEntry, on db: Database) async throws -> Bool {
        guard let sql = db as? SQLDatabase, sql.dialect.name == "sqlite", let id = e.id else { return false }
        let columns = ["actor", "action", "subject", "detail", "reason"]
        let select = columns.map { "hex(\($0)) AS \($0)" }.joined(separator: ", ")
        guard let row = try await sql.raw("SELECT \(unsafeRaw: select) FROM audit_entries WHERE id = \(bind: id)").first() else { return false }
        var text: [String] = []
        for c in columns {
            guard let bytes = fromHex(try row.decode(column: c, as: String.self)) else { return false }
            text.append(String(decoding: bytes, as: UTF8.self))
        }
        let copy = AuditEntry()
        copy.at = e.at; copy.prevHash = e.prevHash
        copy.actor = text[0]; copy.action = text[1]; copy.subject = text[2]; copy.detail = text[3]; copy.reason = text[4]
        return hash(of: copy) == e.hash
    }

    private static func fromHex(_ s: String) -> [UInt8]? {
        let digits = Array(s.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(digits.count / 2)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let b = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
        }
        return out
    }

    /// The chain's head at one time, kept outside the database so that truncating or rewriting the chain
    /// (and recomputing every hash after the change) is found. One line per checkpoint: time, count, head hash.
    struct Checkpoint: Equatable {
        let at: Date
        let count: Int
        let hash: String

        var line: String { "\(JapaneseTime.iso8601(at))\t\(count)\t\(hash)" }
        var label: String { "チェックポイント（\(JapaneseTime.display(at))、\(count)件）" }

        init(at: Date, count: Int, hash: String) {
            self.at = at; self.count = count; self.hash = hash
        }

        init?(line: Substring) {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 3, let at = JapaneseTime.parseISO8601(String(f[0])), let count = Int(f[1]), count >= 0,
                  f[2].count == 64, f[2].allSatisfy(\.isHexDigit) else { return nil }
            self.init(at: at, count: count, hash: String(f[2]))
        }
    }

    enum Checkpoints {
        static let fileName = "audit-checkpoints.log"

        static func url(_ dataDirectory: URL) -> URL { dataDirectory.appendingPathComponent(fileName) }

        /// Every checkpoint in the file, and the lines that could not be read (as breaks: someone edited the file).
        static func read(_ dataDirectory: URL) throws -> (checkpoints: [Checkpoint], unreadable: [Break]) {
            let file = url(dataDirectory)
            guard FileManager.default.fileExists(atPath: file.path) else { return ([], []) }
            let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
            var found: [Checkpoint] = [], bad: [Break] = []
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
                if let c = Checkpoint(line: line) { found.append(c) } else {
                    bad.append(Break(id: nil, problem: "\(file.path):\(i + 1): チェックポイントの行を読めません（書き換え）"))
                }
            }
            return (found, bad)
        }

        /// The head as it stands, read consistently: the last entry, and how many entries there are up to it.
        static func head(on db: Database, at now: Date) async throws -> Checkpoint {
            guard let last = try await AuditEntry.query(on: db).sort(\.$id, .descending).first(), let id = last.id else {
                return Checkpoint(at: now, count: 0, hash: genesis)
            }
            let count = try await AuditEntry.query(on: db).filter(\.$id <= id).count()
            return Checkpoint(at: now, count: count, hash: last.hash)
        }

        static let schema = "audit_checkpoints"

        /// The checkpoints kept in the database beside the chain, where every server and `koho audit verify` on any
        /// host find them; oldest first.
        static func stored(on db: Database) async throws -> [Checkpoint] {
            try await AuditCheckpointRow.query(on: db).sort(\.$count, .ascending).sort(\.$at, .ascending).all()
                .map { Checkpoint(at: $0.at, count: $0.count, hash: $0.hash) }
        }

        /// The table's checkpoints and the data folder's file's (the same head once), and the file's unreadable lines.
        static func gathered(on db: Database, dataDirectory: URL) async throws -> (checkpoints: [Checkpoint], unreadable: [Break]) {
            let (inFile, unreadable) = try read(dataDirectory)
            var seen = Set<String>(), all: [Checkpoint] = []
            for c in try await stored(on: db) + inFile where seen.insert("\(c.count) \(c.hash)").inserted { all.append(c) }
            return (all, unreadable)
        }

        /// Appends the head to the table and to the file (created 0600, only ever appended to), and to the log.
        /// Nothing is written when the head is the one last kept, unless `always`.
        @discardableResult
        static func write(on db: Database, dataDirectory: URL, at now: Date, logger: Logger, always: Bool = true) async throws -> Checkpoint? {
            let current = try await head(on: db, at: now)
            if !always, let last = try await stored(on: db).last ?? read(dataDirectory).checkpoints.last,
               last.count == current.count, last.hash == current.hash {
                return nil
            }
            let row = AuditCheckpointRow()
            row.at = Date(timeIntervalSince1970: current.at.timeIntervalSince1970.rounded(.down))
            row.count = current.count
            row.hash = current.hash
            try await row.create(on: db)
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
            let fd = open(url(dataDirectory).path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw CheckpointError(path: url(dataDirectory).path, errno: errno) }
            defer { close(fd) }
            let bytes = Array((current.line + "\n").utf8)
            let written = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            guard written == bytes.count, fsync(fd) == 0 else { throw CheckpointError(path: url(dataDirectory).path, errno: errno) }
            logger.info("監査記録のチェックポイント: \(current.count)件、先頭のハッシュ \(current.hash)")
            return current
        }
    }

    /// What a checkpoint does not yet vouch for: the entries after the newest one, which only a later checkpoint (or
    /// the copy kept elsewhere) can show were not removed.
    static func window(count: Int, last: Checkpoint?) -> String {
        guard let last else { return "チェックポイントがありません: \(count)件すべてが、外に控えた値とまだ照合されていません" }
        let after = max(0, count - last.count)
        let when = JapaneseTime.staff(last.at)
        return after == 0 ? "最後のチェックポイント（\(when)、\(last.count)件）の後の記録はありません"
            : "最後のチェックポイント（\(when)、\(last.count)件）の後の記録: \(after)件（次のチェックポイントまで、消されても見分けられません）"
    }

    struct CheckpointError: Error, CustomStringConvertible {
        let path: String
        let errno: Int32
        var description: String { "チェックポイントを書けません: \(path): \(String(cString: strerror(errno)))" }
    }

    static func csv(_ entries: [AuditEntry]) -> String {
        func q(_ s: String) -> String {
            let t = SpreadsheetCells.guarded(s)
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


/// A checkpoint kept in the database (`AuditLog.Checkpoints.stored`).
final class AuditCheckpointRow: Model, @unchecked Sendable {
    static let schema = AuditLog.Checkpoints.schema

    @ID(key: .id) var id: UUID?
    @Field(key: "at") var at: Date
    @Field(key: "count") var count: Int
    @Field(key: "hash") var hash: String

    init() {}
}
