import Fluent
import Plot
import Vapor
import KohoCore

package enum AdminController {
    static func accounts(_ req: Request) async throws -> Response { try await accountsPage(req) }

    static func accountsPage(_ req: Request, status: HTTPResponseStatus = .ok,
                             refused: (account: String, pageID: String, error: String)? = nil) async throws -> Response {
        let users = try await User.query(on: req.db).filter(\.$role == .staff).sort(\.$name).all()
        let publishing = req.application.publishing
        let connections = publishing == nil ? [] : try await AccountConnection.query(on: req.db).all()
        let profiles = try await ProfileCheckRecord.query(on: req.db).all()
        return Layout.response(AccountsView.page(PageFrame(req, title: "アカウント"), AccountsView.Model(
            staff: users, connections: publishing == nil ? nil : connections,
            oauthPlatforms: Set(Platform.allCases.filter { publishing?.gateway.oauth($0) != nil }),
            profiles: Dictionary(profiles.map { ($0.account, $0) }, uniquingKeysWith: { a, _ in a }), refusedConnection: refused)), status: status)
    }

    static func requireChief(_ req: Request) throws -> User {
        let u = try req.requireUser()
        guard u.role == .chief else { throw AppError.forbidden("利用者の管理は\(req.koho.policy.ownerRole.title)だけが行えます") }
        return u
    }

    static func users(_ req: Request) async throws -> Response { try await page(req) }

    static func page(_ req: Request, status: HTTPResponseStatus = .ok, addUser: UsersView.AddUserInput? = nil,
                     roleChange: UsersView.RoleChangeInput? = nil) async throws -> Response {
        let me = try req.requireUser()
        let users = try await User.query(on: req.db).sort(\.$name).all()
        var throttles: [UUID: (lockedPairs: Int, failures: Int)] = [:]
        if me.role == .chief {
            for u in users { throttles[u.id!] = try await LoginThrottle.summary(name: u.name, on: req.db, now: req.koho.now) }
        }
        return Layout.response(UsersView.page(PageFrame(req, title: "利用者"), users: users, me: me, throttles: throttles, addUser: addUser,
                                              roleChange: roleChange),
                               status: status)
    }

    /// Ends the locks and delays that failed sign-ins put on a user's name.
    static func unlockUser(_ req: Request) async throws -> Response {
        let chief = try requireChief(req)
        guard let s = req.parameters.get("id"), let id = UUID(uuidString: s), let user = try await User.find(id, on: req.db) else {
            throw AppError.notFound("利用者が見つかりません")
        }
        let db = req.db, name = user.name
        try await req.koho.writeLock.run { try await LoginThrottle.unlock(name: name, on: db) }
        try await AuditLog.append(req, actor: chief.name, action: "user.unlock", subject: "user:\(user.name)",
                                  detail: "ログインのロックと遅延を解除（利用者画面）")
        return req.redirect(to: SiteURL.users.path, notice: "\(user.name)さんのロックを解除しました。")
    }

    struct AddUserForm: Content {
        var name: String
        var password: String
        var role: String
        var accounts: [String]?
    }

    static func addUser(_ req: Request) async throws -> Response {
        let chief = try requireChief(req)
        let form = try req.content.decode(AddUserForm.self)
        do {
            guard let role = UserRole(rawValue: form.role) else { throw AppError.badRequest("役割が正しくありません") }
            _ = try await Setup.createUser(on: req.db, ctx: req.koho, name: form.name, password: form.password, role: role,
                                           accounts: form.accounts ?? [], actor: chief.name, reason: "利用者画面から登録")
        } catch let e as AppError where [.badRequest, .conflict, .unprocessableEntity].contains(e.status) {
            // The form again with what was typed (the password excepted) and the reason beside it; nothing is saved.
            return try await page(req, status: e.status, addUser: UsersView.AddUserInput(name: form.name, role: form.role,
                                                                                             accounts: form.accounts ?? [], error: e.message))
        }
        return req.redirect(to: SiteURL.users.path, notice: "利用者を追加しました（\(form.name)）。")
    }

    package struct UpdateUserForm: Content {
        var role: String
        var accounts: [String]?
        var totpRequired: String?
        var totpReset: String?
        var reason: String?
    }

    static func updateUser(_ req: Request) async throws -> Response {
        let chief = try requireChief(req)
        guard let s = req.parameters.get("id"), let id = UUID(uuidString: s), let user = try await User.find(id, on: req.db) else {
            throw AppError.notFound("利用者が見つかりません")
        }
        let form = try req.content.decode(UpdateUserForm.self)
        // The users page again with this user's form as it was sent and the reason beside the role; nothing changed.
        func refused(_ message: String) async throws -> Response {
            try await page(req, status: .badRequest, roleChange: .init(user: id, role: form.role, accounts: form.accounts ?? [],
                                                                       totpRequired: form.totpRequired != nil, reason: form.reason ?? "", error: message))
        }
        guard let role = UserRole(rawValue: form.role) else { return try await refused("役割が正しくありません") }
        if user.id == chief.id, role != .chief { return try await refused("自分自身の\(req.koho.policy.ownerRole.title)の役割は外せません") }
        let known = Set(req.koho.policy.accounts.map(\.id))
        let accounts = role == .staff ? (form.accounts ?? []).filter { known.contains($0) } : []
        let before = "role=\(user.role.rawValue) accounts=\(user.accountList) totpRequired=\(user.totpRequired)"
        user.role = role
        user.accountList = accounts.joined(separator: ",")
        user.totpRequired = form.totpRequired != nil
        // For a lost device: the user sets up a new one at next login (at once, if it is required).
        if form.totpReset != nil {
            user.totpEnabled = false
            user.totpSecret = nil
        }
        let after = "role=\(user.role.rawValue) accounts=\(user.accountList) totpRequired=\(user.totpRequired)" + (form.totpReset != nil ? " totp=reset" : "")
        let ctx = req.koho, chiefName = chief.name, name = user.name, reason = form.reason ?? ""
        try await ctx.write(on: req.db) { db in
            try await user.save(on: db)
            try await AuditLog.appendLocked(on: db, at: ctx.now, actor: chiefName, action: "user.role", subject: "user:\(name)",
                                            detail: "\(before) → \(after)", reason: reason)
        }
        return req.redirect(to: SiteURL.users.path, notice: "\(user.name)さんの設定を変更しました。")
    }

    /// What the audit page is narrowed to; every field may be empty.
    struct AuditFilter: Content {
        var actor: String?
        var action: String?
        var from: String?
        var to: String?
        var q: String?
        /// Paging: only entries older than this id.
        var before: Int?
        /// Paging back: only entries newer than this id.
        var after: Int?
        /// What the words of `q` mean in stored codes, found by `expand(on:)`: actions named by them, post states
        /// named by them (as written in details), and posts whose text holds them.
        var wordActions: [String] = []
        var wordStates: [String] = []
        var wordSubjects: [String] = []

        enum CodingKeys: String, CodingKey { case actor, action, from, to, q, before, after }

        /// Looks up what a person's words stand for: 承認待ち is `submitted` in a detail, 避難所 is in posts' texts.
        func expand(on db: Database) async throws -> AuditFilter {
            guard let q = q?.trimmingCharacters(in: .whitespaces), !q.isEmpty else { return self }
            var f = self
            f.wordActions = AuditWords.actions(matching: q)
            f.wordStates = PostState.allCases.filter { $0.displayName.contains(q) }.map(\.rawValue)
            let stored = StoredText.encode(q)
            let posts = try await Post.query(on: db).group(.or) { $0.filter(\.$text ~~ stored).filter(\.$title ~~ stored) }
                .field(\.$id).limit(500).all()
            f.wordSubjects = posts.compactMap { $0.id.map(PostService.subject) }
            return f
        }

        func apply(_ query: QueryBuilder<AuditEntry>, calendar: OperatingCalendar?) {
            func clean(_ s: String?) -> String? { s.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 } }
            if let actor = clean(actor) { query.filter(\.$actor == actor) }
            if let action = clean(action) { query.filter(\.$action == action) }
            // Dates are days in Tokyo: from the start of `from` to the end of `to`.
            func day(_ s: String?) -> Date? { clean(s).flatMap { JapaneseTime.parseISO8601($0 + "T00:00:00") } }
            if let start = day(from) { query.filter(\.$at >= start) }
            if let end = day(to) { query.filter(\.$at < end.addingTimeInterval(86_400)) }
            if let q = clean(q) {
                query.group(.or) { any in
                    any.filter(\.$subject ~~ q)
                    any.filter(\.$detail ~~ q)
                    any.filter(\.$reason ~~ q)
                    any.filter(\.$actor ~~ q)
                    any.filter(\.$action ~~ q)
                    if !wordActions.isEmpty { any.filter(\.$action ~~ wordActions) }
                    for state in wordStates { any.filter(\.$detail ~~ "→ \(state)") }
                    if !wordSubjects.isEmpty { any.filter(\.$subject ~~ wordSubjects) }
                }
            }
        }

        /// The filter as a query string, with `before` for the next page or without it for the CSV of the whole view.
        func queryString(before id: Int? = nil, after newer: Int? = nil) -> String {
            var c = URLComponents()
            c.queryItems = [("actor", actor), ("action", action), ("from", from), ("to", to), ("q", q)].compactMap { k, v in
                v.flatMap { $0.isEmpty ? nil : URLQueryItem(name: k, value: $0) }
            } + (id.map { [URLQueryItem(name: "before", value: String($0))] } ?? [])
              + (newer.map { [URLQueryItem(name: "after", value: String($0))] } ?? [])
            return c.percentEncodedQuery ?? ""
        }

        var isEmpty: Bool { queryString().isEmpty }
    }

    static let auditPageSize = 100

    static func audit(_ req: Request) async throws -> Response {
        let filter = try await ((try? req.query.decode(AuditFilter.self)) ?? AuditFilter()).expand(on: req.db)
        let counted = AuditEntry.query(on: req.db)
        filter.apply(counted, calendar: nil)
        let total = try await counted.count()
        let query = AuditEntry.query(on: req.db)
        filter.apply(query, calendar: nil)
        let shown: [AuditEntry], olderExists: Bool
        if let after = filter.after, filter.before == nil {
            // Back towards the newest: the page just above `after`, read upwards and shown newest first.
            let page = try await query.filter(\.$id > after).sort(\.$id, .ascending).limit(auditPageSize).all()
            shown = page.reversed()
            olderExists = true
        } else {
            if let before = filter.before { query.filter(\.$id < before) }
            let entries = try await query.sort(\.$id, .descending).limit(auditPageSize + 1).all()
            shown = Array(entries.prefix(auditPageSize))
            olderExists = entries.count > auditPageSize
        }
        let postIDs = Set(shown.compactMap { e in e.subject.hasPrefix("post:") ? UUID(uuidString: String(e.subject.dropFirst(5))) : nil })
        let posts = postIDs.isEmpty ? [] : try await Post.query(on: req.db).filter(\.$id ~~ Array(postIDs)).all()
        let (checkpoints, unreadable) = try await AuditLog.Checkpoints.gathered(on: req.db, dataDirectory: req.koho.config.dataDirectory)
        let v = try await AuditLog.check(on: req.db, checkpoints: checkpoints)
        var model = AuditView.Model(entries: shown, verification: v, unreadable: unreadable, checkpoints: checkpoints.count)
        model.filter = filter
        model.total = total
        model.posts = Dictionary(posts.map { (PostService.subject($0.id!), $0) }, uniquingKeysWith: { a, _ in a })
        if olderExists, let last = shown.last?.id { model.next = filter.queryString(before: last) }
        if let first = shown.first?.id {
            let newer = AuditEntry.query(on: req.db)
            filter.apply(newer, calendar: nil)
            if try await newer.filter(\.$id > first).count() > 0 { model.previous = filter.queryString(after: first) }
        }
        return Layout.response(AuditView.page(PageFrame(req, title: "監査記録"), model))
    }

    /// The CSV of what the audit page shows with the same filter (all pages of it), oldest first.
    static func auditCSV(_ req: Request) async throws -> Response {
        auditCSVResponse(try await auditEntries(req.db, (try? req.query.decode(AuditFilter.self)) ?? AuditFilter()))
    }

    /// Every entry the filter keeps, in the chain's order (the page's paging left out).
    static func auditEntries(_ db: Database, _ filter: AuditFilter) async throws -> [AuditEntry] {
        var filter = try await filter.expand(on: db)
        filter.before = nil
        filter.after = nil
        let query = AuditEntry.query(on: db)
        filter.apply(query, calendar: nil)
        return try await query.sort(\.$id, .ascending).all()
    }

    static func auditCSVResponse(_ entries: [AuditEntry]) -> Response {
        let res = Response(status: .ok, body: .init(string: "\u{FEFF}" + AuditLog.csv(entries)))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"koho-audit.csv\"")
        return res
    }

    static func policy(_ req: Request) async throws -> Response {
        let versions = try await PolicyVersion.query(on: req.db).sort(\.$number, .descending).all()
        return Layout.response(PolicyView.page(PageFrame(req, title: "運用ポリシー"), PolicyView.Model(inForce: req.koho.policyVersionLabel, versions: versions)))
    }
}

enum UsersView {
    /// What was typed into 利用者の追加 when it was refused, and why.
    struct AddUserInput {
        var name = "", role = "staff", accounts: [String] = [], error: String?
        /// Beside the password when the reason is about it, else beside the name.
        var passwordError: String? { error.flatMap { $0.contains("パスワード") ? $0 : nil } }
        var nameError: String? { error.flatMap { $0.contains("パスワード") ? nil : $0 } }
    }

    /// A change of a user's role refused, as it was sent.
    struct RoleChangeInput {
        var user: UUID
        var role: String
        var accounts: [String]
        var totpRequired: Bool
        var reason: String
        var error: String
    }

    static func page(_ f: PageFrame, users: [User], me: User, throttles: [UUID: (lockedPairs: Int, failures: Int)] = [:],
                     addUser: AddUserInput? = nil, roleChange: RoleChangeInput? = nil) -> HTML {
        let typed = addUser ?? AddUserInput()
        let roles = UserRole.allCases.map { ($0.rawValue, $0.displayName(f.policy)) }
        var content: [BodyNode] = [
            .table(["名前", "役割", "担当アカウント", "二段階認証"], users.map { u in
                [.text(u.name), .text(u.role.displayName(f.policy)), .text(u.accounts.joined(separator: "、")),
                 .text((u.totpEnabled ? "有効" : "無効") + (u.totpRequired ? "（必須）" : ""))]
            }),
        ]
        guard me.role == .chief else { return Layout.page(f, content) }
        content.append(.tag("h2", [Attr("id", "add-user")], text: "利用者の追加"))
        content.append(.postForm(SiteURL.users.path, csrf: f.csrf, [
            typed.error.map { .tag("p", [Attr("class", "error"), Attr("role", "alert"), Attr("id", "add-user-error")], text: "追加できませんでした: \($0)") } ?? .empty,
            .field("名前", name: "name", value: typed.name, required: true, error: typed.nameError),
            .field("初期パスワード（10文字以上）", name: "password", type: "password", required: true,
                   hint: typed.error != nil ? "パスワードは安全のため残していません。もう一度入れてください。" : nil,
                   extra: [Attr("autocomplete", "new-password")], error: typed.passwordError),
            .selectField("役割", name: "role", options: roles, selected: typed.role),
            .tag("fieldset", [], [.tag("legend", [], text: "担当アカウント（担当者のみ）")] + f.policy.accounts.map {
                .checkbox($0.displayName + "（\($0.platform.displayName)）", name: "accounts[]", value: $0.id, checked: typed.accounts.contains($0.id))
            }),
            .button("追加する", kind: .primary),
        ]))
        content.append(.tag("h2", [], text: "役割と担当の変更"))
        for u in users {
            // Each user's form has its own ids, so that every label points at its own user's field.
            let prefix = "u\(u.id!.uuidString.prefix(8))"
            let sent = roleChange.flatMap { $0.user == u.id ? $0 : nil }
            content.append(.tag("section", [], [
                .tag("h3", [], text: u.name),
                unlockForm(f, u, throttles[u.id!]),
                .formError(sent.map { "変更できませんでした: \($0.error)" }),
                .postForm(SiteURL.userRole(u.id!).path, csrf: f.csrf, [
                    .selectField("役割", name: "role", options: roles, selected: sent?.role ?? u.role.rawValue, id: "\(prefix)-role", error: sent?.error),
                    .tag("fieldset", [], [.tag("legend", [], text: "担当アカウント")] + f.policy.accounts.map {
                        .checkbox($0.displayName + "（\($0.platform.displayName)）", name: "accounts[]", value: $0.id,
                                  checked: (sent?.accounts ?? u.accounts).contains($0.id), idPrefix: prefix)
                    }),
                    .checkbox("二段階認証を必須にする", name: "totpRequired", checked: sent?.totpRequired ?? u.totpRequired, idPrefix: prefix),
                    .checkbox("二段階認証をリセットする（端末を失くしたとき）", name: "totpReset", checked: false, idPrefix: prefix),
                    .field("変更の理由", name: "reason", value: sent?.reason ?? "", id: "\(prefix)-reason"),
                    .button("変更する"),
                ]),
            ]))
        }
        return Layout.page(f, content)
    }

    /// Shown only while failed sign-ins hold the name: how, and a button that ends it.
    static func unlockForm(_ f: PageFrame, _ u: User, _ t: (lockedPairs: Int, failures: Int)?) -> BodyNode {
        guard let t, t.lockedPairs > 0 || t.failures > 0 else { return .empty }
        let state = (t.lockedPairs > 0 ? "\(t.lockedPairs) か所の接続元からロック中。" : "") + "最近1時間のログインの失敗 \(t.failures) 回。"
        return .postForm(SiteURL.userUnlock(u.id!).path, csrf: f.csrf, [
            .tag("p", [Attr("class", "warn")], text: state),
            .button("ロックを解除する"),
        ])
    }
}
