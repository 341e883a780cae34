import Foundation
import Vapor

/// Every page and form target of the web interface, so that links and routes cannot drift apart.
enum SiteURL {
    case dashboard, login, logout, setup(String), totp, password, compose, composeCheck, composeScript, approvals, approvalsBulk, posts
    case post(UUID), postStep(UUID, String), postEdit(UUID), postMedia(UUID), postPoster(UUID), postImage(UUID)
    case calendar(String?), ics(String), accounts, users, userRole(UUID), userUnlock(UUID), audit, auditCSV, policy
    case connectOAuth(String), connectFacebook(String), oauthCallback
    case impersonation, impersonationReport, impersonationCase(UUID), impersonationStep(UUID, String)
    case disaster, disasterRelease
    case notices, notice(UUID), noticePublish(UUID), accountSuspension(String)
    case comments, comment(UUID), commentStep(UUID, String), commentsBulk, commentsPoll, commentAlarmStep(UUID, String)
    case commentReport(String?), commentReportCSV(String)

    var path: String {
        switch self {
        case .dashboard: return "/"
        case .login: return "/login"
        case .logout: return "/logout"
        case .setup(let t): return "/setup/\(t)"
        case .totp: return "/totp"
        case .password: return "/password"
        case .compose: return "/posts/new"
        case .composeCheck: return "/posts/check"
        case .composeScript: return "/static/compose.js"
        case .approvals: return "/approvals"
        case .approvalsBulk: return "/approvals/bulk"
        case .posts: return "/posts"
        case .post(let id): return "/posts/\(id.uuidString.lowercased())"
        case .postStep(let id, let step): return "/posts/\(id.uuidString.lowercased())/\(step)"
        case .postEdit(let id): return "/posts/\(id.uuidString.lowercased())/edit"
        case .postMedia(let id): return "/posts/\(id.uuidString.lowercased())/media"
        case .postPoster(let id): return "/posts/\(id.uuidString.lowercased())/poster.jpg"
        case .postImage(let id): return "/posts/\(id.uuidString.lowercased())/image"
        case .calendar(let m): return "/calendar" + (m.map { "?month=\($0)" } ?? "")
        case .ics(let account): return "/calendar/\(account).ics"
        case .accounts: return "/accounts"
        case .users: return "/users"
        case .userRole(let id): return "/users/\(id.uuidString.lowercased())"
        case .userUnlock(let id): return "/users/\(id.uuidString.lowercased())/unlock"
        case .audit: return "/audit"
        case .auditCSV: return "/audit.csv"
        case .policy: return "/policy"
        case .connectOAuth(let a): return "/accounts/\(a)/oauth"
        case .connectFacebook(let a): return "/accounts/\(a)/facebook"
        case .oauthCallback: return "/accounts/oauth/callback"
        case .impersonation: return "/impersonation"
        case .impersonationReport: return "/impersonation/reports"
        case .impersonationCase(let id): return "/impersonation/cases/\(id.uuidString.lowercased())"
        case .impersonationStep(let id, let step): return "/impersonation/cases/\(id.uuidString.lowercased())/\(step)"
        case .disaster: return "/disaster"
        case .disasterRelease: return "/disaster/release"
        case .notices: return "/notices"
        case .notice(let id): return "/notices/\(id.uuidString.lowercased())"
        case .noticePublish(let id): return "/notices/\(id.uuidString.lowercased())/publish"
        case .accountSuspension(let a): return "/accounts/\(a)/suspension"
        case .comments: return "/comments"
        case .comment(let id): return "/comments/\(id.uuidString.lowercased())"
        case .commentStep(let id, let step): return "/comments/\(id.uuidString.lowercased())/\(step)"
        case .commentsBulk: return "/comments/bulk"
        case .commentsPoll: return "/comments/poll"
        case .commentAlarmStep(let id, let step): return "/comments/alarms/\(id.uuidString.lowercased())/\(step)"
        case .commentReport(let m): return "/reports/comments" + (m.map { "?month=\($0)" } ?? "")
        case .commentReportCSV(let m): return "/reports/comments.csv?month=\(m)"
        }
    }

    /// The route pattern the page is registered under; parameters are named, their values ignored.
    var route: [PathComponent] {
        switch self {
        case .setup: return ["setup", ":token"]
        case .post: return ["posts", ":id"]
        case .postStep: return ["posts", ":id", ":step"]
        case .postEdit: return ["posts", ":id", "edit"]
        case .postMedia: return ["posts", ":id", "media"]
        case .postPoster: return ["posts", ":id", "poster.jpg"]
        case .postImage: return ["posts", ":id", "image"]
        case .calendar: return ["calendar"]
        case .ics: return ["calendar", ":file"]
        case .userRole: return ["users", ":id"]
        case .userUnlock: return ["users", ":id", "unlock"]
        case .connectOAuth: return ["accounts", ":account", "oauth"]
        case .connectFacebook: return ["accounts", ":account", "facebook"]
        case .impersonationCase: return ["impersonation", "cases", ":id"]
        case .impersonationStep: return ["impersonation", "cases", ":id", ":step"]
        case .notice: return ["notices", ":id"]
        case .noticePublish: return ["notices", ":id", "publish"]
        case .accountSuspension: return ["accounts", ":account", "suspension"]
        case .comment: return ["comments", ":id"]
        case .commentStep: return ["comments", ":id", ":step"]
        case .commentAlarmStep: return ["comments", "alarms", ":id", ":step"]
        case .commentReport: return ["reports", "comments"]
        case .commentReportCSV: return ["reports", "comments.csv"]
        default: return path.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }
        }
    }
}

extension UUID {
    /// Stands for any id where a route pattern is meant (`SiteURL.post(.any).route`).
    static let any = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
}
