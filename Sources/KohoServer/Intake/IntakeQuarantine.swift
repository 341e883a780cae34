import Fluent
import Foundation
import Vapor

/// An item a source could not take (a mail that cannot be read, a feed item or an agency message that failed), set
/// aside so that it is not tried for ever and does not hold back the items after it. The chief sees each with its
/// reason on the dashboard; setting one aside is audited.
final class QuarantinedItem: Model, @unchecked Sendable {
    static let schema = "intake_quarantine"
    @ID(key: .id) var id: UUID?
    /// The source as its items are recorded (`website:URL`, `agency`, `mail`).
    @Field(key: "source") var source: String
    @Field(key: "item_key") var key: String
    @Field(key: "title") var title: String
    @Field(key: "reason") var reason: String
    @Field(key: "first_at") var firstAt: Date
    @Field(key: "last_at") var lastAt: Date
    @Field(key: "attempts") var attempts: Int
    /// False while a fetch that failed may still succeed on a later round (see `IntakeService.fetchAttempts`).
    @Field(key: "set_aside") var setAside: Bool

    init() {}
}

struct CreateIntakeQuarantine: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(QuarantinedItem.schema)
            .id()
            .field("source", .string, .required)
            .field("item_key", .string, .required)
            .field("title", .string, .required)
            .field("reason", .string, .required)
            .field("first_at", .datetime, .required)
            .field("last_at", .datetime, .required)
            .field("attempts", .int, .required)
            .field("set_aside", .bool, .required)
            .unique(on: "source", "item_key")
            .create()
    }

    func revert(on db: Database) async throws {
        try await db.schema(QuarantinedItem.schema).delete()
    }
}

extension IntakeService {
    /// A message whose fetch failed this many rounds running is set aside: a link that always stalls would
    /// otherwise cost every round its time limit.
    static let fetchAttempts = 3

    static func isSetAside(_ ctx: KohoContext, source: String, key: String) async throws -> Bool {
        try await QuarantinedItem.query(on: ctx.db).filter(\.$source == source).filter(\.$key == key)
            .filter(\.$setAside == true).first() != nil
    }

    /// Records the failure of an item; with `permanent` (or after `fetchAttempts` failures) it is set aside, audited.
    /// True when the item is now set aside.
    @discardableResult
    static func quarantine(_ ctx: KohoContext, source: String, key: String, title: String, reason: String, at: Date,
                           permanent: Bool = true) async throws -> Bool {
        let reason = String(reason.prefix(1000)), title = String(title.prefix(500))
        return try await ctx.write(on: ctx.db) { db in
            let q = try await QuarantinedItem.query(on: db).filter(\.$source == source).filter(\.$key == key).first() ?? {
                let q = QuarantinedItem()
                q.id = UUID()
                q.source = source
                q.key = key
                q.firstAt = at
                q.attempts = 0
                q.setAside = false
                return q
            }()
            let was = q.setAside
            q.title = title
            q.reason = reason
            q.lastAt = at
            q.attempts += 1
            q.setAside = was || permanent || q.attempts >= fetchAttempts
            try await q.save(on: db)
            if q.setAside, !was {
                try await AuditLog.appendLocked(on: db, at: at, actor: actorName, action: "intake.quarantine",
                                                subject: "intake:\(source)", detail: "\(String(key.prefix(300)))（\(title)）", reason: reason)
            }
            return q.setAside
        }
    }
}
