import Fluent
import Foundation
import KohoCore
import Vapor

/// `GET /api/v1/comments/alarms`: the flood alarms open now (with `?cleared=true`, the last cleared ones too), each
/// with the procedure of 4(9)/5(9) and how far it has gone.
enum CommentAlarmsAPI {
    struct List: Content { let alarms: [AlarmDTO] }

    struct AlarmDTO: Content {
        let id: String
        let account: String
        let platform: String
        let reason: String
        let reasonText: String
        let raisedAt: String
        let clearedAt: String?
        let windowMinutes: Int
        let commentsInWindow: Int
        let usualPerWindow: Double
        let misleadingInWindow: Int
        let peak: Int
        let clause: String
        /// The steps, in order: publish the reason on the city website, then suspend.
        let procedure: [String]
        /// The live suspension notice published since the alarm was raised, if any.
        let reasonNoticeId: String?
        let suspended: Bool

        enum CodingKeys: String, CodingKey {
            case id, account, platform, reason, reasonText, raisedAt, clearedAt, windowMinutes, commentsInWindow, usualPerWindow
            case misleadingInWindow, peak, clause, procedure, reasonNoticeId, suspended
        }

        /// `clearedAt` and `reasonNoticeId` are written as null, not left out.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(account, forKey: .account)
            try c.encode(platform, forKey: .platform)
            try c.encode(reason, forKey: .reason)
            try c.encode(reasonText, forKey: .reasonText)
            try c.encode(raisedAt, forKey: .raisedAt)
            try c.encode(clearedAt, forKey: .clearedAt)
            try c.encode(windowMinutes, forKey: .windowMinutes)
            try c.encode(commentsInWindow, forKey: .commentsInWindow)
            try c.encode(usualPerWindow, forKey: .usualPerWindow)
            try c.encode(misleadingInWindow, forKey: .misleadingInWindow)
            try c.encode(peak, forKey: .peak)
            try c.encode(clause, forKey: .clause)
            try c.encode(procedure, forKey: .procedure)
            try c.encode(reasonNoticeId, forKey: .reasonNoticeId)
            try c.encode(suspended, forKey: .suspended)
        }
    }

    static func procedure(_ policy: Policy, account: Account?) -> (clause: String, steps: [String]) {
        let clause = account.flatMap { policy.rules(for: $0.platform)?.suspensionClause } ?? ""
        return (clause, [
            "【\(clause)】停止の理由を市ホームページに明示する（停止のお知らせを作成して掲載する）",
            "【\(clause)】その後に、\(policy.ownerRole.title)がアカウントを停止する（掲載したお知らせを示して）",
        ])
    }

    static func dto(_ a: CommentAlarm, _ req: Request, suspended: Set<String>) async throws -> AlarmDTO {
        let policy = req.koho.policy
        let account = policy.account(a.account)
        let (clause, steps) = procedure(policy, account: account)
        let notice = try await FloodAlarm.reasonPublished(req.db, a)
        return AlarmDTO(id: a.id!.uuidString.lowercased(), account: a.account, platform: account?.platform.rawValue ?? "",
                        reason: a.reason.rawValue, reasonText: a.reason.displayName, raisedAt: JapaneseTime.iso8601(a.raisedAt),
                        clearedAt: a.clearedAt.map { JapaneseTime.iso8601($0) }, windowMinutes: req.koho.config.comments.floodWindowMinutes,
                        commentsInWindow: a.inWindow, usualPerWindow: (a.usualPerWindow * 10).rounded() / 10, misleadingInWindow: a.misleadingInWindow,
                        peak: a.peak, clause: clause, procedure: steps, reasonNoticeId: notice?.id?.uuidString.lowercased(),
                        suspended: suspended.contains(a.account))
    }

    static func list(_ req: Request) async throws -> List {
        _ = try req.requireUser()
        var alarms = try await FloodAlarm.open(req.db)
        if let raw = req.query[String.self, at: "cleared"] {
            guard raw == "true" || raw == "false" else { throw AppError.badRequest("cleared は true か false です") }
            if raw == "true" {
                alarms += try await CommentAlarm.query(on: req.db).filter(\.$clearedAt != nil).sort(\.$clearedAt, .descending).limit(50).all()
            }
        }
        let suspended = Set(try await SuspensionService.current(req.db).keys)
        var out: [AlarmDTO] = []
        for a in alarms { out.append(try await dto(a, req, suspended: suspended)) }
        return List(alarms: out)
    }
}
