import Fluent
import Plot
import Vapor
import KohoCore
import KohoPlatforms

/// The chief connects each policy account to its platform account: X and YouTube through OAuth (PKCE, with the
/// state kept in the session), Facebook by pasting a Page access token. Tokens go straight into the vault.
enum ConnectionsController {
    static func requireChief(_ req: Request) throws -> User {
        let u = try req.requireUser()
        guard u.role == .chief else { throw AppError.forbidden("アカウントの接続は\(req.koho.policy.ownerRole.title)だけが行えます") }
        return u
    }

    static func account(_ req: Request) throws -> KohoCore.Account {
        guard let id = req.parameters.get("account"), let a = req.koho.policy.account(id) else { throw AppError.notFound("アカウントが見つかりません") }
        return a
    }

    static func publishing(_ req: Request) throws -> Publishing {
        guard let p = req.application.publishing else { throw AppError.notFound("プラットフォームが設定されていません") }
        return p
    }

    static func redirectURI(_ req: Request) -> String {
        let base = Environment.get("KOHO_PUBLIC_URL") ?? req.koho.config.baseURL
        return (base.hasSuffix("/") ? String(base.dropLast()) : base) + SiteURL.oauthCallback.path
    }

    static func startOAuth(_ req: Request) async throws -> Response {
        _ = try requireChief(req)
        let account = try account(req)
        let p = try publishing(req)
        guard let oauth = p.gateway.oauth(account.platform) else {
            throw AppError.badRequest("\(account.platform.displayName)のクライアントIDが設定されていません（README の「プラットフォーム」を参照）")
        }
        let pkce = PKCE.make(), state = PKCE.makeState()
        req.session.data["oauth_state"] = state
        req.session.data["oauth_verifier"] = pkce.verifier
        req.session.data["oauth_account"] = account.id
        return req.redirect(to: oauth.authorizationURL(redirectURI: redirectURI(req), state: state, pkce: pkce), redirectType: .normal)
    }

    /// The platform sends the browser back here; the state in the session stands in for the CSRF token.
    static func callback(_ req: Request) async throws -> Response {
        let chief = try requireChief(req)
        let p = try publishing(req)
        guard let expected = req.session.data["oauth_state"], let verifier = req.session.data["oauth_verifier"],
              let accountID = req.session.data["oauth_account"], let account = req.koho.policy.account(accountID),
              let sent = req.query[String.self, at: "state"], Secrets.constantTimeEqual(sent, expected) else {
            throw AppError.forbidden("接続の確認（state）が一致しません。「アカウント」画面から接続をやり直してください。")
        }
        req.session.data["oauth_state"] = nil
        req.session.data["oauth_verifier"] = nil
        req.session.data["oauth_account"] = nil
        if let error = req.query[String.self, at: "error"] { throw AppError.badRequest("接続が許可されませんでした（\(error)）") }
        guard let code = req.query[String.self, at: "code"], let oauth = p.gateway.oauth(account.platform) else {
            throw AppError.badRequest("認可コードがありません")
        }
        do {
            let tokens = try await p.gateway.exchangeCode(oauth, code, redirectURI(req), PKCE(verifier: verifier))
            let who = try await p.gateway.identify(account, tokens.accessToken)
            try await ConnectionService.connect(ctx: req.koho, account: account, userID: who.id, username: who.username,
                                                tokens: tokens, actor: chief.name, reason: "OAuthで接続")
        } catch let e as PlatformError {
            throw AppError.badRequest("\(account.platform.displayName)への接続に失敗しました: \(e.explanation)")
        }
        return req.redirect(to: SiteURL.accounts.path, redirectType: .normal)
    }

    struct FacebookForm: Content {
        var pageId: String?
        var accessToken: String?
    }

    static func connectFacebook(_ req: Request) async throws -> Response {
        let chief = try requireChief(req)
        let account = try account(req)
        guard account.platform == .facebook else { throw AppError.notFound() }
        let p = try publishing(req)
        let form = try req.content.decode(FacebookForm.self)
        let token = (form.accessToken ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let pageID = form.pageId.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 } ?? account.handle
        // The accounts page again with the page ID kept and the reason beside the token field.
        func refused(_ message: String) async throws -> Response {
            try await AdminController.accountsPage(req, status: .badRequest, refused: (account.id, form.pageId ?? "", message))
        }
        guard !token.isEmpty else { return try await refused("ページのアクセストークンを入力してください") }
        do {
            try await p.gateway.checkPageToken(pageID, AccessToken(token))
        } catch let e as PlatformError {
            return try await refused("このトークンではページ「\(pageID)」を読めません: \(e.explanation)")
        }
        try await ConnectionService.connect(ctx: req.koho, account: account, userID: pageID, username: pageID,
                                            tokens: OAuthTokens(accessToken: AccessToken(token), refreshToken: nil, expiresAt: nil, scope: nil),
                                            actor: chief.name, reason: "ページのアクセストークンで接続")
        return req.redirect(to: SiteURL.accounts.path, notice: "\(account.displayName)を接続しました。")
    }
}

enum ConnectionViews {
    /// The connection of each account on the accounts page; the connect forms for the chief.
    static func section(_ a: KohoCore.Account, _ c: AccountConnection?, f: PageFrame, oauthAvailable: Bool,
                        refused: (pageID: String, error: String)? = nil) -> BodyNode {
        let status = c?.status ?? .notConnected
        var nodes: [BodyNode] = [
            .tag("p", [Attr("class", status == .connected ? "notice" : "warn")] + (status == .needsReconnecting ? [Attr("role", "alert")] : []),
                 text: "接続: \(status.displayName)" + (c.map { "（\($0.platformUsername)、\($0.environment == "sandbox" ? "サンドボックス" : "実プラットフォーム"))" } ?? "")
                    + (status == .needsReconnecting ? " — \(c?.statusReason ?? "")。この間、このアカウントの発信は止まっています。" : "")),
        ]
        guard f.user?.role == .chief else { return .group(nodes) }
        switch a.platform {
        case .facebook:
            nodes.append(.formError(refused.map { "接続できませんでした: \($0.error)" }))
            nodes.append(.postForm(SiteURL.connectFacebook(a.id).path, csrf: f.csrf, [
                .field("ページID", name: "pageId", value: refused?.pageID ?? c?.platformUserID ?? a.handle),
                .field("ページのアクセストークン", name: "accessToken", type: "password", required: true,
                       hint: "Meta のビジネス設定で発行したページのアクセストークン。保存時に暗号化され、画面には表示されません",
                       error: refused.map { "\($0.error)（トークンは画面に戻しません。もう一度貼り付けてください）" }),
                .button(status == .connected ? "接続し直す" : "接続する"),
            ]))
        case .x, .youtube:
            nodes.append(oauthAvailable
                ? .postForm(SiteURL.connectOAuth(a.id).path, csrf: f.csrf, [.button("\(a.platform.displayName)で\(status == .connected ? "接続し直す" : "接続する")")])
                : .tag("p", [], text: "\(a.platform.displayName)のクライアントIDが設定されていないため、接続できません。"))
        }
        return .group(nodes)
    }

    /// The chief's notice: accounts whose publishing is stopped.
    static func notice(_ stopped: [AccountConnection], policy: Policy) -> BodyNode {
        guard !stopped.isEmpty else { return .empty }
        return .tag("section", [Attr("class", "warn"), Attr("role", "alert")], [
            .tag("h2", [], text: "要再接続のアカウント（\(stopped.count)件）"),
            .tag("ul", [], stopped.map { c in
                .tag("li", [], [.text("\(policy.account(c.account)?.displayName ?? c.account)（\(c.account)）: \(c.statusReason) "),
                                .link(.accounts, "アカウント画面で接続し直す")])
            }),
        ])
    }

    static func stopped(_ req: Request) async throws -> [AccountConnection] {
        guard req.application.publishing != nil else { return [] }
        return try await AccountConnection.query(on: req.db).filter(\.$status == .needsReconnecting).sort(\.$account).all()
    }

    /// The post page's publishing section: the result, why it is held, and every attempt.
    static func publishing(_ p: Post, attempts: [PublishAttempt], sandbox: Bool = false) -> BodyNode {
        var nodes: [BodyNode] = []
        if let url = p.platformURL {
            // The sandbox's addresses look like the platform's but lead nowhere: no link, and said plainly.
            nodes.append(.tag("p", [Attr("class", "notice")], sandbox
                ? [.text("発信先（サンドボックスの中の架空のアドレス）: "), .tag("code", [], text: url), .tag("span", [Attr("class", "sandbox-mark")], text: Layout.sandboxText)]
                : [.text("発信先: "), .link(href: url, url)]))
        }
        if let held = p.heldReason, p.state == .scheduled {
            nodes.append(.tag("p", [Attr("class", "warn"), Attr("role", "status")],
                              [.text("\(held)（\(JapaneseTime.show(p.heldAt))から）。災害モードを終えた後、課長が "), .link(.disaster, "災害モードの画面"), .text(" で解除すると発信されます。")]))
        }
        if let m = p.publishMessage {
            nodes.append(.tag("p", [Attr("class", p.state == .failed ? "error" : "warn")] + (p.state == .failed ? [Attr("role", "alert")] : []), text: m))
        }
        guard !attempts.isEmpty || !nodes.isEmpty else { return .empty }
        nodes.insert(.tag("h2", [], text: "発信の試行"), at: 0)
        nodes.append(attempts.isEmpty ? .tag("p", [], text: "まだありません。") : .table(["回", "開始", "終了", "結果", "投稿ID", "内容"], attempts.map { a in
            [.text(String(a.number)), .text(JapaneseTime.staff(a.startedAt)), .text(JapaneseTime.show(a.finishedAt)),
             .text(a.outcome.displayName), .text(a.platformPostID ?? "—"), .text(a.message)]
        }))
        return .group(nodes)
    }
}
