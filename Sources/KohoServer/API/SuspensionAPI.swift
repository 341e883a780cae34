import Vapor
import KohoCore

/// `POST /api/v1/accounts/{account}/suspension`.
enum SuspensionAPI {
    struct Body: Content {
        var action: String
        var noticeId: String?
    }

    struct Answer: Content {
        let account: String
        let status: String
        let noticeId: String?
        let since: String?
    }

    static func change(_ req: Request) async throws -> Answer {
        let user = try req.requireUser()
        guard Permissions.mayDecide(user.person) else {
            throw AppError.forbidden("アカウントの停止・削除・再開は\(req.koho.policy.ownerRole.title)だけが行えます")
        }
        let account = req.parameters.get("account") ?? ""
        let b = try req.content.decode(Body.self)
        guard let action = SuspensionService.Action(rawValue: b.action) else {
            throw AppError.badRequest("action は suspend、delete、resume のいずれかで指定してください")
        }
        var noticeID: UUID?
        if let raw = b.noticeId, !raw.isEmpty {
            guard let id = UUID(uuidString: raw) else { throw AppError.badRequest("noticeId が正しくありません") }
            noticeID = id
        }
        let s = try await SuspensionService.apply(req.workflow, user, account: account, action: action, noticeID: noticeID)
        let id = req.koho.policy.account(account)?.id ?? account
        return Answer(account: id, status: s.map { $0.action == .delete ? "deleted" : "suspended" } ?? "active",
                      noticeId: s?.noticeID?.uuidString.lowercased(), since: s.map { JapaneseTime.iso8601($0.since) })
    }
}
