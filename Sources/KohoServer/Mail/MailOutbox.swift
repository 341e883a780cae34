import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor
import KohoCore

/// A notice waiting to go by e-mail, written in the same transaction as what it tells of, so that nothing is told
/// that did not happen and nothing that happened goes untold; the mail job sends it.
final class MailNotice: Model, @unchecked Sendable {
    static let schema = "mail_notices"
    @ID(key: .id) var id: UUID?
    @Field(key: "kind") var kind: String
    @Field(key: "subject_ref") var subjectRef: String
    @Field(key: "recipients") var recipients: String
    @Field(key: "mail_subject") var mailSubject: String
    @Field(key: "body") var body: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "sent_at") var sentAt: Date?
    @Field(key: "attempts") var attempts: Int
    @OptionalField(key: "next_attempt_at") var nextAttemptAt: Date?
    @OptionalField(key: "last_error") var lastError: String?

    init() {}
}

struct CreateMailNotice: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(MailNotice.schema)
            .id()
            .field("kind", .string, .required)
            .field("subject_ref", .string, .required)
            .field("recipients", .string, .required)
            .field("mail_subject", .string, .required)
            .field("body", .string, .required)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime)
            .field("last_error", .string)
            .create()
    }

    func revert(on db: Database) async throws {
        try await db.schema(MailNotice.schema).delete()
    }
}

/// Sends mail; the live value speaks SMTP, tests may put anything in its place.
struct Mailer: Sendable {
    let settings: MailSettings
    let send: @Sendable (OutgoingMail) async throws -> Void

    static func live(_ settings: MailSettings) -> Mailer {
        let client = SMTPClient(settings: settings)
        return Mailer(settings: settings, send: { try await client.send($0) })
    }
}

enum MailOutbox {
    /// Gives up after this many failed attempts; the last error stays on the row and in the audit trail.
    static let maxAttempts = 8

    /// Queues a notice for the configured recipients, on `db` (inside the caller's transaction). Nothing is queued
    /// when no mail server is configured.
    @discardableResult
    static func enqueue(on db: Database, settings: MailSettings?, kind: String, subjectRef: String, subject: String,
                        body: String, now: Date) async throws -> Bool {
        guard let settings, !settings.notify.isEmpty else { return false }
        let n = MailNotice()
        n.id = UUID()
        n.kind = kind
        n.subjectRef = subjectRef
        n.recipients = settings.notify.joined(separator: ",")
        n.mailSubject = subject
        n.body = body
        n.createdAt = now
        n.attempts = 0
        try await n.create(on: db)
        return true
    }

    /// A claimed notice that is never settled (the process died while sending) is due again after this.
    static let claimSeconds: TimeInterval = 120
    /// 30 s, 1 min, 2 min … at most an hour between tries.
    static let retryPolicy = RetryPolicy(baseSeconds: 30, maxSeconds: 3600, jitter: { 1 })

    /// One round of the mail job: sends what is due, oldest first, one at a time; how many it sent or gave up on.
    /// A notice is claimed first, so that another process's round (`koho intake mail` beside the server) does not
    /// send it too; its `next_attempt_at` is the lease. `observe` hears of each attempt (the intake shows the relay's
    /// state among its sources).
    static func sendDue(on db: Database, _ ctx: KohoContext, mailer: Mailer, logger: Logger,
                        observe: (@Sendable (MailNotice, (any Error)?) async -> Void)? = nil) async throws -> Int {
        let settled = NIOLockedValueBox(0)
        let outbox = Outbox<MailNotice, MailNotice>(
            due: { limit in
                let now = ctx.now
                return try await MailNotice.query(on: db).filter(\.$sentAt == nil).filter(\.$attempts < maxAttempts)
                    .group(.or) { $0.filter(\.$nextAttemptAt == nil).filter(\.$nextAttemptAt <= now) }
                    .sort(\.$createdAt).limit(limit).all()
            },
            group: { _ in "mail" }, id: { $0.id ?? UUID() },
            claim: { n in
                guard let id = n.id else { return nil }
                let now = ctx.now
                let rows = try await ctx.write(on: db) { db in
                    try await OutboxLease.claim(db, table: MailNotice.schema, id: id, column: "next_attempt_at",
                                                until: now.addingTimeInterval(claimSeconds), now: now, where: " AND sent_at IS NULL")
                }
                return rows.isEmpty ? nil : n
            },
            work: { n in
                if try await send(n, on: db, ctx, mailer: mailer, logger: logger, observe: observe) { settled.withLockedValue { $0 += 1 } }
            },
            failed: { n, error in logger.warning("mail for \(n.subjectRef): \(String(describing: error))") })
        try await OutboxRunner(perGroup: 1, batch: 20).pass(outbox)
        return settled.withLockedValue { $0 }
    }

    /// Sends one claimed notice and records what became of it, the notice and its attempt together; whether it was
    /// sent or given up on.
    private static func send(_ n: MailNotice, on db: Database, _ ctx: KohoContext, mailer: Mailer, logger: Logger,
                             observe: (@Sendable (MailNotice, (any Error)?) async -> Void)?) async throws -> Bool {
        let attempt = try await begin(n, on: db, ctx)
        let mail = OutgoingMail(to: n.recipients.split(separator: ",").map(String.init), subject: n.mailSubject, body: n.body)
        // Only the send's own failure counts as one; a failure to record it afterwards is the round's error.
        var failure: (any Error)?
        do { try await mailer.send(mail) } catch is CancellationError {
            // The server stopping is no failed attempt: the claim lapses and the next round sends it.
            throw CancellationError()
        } catch { failure = error }
        var settled = true
        attempt.finishedAt = ctx.now
        if let failure {
            n.attempts += 1
            n.lastError = String(String(describing: failure).prefix(500))
            n.nextAttemptAt = ctx.now.addingTimeInterval(retryPolicy.backoff(n.attempts))
            attempt.outcome = .notDone
            attempt.message = n.lastError ?? ""
            logger.warning("mail for \(n.subjectRef) failed (attempt \(n.attempts)): \(n.lastError ?? "")")
            if n.attempts >= maxAttempts {
                try await record(n, attempt, on: db, ctx, audit: ("mail.failed", n.kind, n.lastError ?? ""))
            } else {
                try await record(n, attempt, on: db, ctx, audit: nil)
                settled = false
            }
        } else {
            n.sentAt = ctx.now
            n.lastError = nil
            attempt.outcome = .published
            try await record(n, attempt, on: db, ctx, audit: ("mail.sent", "\(n.kind)（宛先\(mail.to.count)件）", ""))
        }
        await observe?(n, failure)
        return settled
    }

    /// Writes the attempt as pending before the relay is called. An earlier one still pending was cut off mid-send:
    /// SMTP cannot say whether it arrived, so it is marked unknown and the notice goes again.
    private static func begin(_ n: MailNotice, on db: Database, _ ctx: KohoContext) async throws -> MailAttempt {
        guard let id = n.id else { throw OutboxError.unsaved }
        let now = ctx.now, worker = ctx.config.publisher.workerID
        return try await ctx.write(on: db) { db in
            let earlier = try await MailAttempt.query(on: db).filter(\.$noticeID == id).sort(\.$number, .descending).first()
            if let earlier, earlier.outcome == .pending {
                earlier.outcome = .unknown
                earlier.message = "送信の途中で処理が止まりました。届いたか確かめられないため、もう一度送ります"
                earlier.finishedAt = now
                try await earlier.update(on: db)
            }
            let attempt = MailAttempt()
            attempt.id = UUID()
            attempt.noticeID = id
            attempt.number = (earlier?.number ?? 0) + 1
            attempt.startedAt = now
            attempt.outcome = .pending
            attempt.message = ""
            attempt.worker = worker
            try await attempt.create(on: db)
            return attempt
        }
    }

    private static func record(_ n: MailNotice, _ attempt: MailAttempt, on db: Database, _ ctx: KohoContext,
                               audit: (action: String, detail: String, reason: String)?) async throws {
        try await ctx.write(on: db) { db in
            try await n.update(on: db)
            try await attempt.update(on: db)
            if let audit {
                try await AuditLog.appendLocked(on: db, at: ctx.now, actor: "system", action: audit.action, subject: n.subjectRef,
                                                detail: audit.detail, reason: audit.reason)
            }
        }
    }
}
