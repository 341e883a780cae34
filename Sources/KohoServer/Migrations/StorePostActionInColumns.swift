import Fluent
import FluentSQL
import Foundation
import KohoCore

/// A post's planned action moves from the `fields` JSON blob (the fields of `koho check`) into a column per field,
/// so that lists, pages and the publisher read it without decoding. The same code runs on SQLite and PostgreSQL.
struct StorePostActionInColumns: AsyncMigration {
    /// The posts table as this migration sees it: both forms at once, whatever `Post` becomes later.
    final class Row: Model, @unchecked Sendable {
        static let schema = Post.schema
        @ID(key: .id) var id: UUID?
        @OptionalField(key: "fields") var fields: String?
        @Field(key: "account") var account: String
        @OptionalField(key: "category") var category: String?
        @Field(key: "emergency") var emergency: Bool
        @OptionalField(key: "article_origin") var articleOrigin: String?
        @OptionalField(key: "chosen_at") var chosenAt: Date?
        @Field(key: "kind") var kind: String
        @Field(key: "text") var text: String
        @OptionalField(key: "title") var title: String?
        @Field(key: "links") var links: String
        @OptionalField(key: "source_url") var sourceURL: String?
        @OptionalField(key: "emergency_reason") var emergencyReason: String?
        @OptionalField(key: "reply_purpose") var replyPurpose: String?
        @OptionalField(key: "quoted_account") var quotedAccount: String?
        @OptionalField(key: "in_reply_to") var inReplyTo: String?
        init() {}
    }

    static let columns: [(String, DatabaseSchema.DataType, [DatabaseSchema.FieldConstraint])] = [
        ("kind", .string, [.required, .sql(.default("post"))]),
        ("text", .string, [.required, .sql(.default(""))]),
        ("title", .string, []),
        ("links", .string, [.required, .sql(.default("[]"))]),
        ("source_url", .string, []),
        ("emergency_reason", .string, []),
        ("reply_purpose", .string, []),
        ("quoted_account", .string, []),
        ("in_reply_to", .string, []),
    ]

    func prepare(on db: Database) async throws {
        // One column per statement: SQLite adds only one at a time.
        for (name, type, constraints) in Self.columns {
            try await db.schema(Post.schema).field(.definition(name: .key(.string(name)), dataType: type, constraints: constraints)).update()
        }
        for row in try await Row.query(on: db).all() {
            let a: PlannedAction
            do { a = try PlannedAction.decode(json: Data((row.fields ?? "").utf8)) } catch {
                throw MigrationFailure(description: "投稿 \(row.id?.uuidString ?? "?") の fields が読めません: \(error)")
            }
            let e = StoredText.encode
            row.kind = a.kind.rawValue; row.text = e(a.text); row.title = a.title.map(e); row.links = Post.linksJSON(a.links)
            row.sourceURL = a.sourceURL.map(e); row.emergencyReason = a.emergencyReason.map(e); row.replyPurpose = a.replyPurpose.map(e)
            row.quotedAccount = a.quotedAccount.map(e); row.inReplyTo = a.inReplyTo.map(e)
            try await row.save(on: db)
        }
        try await db.schema(Post.schema).deleteField("fields").update()
    }

    func revert(on db: Database) async throws {
        try await db.schema(Post.schema).field("fields", .string, .required, .sql(.default("{}"))).update()
        for row in try await Row.query(on: db).all() {
            let d = StoredText.decode
            let a = PlannedAction(account: row.account, kind: PlannedAction.Kind(rawValue: row.kind) ?? .post, category: row.category,
                                  text: d(row.text), title: row.title.map(d),
                                  links: (try? JSONDecoder().decode([String].self, from: Data(row.links.utf8))) ?? [],
                                  sourceURL: row.sourceURL.map(d), scheduledAt: row.chosenAt, emergency: row.emergency,
                                  emergencyReason: row.emergencyReason.map(d), replyPurpose: row.replyPurpose.map(d),
                                  quotedAccount: row.quotedAccount.map(d), articleOrigin: row.articleOrigin, inReplyTo: row.inReplyTo.map(d))
            row.fields = String(decoding: try JSONEncoder().encode(JSONValue.object(a.fields)), as: UTF8.self)
            try await row.save(on: db)
        }
        for (name, _, _) in Self.columns.reversed() {
            try await db.schema(Post.schema).deleteField(.string(name)).update()
        }
    }

    struct MigrationFailure: Error, CustomStringConvertible { let description: String }
}
