import Fluent
import Vapor
import KohoCore

/// `/api/v1`: what the web interface does, for other tools, with bearer tokens.
package enum APIController {
    package struct StepBody: Content {
        var version: Int?
        var reason: String?
    }

    static func create(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        // The role is known before the body is read: a viewer's body is never decoded.
        if let denied = Permissions.mayWrite(user.person) { throw AppError.forbidden(denied.message) }
        let action = try plannedAction(req)
        let post = try await PostService.create(req.workflow, user, action)
        let res = Response(status: .created)
        try res.content.encode(PostDTO(post, policy: req.koho.policy, history: try await PostService.history(req.db, post.id!)))
        res.headers.replaceOrAdd(name: .location, value: "/api/v1/posts/\(post.id!.uuidString.lowercased())")
        return res
    }

    /// The fields of `koho check`, read strictly: an unknown field is an error.
    package static func plannedAction(_ req: Request) throws -> PlannedAction {
        guard let buffer = req.body.data else { throw AppError.badRequest("JSONの本文が必要です") }
        let data = Data(buffer: buffer)
        do { try JSONBounds.check(data) } catch { throw AppError.badRequest(error.message) }
        let value: JSONValue
        do { value = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw AppError.badRequest("JSONとして読めません")
        }
        guard case .object(let fields) = value else { throw AppError.badRequest("JSONオブジェクト（{…}）が必要です") }
        return try PlannedAction.decode(fields: fields, timeZone: req.koho.policy.platforms.first?.operatingHours.timeZone ?? JapaneseTime.tokyo)
    }

    /// Newest first, `limit` (1–200, default 50) at a time. The body stays an array; `X-Total-Count` carries how many
    /// match, and `X-Next-Cursor` (and a `Link` with `rel="next"`) where the next page starts.
    static func list(_ req: Request) async throws -> Response {
        _ = try req.requireUser()
        var state: PostState?
        if let s = req.query[String.self, at: "state"] {
            guard let known = PostState(rawValue: s) else { throw AppError.badRequest("state が正しくありません") }
            state = known
        }
        let account = req.query[String.self, at: "account"]
        if let a = account, a.containsControlCharacter { throw AppError.badRequest("account が正しくありません") }
        var limit = 50
        if let raw = req.query[String.self, at: "limit"] {
            guard let n = Int(raw), (1...200).contains(n) else { throw AppError.badRequest("limit は1から200の整数で指定してください") }
            limit = n
        }
        var cursor: PostCursor?
        if let raw = req.query[String.self, at: "cursor"] {
            guard let c = PostCursor(raw) else { throw AppError.badRequest("cursor が正しくありません") }
            cursor = c
        }
        let key = ["posts", state?.rawValue ?? "", account ?? "", String(limit), cursor?.description ?? ""].joined(separator: "|")
        let (s, n, after) = (state, limit, cursor)
        return try await req.cached(key) { CachedResponse(try await listPage(req, state: s, account: account, limit: n, cursor: after)) }.response
    }

    private static func listPage(_ req: Request, state: PostState?, account: String?, limit: Int, cursor: PostCursor?) async throws -> Response {
        let (shown, total, next) = try await PostListQuery.page(req.db, state: state, account: account, limit: limit, after: cursor)
        var json = JSONText(capacity: 1_024 * max(shown.count, 1))
        json.beginArray()
        let policy = req.koho.policy
        for p in shown { try PostDTO(p, policy: policy).writeJSON(into: &json) }
        json.endArray()
        let res = Response(status: .ok, headers: ["Content-Type": "application/json; charset=utf-8"], body: .init(buffer: ByteBuffer(bytes: json.bytes)))
        res.headers.replaceOrAdd(name: "X-Total-Count", value: String(total))
        if let next = next?.description {
            res.headers.replaceOrAdd(name: "X-Next-Cursor", value: next)
            var query = [("limit", String(limit)), ("cursor", next)]
            if let s = req.query[String.self, at: "state"] { query.append(("state", s)) }
            if let a = req.query[String.self, at: "account"] { query.append(("account", a)) }
            let link = "/api/v1/posts?" + query.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
            res.headers.replaceOrAdd(name: .link, value: "<\(link)>; rel=\"next\"")
        }
        return res
    }

    static func postID(_ req: Request) throws -> UUID { try PostsController.postID(req) }

    static func show(_ req: Request) async throws -> PostDTO {
        _ = try req.requireUser()
        let id = try postID(req)
        return try PostDTO(try await PostService.find(req.workflow, id), policy: req.koho.policy, history: try await PostService.history(req.db, id),
                           attempts: try await PostService.attempts(req.db, id))
    }

    static func step(_ event: PostEvent) -> @Sendable (Request) async throws -> PostDTO {
        { req in
            let user = try req.requireUser()
            let id = try postID(req)
            var body = StepBody()
            if let b = req.body.data, b.readableBytes > 0 { body = try req.content.decode(StepBody.self) }
            let post = try await PostService.transition(req.workflow, user, id, event, expectedVersion: body.version, reason: body.reason ?? "")
            return try PostDTO(post, policy: req.koho.policy, history: try await PostService.history(req.db, id))
        }
    }

    /// Replaces the post's fields; `If-Match` must carry the version the editor started from.
    static func edit(_ req: Request) async throws -> PostDTO {
        let user = try req.requireUser()
        let id = try postID(req)
        let version = try ifMatchVersion(req)
        try PostService.requireMayAct(user, on: try await PostService.find(req.workflow, id).account, req.koho)
        let action = try plannedAction(req)
        let post = try await PostService.transition(req.workflow, user, id, .edit, expectedVersion: version, reason: "", edited: action)
        return try PostDTO(post, policy: req.koho.policy, history: try await PostService.history(req.db, id))
    }

    /// `PUT /api/v1/posts/{id}/media`: the file as the body; `If-Match` carries the version.
    static func attachMedia(_ req: Request) async throws -> PostDTO {
        let user = try req.requireUser()
        let id = try postID(req)
        let version = try ifMatchVersion(req)
        let data = req.body.data.map { Data(buffer: $0) } ?? Data()
        let post = try await PostMedia.attach(req, user, id, data, name: req.headers.contentDisposition?.filename, expectedVersion: version)
        return try PostDTO(post, policy: req.koho.policy, history: try await PostService.history(req.db, id))
    }

    static func ifMatchVersion(_ req: Request) throws -> Int {
        guard let tag = req.headers.first(name: .ifMatch), let version = Int(tag.trimmingCharacters(in: CharacterSet(charactersIn: "\"W/ "))) else {
            throw AppError(status: .preconditionRequired, message: "If-Match に編集を始めたときの version を指定してください")
        }
        return version
    }

    struct CalendarDay: Content {
        let date: String
        let operating: Bool
        let closedReason: String?
        let opens: String?
        let closes: String?
    }
    struct CalendarPost: Content {
        let id: String
        let account: String
        let state: String
        let scheduledAt: String
    }
    struct CalendarMonth: Content {
        let month: String
        let days: [CalendarDay]
        let posts: [CalendarPost]
    }

    static func calendar(_ req: Request) async throws -> CalendarMonth {
        _ = try req.requireUser()
        let month = try MonthParam.parse(req.query[String.self, at: "month"], now: req.koho.now)
        return try await calendarMonth(req, month)
    }

    static func calendarMonth(_ req: Request, _ month: MonthParam) async throws -> CalendarMonth {
        guard let cal = req.koho.cityCalendar else { throw AppError.notFound() }
        let days = month.days.map { d -> CalendarDay in
            let w = cal.window(on: d)
            return CalendarDay(date: d.description, operating: w != nil, closedReason: cal.closedReason(on: d).map { describe($0, on: d) },
                               opens: w.map { JapaneseTime.iso8601($0.start) }, closes: w.map { JapaneseTime.iso8601($0.end) })
        }
        let (start, end) = month.range(cal)
        let posts = try await Post.query(on: req.db).filter(\.$scheduledAt >= start).filter(\.$scheduledAt < end)
            .filter(\.$state ~~ [.submitted, .scheduled, .publishing, .published]).sort(\.$scheduledAt).all()
        return CalendarMonth(month: month.description, days: days,
                             posts: posts.map { CalendarPost(id: $0.id!.uuidString.lowercased(), account: $0.account, state: $0.state.rawValue,
                                                             scheduledAt: JapaneseTime.iso8601($0.scheduledAt!)) })
    }

    static func describe(_ r: OperatingCalendar.ClosedReason, on date: CivilDate) -> String {
        switch r {
        case .weekday: return "\(JapaneseTime.weekdayKanji[date.weekday])曜日"
        case .nationalHoliday(let n): return n
        case .closure(let n): return n
        }
    }

    /// `GET /api/v1/audit`: the chain in its order, with the audit page's filters (`actor`, `action`, `from`, `to`,
    /// `q`), `limit` (1–1000, 500) entries a page, `after` (an entry id) for the next page, `X-Total-Count`,
    /// `X-Next-Cursor` and a `Link` with `rel="next"`.
    static func audit(_ req: Request) async throws -> Response {
        _ = try req.requireUser()
        let filter = try await auditFilter(req).expand(on: req.db)
        let limit = req.query[Int.self, at: "limit"] ?? 500
        guard (1...1000).contains(limit) else { throw AppError.badRequest("limit は 1〜1000 で指定してください") }
        let after = req.query[Int.self, at: "after"]
        if req.query[String.self, at: "after"] != nil, after == nil { throw AppError.badRequest("after は記録の id（整数）で指定してください") }
        let counted = AuditEntry.query(on: req.db)
        filter.apply(counted, calendar: nil)
        let total = try await counted.count()
        let query = AuditEntry.query(on: req.db)
        filter.apply(query, calendar: nil)
        if let after { query.filter(\.$id > after) }
        let entries = try await query.sort(\.$id, .ascending).limit(limit + 1).all()
        let shown = Array(entries.prefix(limit))
        let res = Response(status: .ok)
        try res.content.encode(shown.map(AuditLog.JSONEntry.init))
        res.headers.replaceOrAdd(name: "X-Total-Count", value: String(total))
        if entries.count > limit, let last = shown.last?.id {
            res.headers.replaceOrAdd(name: "X-Next-Cursor", value: String(last))
            var query = [("limit", String(limit)), ("after", String(last))]
            for key in ["actor", "action", "from", "to", "q"] {
                if let v = req.query[String.self, at: key] { query.append((key, v)) }
            }
            let link = "/api/v1/audit?" + query.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
            res.headers.replaceOrAdd(name: .link, value: "<\(link)>; rel=\"next\"")
        }
        return res
    }

    /// `GET /api/v1/audit.csv`: the same CSV as the page's, with the same filters, for a bearer token.
    static func auditCSV(_ req: Request) async throws -> Response {
        _ = try req.requireUser()
        return AdminController.auditCSVResponse(try await AdminController.auditEntries(req.db, try auditFilter(req)))
    }

    /// The page's filter from the query; a value of the wrong type is a 400, not ignored.
    private static func auditFilter(_ req: Request) throws -> AdminController.AuditFilter {
        do { return try req.query.decode(AdminController.AuditFilter.self) } catch {
            throw AppError.badRequest("絞り込みの指定が正しくありません（actor、action、from・to は YYYY-MM-DD、q）")
        }
    }

    static func openAPI(_ req: Request) async throws -> Response {
        Response(status: .ok, headers: ["Content-Type": "application/yaml; charset=utf-8"], body: .init(string: OpenAPIDocument.yaml))
    }
}

/// A month such as `2026-11`.
struct MonthParam: CustomStringConvertible {
    let year: Int
    let month: Int

    static func parse(_ s: String?, now: Date) throws -> MonthParam {
        guard let s else {
            let d = JapaneseTime.localDate(now)
            return MonthParam(year: d.year, month: d.month)
        }
        let parts = s.split(separator: "-")
        guard parts.count == 2, let y = Int(parts[0]), let m = Int(parts[1]), (1...12).contains(m), (1900...2200).contains(y) else {
            throw AppError.badRequest("month は YYYY-MM で指定してください")
        }
        return MonthParam(year: y, month: m)
    }

    var description: String { String(format: "%04d-%02d", year, month) }
    var days: [CivilDate] { (1...CivilDate.daysInMonth(year: year, month: month)).map { CivilDate(year, month, $0) } }
    var previous: MonthParam { month == 1 ? MonthParam(year: year - 1, month: 12) : MonthParam(year: year, month: month - 1) }
    var next: MonthParam { month == 12 ? MonthParam(year: year + 1, month: 1) : MonthParam(year: year, month: month + 1) }
    func range(_ cal: OperatingCalendar) -> (Date, Date) {
        (cal.instant(CivilDate(year, month, 1), minutes: 0), cal.instant(CivilDate(next.year, next.month, 1), minutes: 0))
    }
}

/// Where a page of the post list starts: after the post with this creation time and id (newest first).
struct PostCursor: CustomStringConvertible {
    let createdAt: Date
    let id: UUID

    init(createdAt: Date, id: UUID) {
        self.createdAt = createdAt
        self.id = id
    }

    /// `<the time's bits in hex>_<uuid>`: opaque to clients, and exactly the time the database gave back.
    init?(_ raw: String) {
        let parts = raw.split(separator: "_")
        guard parts.count == 2, parts[0].count <= 16, let bits = UInt64(parts[0], radix: 16),
              let id = UUID(uuidString: String(parts[1])) else { return nil }
        let seconds = Double(bitPattern: bits)
        guard seconds.isFinite else { return nil }
        createdAt = Date(timeIntervalSince1970: seconds)
        self.id = id
    }

    var description: String { String(createdAt.timeIntervalSince1970.bitPattern, radix: 16) + "_" + id.uuidString.lowercased() }

    /// One page of `query`, newest first, after `cursor`: the posts, how many match in all, and where the next page starts.
    static func page(_ query: QueryBuilder<Post>, limit: Int, after cursor: PostCursor?) async throws -> ([Post], Int, PostCursor?) {
        let total = try await query.copy().count()
        let page = query.sort(\.$createdAt, .descending).sort(\.$id, .descending)
        if let cursor {
            page.group(.or) { older in
                older.filter(\.$createdAt < cursor.createdAt)
                older.group(.and) { $0.filter(\.$createdAt == cursor.createdAt).filter(\.$id < cursor.id) }
            }
        }
        let posts = try await page.limit(limit + 1).allPosts()
        let shown = Array(posts.prefix(limit))
        let next = posts.count > limit ? shown.last.flatMap { p in p.id.map { PostCursor(createdAt: p.createdAt, id: $0) } } : nil
        return (shown, total, next)
    }
}
