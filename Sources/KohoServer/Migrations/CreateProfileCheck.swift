import Fluent

struct CreateProfileCheck: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(ProfileCheckRecord.schema)
            .id()
            .field("account", .string, .required)
            .field("checked_at", .datetime, .required)
            .field("verified", .bool)
            .field("website", .string, .required)
            .field("links_to_city_page", .bool)
            .field("problem", .string, .required)
            .field("problem_since", .datetime)
            .field("read_error", .string, .required)
            .unique(on: "account")
            .create()
    }
    func revert(on db: Database) async throws { try await db.schema(ProfileCheckRecord.schema).delete() }
}
