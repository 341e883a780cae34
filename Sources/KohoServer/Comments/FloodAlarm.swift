import Fluent
import Foundation
import KohoCore
import Logging
import Vapor

/// The flood alarm (4(9)/5(9)): per account, comments written in the last window against the account's usual rate
/// (the average per window over the past 7 days before it), and those flagged misleading. An alarm is raised when
/// either crosses `CommentSettings`' thresholds and clears itself when neither does; both are audited. Times are
/// the platform's (`createdAt`), so a backlog read late is not a surge; "now" is the context's clock.
enum FloodAlarm {
    static let baselineDays = 7.0

    struct Figures: Equatable {
        var inWindow: Int
        var usualPerWindow: Double
        var misleadingInWindow: Int
    }

    static func reason(_ f: Figures, _ s: CommentSettings) -> CommentAlarm.Reason? {
        let surge = f.inWindow >= s.floodMinimum && Double(f.inWindow) > s.floodFactor * f.usualPerWindow
        let misleading = f.misleadingInWindow >= s.misleadingMinimum
        switch (surge, misleading) {
        case (true, true): return .both
        case (true, false): return .surge
        case (false, true): return .misleading
        case (false, false): return nil
        }
    }

    static func figures(_ db: Database, account: String, now: Date, settings s: CommentSettings) async throws -> Figures {
        let window = TimeInterval(s.floodWindowMinutes * 60)
        let start = now.addingTimeInterval(-window)
        let baselineStart = now.addingTimeInterval(-baselineDays * 86400)
        func written(after from: Date, until to: Date) -> QueryBuilder<Comment> {
            Comment.query(on: db).filter(\.$account == account).filter(\.$createdAt > from).filter(\.$createdAt <= to)
        }
        let inWindow = try await written(after: start, until: now).count()
        let misleading = try await written(after: start, until: now).filter(\.$misleading == true).count()
        let before = try await written(after: baselineStart, until: start).count()
        let windows = max(1, (baselineDays * 86400 - window) / window)
        return Figures(inWindow: inWindow, usualPerWindow: Double(before) / windows, misleadingInWindow: misleading)
    }

    /// One round over every account: raises, updates and clears alarms. Returns how many alarms changed state.
    @discardableResult
    static func check(_ db: Database, _ ctx: KohoContext, settings: CommentSettings) async throws -> Int {
        let now = ctx.now
        var changed = 0
        for account in ctx.policy.accounts {
            let f = try await figures(db, account: account.id, now: now, settings: settings)
            let why = reason(f, settings)
            let detail = "直近\(settings.floodWindowMinutes)分のコメント \(f.inWindow)件（通常 \(String(format: "%.1f", f.usualPerWindow))件）、誤解を与えるおそれ \(f.misleadingInWindow)件"
            changed += try await ctx.write(on: db) { db -> Int in
                let open = try await CommentAlarm.query(on: db).filter(\.$account == account.id).filter(\.$clearedAt == nil).first()
                switch (open, why) {
                case (nil, nil):
                    return 0
                case (nil, let why?):
                    let a = CommentAlarm()
                    a.id = UUID()
                    a.account = account.id
                    a.reason = why
                    a.raisedAt = now
                    a.inWindow = f.inWindow
                    a.usualPerWindow = f.usualPerWindow
                    a.misleadingInWindow = f.misleadingInWindow
                    a.peak = f.inWindow
                    a.updatedAt = now
                    try await a.create(on: db)
                    try await AuditLog.appendLocked(on: db, at: now, actor: "system", action: "comment.alarm.raised", subject: a.subject,
                                                    detail: "\(why.rawValue) \(account.id)", reason: detail)
                    return 1
                case (let a?, nil):
                    a.clearedAt = now
                    a.inWindow = f.inWindow
                    a.misleadingInWindow = f.misleadingInWindow
                    a.updatedAt = now
                    try await a.update(on: db)
                    try await AuditLog.appendLocked(on: db, at: now, actor: "system", action: "comment.alarm.cleared", subject: a.subject,
                                                    detail: "\(a.reason.rawValue) \(account.id)", reason: detail)
                    return 1
                case (let a?, let why?):
                    guard a.inWindow != f.inWindow || a.misleadingInWindow != f.misleadingInWindow || a.reason != why else { return 0 }
                    // The figures follow the surge; a change of reason is no new alarm.
                    a.reason = why
                    a.inWindow = f.inWindow
                    a.usualPerWindow = f.usualPerWindow
                    a.misleadingInWindow = f.misleadingInWindow
                    a.peak = max(a.peak, f.inWindow)
                    a.updatedAt = now
                    try await a.update(on: db)
                    return 0
                }
            }
        }
        return changed
    }

    static func open(_ db: Database) async throws -> [CommentAlarm] {
        try await CommentAlarm.query(on: db).filter(\.$clearedAt == nil).sort(\.$raisedAt, .descending).all()
    }

    /// The job: a round a minute, and at once when new comments come in.
    static func job(_ ctx: KohoContext, settings: CommentSettings, clock: any Clock<Duration>, logger: Logger) -> Job {
        let db = ctx.db
        return Job(name: "comment-alarm", interval: .seconds(60), clock: clock, logger: logger) {
            _ = try await check(db, ctx, settings: settings)
            return 0
        }
    }

    /// The live suspension notice for the account published since the alarm was raised: the first step is done.
    static func reasonPublished(_ db: Database, _ alarm: CommentAlarm) async throws -> Notice? {
        try await Notice.query(on: db).filter(\.$account == alarm.account).filter(\.$kind == .suspension).filter(\.$status == .published)
            .filter(\.$publishedAt >= alarm.raisedAt).sort(\.$publishedAt, .descending).first()
    }

    /// A first draft of the reason for the city website, for the chief to correct before publishing.
    static func noticeDraft(_ alarm: CommentAlarm, account: Account, policy: Policy) -> (title: String, body: String) {
        let clause = policy.rules(for: account.platform)?.suspensionClause ?? ""
        let what = alarm.reason == .surge ? "大量のコメントが書き込まれ" : "虚偽の情報等が大量にコメントされ"
        return ("\(account.platform.displayName)「\(account.displayName)」の運用の一時停止について",
                "\(account.platform.displayName)「\(account.displayName)」に\(what)、継続して運用することが困難な状況となったため、\(policy.title) \(clause) により、アカウントの運用を一時停止します。\n\n市からのお知らせは、引き続き市ホームページでご確認ください。運用を再開するときは、このページでお知らせします。")
    }
}
