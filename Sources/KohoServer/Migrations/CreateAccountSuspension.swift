import Fluent

struct CreateAccountSuspension: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(AccountSuspension.schema)
            .id()
            .field("account", .string, .required)
            .field("action", .string, .required)
            .field("notice_id", .uuid, .references(Notice.schema, "id"))
            .field("since", .datetime, .required)
            .field("by", .string, .required)
            .unique(on: "account")
            .create()
    }
    func revert(on db: Database) async throws { try await db.schema(AccountSuspension.schema).delete() }
}
