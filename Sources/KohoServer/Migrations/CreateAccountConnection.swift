import Fluent

struct CreateAccountConnection: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(AccountConnection.schema)
            .id()
            .field("account", .string, .required)
            .field("platform", .string, .required)
            .field("platform_user_id", .string, .required)
            .field("platform_username", .string, .required)
            .field("access_token", .string)
            .field("refresh_token", .string)
            .field("expires_at", .datetime)
            .field("status", .string, .required)
            .field("status_reason", .string, .required)
            .field("environment", .string, .required)
            .field("updated_at", .datetime, .required)
            .field("updated_by", .string, .required)
            .unique(on: "account")
            .create()
    }
    func revert(on db: Database) async throws { try await db.schema(AccountConnection.schema).delete() }
}
