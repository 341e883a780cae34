import Fluent
import Foundation

/// One try at sending a notice, recorded as every outbox records its attempts (`OutboxAttempt`): written before the
/// relay is called, its outcome after. One still pending at the next claim was cut off mid-send (the process
/// stopped); SMTP cannot tell whether it arrived, so it is marked unknown and the notice sent again.
final class MailAttempt: Model, OutboxAttempt, @unchecked Sendable {
    static let schema = "mail_attempts"
    @ID(key: .id) var id: UUID?
    @Field(key: "notice_id") var noticeID: UUID
    @Field(key: "number") var number: Int
    @Field(key: "started_at") var startedAt: Date
    @OptionalField(key: "finished_at") var finishedAt: Date?
    /// pending, published (the relay took it), notDone (refused or unreachable), unknown (cut off).
    @Field(key: "outcome") var outcome: AttemptOutcome
    @Field(key: "message") var message: String
    @Field(key: "worker") var worker: String

    init() {}
}

struct CreateMailAttempt: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(MailAttempt.schema)
            .id()
            .field("notice_id", .uuid, .required, .references(MailNotice.schema, "id"))
            .outboxAttemptFields()
            .unique(on: "notice_id", "number")
            .create()
    }

    func revert(on db: Database) async throws { try await db.schema(MailAttempt.schema).delete() }
}

extension SchemaBuilder {
    /// The columns of `OutboxAttempt`, as every outbox's attempts table has them.
    func outboxAttemptFields() -> SchemaBuilder {
        field("number", .int, .required).field("started_at", .datetime, .required).field("finished_at", .datetime)
            .field("outcome", .string, .required).field("message", .string, .required).field("worker", .string, .required)
    }
}
