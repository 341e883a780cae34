import Fluent
import Vapor
import KohoCore

/// `/api/v1/notices`: drafts of the public pages' notices, and the chief's publishing of them.
enum NoticeAPI {
    struct CreateBody: Content {
        var kind: String
        var account: String
        var title: String
        var body: String
        var about: String?
    }

    struct EditBody: Content {
        var title: String
        var body: String
    }

    static func noticeID(_ req: Request) throws -> UUID {
        guard let s = req.parameters.get("id"), let id = UUID(uuidString: s) else { throw AppError.notFound("お知らせが見つかりません") }
        return id
    }

    static func create(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        if let denied = Permissions.mayWrite(user.person) { throw AppError.forbidden(denied.message) }
        let b = try req.content.decode(CreateBody.self)
        guard let kind = Notice.Kind(rawValue: b.kind) else {
            throw AppError.badRequest("kind は \(Notice.Kind.allCases.map(\.rawValue).joined(separator: " または ")) で指定してください")
        }
        let n = try await NoticeService.create(req.workflow, user, .init(kind: kind, account: b.account, title: b.title, body: b.body, about: b.about ?? ""))
        let res = Response(status: .created)
        try res.content.encode(NoticeDTO(n))
        res.headers.replaceOrAdd(name: .location, value: "/api/v1/notices/\(n.idString)")
        return res
    }

    static func list(_ req: Request) async throws -> [NoticeDTO] {
        _ = try req.requireUser()
        return try await Notice.query(on: req.db).sort(\.$createdAt, .descending).sort(\.$id, .descending).limit(500).all().map(NoticeDTO.init)
    }

    static func show(_ req: Request) async throws -> NoticeDTO {
        _ = try req.requireUser()
        return NoticeDTO(try await NoticeService.find(req.db, try noticeID(req)))
    }

    static func edit(_ req: Request) async throws -> NoticeDTO {
        let user = try req.requireUser()
        if let denied = Permissions.mayWrite(user.person) { throw AppError.forbidden(denied.message) }
        let id = try noticeID(req)
        let b = try req.content.decode(EditBody.self)
        let version = try req.headers.first(name: .ifMatch).map { _ in try APIController.ifMatchVersion(req) }
        return NoticeDTO(try await NoticeService.edit(req.workflow, user, id, title: b.title, body: b.body, expectedVersion: version))
    }

    /// `If-Match` carries the version the chief read: what goes live is what the chief saw.
    static func publish(_ req: Request) async throws -> NoticeDTO {
        let user = try req.requireUser()
        guard Permissions.mayDecide(user.person) else {
            throw AppError.forbidden("お知らせの掲載は\(req.koho.policy.ownerRole.title)だけが行えます")
        }
        return NoticeDTO(try await NoticeService.publish(req.workflow, user, try noticeID(req), expectedVersion: try APIController.ifMatchVersion(req)))
    }
}
