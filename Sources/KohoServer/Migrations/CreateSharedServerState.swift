import Fluent

/// What several servers on one database share instead of keeping it per data folder: the leases of the jobs that
/// run once across servers, the attached files (when the database is the media store) and the audit checkpoints.
struct CreateSharedServerState: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(JobLeases.schema)
            .field("name", .string, .identifier(auto: false))
            .field("holder", .string, .required)
            // Seconds since 1970 on the database's clock, so that the servers' clocks need not agree.
            .field("expires_at", .double, .required)
            .create()
        try await db.schema(MediaStore.blobSchema)
            .id()
            .field("name", .string, .required)
            .field("part", .int, .required)
            .field("bytes", .data, .required)
            .unique(on: "name", "part")
            .create()
        try await db.schema(AuditLog.Checkpoints.schema)
            .id()
            .field("at", .datetime, .required)
            .field("count", .int, .required)
            .field("hash", .string, .required)
            .create()
    }

    func revert(on db: Database) async throws {
        try await db.schema(AuditLog.Checkpoints.schema).delete()
        try await db.schema(MediaStore.blobSchema).delete()
        try await db.schema(JobLeases.schema).delete()
    }
}
