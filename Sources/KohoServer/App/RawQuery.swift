import FluentKit
import Foundation
import PostgresNIO
import SQLiteNIO
import KohoCore

/// A read on the busiest pages, sent straight to the database driver: its text is written once, its rows come back by
/// position. Fluent's query builder, its models and the Codable decoders of SQLKit were most of a list's time (the
/// SQL text serialised again for every request, a property wrapper object per column per row, metadata lookups).
/// The same statement serves SQLite and PostgreSQL: `?` marks a bind and becomes `$1`, `$2`… for PostgreSQL.
struct RawStatement: Sendable {
    let sqlite: String

    init(_ text: String) { sqlite = text }

    /// `column IN (?, ?, …)` for `count` binds; none matches nothing (`IN ()` is not SQL).
    static func among(_ column: String, count: Int) -> String {
        count == 0 ? "1 = 0" : "\(column) IN (\(Array(repeating: "?", count: count).joined(separator: ", ")))"
    }

    /// The text with `$1`, `$2`… in place of each `?` (only asked on PostgreSQL).
    var postgres: String {
        var out = "", n = 0
        out.reserveCapacity(sqlite.utf8.count + 16)
        for ch in sqlite.unicodeScalars {
            if ch == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}

enum RawBind: Sendable {
    case text(String), int(Int), bool(Bool), date(Date), uuid(UUID)

    /// As Fluent's SQLite driver stores each type (a UUID as its text, a date as seconds since 1970, a Bool as 0/1).
    var sqlite: SQLiteData {
        switch self {
        case .text(let s): .text(s)
        case .int(let i): .integer(i)
        case .bool(let b): .integer(b ? 1 : 0)
        case .date(let d): .float(d.timeIntervalSince1970)
        case .uuid(let u): .text(UUIDText.string(u, uppercase: true))
        }
    }
}

/// One row of a `RawStatement`, read by column position. A value of the wrong type is an error, never a guess.
struct RawRow: Sendable {
    private enum Cells: Sendable {
        case sqlite([SQLiteData])
        case postgres(PostgresRandomAccessRow)
    }
    private let cells: Cells

    init(sqlite row: SQLiteRow) { cells = .sqlite(row.columns.map(\.data)) }
    init(postgres row: PostgresRow) { cells = .postgres(row.makeRandomAccess()) }

    struct Unreadable: Error, CustomStringConvertible {
        let column: Int
        let type: String
        var description: String { "列 \(column) を \(type) として読めません" }
    }

    private func lite<T>(_ i: Int, _ data: [SQLiteData], _ read: (SQLiteData) -> T?) throws -> T? {
        guard i < data.count else { throw Unreadable(column: i, type: "\(T.self)") }
        if case .null = data[i] { return nil }
        guard let v = read(data[i]) else { throw Unreadable(column: i, type: "\(T.self)") }
        return v
    }

    private func pg<T: PostgresDecodable>(_ i: Int, _ row: PostgresRandomAccessRow, _: T.Type) throws -> T? {
        guard i < row.count else { throw Unreadable(column: i, type: "\(T.self)") }
        let cell = row[i]
        return cell.bytes == nil ? nil : try cell.decode(T.self, context: .default)
    }

    func string(_ i: Int) throws -> String? {
        switch cells {
        case .sqlite(let d): try lite(i, d) { if case .text(let s) = $0 { s } else { nil } }
        case .postgres(let r): try pg(i, r, String.self)
        }
    }

    func int(_ i: Int) throws -> Int? {
        switch cells {
        case .sqlite(let d): try lite(i, d) { if case .integer(let n) = $0 { n } else { nil } }
        case .postgres(let r): try pg(i, r, Int.self)
        }
    }

    func bool(_ i: Int) throws -> Bool? {
        switch cells {
        case .sqlite(let d): try lite(i, d) { if case .integer(let n) = $0 { n != 0 } else { nil } }
        case .postgres(let r): try pg(i, r, Bool.self)
        }
    }

    func date(_ i: Int) throws -> Date? {
        switch cells {
        case .sqlite(let d): try lite(i, d) { Date(sqliteData: $0) }
        case .postgres(let r): try pg(i, r, Date.self)
        }
    }

    func uuid(_ i: Int) throws -> UUID? {
        switch cells {
        case .sqlite(let d): try lite(i, d) { if case .text(let s) = $0 { UUIDText.parse(s) } else { nil } }
        case .postgres(let r): try pg(i, r, UUID.self)
        }
    }

    func required<T>(_ value: T?, _ i: Int) throws -> T {
        guard let value else { throw Unreadable(column: i, type: "\(T.self)（空）") }
        return value
    }
}

extension RawStatement {
    /// The rows, on the transaction's connection when `db` is one. Nil when the database is neither driver's (a test
    /// double): the caller then reads through Fluent.
    func rows(on db: any Database, _ binds: [RawBind]) async throws -> [RawRow]? {
        if let lite = db as? any SQLiteDatabase {
            return try await lite.query(sqlite, binds.map(\.sqlite)).map(RawRow.init(sqlite:))
        }
        if let pg = db as? any PostgresDatabase {
            var bindings = PostgresBindings(capacity: binds.count)
            for b in binds {
                switch b {
                case .text(let s): bindings.append(s)
                case .int(let i): bindings.append(i)
                case .bool(let v): bindings.append(v)
                case .date(let d): bindings.append(d)
                case .uuid(let u): bindings.append(u)
                }
            }
            let query = PostgresQuery(unsafeSQL: postgres, binds: bindings)
            let logger = db.logger
            return try await pg.withConnection { conn in
                conn.eventLoop.makeFutureWithTask {
                    try await conn.query(query, logger: logger).collect().map(RawRow.init(postgres:))
                }
            }.get()
        }
        return nil
    }
}
