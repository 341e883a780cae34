import Fluent
import Foundation
import KohoCore

/// Once a Tokyo day, the audit chain's head (how many entries, the last one's number, hash and time) is queued as
/// a mail notice to the addresses of `koho serve --audit-mail`, and the mail outbox sends it (retries, attempts,
/// `mail.sent` in the trail): a copy of the head that lives outside the server, to hold `koho audit verify` against.
enum AuditHeadMail {
    static let kind = "audit.head"
    static let jobName = "audit-head-mail"

    struct Head: Sendable, Equatable {
        let count: Int
        let id: Int?
        let hash: String
        let at: Date?
    }

    static func head(on db: Database) async throws -> Head {
        let count = try await AuditEntry.query(on: db).count()
        let last = try await AuditEntry.query(on: db).sort(\.$id, .descending).first()
        return Head(count: count, id: last?.id, hash: last?.hash ?? AuditLog.genesis, at: last?.at)
    }

    /// The line `koho audit verify` prints and the mail carries, the same words in both.
    static func line(_ h: Head) -> String {
        "先頭: \(h.count)件目\(h.id.map { "（#\($0)）" } ?? "") ハッシュ \(h.hash)" + (h.at.map { " 日時 \(JapaneseTime.iso8601($0))" } ?? "")
    }

    /// The Tokyo day of `now`, `YYYY-MM-DD`.
    static func day(_ now: Date) -> String { String(JapaneseTime.iso8601(now).prefix(10)) }

    static func subjectRef(day: String) -> String { "audit:head:\(day)" }

    /// Queues today's mail unless it is queued already; whether it queued one. Nothing without addresses or a relay.
    @discardableResult
    static func queueIfDue(on db: Database, ctx: KohoContext, relay: MailSettings?, to addresses: [String]) async throws -> Bool {
        guard let relay, !addresses.isEmpty else { return false }
        let now = ctx.now, today = day(now), ref = subjectRef(day: today)
        return try await ctx.write(on: db) { tx in
            guard try await MailNotice.query(on: tx).filter(\.$kind == kind).filter(\.$subjectRef == ref).count() == 0 else { return false }
            let h = try await head(on: tx)
            let body = """
                Koho の監査記録（ハッシュの連鎖）の、\(today)（日本時間）の先頭です。

                \(line(h))
                件数: \(h.count)
                最後の記録の番号: \(h.id.map(String.init) ?? "なし")
                ハッシュ（SHA-256）: \(h.hash)
                最後の記録の日時: \(h.at.map { JapaneseTime.iso8601($0) } ?? "なし")

                このメールは、監査記録の写しをサーバーの外に残すためのものです。消さずに保管してください。
                サーバーで koho audit verify を実行すると同じ形の「先頭」の行が表示されます。このメールの件数の記録のハッシュが、
                そのとき記録一式（record.json）やデータベースにあるものと違えば、記録が書き換えられたか削除されています。
                """
            var settings = relay
            settings.notify = addresses
            return try await MailOutbox.enqueue(on: tx, settings: settings, kind: kind, subjectRef: ref,
                                                subject: "【Koho】監査記録の先頭（\(today)）", body: body, now: now)
        }
    }
}
