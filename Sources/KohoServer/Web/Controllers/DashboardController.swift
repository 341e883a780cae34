import Fluent
import Plot
import Vapor
import KohoCore

enum DashboardController {
    struct Model {
        let openWindow: DateInterval?
        let nextOpening: Date?
        let today: [PostFields]
        let waiting: [PostFields]
        /// Emergencies outside the operating hours, shown to the chief at once whether or not they wait for approval.
        let emergencies: [PostFields]
        /// Posts the publisher failed or holds (with its message), for the staff to act on.
        let needingAction: [PostFields]
        /// Posts the chief sent back, on the accounts the user may act on, and the user's own drafts.
        var rejected: [PostFields] = []
        var drafts: [PostFields] = []
        var returnReasons: [UUID: AuditEntry] = [:]
        /// Disaster mode's held posts, and the emergency intake (sources, alerts).
        var intake = IntakeDashboard.Model()
        /// Comments flagged and waiting for the chief's decision, on the accounts the user acts on (nil for viewers).
        var commentsWaiting: Int?
        /// The flood alarms open now (shown to the chief).
        var alarms: [AlarmController.Entry] = []
        var alarmWindowMinutes = 60
        /// An alarm's notice form that came back refused, with what was typed.
        var alarmTyped: AlarmController.Typed?
        /// The chief's first steps, until each is done (nil once all are).
        var firstSteps: [FirstStep]?
        let now: Date
        /// The whole counts behind the short tables (each table shows at most `DashboardView.rows`).
        var totals = Totals()
    }

    struct FirstStep {
        let text: String
        let done: Bool
        let link: SiteURL
    }

    /// What a newcomer does after setup: add staff, connect the accounts, set two-factor, try a post on the sandbox.
    static func firstSteps(_ counts: DashboardCounts, accounts: Int, chief: User) -> [FirstStep]? {
        let steps = [
            FirstStep(text: "担当者を追加し、担当するアカウントを決める", done: counts.staff > 0, link: .users),
            FirstStep(text: "アカウントをつなぐ（\(counts.connected)/\(accounts)）", done: counts.connected >= accounts, link: .accounts),
            FirstStep(text: "自分の二段階認証を設定する", done: chief.totpEnabled, link: .totp),
            FirstStep(text: "試しの投稿を作り、承認して、サンドボックスに出るのを確かめる", done: counts.anyPost, link: .compose),
        ]
        return steps.allSatisfy(\.done) ? nil : steps
    }

    struct Totals {
        var today = 0, waiting = 0, emergencies = 0, rejected = 0, drafts = 0, needingAction = 0
    }

    /// The page is kept while the database is unchanged, for the same user, session token and minute (it shows the
    /// time to the minute, and the operating windows and the day it depends on change on a minute); a page with a
    /// one-time notice is not kept.
    static func show(_ req: Request) async throws -> Response {
        guard let user = req.currentUser?.id, req.session.data["flash"] == nil else { return try await page(req) }
        let minute = Int((req.koho.now.timeIntervalSince1970 / 60).rounded(.down))
        let key = "dashboard|\(user)|\(req.csrfToken)|\(minute)|\(req.application.backgroundJobs?.statusChanges ?? 0)"
        return try await req.cached(key) { CachedResponse(try await page(req)) }.response
    }

    static func page(_ req: Request, status: HTTPResponseStatus = .ok, alarmTyped: AlarmController.Typed? = nil) async throws -> Response {
        let ctx = req.koho
        let now = ctx.now
        let cal = ctx.cityCalendar
        let todayDate = JapaneseTime.localDate(now)
        let start = cal?.instant(todayDate, minutes: 0) ?? now
        let end = cal?.instant(todayDate.adding(days: 1), minutes: 0) ?? now
        let frame = PageFrame(req, title: "ダッシュボード")
        // Out-of-hours emergencies have their own table; the other tables leave them out, so that no post is listed twice.
        let mine = frame.user.map { user in ctx.policy.accounts.map(\.id).filter { user.mayAct(on: $0) } } ?? []
        let tables = try await DashboardTables.load(req.db, DashboardTables.parts(start: start, end: end, rows: DashboardView.rows,
                                                                                 user: frame.user, mine: mine))
        let counts = try await DashboardCounts.read(req.db, accounts: ctx.policy.accounts.map(\.id), mine: mine)
        func table(_ name: DashboardTables.Name) -> DashboardTables.Table { tables[name] ?? .init() }
        var model = Model(openWindow: cal?.currentWindow(at: now), nextOpening: cal?.nextOpening(after: now),
                          today: table(.today).posts, waiting: table(.waiting).posts, emergencies: table(.emergencies).posts,
                          needingAction: table(.needingAction).posts, now: now)
        model.totals.needingAction = table(.needingAction).total
        model.totals.today = table(.today).total
        model.totals.waiting = table(.waiting).total
        model.totals.emergencies = table(.emergencies).total
        model.intake = try await IntakeDashboard.load(req, held: table(.held).posts, waiting: table(.intake).posts, counts: counts)
        if let user = frame.user, user.role != .viewer {
            model.rejected = table(.rejected).posts
            model.drafts = table(.drafts).posts
            model.totals.rejected = table(.rejected).total
            model.totals.drafts = table(.drafts).total
            model.returnReasons = try await PostService.returnReasons(req.db, model.rejected)
            model.commentsWaiting = counts.commentsWaiting
        }
        if let chief = frame.user, chief.role == .chief {
            model.firstSteps = firstSteps(counts, accounts: ctx.policy.accounts.count, chief: chief)
            model.alarms = counts.alarms == 0 ? [] : try await AlarmController.load(req)
            model.alarmWindowMinutes = req.koho.config.comments.floodWindowMinutes
            model.alarmTyped = alarmTyped
        }
        let chief = frame.user?.role == .chief
        let stopped = chief && counts.toReconnect > 0 ? try await ConnectionViews.stopped(req) : []
        let profiles = chief && counts.profileProblems > 0 ? try await ProfileCheckService.problems(req.db) : []
        return Layout.response(DashboardView.page(frame, model, notice: .group([ConnectionViews.notice(stopped, policy: frame.policy),
                                                                                ProfileCheckViews.notice(profiles, policy: frame.policy)])),
                               status: status)
    }
}

enum DashboardView {
    /// At most this many rows per table; the rest behind 「すべて見る」.
    static let rows = 10

    static func seeAll(shown: Int, total: Int, href: String) -> BodyNode {
        total > shown ? .tag("p", [], [.tag("a", [Attr("href", href)], text: "すべて見る（\(total)件）")]) : .empty
    }

    static func page(_ f: PageFrame, _ m: DashboardController.Model, notice: BodyNode = .empty) -> HTML {
        let status: BodyNode = m.openWindow.map { w in
            .tag("p", [Attr("class", "notice")], text: "現在は運用時間内です（\(JapaneseTime.staff(w.end)) まで）。次の運用開始: \(JapaneseTime.show(m.nextOpening))")
        } ?? .tag("p", [Attr("class", "warn")], text: "現在は運用時間外です。次の運用開始: \(JapaneseTime.show(m.nextOpening))")
        let waitingEmergencies = max(f.waitingEmergencies, m.waiting.filter(\.emergency).count)
        var chiefNotice: BodyNode = .empty
        if f.user?.role == .chief, waitingEmergencies > 0 {
            chiefNotice = .tag("section", [Attr("class", "warn"), Attr("role", "alert"), Attr("aria-label", "緊急の承認待ち")], [
                .tag("p", [], [.strong(.text("緊急の投稿が\(waitingEmergencies)件、承認を待っています。")),
                               .text(" 承認すると直ちに発信されます。 "), .link(.approvals, "承認待ちを開く")]),
            ])
        }
        let suspended = Set(f.suspensions.keys)
        let returned: BodyNode = m.rejected.isEmpty ? .empty : .group([
            .tag("h2", [], text: "差し戻された投稿（\(m.totals.rejected)件）"),
            .tag("ul", [Attr("class", "returned")], m.rejected.map { p in
                let text = (try? p.action.text) ?? ""
                let r = m.returnReasons[p.id]
                return .tag("li", [], [
                    .link(.post(p.id), "\(f.policy.account(p.account).map(PlatformLabel.text) ?? p.account): \(text.count > 40 ? String(text.prefix(40)) + "…" : text)"),
                    .tag("br"),
                    .text("差戻しの理由: \(r?.reason ?? "—")" + (r.map { "（\($0.actor)、\(JapaneseTime.staff($0.at))）" } ?? "")),
                ])
            }),
            seeAll(shown: m.rejected.count, total: m.totals.rejected, href: SiteURL.posts.path + "?state=rejected"),
        ])
        let drafts: BodyNode = m.drafts.isEmpty ? .empty : .group([
            .tag("h2", [], text: "自分の下書き（\(m.totals.drafts)件）"),
            PostListView.table(m.drafts, policy: f.policy, suspended: suspended),
            seeAll(shown: m.drafts.count, total: m.totals.drafts, href: SiteURL.posts.path + "?state=draft"),
        ])
        let waiting: BodyNode = .group([
            .tag("h2", [], text: "承認待ち（\(m.totals.waiting)件）"),
            PostListView.table(m.waiting, policy: f.policy, suspended: suspended),
            seeAll(shown: m.waiting.count, total: m.totals.waiting,
                   href: f.user?.role == .chief ? SiteURL.approvals.path : SiteURL.posts.path + "?state=submitted"),
        ])
        // Each person's own work first: the chief's approvals, the staff's returned posts and drafts.
        let own: [BodyNode] = f.user?.role == .chief ? [waiting] : [returned, drafts]
        let firstSteps: BodyNode = m.firstSteps.map { steps in
            .tag("section", [Attr("class", "notice"), Attr("aria-labelledby", "h-first")], [
                .tag("h2", [Attr("id", "h-first")], text: "はじめにすること"),
                .tag("ol", [], steps.map { s in
                    .tag("li", [], [.text(s.done ? "済み: " : "まだ: "), .link(s.link, s.text)])
                }),
            ])
        } ?? .empty
        return Layout.page(f, [
            .tag("p", [], text: "現在: \(JapaneseTime.displayWithEra(m.now))"),
            status,
            firstSteps,
            chiefNotice,
            AlarmController.section(f, m.alarms, windowMinutes: m.alarmWindowMinutes, typed: m.alarmTyped),
            notice,
            m.emergencies.isEmpty ? .empty : .tag("section", [Attr("class", "warn"), Attr("role", "alert")], [
                .tag("h2", [], text: "運用時間外の緊急の投稿（\(m.totals.emergencies)件）"),
                PostListView.table(m.emergencies, policy: f.policy, suspended: suspended),
                seeAll(shown: m.emergencies.count, total: m.totals.emergencies, href: SiteURL.approvals.path),
            ]),
        ] + own + [
            m.commentsWaiting.map { (n: Int) -> BodyNode in
                var pending = CommentInbox.Filter()
                pending.pending = true
                return .tag("p", [Attr("class", n > 0 ? "warn" : "notice")], [
                    .text("判断を待つコメント: \(n)件 "), .tag("a", [Attr("href", CommentViews.query(pending))], text: "コメントの一覧を開く"),
                ])
            } ?? .empty,
            m.needingAction.isEmpty ? .empty : .tag("section", [Attr("class", "warn")], [
                .tag("h2", [], text: "発信に対応が必要な投稿（\(m.totals.needingAction)件）"),
                .tag("ul", [], m.needingAction.map { p in
                    .tag("li", [], [
                        .link(.post(p.id), "\(f.policy.account(p.account).map(PlatformLabel.text) ?? p.account)（\(p.state.displayName)）"),
                        .text(": \(p.publishMessage ?? "")"),
                    ])
                }),
                seeAll(shown: m.needingAction.count, total: m.totals.needingAction, href: SiteURL.posts.path + "?state=failed"),
            ]),
            .tag("h2", [], text: "今日の予約（\(m.totals.today)件）"),
            PostListView.table(m.today, policy: f.policy, suspended: suspended),
            seeAll(shown: m.today.count, total: m.totals.today, href: SiteURL.calendar(nil).path),
        ] + (f.user?.role == .chief ? [returned, drafts] : [waiting]) + [
            // The sources' addresses and states are for checking, not for the first screen.
            IntakeDashboard.section(f, m.intake),
        ])
    }
}

enum PostListView {
    /// `legalHolds`: the posts under a legal hold (marked, so that nobody takes them for ordinary ones).
    static func table(_ posts: [PostFields], policy: Policy, suspended: Set<String> = [], legalHolds: Set<UUID> = []) -> BodyNode {
        guard !posts.isEmpty else { return .tag("p", [], text: "ありません。") }
        return .table(["予約日時", "状態", "アカウント", "区分", "本文", "作成者"], posts.map { p in
            let text = (try? p.action.text) ?? ""
            var state: [BodyNode] = [.text(p.state.displayName)]
            if let held = p.heldReason, p.state == .scheduled { state.append(.tag("strong", [Attr("class", "holiday")], text: "（保留中: \(held)）")) }
            if suspended.contains(p.account), [.scheduled, .publishing].contains(p.state) {
                state.append(.tag("strong", [Attr("class", "holiday")], text: "（保留中: \(SuspensionService.heldText)）"))
            }
            if p.usesHoursException { state.append(.tag("strong", [Attr("class", "holiday")], text: "（運用時間外・緊急）")) }
            else if p.emergency { state.append(.tag("strong", [Attr("class", "holiday")], text: "（緊急）")) }
            if legalHolds.contains(p.id) { state.append(.tag("strong", [Attr("class", "holiday")], text: "（訴訟ホールド中）")) }
            return [
                .link(.post(p.id), JapaneseTime.show(p.scheduledAt)),
                .group(state),
                PlatformLabel.node(policy.account(p.account), fallback: p.account),
                .text(p.category ?? "—"),
                .text(text.count > 60 ? String(text.prefix(60)) + "…" : text),
                .text(p.authorName),
            ]
        })
    }
}
