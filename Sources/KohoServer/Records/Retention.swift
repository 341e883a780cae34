import Fluent
import Foundation
import KohoCore
import Plot
import SQLKit
import Vapor

/// A legal hold (訴訟ホールド): while it stands, retention removes nothing of the post, comment or impersonation case
/// it names (nor, for a post, its comments and attempts). Set and released by the chief, with a reason, audited.
final class LegalHold: Model, @unchecked Sendable {
    static let schema = "legal_holds"
    /// The audit trail's name of what it protects: `post:<id>`, `comment:<id>` or `impersonation-case:<id>`.
    @ID(custom: "subject", generatedBy: .user) var id: String?
    @Field(key: "reason") var reason: String
    @Field(key: "set_by") var setBy: String
    @Field(key: "set_at") var setAt: Date

    init() {}
}

enum LegalHolds {
    /// What a hold may name, as the pages and the API say it.
    enum Kind: String, CaseIterable, Sendable {
        case post, comment, impersonationCase = "impersonation-case"

        var words: String {
            switch self {
            case .post: return "投稿"
            case .comment: return "コメント"
            case .impersonationCase: return "なりすまし事案"
            }
        }

        func subject(_ id: UUID) -> String { "\(rawValue):\(id.uuidString.lowercased())" }

        func path(_ id: UUID) -> String {
            switch self {
            case .post: return "/posts/\(id.uuidString.lowercased())"
            case .comment: return "/comments/\(id.uuidString.lowercased())"
            case .impersonationCase: return "/impersonation/cases/\(id.uuidString.lowercased())"
            }
        }
    }

    static let maxReason = 2000

    static func find(_ subject: String, on db: Database) async throws -> LegalHold? {
        try await LegalHold.find(subject, on: db)
    }

    /// Which of `subjects` are under a hold, in one query (for the lists).
    static func held(_ subjects: [String], on db: Database) async throws -> Set<String> {
        guard !subjects.isEmpty else { return [] }
        return Set(try await LegalHold.query(on: db).filter(\.$id ~~ subjects).all().compactMap(\.id))
    }

    static func requireChief(_ user: User, _ ctx: KohoContext) throws {
        guard Permissions.mayDecide(user.person) else {
            throw AppError.forbidden("訴訟ホールドを設定・解除できるのは\(ctx.policy.ownerRole.title)だけです")
        }
    }

    /// Checks that the item exists; its subject.
    static func requireItem(_ kind: Kind, _ id: UUID, on db: Database) async throws -> String {
        let exists: Bool
        switch kind {
        case .post: exists = try await Post.query(on: db).filter(\.$id == id).count() > 0
        case .comment: exists = try await Comment.find(id, on: db) != nil
        case .impersonationCase: exists = try await ImpersonationCase.find(id, on: db) != nil
        }
        guard exists else { throw AppError.notFound("\(kind.words)が見つかりません") }
        return kind.subject(id)
    }

    static func cleanReason(_ raw: String?) throws -> String {
        // Control characters (a pasted NUL, a bell) are dropped; line breaks stay.
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: (raw ?? "").unicodeScalars.filter { ($0.value >= 0x20 && $0.value != 0x7F) || $0 == "\n" })
        let reason = String(kept).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw AppError.badRequest("理由を書いてください（訴訟ホールドの設定と解除は、理由とともに監査記録に残ります）") }
        guard reason.count <= maxReason else { throw AppError.badRequest("理由は\(maxReason)文字までにしてください") }
        return reason
    }

    /// Sets the hold (or leaves one already set); whether it changed anything.
    @discardableResult
    static func set(_ kind: Kind, _ id: UUID, reason raw: String?, by user: User, db: Database, ctx: KohoContext) async throws -> Bool {
        try requireChief(user, ctx)
        let reason = try cleanReason(raw)
        let subject = try await requireItem(kind, id, on: db)
        let now = ctx.now, who = user.name
        return try await ctx.write(on: db) { tx in
            guard try await LegalHold.find(subject, on: tx) == nil else { return false }
            let h = LegalHold()
            h.id = subject
            h.reason = reason
            h.setBy = who
            h.setAt = now
            try await h.create(on: tx)
            try await AuditLog.appendLocked(on: tx, at: now, actor: who, action: "records.hold", subject: subject,
                                            detail: "\(kind.words)に訴訟ホールドを設定（保存期間を過ぎても削除しない）", reason: reason)
            return true
        }
    }

    @discardableResult
    static func release(_ kind: Kind, _ id: UUID, reason raw: String?, by user: User, db: Database, ctx: KohoContext) async throws -> Bool {
        try requireChief(user, ctx)
        let reason = try cleanReason(raw)
        let subject = try await requireItem(kind, id, on: db)
        let now = ctx.now, who = user.name
        return try await ctx.write(on: db) { tx in
            guard let h = try await LegalHold.find(subject, on: tx) else { return false }
            try await h.delete(on: tx)
            try await AuditLog.appendLocked(on: tx, at: now, actor: who, action: "records.release", subject: subject,
                                            detail: "\(kind.words)の訴訟ホールドを解除（\(JapaneseTime.staff(h.setAt))に\(h.setBy)が設定したもの）", reason: reason)
            return true
        }
    }

    // MARK: - Pages

    /// The hold's banner and, for the chief, the form that sets or releases it.
    static func section(_ f: PageFrame, _ kind: Kind, _ id: UUID, hold: LegalHold?) -> BodyNode {
        var nodes: [BodyNode] = []
        if let hold {
            nodes.append(.tag("p", [Attr("class", "warn"), Attr("role", "status")],
                              text: "訴訟ホールド中: 保存期間を過ぎても削除しません（\(JapaneseTime.staff(hold.setAt))、\(hold.setBy)。理由: \(hold.reason)）"))
        }
        guard let user = f.user, Permissions.mayDecide(user.person) else {
            return nodes.isEmpty ? .empty : .tag("section", [Attr("class", "legal-hold")], nodes)
        }
        let action = "/legal-holds/\(kind.rawValue)/\(id.uuidString.lowercased())"
        nodes.append(.tag("details", [], [
            .tag("summary", [], text: hold == nil ? "訴訟ホールドを設定する" : "訴訟ホールドを解除する"),
            .postForm(action, csrf: f.csrf, [
                .hidden("do", hold == nil ? "hold" : "release"),
                .textArea("理由（監査記録に残ります）", name: "reason", value: "", rows: 2),
                .button(hold == nil ? "設定する" : "解除する"),
            ]),
        ]))
        return .tag("section", [Attr("class", "legal-hold"), Attr("aria-label", "訴訟ホールド")], nodes)
    }

    struct HoldForm: Content {
        var `do`: String?
        var reason: String?
    }

    static func register(site: RoutesBuilder?, api: RoutesBuilder?) {
        for kind in Kind.allCases {
            let segment = PathComponent(stringLiteral: kind.rawValue)
            site?.post("legal-holds", segment, ":id") { try await formStep($0, kind) }
            api?.put("legal-holds", segment, ":id") { try await apiSet($0, kind) }
            api?.delete("legal-holds", segment, ":id") { try await apiRelease($0, kind) }
        }
        api?.get("legal-holds", use: list)
    }

    static func target(_ req: Request, _ kind: Kind) throws -> (Kind, UUID) {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw AppError.notFound("\(kind.words)が見つかりません") }
        return (kind, id)
    }

    static func formStep(_ req: Request, _ kind: Kind) async throws -> Response {
        let user = try req.requireUser()
        try requireChief(user, req.koho)
        let (kind, id) = try target(req, kind)
        let form = try req.content.decode(HoldForm.self)
        if form.do == "release" {
            try await release(kind, id, reason: form.reason, by: user, db: req.db, ctx: req.koho)
            return req.redirect(to: kind.path(id), notice: "訴訟ホールドを解除しました。")
        }
        try await set(kind, id, reason: form.reason, by: user, db: req.db, ctx: req.koho)
        return req.redirect(to: kind.path(id), notice: "訴訟ホールドを設定しました。保存期間を過ぎても削除しません。")
    }

    struct HoldDTO: Content {
        let kind: String
        let id: String
        let reason: String
        let setBy: String
        let setAt: String
    }

    struct ReasonBody: Content { var reason: String? }

    static func dto(_ h: LegalHold) -> HoldDTO {
        let subject = h.id ?? ""
        let parts = subject.split(separator: ":", maxSplits: 1).map(String.init)
        return HoldDTO(kind: parts.first ?? "", id: parts.count == 2 ? parts[1] : "", reason: h.reason, setBy: h.setBy,
                       setAt: JapaneseTime.iso8601(h.setAt))
    }

    static func list(_ req: Request) async throws -> [HoldDTO] {
        _ = try req.requireUser()
        return try await LegalHold.query(on: req.db).sort(\.$setAt).all().map(dto)
    }

    static func apiSet(_ req: Request, _ kind: Kind) async throws -> HoldDTO {
        let user = try req.requireUser()
        try requireChief(user, req.koho)
        let (kind, id) = try target(req, kind)
        let body = try req.content.decode(ReasonBody.self)
        try await set(kind, id, reason: body.reason, by: user, db: req.db, ctx: req.koho)
        guard let h = try await LegalHold.find(kind.subject(id), on: req.db) else { throw AppError.notFound("訴訟ホールドがありません") }
        return dto(h)
    }

    static func apiRelease(_ req: Request, _ kind: Kind) async throws -> HTTPStatus {
        let user = try req.requireUser()
        try requireChief(user, req.koho)
        let (kind, id) = try target(req, kind)
        let body = try req.content.decode(ReasonBody.self)
        guard try await release(kind, id, reason: body.reason, by: user, db: req.db, ctx: req.koho) else {
            throw AppError.notFound("この\(kind.words)に訴訟ホールドはありません")
        }
        return .noContent
    }
}

/// The `records-retention` job: removes comments and attempts older than the policy's `records:` periods, in
/// batches, never what a legal hold protects, and audits what it removed (counts, ids and dates; never the texts).
enum RecordsRetentionRun {
    static let jobName = "records-retention"
    static let batch = 200

    struct Removed: Equatable, Sendable {
        var comments = 0
        var publishAttempts = 0
        var commentActions = 0
        var total: Int { comments + publishAttempts + commentActions }
    }

    static func run(on db: Database, ctx: KohoContext) async throws -> Removed {
        let rules = ctx.policy.records, now = ctx.now
        var removed = Removed()
        let held = Set(try await LegalHold.query(on: db).all().compactMap(\.id))
        func isHeld(_ subject: String) -> Bool { held.contains(subject) }
        if let keep = rules.commentsKeptFor {
            let cutoff = keep.before(now)
            // A cursor past what was looked at (removed or kept): held items, however many, are read once per run.
            var after: (at: Date, id: UUID)?
            while true {
                let query = Comment.query(on: db).filter(\.$receivedAt < cutoff)
                if let after {
                    query.group(.or) { $0.filter(\.$receivedAt > after.at).group(.and) { $0.filter(\.$receivedAt == after.at).filter(\.$id > after.id) } }
                }
                let old = try await query.sort(\.$receivedAt).sort(\.$id).limit(batch).all()
                guard let last = old.last, let lastID = last.id else { break }
                after = (last.receivedAt, lastID)
                let (gone, _) = old.reduce(into: ([Comment](), [Comment]())) { acc, c in
                    let onHeldPost = c.postID.map { isHeld(PostService.subject($0)) } ?? false
                    // A decision still being carried out on the platform is not removed under it.
                    if isHeld(c.subject) || onHeldPost || c.actionStatus == .queued { acc.1.append(c) } else { acc.0.append(c) }
                }
                guard !gone.isEmpty else { continue }
                try await removeComments(gone, keep: keep, on: db, ctx: ctx, now: now)
                removed.comments += gone.count
            }
        }
        if let keep = rules.attemptsKeptFor {
            let cutoff = keep.before(now)
            var after: (at: Date, id: UUID)?
            while true {
                let query = PublishAttempt.query(on: db).filter(\.$startedAt < cutoff)
                if let after {
                    query.group(.or) { $0.filter(\.$startedAt > after.at).group(.and) { $0.filter(\.$startedAt == after.at).filter(\.$id > after.id) } }
                }
                let old = try await query.sort(\.$startedAt).sort(\.$id).limit(batch).all()
                guard let last = old.last, let lastID = last.id else { break }
                after = (last.startedAt, lastID)
                let posts = Dictionary(try await Post.query(on: db).filter(\.$id ~~ old.map(\.postID)).field(\.$id).field(\.$state).all()
                    .compactMap { p in p.id.map { ($0, p.state) } }, uniquingKeysWith: { a, _ in a })
                let (gone, _) = old.reduce(into: ([PublishAttempt](), [PublishAttempt]())) { acc, a in
                    // An attempt that may still be settled (its post in publishing, its outcome open) is the outbox's, not the archive's.
                    let open = a.outcome == .pending || a.outcome == .unknown || posts[a.postID] == .publishing || posts[a.postID] == .scheduled
                    if isHeld(PostService.subject(a.postID)) || open { acc.1.append(a) } else { acc.0.append(a) }
                }
                guard !gone.isEmpty else { continue }
                try await removeAttempts(gone.compactMap(\.id), kind: "発信の試行", table: PublishAttempt.schema, keep: keep,
                                         dates: gone.map(\.startedAt), on: db, ctx: ctx, now: now)
                removed.publishAttempts += gone.count
            }
            after = nil
            while true {
                let query = CommentAction.query(on: db).filter(\.$startedAt < cutoff)
                if let after {
                    query.group(.or) { $0.filter(\.$startedAt > after.at).group(.and) { $0.filter(\.$startedAt == after.at).filter(\.$id > after.id) } }
                }
                let old = try await query.sort(\.$startedAt).sort(\.$id).limit(batch).all()
                guard let last = old.last, let lastID = last.id else { break }
                after = (last.startedAt, lastID)
                let comments = Dictionary(try await Comment.query(on: db).filter(\.$id ~~ old.map(\.commentID)).all()
                    .compactMap { c in c.id.map { ($0, c) } }, uniquingKeysWith: { a, _ in a })
                let (gone, _) = old.reduce(into: ([CommentAction](), [CommentAction]())) { acc, a in
                    let c = comments[a.commentID]
                    let heldComment = c.map { isHeld($0.subject) || ($0.postID.map { isHeld(PostService.subject($0)) } ?? false) } ?? false
                    let open = a.outcome == .pending || a.outcome == .unknown || c?.actionStatus == .queued
                    if heldComment || open { acc.1.append(a) } else { acc.0.append(a) }
                }
                guard !gone.isEmpty else { continue }
                try await removeAttempts(gone.compactMap(\.id), kind: "コメントへの操作の試行", table: CommentAction.schema, keep: keep,
                                         dates: gone.map(\.startedAt), on: db, ctx: ctx, now: now)
                removed.commentActions += gone.count
            }
        }
        return removed
    }

    private static func idRange(_ ids: [UUID]) -> String {
        let sorted = ids.map { $0.uuidString.lowercased() }.sorted()
        guard let first = sorted.first, let last = sorted.last else { return "" }
        return first == last ? "ID \(first)" : "ID \(first)〜\(last)"
    }

    private static func dateRange(_ dates: [Date]) -> String {
        guard let a = dates.min(), let b = dates.max() else { return "" }
        return "\(JapaneseTime.iso8601(a))〜\(JapaneseTime.iso8601(b))"
    }

    private static func removeComments(_ comments: [Comment], keep: KeepPeriod, on db: Database, ctx: KohoContext, now: Date) async throws {
        let ids = comments.compactMap(\.id), subjects = comments.map(\.subject)
        let detail = "コメント\(ids.count)件を削除（受信 \(dateRange(comments.map(\.receivedAt)))、\(idRange(ids))）"
        try await ctx.write(on: db) { tx in
            let actions = try await CommentAction.query(on: tx).filter(\.$commentID ~~ ids).all(\.$id).compactMap { $0 }
            try await PlatformCallRecord.query(on: tx).filter(\.$subject ~~ subjects).delete()
            try await PlatformCallRecord.query(on: tx).filter(\.$attemptID ~~ actions).delete()
            try await CommentAction.query(on: tx).filter(\.$commentID ~~ ids).delete()
            try await CommentEvent.query(on: tx).filter(\.$commentID ~~ ids).delete()
            try await Comment.query(on: tx).filter(\.$id ~~ ids).delete()
            try await AuditLog.appendLocked(on: tx, at: now, actor: "system", action: "records.retention", subject: "records:comments",
                                            detail: detail, reason: "ポリシーの保存期間（コメント \(keep.japanese)、\(keep)）を過ぎたため")
        }
    }

    private static func removeAttempts(_ ids: [UUID], kind: String, table: String, keep: KeepPeriod, dates: [Date], on db: Database,
                                       ctx: KohoContext, now: Date) async throws {
        let detail = "\(kind)\(ids.count)件とその送受信の記録を削除（開始 \(dateRange(dates))、\(idRange(ids))）"
        try await ctx.write(on: db) { tx in
            try await PlatformCallRecord.query(on: tx).filter(\.$attemptID ~~ ids).delete()
            if table == PublishAttempt.schema {
                try await PublishAttempt.query(on: tx).filter(\.$id ~~ ids).delete()
            } else {
                try await CommentAction.query(on: tx).filter(\.$id ~~ ids).delete()
            }
            try await AuditLog.appendLocked(on: tx, at: now, actor: "system", action: "records.retention", subject: "records:attempts",
                                            detail: detail, reason: "ポリシーの保存期間（試行 \(keep.japanese)、\(keep)）を過ぎたため")
        }
    }
}
