import Plot
import Vapor
import KohoCore

typealias BodyNode = Node<HTML.BodyContext>

/// Plot escapes text but not attribute values, so every attribute goes through here.
func escapeAttribute(_ s: String) -> String { HTMLEscaping.escape(s) }

extension Node {
    /// Text escaped by Unicode scalar. Shadows Plot's `.text`, which escapes by Character: `<` joined to a combining
    /// mark, or after a prepended mark, passed through raw.
    static func text(_ text: String) -> Node { .raw(HTMLEscaping.escapeText(text)) }
}

/// An attribute: a value (escaped), or nil for a boolean attribute such as `checked`.
struct Attr {
    let name: String
    let value: String?
    init(_ name: String, _ value: String?) { self.name = name; self.value = value }
    var plot: Attribute<HTML.BodyContext> {
        Attribute(name: name, value: value.map(escapeAttribute), ignoreIfValueIsEmpty: false)
    }
}

extension Node where Context == HTML.BodyContext {
    static func tag(_ name: String, _ attrs: [Attr] = [], _ children: [BodyNode] = []) -> BodyNode {
        .element(named: name, nodes: attrs.map { .attribute($0.plot) } + children)
    }
    static func tag(_ name: String, _ attrs: [Attr] = [], text: String) -> BodyNode {
        tag(name, attrs, [.text(text)])
    }
    static func void(_ name: String, _ attrs: [Attr]) -> BodyNode {
        .selfClosedElement(named: name, attributes: attrs.map(\.plot))
    }
    static func link(_ url: SiteURL, _ text: String) -> BodyNode { tag("a", [Attr("href", url.path)], text: text) }
    static func link(href: String, _ text: String) -> BodyNode { tag("a", [Attr("href", href)], text: text) }

    static func hidden(_ name: String, _ value: String) -> BodyNode {
        void("input", [Attr("type", "hidden"), Attr("name", name), Attr("value", value)])
    }
    static func csrf(_ token: String) -> BodyNode { hidden("csrf", token) }

    /// A labelled text input; `hint` and `error` (why the form came back) are tied to it with aria-describedby.
    /// `id` tells apart two fields of one name on a page.
    static func field(_ label: String, name: String, value: String = "", type: String = "text", required: Bool = false,
                      hint: String? = nil, id: String? = nil, extra: [Attr] = [], error: String? = nil) -> BodyNode {
        let id = id ?? "f-\(name)"
        var attrs = [Attr("type", type), Attr("id", id), Attr("name", name), Attr("value", value)] + extra
        if required { attrs.append(Attr("required", nil)) }
        attrs += described(id, hint: hint, error: error)
        return tag("div", [Attr("class", error == nil ? "field" : "field invalid")], [
            tag("label", [Attr("for", id)], text: label),
            void("input", attrs),
            fieldNotes(id, hint: hint, error: error),
        ])
    }

    /// `id` tells two text areas of one name apart when two forms share a page.
    static func textArea(_ label: String, name: String, value: String, rows: Int = 6, hint: String? = nil, id: String? = nil,
                         error: String? = nil) -> BodyNode {
        let key = id ?? name
        let attrs = [Attr("id", "f-\(key)"), Attr("name", name), Attr("rows", String(rows))] + described("f-\(key)", hint: hint, error: error, noteKey: key)
        return tag("div", [Attr("class", error == nil ? "field" : "field invalid")], [
            tag("label", [Attr("for", "f-\(key)")], text: label),
            tag("textarea", attrs, text: value),
            fieldNotes(key, hint: hint, error: error),
        ])
    }

    static func selectField(_ label: String, name: String, options: [(value: String, label: String)], selected: String?,
                            id: String? = nil, hint: String? = nil, error: String? = nil) -> BodyNode {
        let id = id ?? "f-\(name)"
        return tag("div", [Attr("class", error == nil ? "field" : "field invalid")], [
            tag("label", [Attr("for", id)], text: label),
            tag("select", [Attr("id", id), Attr("name", name)] + described(id, hint: hint, error: error), options.map { o in
                tag("option", [Attr("value", o.value)] + (o.value == selected ? [Attr("selected", nil)] : []), text: o.label)
            }),
            fieldNotes(id, hint: hint, error: error),
        ])
    }

    /// aria-invalid and aria-describedby for a field's hint and the reason it was refused.
    private static func described(_ id: String, hint: String?, error: String?, noteKey: String? = nil) -> [Attr] {
        let key = noteKey ?? id
        let ids = (error == nil ? [] : ["e-\(key)"]) + (hint == nil ? [] : ["h-\(key)"])
        return (error == nil ? [] : [Attr("aria-invalid", "true")]) + (ids.isEmpty ? [] : [Attr("aria-describedby", ids.joined(separator: " "))])
    }

    private static func fieldNotes(_ key: String, hint: String?, error: String?) -> BodyNode {
        .group([
            error.map { tag("strong", [Attr("class", "field-error"), Attr("id", "e-\(key)")], text: $0) } ?? .empty,
            hint.map { tag("small", [Attr("id", "h-\(key)")], text: $0) } ?? .empty,
        ])
    }

    /// Why a form came back, at its top: said once, for screen readers too; the detail sits beside each field.
    static func formError(_ message: String?) -> BodyNode {
        message.map { tag("p", [Attr("class", "error"), Attr("role", "alert")], text: $0) } ?? .empty
    }

    static func checkbox(_ label: String, name: String, value: String = "1", checked: Bool, idPrefix: String = "f",
                         error: String? = nil) -> BodyNode {
        let id = "\(idPrefix)-\(name.filter { $0.isLetter || $0.isNumber })-\(value)"
        return tag("div", [Attr("class", "field check")], [
            void("input", [Attr("type", "checkbox"), Attr("id", id), Attr("name", name), Attr("value", value)]
                 + (checked ? [Attr("checked", nil)] : []) + described(id, hint: nil, error: error)),
            tag("label", [Attr("for", id)], text: label),
            fieldNotes(id, hint: nil, error: error),
        ])
    }

    /// The page's one main step (`primary`), an ordinary one, or one that removes, stops or returns (`danger`).
    enum ButtonKind: String { case primary, secondary, danger }

    static func button(_ text: String, name: String? = nil, value: String? = nil, kind: ButtonKind = .secondary) -> BodyNode {
        var attrs = [Attr("type", "submit"), Attr("class", kind.rawValue)]
        if let name { attrs.append(Attr("name", name)) }
        if let value { attrs.append(Attr("value", value)) }
        return tag("button", attrs, text: text)
    }

    /// A form that changes state: always POST, always with the CSRF token.
    static func postForm(_ action: String, csrf: String, _ children: [BodyNode], inline: Bool = false) -> BodyNode {
        tag("form", [Attr("method", "post"), Attr("action", action)] + (inline ? [Attr("class", "inline")] : []), [.csrf(csrf)] + children)
    }

    static func table(_ headers: [String], _ rows: [[BodyNode]], caption: String? = nil) -> BodyNode {
        tag("table", [], [
            caption.map { tag("caption", [], text: $0) } ?? .empty,
            tag("thead", [], [tag("tr", [], headers.map { tag("th", [Attr("scope", "col")], text: $0) })]),
            tag("tbody", [], rows.map { tag("tr", [], $0.map { tag("td", [], [$0]) }) }),
        ])
    }

    static func violations(_ v: [Violation]) -> BodyNode {
        guard !v.isEmpty else { return .empty }
        return tag("div", [Attr("class", "error"), Attr("role", "alert")], [
            tag("h2", [], text: "ポリシーに合いません"),
            // The policy's messages begin with their clause already; it is shown once, in bold.
            tag("ul", [], v.map { v in
                let mark = v.rule.isEmpty ? "" : "【\(v.rule)】"
                let text = !mark.isEmpty && v.message.hasPrefix(mark) ? String(v.message.dropFirst(mark.count)) : v.message
                return tag("li", [], [tag("strong", [], text: mark), .text(mark.isEmpty ? text : " " + text)])
            }),
        ])
    }
}

/// Everything a page's frame needs to know.
struct PageFrame {
    let title: String
    let user: User?
    let csrf: String
    let policy: Policy
    /// The one-time notice left by the POST that redirected here.
    let flash: String?
    /// What the chief should see in the menu: emergencies waiting for approval.
    var waitingEmergencies = 0
    /// The path asked for, to mark the current page in the menu.
    let path: String
    /// The accounts in disaster mode, for the banner on every page.
    var disasterModes: [DisasterMode] = []
    /// The accounts suspended or deleted (3(7), 4(9), 5(9)), by account id: their posts are held.
    var suspensions: [String: AccountSuspension] = [:]
    /// Publishing goes to the sandbox: nothing reaches the real platforms, and every staff page says so.
    var sandbox = false

    init(_ req: Request, title: String) {
        self.title = title
        self.path = req.url.path
        self.user = req.currentUser
        // Pages outside the session routes (an unknown path's 404) have no session to keep a token in.
        let inSession = req.storage[InSessionRoutes.self] == true
        self.csrf = inSession ? req.csrfToken : ""
        self.policy = req.koho.policy
        self.flash = inSession ? req.takeFlash() : nil
        self.waitingEmergencies = req.storage[WaitingEmergencies.self] ?? 0
        self.disasterModes = req.storage[DisasterBanner.self] ?? []
        self.suspensions = req.storage[SuspendedAccounts.self] ?? [:]
        self.sandbox = req.koho.config.platforms?.isSandbox ?? false
    }
}

struct FlashKey: StorageKey { typealias Value = String }
struct WaitingEmergencies: StorageKey { typealias Value = Int }

extension Request {
    /// Leaves a notice for the page the redirect leads to (POST/redirect/GET); shown once.
    func flash(_ message: String) { session.data["flash"] = message }

    /// The notice, taken out of the session once; a second frame for the same request sees it too.
    func takeFlash() -> String? {
        if let kept = storage[FlashKey.self] { return kept }
        // A script following the redirect of an upload: the notice is for the page the browser opens next.
        if headers.first(name: "X-Requested-With") == "XMLHttpRequest" { return nil }
        guard let message = session.data["flash"] else { return nil }
        session.data["flash"] = nil
        storage[FlashKey.self] = message
        return message
    }

    /// A 303 to `path` with a notice for it.
    func redirect(to path: String, notice: String) -> Response {
        flash(notice)
        return redirect(to: path, redirectType: .normal)
    }
}

enum Layout {
    static let css = """
    body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:0;line-height:1.7;color:#1a1a1a}
    .skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px;z-index:9}
    header{background:#0b4f8a;color:#fff;padding:8px 16px}header a{color:#fff}
    nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:12px;margin:0;padding:0}nav a[aria-current]{font-weight:bold;text-decoration:underline 3px}
    main{padding:16px;max-width:1100px}
    :focus{outline:3px solid #f5a623;outline-offset:2px}
    .field{margin:8px 0}.field label{display:block;font-weight:bold}.field.check label{display:inline;font-weight:normal}
    input[type=text],input[type=password],input[type=url],input[type=datetime-local],select,textarea{width:100%;max-width:40em;padding:4px;font-size:1rem}
    .error{border:2px solid #b00020;padding:8px;background:#fdecee}.notice{border:2px solid #0b4f8a;padding:8px;background:#eef5fc}
    .warn{border:2px solid #b36b00;padding:8px;background:#fff4e0}.disaster{border:3px solid #b00020;padding:8px;background:#fdecee;margin-bottom:8px}
    table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px;vertical-align:top}
    .closed{background:#eee}.holiday{color:#b00020}form.inline{display:inline}
    table.month{width:100%;table-layout:fixed}table.month td{height:6em}table.month td[aria-current]{outline:3px solid #0b4f8a;outline-offset:-3px}table.month p{margin:0}table.month ul{margin:0;padding-left:1.2em;font-size:.9rem}
    pre{white-space:pre-wrap}.post-body{white-space:pre-wrap;font-size:1.15rem;line-height:1.8;max-width:40em}.immediate{font-weight:bold}
    .post-main .pv-text{font-size:1.25rem;line-height:1.8;max-width:40em}.post-main .pv-title{font-size:1.3rem}
    button{font:inherit;padding:6px 16px;margin:4px 0;border-radius:4px;border:2px solid #0b4f8a;background:#fff;color:#0b4f8a;cursor:pointer}
    button.primary{background:#0b4f8a;color:#fff;font-weight:bold;padding:8px 24px}button.primary:hover{background:#083a66}
    button.danger{border-color:#b00020;color:#b00020}button.danger:hover{background:#fdecee}button.secondary:hover{background:#eef5fc}
    header form.inline button{padding:2px 10px;margin:0}
    .sandbox-banner{background:#fff4e0;border:3px solid #b36b00;color:#1a1a1a;padding:4px 12px;margin:0 0 8px;font-weight:bold}
    .sandbox-mark{display:inline-block;border:1px solid #b36b00;background:#fff4e0;color:#6b4000;padding:0 6px;font-size:.85rem;margin-left:4px}
    .actions-top{border:2px solid #0b4f8a;padding:8px 12px;margin:12px 0;max-width:40em}
    .field-error{display:block;color:#b00020}.field.invalid input,.field.invalid select,.field.invalid textarea{border:2px solid #b00020}
    img.attached-image,img.poster{max-width:100%;height:auto}.queued img.attached-image,.queued img.poster{max-width:240px}
    .live-check{margin:4px 0 12px}.live-check .cut{font-weight:bold}dt{font-weight:bold}dd{margin:0 0 4px 1.5em}
    """

    static func page(_ f: PageFrame, _ content: [BodyNode]) -> HTML {
        HTML(
            .lang(.japanese),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                // Not Plot's `.title`: it also copies the title into og/twitter meta attributes, which Plot does not escape.
                .element(named: "title", nodes: [.text("\(f.title) | Koho（広報）")]),
                .style(css + RenderingPreview.css + CommentViews.css)
            ),
            .body(
                .tag("a", [Attr("class", "skip"), Attr("href", "#main")], text: "本文へ移動"),
                .header(
                    // Inside the header landmark, so that no content sits outside a landmark.
                    f.sandbox && f.user != nil ? sandboxBanner : .empty,
                    .tag("p", [], [.strong(.text("Koho（広報）")), .text(" \(f.policy.organization.name) \(f.policy.title)")]),
                    f.user.map { nav($0, f) } ?? .empty
                ),
                .tag("main", [Attr("id", "main"), Attr("tabindex", "-1")], [DisasterView.banner(f.disasterModes, policy: f.policy), .h1(.text(f.title)),
                    f.flash.map { .tag("p", [Attr("class", "notice"), Attr("role", "status")], text: $0) } ?? .empty] + content)
            )
        )
    }

    static let sandboxText = "サンドボックス（実際には発信されません）"

    /// On every staff page while publishing goes to the sandbox.
    static var sandboxBanner: BodyNode { .tag("p", [Attr("class", "sandbox-banner"), Attr("role", "note")],
                                            text: "\(sandboxText): 投稿・コメントへの操作は、このサーバーの中の代役に送られます。") }

    /// The mark beside a post or a platform link while publishing goes to the sandbox.
    static func sandboxMark(_ f: PageFrame) -> BodyNode {
        f.sandbox ? .tag("span", [Attr("class", "sandbox-mark")], text: sandboxText) : .empty
    }

    /// The menu by role: the chief's own pages (承認待ち, 利用者, 災害モード) only for the chief; staff and viewers
    /// reach what they may read from the dashboard and the posts.
    static func menu(for role: UserRole) -> [(SiteURL, String)] {
        let chief = role == .chief, writes = role != .viewer
        var items: [(SiteURL, String)] = [(.dashboard, "ダッシュボード")]
        if writes { items.append((.compose, "新しい投稿")) }
        if chief { items.append((.approvals, "承認待ち")) }
        items.append((.posts, "投稿一覧"))
        if writes { items.append((.comments, "コメント")) }
        items += [(.calendar(nil), "カレンダー"), (.accounts, "アカウント"), (.impersonation, "なりすまし対応"), (.notices, "お知らせ・停止"),
                  (.commentReport(nil), "コメント月報")]
        if chief { items += [(.users, "利用者"), (.disaster, "災害モード")] }
        items += [(.audit, "監査記録"), (.policy, "運用ポリシー"), (.totp, "二段階認証"), (.password, "パスワード変更")]
        return items
    }

    static func nav(_ u: User, _ f: PageFrame) -> BodyNode {
        let items = menu(for: u.role)
        return .tag("nav", [Attr("aria-label", "メインメニュー")], [
            .tag("ul", [], items.map { item in
                var label = item.1
                if item.0.path == SiteURL.approvals.path, f.waitingEmergencies > 0 { label += "（緊急 \(f.waitingEmergencies)）" }
                let current = item.0.path == f.path
                return .tag("li", [], [.tag("a", [Attr("href", item.0.path)] + (current ? [Attr("aria-current", "page")] : []), text: label)])
            } + [
                .tag("li", [], [.text("\(u.name)（\(u.role.displayName(f.policy))）")]),
                .tag("li", [], [.postForm(SiteURL.logout.path, csrf: f.csrf, [.button("ログアウト")], inline: true)]),
            ]),
        ])
    }

    static func response(_ html: HTML, status: HTTPResponseStatus = .ok) -> Response {
        let res = Response(status: status, body: .init(string: html.render()))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "html", parameters: ["charset": "utf-8"])
        res.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'")
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return res
    }
}

enum ErrorPage {
    static func response(_ req: Request, status: HTTPResponseStatus, message: String, violations: [Violation]) throws -> Response {
        let f = PageFrame(req, title: status == .notFound ? "見つかりません" : "操作できません")
        // After a refused step on a post, the way on is to open the post again as it now stands.
        let parts = req.url.path.split(separator: "/")
        let post = parts.count >= 2 && parts[0] == "posts" ? UUID(uuidString: String(parts[1])) : nil
        return Layout.response(Layout.page(f, [
            .tag("p", [Attr("class", "error"), Attr("role", "alert")], text: message),
            .violations(violations),
            post.map { .tag("p", [], [.link(.post($0), "投稿を開き直す")]) } ?? .empty,
            .tag("p", [], [.link(.dashboard, "ダッシュボードへ戻る")]),
        ]), status: status)
    }
}

extension JapaneseTime {
    static func show(_ d: Date?) -> String { d.map { staff($0) } ?? "—" }
}
