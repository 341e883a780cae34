import Foundation

/// Every page and form target of the web interface, so that links and routes cannot drift apart.
enum SiteURL {
    case dashboard, login, logout, setup(String), totp, compose, approvals, posts
    case post(UUID), postStep(UUID, String), postEdit(UUID)
    case calendar(String?), ics(String), accounts, users, userRole(UUID), audit, auditCSV, policy

    var path: String {
        switch self {
        case .dashboard: return "/"
        case .login: return "/login"
        case .logout: return "/logout"
        case .setup(let t): return "/setup/\(t)"
        case .totp: return "/totp"
        case .compose: return "/posts/new"
        case .approvals: return "/approvals"
        case .posts: return "/posts"
        case .post(let id): return "/posts/\(id.uuidString.lowercased())"
        case .postStep(let id, let step): return "/posts/\(id.uuidString.lowercased())/\(step)"
        case .postEdit(let id): return "/posts/\(id.uuidString.lowercased())/edit"
        case .calendar(let m): return "/calendar" + (m.map { "?month=\($0)" } ?? "")
        case .ics(let account): return "/calendar/\(account).ics"
        case .accounts: return "/accounts"
        case .users: return "/users"
        case .userRole(let id): return "/users/\(id.uuidString.lowercased())"
        case .audit: return "/audit"
        case .auditCSV: return "/audit.csv"
        case .policy: return "/policy"
        }
    }
}
