import Fluent
import Foundation
import KohoCore

/// Reads what the monthly comment report counts (only reads) and hands it to `CommentReport.tally`: the page, the
/// CSV and `koho report comments` all render this one result.
enum CommentReportQuery {
    static func load(_ db: Database, month: ReportMonth, policy: Policy) async throws -> CommentReport {
        let start = month.start, end = month.end
        // Received in the month, or decided in it (a comment from an earlier month decided now).
        let comments = try await Comment.query(on: db)
            .group(.or) { any in
                any.group(.and) { $0.filter(\.$receivedAt >= start).filter(\.$receivedAt < end) }
                any.group(.and) { $0.filter(\.$decidedAt >= start).filter(\.$decidedAt < end) }
            }
            .field(\.$id).field(\.$account).field(\.$receivedAt).field(\.$grounds).field(\.$misleading)
            .field(\.$decision).field(\.$decisionGround).field(\.$decidedAt).field(\.$decisionAgainstSuggestion)
            .all()
        let done = try await carriedOut(db, since: start)
        let rows = comments.map { c in
            CommentReport.CommentRow(account: c.account, receivedAt: c.receivedAt, grounds: c.grounds.map(String.init),
                                     misleading: c.misleading, decision: c.decision?.rawValue, decisionGround: c.decisionGround,
                                     decidedAt: c.decidedAt, againstSuggestion: c.decisionAgainstSuggestion == true,
                                     carriedOut: c.id.flatMap { done[$0] })
        }
        return CommentReport.tally(month: month, comments: rows, corrections: try await corrections(db, month: month),
                                   accounts: policy.accounts.map { ($0.id, "\($0.platform.displayName) \($0.displayName)") },
                                   grounds: policy.commentDeletion?.grounds.map { ($0.number, $0.description) } ?? [])
    }

    /// The hide or delete carried out on the platform, by comment, from the outbox of calls (a call done, or found
    /// done): a decision made in the month is carried out after its start. A deletion stands over a hide.
    static func carriedOut(_ db: Database, since: Date) async throws -> [UUID: String] {
        var done: [UUID: String] = [:]
        for a in try await CommentAction.query(on: db).filter(\.$startedAt >= since).filter(\.$outcome ~~ [.published, .found])
            .field(\.$commentID).field(\.$action).all() where done[a.commentID] != CommentDecisionAction.delete.rawValue {
            done[a.commentID] = a.action.rawValue
        }
        return done
    }

    /// Correction replies (kind `reply`, purpose `correction`) that went out, with when: the finish of the call that
    /// published them (or that found them published), else the post's last change.
    static func corrections(_ db: Database, month: ReportMonth) async throws -> [CommentReport.CorrectionRow] {
        let posts = try await Post.query(on: db).filter(\.$kind == .reply).filter(\.$replyPurpose == PlannedAction.correctionPurpose)
            .filter(\.$state == .published).filter(\.$updatedAt >= month.start)
            .field(\.$id).field(\.$account).field(\.$updatedAt).all()
        guard !posts.isEmpty else { return [] }
        let ids = posts.compactMap(\.id)
        var went: [UUID: Date] = [:]
        for a in try await PublishAttempt.query(on: db).filter(\.$postID ~~ ids).filter(\.$outcome ~~ [.published, .found]).all() {
            if let at = a.finishedAt { went[a.postID] = max(went[a.postID] ?? at, at) }
        }
        return posts.map { p in CommentReport.CorrectionRow(account: p.account, publishedAt: went[p.id!] ?? p.updatedAt) }
    }
}
