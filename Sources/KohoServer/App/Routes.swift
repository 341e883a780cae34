import Vapor

func routes(_ app: Application) throws {
    let api = app.grouped("api", "v1")
    api.get("openapi.yaml", use: APIController.openAPI)
    let tokenAuthed = api.grouped(BearerUserMiddleware())
    tokenAuthed.post("posts", use: APIController.create)
    tokenAuthed.get("posts", use: APIController.list)
    tokenAuthed.get("posts", ":id", use: APIController.show)
    tokenAuthed.put("posts", ":id", use: APIController.edit)
    for event in [PostEventName.submit, .approve, .reject, .cancel] {
        tokenAuthed.post("posts", ":id", PathComponent(stringLiteral: event.rawValue), use: APIController.step(event.event))
    }
    tokenAuthed.get("calendar", use: APIController.calendar)
    tokenAuthed.get("audit", use: APIController.audit)

    let web = app.grouped(app.sessions.middleware, SessionUserMiddleware())
    // The feed is fetched by calendar programs, which send no forms; it takes a token in the query instead.
    web.get("calendar", ":file", use: ICSController.feed)

    let forms = web.grouped(CSRFMiddleware())
    forms.get("login", use: AuthController.loginPage)
    forms.post("login", use: AuthController.login)
    forms.get("setup", ":token", use: AuthController.setupPage)
    forms.post("setup", ":token", use: AuthController.setup)

    let site = forms.grouped(RequireWebUserMiddleware())
    site.post("logout", use: AuthController.logout)
    site.get("totp", use: AuthController.totpPage)
    site.post("totp", use: AuthController.enableTOTP)
    site.get(use: DashboardController.show)
    site.get("posts", use: PostsController.list)
    site.get("posts", "new", use: PostsController.composePage)
    site.post("posts", "new", use: PostsController.compose)
    site.get("posts", ":id", use: PostsController.show)
    site.get("posts", ":id", "edit", use: PostsController.editPage)
    site.post("posts", ":id", "edit", use: PostsController.edit)
    site.post("posts", ":id", ":step", use: PostsController.step)
    site.get("approvals", use: PostsController.approvals)
    site.get("calendar", use: CalendarController.month)
    site.get("accounts", use: AdminController.accounts)
    site.get("users", use: AdminController.users)
    site.post("users", use: AdminController.addUser)
    site.post("users", ":id", use: AdminController.updateUser)
    site.get("audit", use: AdminController.audit)
    site.get("audit.csv", use: AdminController.auditCSV)
    site.get("policy", use: AdminController.policy)
}

/// The workflow steps that have their own route.
enum PostEventName: String, CaseIterable {
    case submit, approve, reject, cancel
    var event: KohoCoreEvent {
        switch self {
        case .submit: return .submit
        case .approve: return .approve
        case .reject: return .reject
        case .cancel: return .cancel
        }
    }
}

import KohoCore
typealias KohoCoreEvent = PostEvent
