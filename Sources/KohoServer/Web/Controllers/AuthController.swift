import Fluent
import Plot
import SQLKit
import Vapor
import KohoCore

package enum AuthController {
    package struct LoginForm: Content {
        var name: String
        var password: String
        var totp: String?
    }

    static func loginPage(_ req: Request) async throws -> Response {
        if req.query[String.self, at: "loggedOut"] != nil { return LoginPage.render(req, message: nil, notice: "ログアウトしました。") }
        guard req.query[String.self, at: "expired"] != nil else { return LoginPage.render(req, message: nil) }
        let hours = Int(req.koho.config.sessionIdleLimit / 3600), minutes = Int(req.koho.config.sessionIdleLimit) % 3600 / 60
        let limit = hours > 0 ? "\(hours)時間" + (minutes > 0 ? "\(minutes)分" : "") : "\(minutes)分"
        return LoginPage.render(req, message: "操作のないまま\(limit)が過ぎたため、ログアウトしました。もう一度ログインしてください。")
    }

    static func login(_ req: Request) async throws -> Response {
        var form = try req.content.decode(LoginForm.self)
        // Whatever was typed as a name goes into the audit trail; keep it to a sane length.
        form.name = String(form.name.prefix(100))
        let ctx = req.koho
        let now = ctx.now
        let address = LoginThrottle.clientAddress(req)
        func fail(_ message: String, audit: String = "login.failed") async throws -> Response {
            try await AuditLog.append(req, actor: form.name, action: audit, subject: "user:\(form.name)", detail: message)
            return LoginPage.render(req, message: "名前・パスワード・確認コードのいずれかが正しくないか、ロックされています。", status: .unauthorized,
                                    name: form.name.containsControlCharacter ? "" : form.name)
        }
        // One path for every answer: the delay, then one bcrypt check (against a dummy hash for an unknown
        // name), so that neither the time nor the text tells an unknown, a locked and a wrong name apart.
        let throttle = try await LoginThrottle.state(name: form.name, address: address, on: req.db, now: now)
        try await LoginThrottle.delay(throttle, ctx)
        // No user name holds a control character (they are refused when users are added), and PostgreSQL refuses a NUL in a query.
        let user = form.name.containsControlCharacter ? nil
            : try await User.query(on: req.db).filter(\.$name == form.name).first()
        var ok = try await req.password.async.verify(form.password, created: user?.passwordHash ?? ctx.dummyPasswordHash)
        var step: Int?
        if ok, let user, user.totpEnabled, let sealed = user.totpSecret {
            step = TOTP.matchingStep(secret: try TOTPSecret.open(sealed, user: user, ctx.vault), code: form.totp ?? "", at: now)
            if step == nil { ok = false }
        }
        guard let user, ok, !throttle.pairLocked(at: now) else {
            let locked = try await LoginThrottle.recordFailure(name: form.name, address: address, req.koho)
            if user == nil { return try await fail("利用者なし") }
            if let until = throttle.pairLockedUntil, until > now {
                return try await fail("この接続元からはロック中（\(JapaneseTime.staff(until))まで）")
            }
            return try await fail(locked ? "この接続元からの失敗が\(LoginThrottle.pairLockAfter)回続いたため15分間ロック" : "パスワードまたは確認コードの誤り",
                                  audit: locked ? "login.locked" : "login.failed")
        }
        // The code's step is claimed in one conditional UPDATE: of two logins with the same code, one passes. A code
        // already used (pressed twice, or the page sent again) is refused as such: it is no failed password, so it
        // neither counts towards a lock nor delays the next try.
        let claimedStep = step, name = form.name
        let claimed: Bool = try await ctx.writeLock.run {
            if let step = claimedStep, let sql = req.db as? SQLDatabase {
                let rows = try await sql.raw("""
                    UPDATE \(ident: User.schema) SET totp_last_step = \(bind: step)
                    WHERE id = \(bind: try user.requireID()) AND (totp_last_step IS NULL OR totp_last_step < \(bind: step)) RETURNING id
                    """).all()
                guard !rows.isEmpty else { return false }
                user.totpLastStep = step
            }
            try await LoginThrottle.recordSuccess(name: name, address: address, on: req.db)
            return true
        }
        guard claimed else {
            try await AuditLog.append(req, actor: form.name, action: "login.totpReused", subject: "user:\(form.name)",
                                      detail: "使用済みの確認コード")
            return LoginPage.render(req, message: "この確認コードはすでに使われました。認証アプリに次のコードが出てから、そのコードを入力してください。",
                                    status: .unauthorized)
        }
        try await startSession(req, user)
        try await AuditLog.append(req, actor: user.name, action: "login", subject: "user:\(user.name)")
        return req.redirect(to: SiteURL.dashboard.path, redirectType: .normal)
    }

    /// A new session id whenever someone signs in, so that an id planted before is worth nothing.
    static func startSession(_ req: Request, _ user: User) async throws {
        if let old = req.session.id { try await req.application.sessions.driver.deleteSession(old, for: req).get() }
        req.session.id = nil
        req.session.data = SessionData()
        req.session.data["uid"] = try user.requireID().uuidString
        req.session.data["csrf"] = Secrets.randomToken()
        SessionUserMiddleware.markSeen(req)
    }

    static func logout(_ req: Request) async throws -> Response {
        if let u = req.currentUser { try await AuditLog.append(req, actor: u.name, action: "logout", subject: "user:\(u.name)") }
        req.auth.logout(User.self)
        req.session.destroy()
        // The session is gone, so the notice rides on the address instead of a flash.
        return req.redirect(to: SiteURL.login.path + "?loggedOut=1", redirectType: .normal)
    }

    static func setupToken(_ req: Request) async throws -> SetupToken? {
        guard let t = req.parameters.get("token") else { return nil }
        // A link left lying about stops working after a day; `koho serve` prints a new one while nobody can log in.
        let oldest = req.koho.now.addingTimeInterval(-24 * 3600)
        return try await SetupToken.query(on: req.db).filter(\.$tokenHash == Secrets.sha256Hex(t)).filter(\.$usedAt == nil)
            .filter(\.$createdAt > oldest).first()
    }

    static func setupPage(_ req: Request) async throws -> Response {
        guard try await setupToken(req) != nil, try await User.query(on: req.db).count() == 0 else {
            throw AppError.notFound("このリンクは使用済みか、正しくありません")
        }
        return SetupPage.render(req, message: nil)
    }

    struct SetupForm: Content {
        var name: String
        var password: String
        var passwordConfirm: String
    }

    static func setup(_ req: Request) async throws -> Response {
        let form = try req.content.decode(SetupForm.self)
        guard form.password == form.passwordConfirm else { return SetupPage.render(req, message: "確認用のパスワードが一致しません") }
        let ctx = req.koho
        guard form.password.count >= 10 else { return SetupPage.render(req, message: "パスワードは10文字以上にしてください") }
        // Claim the link first: of two requests with one link only one can pass.
        let token: SetupToken = try await ctx.writeLock.run {
            guard let token = try await setupToken(req), try await User.query(on: req.db).count() == 0 else {
                throw AppError.notFound("このリンクは使用済みか、正しくありません")
            }
            token.usedAt = ctx.now
            try await token.save(on: req.db)
            return token
        }
        let user: User
        do {
            user = try await Setup.createUser(on: req.db, ctx: ctx, name: form.name, password: form.password, role: .chief, accounts: [],
                                              actor: form.name, reason: "初期設定リンクによる最初の\(ctx.policy.ownerRole.title)の登録")
        } catch let e as AppError {
            token.usedAt = nil
            let db = req.db
            try await ctx.writeLock.run { try await token.save(on: db) }
            return SetupPage.render(req, message: e.message)
        }
        try await startSession(req, user)
        return req.redirect(to: SiteURL.dashboard.path, redirectType: .normal)
    }

    static func totpPage(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        if !user.totpEnabled, pendingSecret(req, user) == nil { req.session.data["totpSecret"] = try TOTPSecret.seal(TOTP.newSecret(), user: user, req.koho.vault) }
        return TOTPPage.render(req, user: user, secret: pendingSecret(req, user), message: nil)
    }

    /// The secret being set up is kept in the session, sealed like the stored one.
    static func pendingSecret(_ req: Request, _ user: User) -> String? {
        req.session.data["totpSecret"].flatMap { try? TOTPSecret.open($0, user: user, req.koho.vault) }
    }

    struct TOTPForm: Content { var code: String }

    static func enableTOTP(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let form = try req.content.decode(TOTPForm.self)
        guard !user.totpEnabled, let secret = pendingSecret(req, user) else { return req.redirect(to: SiteURL.totp.path, redirectType: .normal) }
        guard let step = TOTP.matchingStep(secret: secret, code: form.code, at: req.koho.now) else {
            return TOTPPage.render(req, user: user, secret: secret, message: "確認コードが一致しません。端末の時刻を確かめてください。")
        }
        user.totpSecret = try TOTPSecret.seal(secret, user: user, req.koho.vault)
        user.totpEnabled = true
        user.totpLastStep = step
        try await user.save(on: req.db)
        req.session.data["totpSecret"] = nil
        try await AuditLog.append(req, actor: user.name, action: "user.totp", subject: "user:\(user.name)", detail: "二段階認証を有効化")
        return req.redirect(to: SiteURL.dashboard.path, notice: "二段階認証を有効にしました。")
    }
}

extension AuthController {
    struct PasswordForm: Content {
        var current: String
        var new: String
        var confirm: String
    }

    static func passwordPage(_ req: Request) async throws -> Response {
        PasswordPage.render(req, message: nil)
    }

    static func changePassword(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let form = try req.content.decode(PasswordForm.self)
        // The same throttle as the login: a stolen session must not become a way to guess the password.
        let ctx = req.koho, address = LoginThrottle.clientAddress(req)
        let throttle = try await LoginThrottle.state(name: user.name, address: address, on: req.db, now: ctx.now)
        try await LoginThrottle.delay(throttle, ctx)
        let ok = try await req.password.async.verify(form.current, created: user.passwordHash)
        guard ok, !throttle.pairLocked(at: ctx.now) else {
            try await LoginThrottle.recordFailure(name: user.name, address: address, req.koho)
            try await AuditLog.append(req, actor: user.name, action: "user.password.failed", subject: "user:\(user.name)",
                                      detail: ok ? "この接続元からはロック中" : "現在のパスワードの誤り")
            return PasswordPage.render(req, message: "現在のパスワードが正しくないか、失敗が続いたため一時的に受け付けていません", field: "current",
                                       status: .unauthorized)
        }
        guard form.new == form.confirm else { return PasswordPage.render(req, message: "確認用のパスワードが一致しません", field: "confirm", status: .badRequest) }
        guard form.new.count >= 10 else { return PasswordPage.render(req, message: "パスワードは10文字以上にしてください", field: "new", status: .badRequest) }
        user.passwordHash = try await req.password.async.hash(form.new)
        // Whoever else holds a session of this user (a stolen cookie, a forgotten PC) is signed out, in the same
        // transaction as the new password.
        let keep = req.session.id, name = user.name
        try await ctx.write(on: req.db) { db in
            try await user.save(on: db)
            let ended = try await SessionStore.endSessions(of: user, except: keep, on: db)
            try await AuditLog.appendLocked(on: db, at: ctx.now, actor: name, action: "user.password", subject: "user:\(name)",
                                            detail: "パスワードを変更（ほかのセッション \(ended) 件を終了）", reason: "")
        }
        return req.redirect(to: SiteURL.dashboard.path, notice: "パスワードを変更しました。")
    }
}

enum PasswordPage {
    /// Passwords are never sent back; the reason stands beside the field to type again.
    static func render(_ req: Request, message: String?, field: String? = nil, status: HTTPResponseStatus = .ok) -> Response {
        let f = PageFrame(req, title: "パスワード変更")
        func err(_ name: String) -> String? { field == name ? message : nil }
        return Layout.response(Layout.page(f, [
            message.map { .tag("p", [Attr("class", "error"), Attr("role", "alert")], text: $0) } ?? .empty,
            .postForm(SiteURL.password.path, csrf: f.csrf, [
                .field("現在のパスワード", name: "current", type: "password", required: true, extra: [Attr("autocomplete", "current-password")], error: err("current")),
                .field("新しいパスワード（10文字以上）", name: "new", type: "password", required: true, extra: [Attr("autocomplete", "new-password")], error: err("new")),
                .field("新しいパスワード（確認）", name: "confirm", type: "password", required: true, extra: [Attr("autocomplete", "new-password")], error: err("confirm")),
                .button("変更する", kind: .primary),
            ]),
        ]), status: status)
    }
}

enum LoginPage {
    /// `name` is what was typed, kept after a refused sign-in (never the password or the code).
    static func render(_ req: Request, message: String?, notice: String? = nil, status: HTTPResponseStatus = .ok, name: String = "") -> Response {
        let f = PageFrame(req, title: "ログイン")
        // A refused login marks the fields it concerns and points them at the message.
        let invalid: [Attr] = message == nil ? [] : [Attr("aria-invalid", "true"), Attr("aria-describedby", "login-error")]
        return Layout.response(Layout.page(f, [
            notice.map { .tag("p", [Attr("class", "notice"), Attr("role", "status")], text: $0) } ?? .empty,
            message.map { .tag("p", [Attr("class", "error"), Attr("role", "alert"), Attr("id", "login-error")], text: $0) } ?? .empty,
            .postForm(SiteURL.login.path, csrf: f.csrf, [
                .field("名前", name: "name", value: name, required: true, extra: [Attr("autocomplete", "username")] + invalid),
                .field("パスワード", name: "password", type: "password", required: true, extra: [Attr("autocomplete", "current-password")] + invalid),
                .field("確認コード（二段階認証を使う場合）", name: "totp", hint: "認証アプリに表示される6桁の数字",
                       extra: [Attr("inputmode", "numeric"), Attr("autocomplete", "one-time-code")]),
                .button("ログイン", kind: .primary),
            ]),
        ]), status: status)
    }
}

enum SetupPage {
    static func render(_ req: Request, message: String?) -> Response {
        let f = PageFrame(req, title: "初期設定: \(req.koho.policy.ownerRole.title)の登録")
        return Layout.response(Layout.page(f, [
            .tag("p", [], text: "最初の利用者として\(req.koho.policy.ownerRole.title)を登録します。このリンクは一度しか使えません。"),
            message.map { .tag("p", [Attr("class", "error"), Attr("role", "alert")], text: $0) } ?? .empty,
            .postForm(req.url.path, csrf: f.csrf, [
                .field("名前", name: "name", required: true),
                .field("パスワード（10文字以上）", name: "password", type: "password", required: true, extra: [Attr("autocomplete", "new-password")]),
                .field("パスワード（確認）", name: "passwordConfirm", type: "password", required: true, extra: [Attr("autocomplete", "new-password")]),
                .button("登録する", kind: .primary),
            ]),
        ]))
    }
}

enum TOTPPage {
    static func render(_ req: Request, user: User, secret: String?, message: String?) -> Response {
        let f = PageFrame(req, title: "二段階認証")
        var content: [BodyNode] = []
        if user.totpEnabled {
            content.append(.tag("p", [Attr("class", "notice")], text: "二段階認証は有効です。"))
        } else if let secret {
            if user.totpRequired {
                content.append(.tag("p", [Attr("class", "warn"), Attr("role", "alert")], text: "\(f.policy.ownerRole.title)の指示により、二段階認証の設定が必要です。"))
            }
            let uri = TOTP.uri(secret: secret, account: user.name, issuer: "Koho \(f.policy.organization.name)")
            content += [
                message.map { .tag("p", [Attr("class", "error"), Attr("role", "alert")], text: $0) } ?? .empty,
                .tag("p", [], text: "認証アプリで次のQRコードを読み取るか、鍵を入力して登録し、表示された6桁の確認コードを入力してください。"),
                // Drawn here, not by an outside service, so that the secret never leaves the server.
                (try? QRCode(uri)).map { .raw("<figure class=\"qr\">" + $0.svg(label: "認証アプリに登録するQRコード") + "</figure>") } ?? .empty,
                .tag("dl", [], [
                    .tag("dt", [], text: "鍵"), .tag("dd", [], [.tag("code", [], text: secret)]),
                    .tag("dt", [], text: "URI"), .tag("dd", [], [.tag("code", [], text: uri)]),
                ]),
                .postForm(SiteURL.totp.path, csrf: f.csrf, [
                    .field("確認コード", name: "code", required: true, extra: [Attr("inputmode", "numeric"), Attr("autocomplete", "one-time-code")]),
                    .button("有効にする", kind: .primary),
                ]),
            ]
        }
        return Layout.response(Layout.page(f, content))
    }
}
