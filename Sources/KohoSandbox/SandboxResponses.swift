import Foundation
import KohoCore
import KohoPlatforms
import NIOHTTP1
import Vapor

/// Answers in each platform's own shapes.
enum SandboxReply {
    static func json(_ status: HTTPResponseStatus, _ object: Any, contentType: String = "application/json; charset=utf-8",
                     headers: [(String, String)] = []) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return respond(status, data, contentType: contentType, headers: headers)
    }

    /// An `Encodable` answer, written as `json` writes a dictionary (keys sorted, slashes unescaped): for pages of
    /// many comments, where dictionaries of `Any` cost far more to write.
    static func json<T: Encodable>(_ status: HTTPResponseStatus, encoding value: T) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return respond(status, (try? encoder.encode(value)) ?? Data(), contentType: "application/json; charset=utf-8", headers: [])
    }

    private static func respond(_ status: HTTPResponseStatus, _ data: Data, contentType: String, headers: [(String, String)]) -> Response {
        var httpHeaders = HTTPHeaders([("Content-Type", contentType)])
        for (name, value) in headers { httpHeaders.add(name: name, value: value) }
        return Response(status: status, headers: httpHeaders, body: .init(data: data))
    }

    /// Graph's paging cursor for an item: its id, base64-encoded.
    static func graphCursor(_ id: String) -> String { Data(id.utf8).base64EncodedString() }

    // MARK: X (RFC 7807 problems)

    static func xProblem(_ status: HTTPResponseStatus, title: String, detail: String, type: String = "about:blank",
                         extra: [String: Any] = [:], headers: [(String, String)] = []) -> Response {
        var body: [String: Any] = ["title": title, "detail": detail, "type": type, "status": Int(status.code)]
        body.merge(extra) { $1 }
        return json(status, body, contentType: "application/problem+json", headers: headers)
    }

    static func xInvalidRequest(_ message: String, parameter: String? = nil) -> Response {
        var error: [String: Any] = ["message": message]
        if let parameter { error["parameters"] = [parameter: [] as [String]] }
        return xProblem(.badRequest, title: "Invalid Request", detail: "One or more parameters to your request was invalid.",
                        type: "https://api.x.com/2/problems/invalid-request", extra: ["errors": [error]])
    }

    static func xNotFound(resourceType: String, parameter: String, value: String, detail: String) -> Response {
        json(.ok, ["errors": [[
            "value": value, "detail": detail, "title": "Not Found Error", "resource_type": resourceType,
            "parameter": parameter, "resource_id": value, "type": "https://api.x.com/2/problems/resource-not-found",
        ] as [String: Any]]])
    }

    static func xUnauthorized() -> Response {
        xProblem(.unauthorized, title: "Unauthorized", detail: "Unauthorized")
    }

    static func xForbidden(_ detail: String) -> Response {
        xProblem(.forbidden, title: "Forbidden", detail: detail)
    }

    static func xRateLimited(until: Date) -> Response {
        xProblem(.tooManyRequests, title: "Too Many Requests", detail: "Too Many Requests", headers: [
            ("x-rate-limit-limit", "100"), ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-reset", String(Int(until.timeIntervalSince1970.rounded(.up)))),
        ])
    }

    // MARK: Graph

    static func graphError(_ status: HTTPResponseStatus, code: Int, message: String, type: String = "OAuthException",
                           subcode: Int? = nil, transient: Bool? = nil, headers: [(String, String)] = []) -> Response {
        var error: [String: Any] = ["message": message, "type": type, "code": code, "fbtrace_id": SandboxIds.fbtrace()]
        if let subcode { error["error_subcode"] = subcode }
        if let transient { error["is_transient"] = transient }
        return json(status, ["error": error], headers: headers)
    }

    static func graphUnknownToken() -> Response {
        graphError(.badRequest, code: 190, message: "Invalid OAuth access token - Cannot parse access token")
    }

    static func graphRevokedToken() -> Response {
        graphError(.badRequest, code: 190, message: "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.", subcode: 460)
    }

    static func graphNoSuchObject(_ id: String, method: String) -> Response {
        graphError(.badRequest, code: 100, message: "Unsupported \(method) request. Object with ID '\(id)' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", type: "GraphMethodException", subcode: 33)
    }

    static func graphRateLimited(until: Date, pageId: String, now: Date = Date()) -> Response {
        // Meta reports the wait in whole minutes.
        let minutes = max(1, Int((until.timeIntervalSince(now) / 60).rounded(.up)))
        let usage = "{\"\(pageId)\":[{\"type\":\"pages\",\"call_count\":100,\"total_cputime\":12,\"total_time\":14,\"estimated_time_to_regain_access\":\(minutes)}]}"
        return graphError(.forbidden, code: 4, message: "(#4) Application request limit reached", transient: true, headers: [
            ("X-Business-Use-Case-Usage", usage),
            ("X-App-Usage", "{\"call_count\":100,\"total_cputime\":10,\"total_time\":12}"),
        ])
    }

    // MARK: Google

    static func googleError(_ status: HTTPResponseStatus, reason: String, message: String, domain: String = "global",
                            statusName: String, extra: [String: Any] = [:], headers: [(String, String)] = []) -> Response {
        var item: [String: Any] = ["message": message, "domain": domain, "reason": reason]
        item.merge(extra) { $1 }
        return json(status, ["error": [
            "code": Int(status.code), "message": message, "errors": [item], "status": statusName,
        ] as [String: Any]], headers: headers)
    }

    static func googleUnauthorized() -> Response {
        googleError(.unauthorized, reason: "authError",
                    message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
                    statusName: "UNAUTHENTICATED", extra: ["location": "Authorization", "locationType": "header"],
                    headers: [("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"")])
    }

    static func googleQuotaExceeded(until: Date, now: Date = Date()) -> Response {
        // Real YouTube resets the quota at midnight Pacific and says nothing; the sandbox adds Retry-After so a
        // throttle can be short, and the client honours it before falling back to midnight.
        let seconds = max(1, Int(until.timeIntervalSince(now).rounded(.up)))
        return googleError(.forbidden, reason: "quotaExceeded",
                           message: "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
                           domain: "youtube.quota", statusName: "PERMISSION_DENIED", headers: [("Retry-After", String(seconds))])
    }

    static func googleBadRequest(_ reason: String, _ message: String, domain: String = "youtube.video") -> Response {
        googleError(.badRequest, reason: reason, message: message, domain: domain, statusName: "INVALID_ARGUMENT")
    }

    static func googleNotFound(_ reason: String, _ message: String, domain: String = "youtube.comment") -> Response {
        googleError(.notFound, reason: reason, message: message, domain: domain, statusName: "NOT_FOUND")
    }

    static func googleForbidden(_ reason: String, _ message: String, domain: String = "youtube.comment") -> Response {
        googleError(.forbidden, reason: reason, message: message, domain: domain, statusName: "PERMISSION_DENIED")
    }

    // MARK: Per platform

    static func serverError(_ platform: Platform) -> Response {
        switch platform {
        case .x:
            return xProblem(.serviceUnavailable, title: "Service Unavailable", detail: "Service Unavailable")
        case .facebook:
            return graphError(.internalServerError, code: 2, message: "An unexpected error has occurred. Please retry your request later.", transient: true)
        case .youtube:
            return googleError(.serviceUnavailable, reason: "backendError", message: "The service is currently unavailable.", statusName: "UNAVAILABLE")
        }
    }

    static func throttled(_ platform: Platform, until: Date) -> Response {
        switch platform {
        case .x: return xRateLimited(until: until)
        case .facebook: return graphRateLimited(until: until, pageId: SandboxAccounts.facebookKoho.platformId)
        case .youtube: return googleQuotaExceeded(until: until)
        }
    }

    static func unknownToken(_ platform: Platform) -> Response {
        switch platform {
        case .x: return xUnauthorized()
        case .facebook: return graphUnknownToken()
        case .youtube: return googleUnauthorized()
        }
    }

    static func revokedToken(_ platform: Platform) -> Response {
        switch platform {
        case .x: return xUnauthorized()
        case .facebook: return graphRevokedToken()
        case .youtube: return googleUnauthorized()
        }
    }

    /// A reply that never arrives: the connection closes in place of the answer.
    static func dropped() -> Response {
        struct AnswerLost: Error {}
        return Response(status: .ok, body: .init(asyncStream: { writer in
            try? await writer.write(.error(AnswerLost()))
        }))
    }
}

enum SandboxAuth: Sendable {
    case success(SandboxAccount)
    case failure(Response)
}

extension Request {
    func decodeJSONBody<T: Decodable>(_ type: T.Type) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(buffer: body.data ?? ByteBuffer()))
    }
}
