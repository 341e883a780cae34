import Vapor
import KohoCore

func routes(_ app: Application) throws {
    let api = app.grouped("api", "v1")
    api.get("openapi.yaml", use: APIController.openAPI)
    let tokenAuthed = api.grouped(BearerUserMiddleware())
    tokenAuthed.post("posts", use: APIController.create)
    tokenAuthed.get("posts", use: APIController.list)
    tokenAuthed.get("posts", ":id", use: APIController.show)
    tokenAuthed.get("posts", ":id", "versions", use: PostVersionsAPI.list)
    tokenAuthed.get("posts", ":id", "calls", use: RecordsController.postCallsAPI)
    LegalHolds.register(site: nil, api: tokenAuthed)
    tokenAuthed.put("posts", ":id", use: APIController.edit)
    for event in [PostEventName.submit, .approve, .reject, .cancel] {
        tokenAuthed.post("posts", ":id", PathComponent(stringLiteral: event.rawValue), use: APIController.step(event.event))
    }
    tokenAuthed.grouped(RefuseViewersMiddleware()).on(.PUT, "posts", ":id", "media", body: .collect(maxSize: PostMedia.maxBodySize), use: APIController.attachMedia)
    tokenAuthed.get("calendar", use: APIController.calendar)
    tokenAuthed.get("audit", use: APIController.audit)
    tokenAuthed.get("audit.csv", use: APIController.auditCSV)
    tokenAuthed.get("comments", use: CommentsAPI.list)
    tokenAuthed.get("comments", "alarms", use: CommentAlarmsAPI.list)
    tokenAuthed.get("comments", ":id", use: CommentsAPI.one)
    tokenAuthed.post("comments", ":id", "decision", use: CommentsAPI.decide)
    tokenAuthed.get("comments", ":id", "image", use: CommentsAPI.image)

    // Meta calls these: no session, no CSRF; a POST counts only with the app secret's signature.
    app.get("webhooks", "facebook", use: FacebookWebhook.verify)
    app.on(.POST, "webhooks", "facebook", body: .collect(maxSize: ByteCount(value: FacebookWebhook.maxBody)), use: FacebookWebhook.receive)
    tokenAuthed.get("disaster-mode", use: DisasterController.apiState)
    tokenAuthed.post("disaster-mode", use: DisasterController.apiSwitch)
    tokenAuthed.post("disaster-mode", "release", use: DisasterController.apiRelease)
    tokenAuthed.get("alerts", use: IntakeAPI.alerts)
    tokenAuthed.get("intake", "sources", use: IntakeAPI.sources)
    tokenAuthed.get("notices", use: NoticeAPI.list)
    tokenAuthed.post("notices", use: NoticeAPI.create)
    tokenAuthed.get("notices", ":id", use: NoticeAPI.show)
    tokenAuthed.put("notices", ":id", use: NoticeAPI.edit)
    tokenAuthed.post("notices", ":id", "publish", use: NoticeAPI.publish)
    tokenAuthed.post("accounts", ":account", "suspension", use: SuspensionAPI.change)

    // The public pages: no session, no login, nothing that changes state.
    PublicController.register(app)

    app.get(SiteURL.composeScript.route, use: LiveCheckController.script)

    let web = app.grouped(app.sessions.middleware, SessionUserMiddleware())
    // The feed is fetched by calendar programs, which send no forms; it takes a token in the query instead.
    web.get(SiteURL.ics("").route, use: ICSController.feed)

    // Vapor streams a body that does not come in the head's packet; the CSRF check reads the form, so the
    // body is collected first (a form up to the app's body limit), or a long post would fail as a bad token.
    let forms = web.grouped(CollectBodyMiddleware(), CSRFMiddleware())
    forms.get(SiteURL.login.route, use: AuthController.loginPage)
    forms.post(SiteURL.login.route, use: AuthController.login)
    forms.get(SiteURL.setup("").route, use: AuthController.setupPage)
    forms.post(SiteURL.setup("").route, use: AuthController.setup)

    let site = forms.grouped(RequireWebUserMiddleware(frame: true))
    // A file is larger than any other form: its body is read only once the sender is known, and before the CSRF check reads it.
    let uploads = web.grouped(RequireWebUserMiddleware(), RefuseViewersMiddleware(), CollectBodyMiddleware(maxBytes: PostMedia.maxBytes), CSRFMiddleware())
    uploads.on(.POST, SiteURL.postMedia(.any).route, body: .collect(maxSize: PostMedia.maxBodySize), use: PostsController.attachMedia)
    site.post(SiteURL.logout.route, use: AuthController.logout)
    site.get(SiteURL.totp.route, use: AuthController.totpPage)
    site.post(SiteURL.totp.route, use: AuthController.enableTOTP)
    site.get(SiteURL.password.route, use: AuthController.passwordPage)
    site.post(SiteURL.password.route, use: AuthController.changePassword)
    site.get(SiteURL.dashboard.route, use: DashboardController.show)
    site.get(SiteURL.posts.route, use: PostsController.list)
    site.get(SiteURL.compose.route, use: PostsController.composePage)
    site.post(SiteURL.compose.route, use: PostsController.compose)
    site.post(SiteURL.composeCheck.route, use: LiveCheckController.check)
    site.get(SiteURL.post(.any).route, use: PostsController.show)
    site.get(SiteURL.postEdit(.any).route, use: PostsController.editPage)
    site.get(SiteURL.postPoster(.any).route, use: PostsController.poster)
    site.get(SiteURL.postImage(.any).route, use: PostsController.image)
    site.post(SiteURL.postEdit(.any).route, use: PostsController.edit)
    site.post(SiteURL.postStep(.any, "").route, use: PostsController.step)
    site.get(SiteURL.approvals.route, use: PostsController.approvals)
    site.post(SiteURL.approvalsBulk.route, use: PostsController.approveMany)
    site.get(SiteURL.calendar(nil).route, use: CalendarController.month)
    site.get(SiteURL.accounts.route, use: AdminController.accounts)
    site.post(SiteURL.connectOAuth("").route, use: ConnectionsController.startOAuth)
    site.post(SiteURL.connectFacebook("").route, use: ConnectionsController.connectFacebook)
    site.get(SiteURL.oauthCallback.route, use: ConnectionsController.callback)
    site.get(SiteURL.users.route, use: AdminController.users)
    site.post(SiteURL.users.route, use: AdminController.addUser)
    site.post(SiteURL.userRole(.any).route, use: AdminController.updateUser)
    site.post(SiteURL.userUnlock(.any).route, use: AdminController.unlockUser)
    site.get(SiteURL.audit.route, use: AdminController.audit)
    site.get(SiteURL.auditCSV.route, use: AdminController.auditCSV)
    site.get(SiteURL.policy.route, use: AdminController.policy)
    ImpersonationController.register(site)
    NoticesController.register(site)
    CommentsController.register(site)
    AlarmController.register(site)
    CommentReportController.register(site)
    RecordsController.register(site)
    LegalHolds.register(site: site, api: nil)
    site.get(SiteURL.disaster.route, use: DisasterController.page)
    site.post(SiteURL.disaster.route, use: DisasterController.switchForm)
    site.post(SiteURL.disasterRelease.route, use: DisasterController.releaseForm)
}

/// The workflow steps that have their own route.
enum PostEventName: String, CaseIterable {
    case submit, approve, reject, cancel
    var event: PostEvent {
        switch self {
        case .submit: return .submit
        case .approve: return .approve
        case .reject: return .reject
        case .cancel: return .cancel
        }
    }
}

