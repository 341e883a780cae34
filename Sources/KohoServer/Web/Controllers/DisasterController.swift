import Fluent
import Plot
import Vapor
import KohoCore

/// Disaster mode, for the chief: `POST /api/v1/disaster-mode`, its state, and the page that switches it and releases
/// held posts.
enum DisasterController {
    static func requireChief(_ req: Request) throws -> User {
        let u = try req.requireUser()
        guard Permissions.mayDecide(u.person) else {
            throw AppError.forbidden("災害モードの切替えと保留の解除は\(req.koho.policy.ownerRole.title)だけが行えます")
        }
        return u
    }

    // MARK: API

    struct ModeItem: Content {
        let account: String
        let reason: String
        let startedAt: String
        let startedBy: String
    }

    struct StateDTO: Content {
        let active: [ModeItem]
        let heldPosts: [String]
    }

    static func state(_ db: Database) async throws -> StateDTO {
        let modes = try await DisasterModeService.active(on: db)
        let held = try await DisasterModeService.heldPosts(on: db)
        return StateDTO(active: modes.map { ModeItem(account: $0.account, reason: $0.reason, startedAt: JapaneseTime.iso8601($0.startedAt),
                                                      startedBy: $0.startedBy) },
                        heldPosts: held.compactMap(\.id).map { $0.uuidString.lowercased() })
    }

    static func apiState(_ req: Request) async throws -> StateDTO {
        _ = try req.requireUser()
        return try await state(req.db)
    }

    /// The body as a strict JSON object: the role is checked before this is called.
    static func jsonObject(_ req: Request) throws -> [String: JSONValue] {
        guard let buffer = req.body.data else { throw AppError.badRequest("JSONの本文が必要です") }
        let data = Data(buffer: buffer)
        do { try JSONBounds.check(data) } catch { throw AppError.badRequest(error.message) }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data), case .object(let fields) = value else {
            throw AppError.badRequest("JSONオブジェクト（{…}）が必要です")
        }
        return fields
    }

    /// `"all"` or an array of strings, under `key`.
    static func allOrList(_ fields: [String: JSONValue], _ key: String) throws -> [String]? {
        switch fields[key] {
        case .string("all"): return nil
        case .array(let items):
            return try items.map { item in
                guard case .string(let s) = item else { throw AppError.badRequest("\(key) は文字列の配列か \"all\" で指定してください") }
                return s
            }
        default: throw AppError.badRequest("\(key) は文字列の配列か \"all\" で指定してください")
        }
    }

    /// `POST /api/v1/disaster-mode` `{"accounts": [...] | "all", "on": bool, "reason": "..."}`.
    static func apiSwitch(_ req: Request) async throws -> StateDTO {
        let chief = try requireChief(req)
        let fields = try jsonObject(req)
        if let unknown = Set(fields.keys).subtracting(["accounts", "on", "reason"]).sorted().first {
            throw AppError.badRequest("不明な項目です: \(unknown.containsControlCharacter ? "（制御文字を含む名前）" : unknown)")
        }
        let accounts = try allOrList(fields, "accounts")
        guard case .bool(let on) = fields["on"] else { throw AppError.badRequest("on は true か false で指定してください") }
        guard case .string(let reason) = fields["reason"] else { throw AppError.badRequest("reason（理由）が必要です") }
        try await DisasterModeService.switchMode(req.workflow, actor: chief.name, accounts: accounts.map { .some($0) } ?? .all, on: on, reason: reason)
        return try await state(req.db)
    }

    struct ReleasedDTO: Content {
        let released: [String]
    }

    /// `POST /api/v1/disaster-mode/release` `{"posts": [...] | "all"}`.
    static func apiRelease(_ req: Request) async throws -> ReleasedDTO {
        let chief = try requireChief(req)
        let fields = try jsonObject(req)
        if let unknown = Set(fields.keys).subtracting(["posts"]).sorted().first {
            throw AppError.badRequest("不明な項目です: \(unknown.containsControlCharacter ? "（制御文字を含む名前）" : unknown)")
        }
        let ids = try allOrList(fields, "posts").map { try $0.map { s in
            guard let id = UUID(uuidString: s) else { throw AppError.badRequest("posts の ID が正しくありません") }
            return id
        } }
        let released = try await DisasterModeService.release(req.workflow, actor: chief.name, ids: ids)
        return ReleasedDTO(released: released.compactMap(\.id).map { $0.uuidString.lowercased() })
    }

    // MARK: Page

    static func page(_ req: Request) async throws -> Response { try await page(req, status: .ok) }

    static func page(_ req: Request, status: HTTPResponseStatus, typed: DisasterView.Typed? = nil) async throws -> Response {
        _ = try req.requireUser()
        let modes = try await DisasterModeService.active(on: req.db)
        let held = try await DisasterModeService.heldPosts(on: req.db)
        return Layout.response(DisasterView.page(PageFrame(req, title: "災害モード"), modes: modes, held: held, typed: typed), status: status)
    }

    struct SwitchForm: Content {
        var accounts: [String]?
        var all: String?
        var on: String?
        var reason: String?
    }

    static func switchForm(_ req: Request) async throws -> Response {
        let chief = try requireChief(req)
        let form = try req.content.decode(SwitchForm.self)
        let on = form.on == "1"
        let reason = form.reason ?? ""
        let accounts: DisasterModeService.Accounts = form.all == "1" ? .all : .some(form.accounts ?? [])
        do {
            try await DisasterModeService.switchMode(req.workflow, actor: chief.name, accounts: accounts, on: on, reason: reason)
        } catch let e as AppError where e.status == .badRequest {
            // The page again with the accounts ticked and the reason typed; the reason for the refusal beside its field.
            // The API's wording names its JSON value; the form's names its checkbox.
            let message = e.message.hasPrefix("アカウントを一つ以上") ? "アカウントを一つ以上選ぶか、「すべてのアカウント」に印を付けてください" : e.message
            return try await page(req, status: .badRequest, typed: .init(all: form.all == "1", accounts: Set(form.accounts ?? []), reason: reason,
                                                                         field: message.contains("理由") ? "reason" : "accounts", error: message))
        }
        return req.redirect(to: SiteURL.disaster.path, notice: on ? "災害モードを開始しました。緊急でない予約投稿は保留されます。" : "災害モードを終了しました。保留中の投稿を確認して解除してください。")
    }

    struct ReleaseForm: Content {
        var post: String?
    }

    static func releaseForm(_ req: Request) async throws -> Response {
        let chief = try requireChief(req)
        let form = try req.content.decode(ReleaseForm.self)
        var ids: [UUID]?
        if let p = form.post, p != "all" {
            guard let id = UUID(uuidString: p) else { throw AppError.badRequest("投稿の ID が正しくありません") }
            ids = [id]
        }
        let released: [Post]
        do {
            released = try await DisasterModeService.release(req.workflow, actor: chief.name, ids: ids)
        } catch let e as AppError where e.status == .conflict || e.status == .notFound {
            return req.redirect(to: SiteURL.disaster.path, notice: "解除できませんでした: \(e.message)")
        }
        return req.redirect(to: SiteURL.disaster.path, notice: "保留を解除しました（\(released.count)件）。運用時間内に発信されます。")
    }
}

/// Set on every page request: the accounts in disaster mode, for the banner.
struct DisasterBanner: StorageKey { typealias Value = [DisasterMode] }

enum DisasterView {
    /// On every page while any account is in disaster mode.
    static func banner(_ modes: [DisasterMode], policy: Policy) -> BodyNode {
        guard !modes.isEmpty else { return .empty }
        let all = Set(modes.map(\.account)) == Set(policy.accounts.map(\.id))
        let names = all ? "すべてのアカウント" : modes.map { m in policy.account(m.account).map(PlatformLabel.text) ?? m.account }.joined(separator: "、")
        let reasons = Array(Set(modes.map(\.reason))).sorted().joined(separator: "／")
        return .tag("div", [Attr("class", "disaster"), Attr("role", "alert"), Attr("aria-label", "災害モード")], [
            .strong(.text("災害モード中（\(names)）")),
            .text(" 理由: \(reasons)。緊急でない予約投稿は発信されず保留されています。 "),
            .link(.disaster, "災害モードの画面を開く"),
        ])
    }

    /// The switch form as it was sent, when it was refused.
    struct Typed {
        var all: Bool
        var accounts: Set<String>
        var reason: String
        var field: String
        var error: String
    }

    static func page(_ f: PageFrame, modes: [DisasterMode], held: [Post], typed: Typed? = nil) -> HTML {
        let chief = f.user?.role == .chief
        let on = Set(modes.map(\.account))
        var content: [BodyNode] = [
            .tag("p", [], text: "災害モードのアカウントでは、緊急（3(5) ただし書）でない予約投稿を発信せずに保留します。保留した投稿は失われず、災害モードを終えた後に課長が一件ずつ、またはまとめて解除すると、次の運用時間に発信されます。"),
            .tag("h2", [], text: "現在の状態"),
            modes.isEmpty ? .tag("p", [], text: "災害モードのアカウントはありません。") : .table(["アカウント", "理由", "開始", "開始した人"], modes.map { m in
                [PlatformLabel.node(f.policy.account(m.account), fallback: m.account), .text(m.reason), .text(JapaneseTime.staff(m.startedAt)), .text(m.startedBy)]
            }),
        ]
        if chief {
            content += [
                .tag("h2", [], text: "切り替え"),
                .formError(typed.map { "切り替えられませんでした: \($0.error)" }),
                .postForm(SiteURL.disaster.path, csrf: f.csrf, [
                    .tag("fieldset", typed?.field == "accounts" ? [Attr("aria-describedby", "e-accounts")] : [], [
                        .tag("legend", [], text: "アカウント"),
                        typed?.field == "accounts" ? .tag("strong", [Attr("class", "field-error"), Attr("id", "e-accounts")], text: typed?.error ?? "") : .empty,
                        .checkbox("すべてのアカウント", name: "all", checked: typed?.all ?? false),
                    ] + f.policy.accounts.map { a in
                        .checkbox(PlatformLabel.text(a) + (on.contains(a.id) ? "（災害モード中）" : ""), name: "accounts[]", value: a.id,
                                  checked: typed?.accounts.contains(a.id) ?? false)
                    }),
                    .field("理由", name: "reason", value: typed?.reason ?? "", required: true, hint: "例: 台風第10号の接近（監査記録に残ります）",
                           error: typed?.field == "reason" ? typed?.error : nil),
                    .button("災害モードを開始", name: "on", value: "1", kind: .danger),
                    .text(" "),
                    .button("災害モードを終了", name: "on", value: "0"),
                ]),
            ]
        }
        content.append(.tag("h2", [], text: "保留中の投稿（\(held.count)件）"))
        if held.isEmpty {
            content.append(.tag("p", [], text: "ありません。"))
        } else {
            content.append(.table(["予約日時", "アカウント", "区分", "本文", "保留の理由", "解除"], held.map { p in
                let text = (try? p.action.text) ?? ""
                return [
                    .link(.post(p.id!), JapaneseTime.show(p.scheduledAt)),
                    PlatformLabel.node(f.policy.account(p.account), fallback: p.account),
                    .text(p.category ?? "—"),
                    .text(text.count > 60 ? String(text.prefix(60)) + "…" : text),
                    .text((p.heldReason ?? "") + (p.heldAt.map { "（\(JapaneseTime.staff($0))から）" } ?? "")),
                    chief && !on.contains(p.account)
                        ? .postForm(SiteURL.disasterRelease.path, csrf: f.csrf, [.hidden("post", p.id!.uuidString.lowercased()), .button("解除")], inline: true)
                        : .text(on.contains(p.account) ? "災害モード中" : ""),
                ]
            }))
            if chief {
                content.append(.postForm(SiteURL.disasterRelease.path, csrf: f.csrf, [
                    .hidden("post", "all"),
                    .tag("p", [], text: "解除すると、予約日時を過ぎた投稿は次の運用時間（運用時間内なら直ちに）に発信されます。"),
                    .button("すべての保留を解除", kind: .danger),
                ]))
            }
        }
        return Layout.page(f, content)
    }
}
