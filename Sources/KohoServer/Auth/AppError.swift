import Vapor
import KohoCore

/// A refusal with a message for people (Japanese) and, for a policy refusal, the violated clauses.
struct AppError: Error {
    let status: HTTPResponseStatus
    let message: String
    var violations: [Violation] = []

    static func unauthorized(_ m: String = "ログインが必要です") -> AppError { AppError(status: .unauthorized, message: m) }
    static func forbidden(_ m: String = "この操作を行う権限がありません") -> AppError { AppError(status: .forbidden, message: m) }
    static func notFound(_ m: String = "見つかりません") -> AppError { AppError(status: .notFound, message: m) }
    static func badRequest(_ m: String) -> AppError { AppError(status: .badRequest, message: m) }
    static func conflict(_ m: String) -> AppError { AppError(status: .conflict, message: m) }
    static func policy(_ v: [Violation]) -> AppError {
        AppError(status: .unprocessableEntity, message: "ポリシーに合いません: " + v.map(\.message).joined(separator: " "), violations: v)
    }
    static let staleEdit = AppError(status: .conflict,
        message: "この投稿は、あなたが開いた後に他の人が変更しました。最新の内容を読み込み直してから、もう一度操作してください。")
}

struct APIErrorBody: Content {
    let error: String
    let violations: [Violation]?
}

/// Answers JSON under /api and a Japanese page elsewhere; never echoes internal error text to the client.
struct KohoErrorMiddleware: Middleware {
    func respond(to req: Request, chainingTo next: Responder) -> EventLoopFuture<Response> {
        next.respond(to: req).flatMapErrorThrowing { error in try Self.answer(error, req) }
    }

    static func answer(_ error: any Error, _ req: Request) throws -> Response {
        let (status, message, violations) = Self.describe(error, req)
        if req.url.path.hasPrefix("/api/") {
            let res = Response(status: status)
            try res.content.encode(APIErrorBody(error: message, violations: violations.isEmpty ? nil : violations))
            if status == .unauthorized { res.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer") }
            return res
        }
        // A calendar program reads the feed, not a person: a plain 401 is an error it reports, a login page a broken file.
        if req.url.path.hasSuffix(".ics") {
            let res = Response(status: status, body: .init(string: message + "\n"))
            res.headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["charset": "utf-8"])
            return res
        }
        if status == .unauthorized { return req.redirect(to: SiteURL.login.path) }
        return try ErrorPage.response(req, status: status, message: message, violations: violations)
    }

    static func describe(_ error: Error, _ req: Request) -> (HTTPResponseStatus, String, [Violation]) {
        switch error {
        case let e as AppError: return (e.status, e.message, e.violations)
        case let e as PostTransitionError: return (.conflict, e.description, [])
        case let e as ActionInputError: return (.badRequest, "入力の誤り: \(e.description)", [])
        case let e as AbortError:
            switch e.status {
            case .notFound: return (.notFound, "見つかりません", [])
            case .unauthorized: return (.unauthorized, "ログインが必要です", [])
            case .forbidden: return (.forbidden, "この操作を行う権限がありません", [])
            default: return (e.status, e.status.code < 500 ? "リクエストを処理できません（\(e.reason)）" : "サーバーの内部エラーです", [])
            }
        case is DecodingError: return (.badRequest, "入力を読めません", [])
        default:
            req.logger.report(error: error)
            return (.internalServerError, "サーバーの内部エラーです", [])
        }
    }
}
