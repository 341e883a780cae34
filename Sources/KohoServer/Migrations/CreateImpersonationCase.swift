import Fluent

struct CreateImpersonationCase: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(ImpersonationCase.schema)
            .id()
            .field("platform", .string, .required)
            .field("handle", .string, .required)
            .field("name", .string, .required)
            .field("bio", .string, .required)
            .field("profile_url", .string, .required)
            .field("platform_id", .string, .required)
            .field("seen_at", .datetime, .required)
            .field("source", .string, .required)
            .field("reported_by", .string, .required)
            .field("report_note", .string, .required)
            .field("score", .double, .required)
            .field("reasons", .string, .required)
            .field("imitates", .string, .required)
            .field("step", .string, .required)
            .field("outcome", .string)
            .field("notice_id", .uuid)
            .field("takedown_text", .string, .required)
            .field("press_text", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await db.schema(ImpersonationCaseStepRecord.schema)
            .id()
            .field("case_id", .uuid, .required, .references(ImpersonationCase.schema, "id", onDelete: .cascade))
            .field("step", .string, .required)
            .field("actor", .string, .required)
            .field("at", .datetime, .required)
            .field("note", .string, .required)
            .create()
    }

    func revert(on db: Database) async throws {
        try await db.schema(ImpersonationCaseStepRecord.schema).delete()
        try await db.schema(ImpersonationCase.schema).delete()
    }
}
