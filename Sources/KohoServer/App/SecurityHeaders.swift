import NIOCore
import Vapor

/// Headers every answer carries, pages, JSON, files and errors alike; and the refusal of `CONNECT`. The middlewares
/// every request passes and that need no database are written on futures: an `AsyncMiddleware` starts a task of its
/// own for each request, which cost more than the rest of their work together.
struct SecurityHeadersMiddleware: Middleware {
    /// For answers that are not pages (JSON, CSV, calendars): nothing in them may run or be framed.
    static let restrictiveCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    let secureCookies: Bool

    func respond(to req: Request, chainingTo next: Responder) -> EventLoopFuture<Response> {
        let answer = req.method == .CONNECT ? req.eventLoop.makeSucceededFuture(Self.refuseConnect()) : next.respond(to: req)
        return answer.map { res in addHeaders(res) }
    }

    private func addHeaders(_ res: Response) -> Response {
        let h = res.headers
        if !h.contains(name: "Content-Security-Policy") { res.headers.replaceOrAdd(name: "Content-Security-Policy", value: Self.restrictiveCSP) }
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        res.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        // Only a server reached over HTTPS (what --secure-cookies says) may pin browsers to HTTPS.
        if secureCookies { res.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000") }
        return res
    }

    struct ConnectionClosed: Error {}

    /// Koho is no proxy. After a `CONNECT` head the HTTP parser reads nothing more on that connection, so a
    /// kept-alive connection would hang: the answer is written whole and then the stream fails, which makes
    /// Vapor close the connection (Vapor gives a middleware no other way to close it).
    static func refuseConnect() -> Response {
        var buffer = ByteBufferAllocator().buffer(capacity: 128)
        buffer.writeString("CONNECT には対応していません。\n")
        let body = buffer
        let res = Response(status: .methodNotAllowed)
        res.headers.contentType = .plainText
        res.headers.replaceOrAdd(name: .allow, value: "GET, HEAD, POST, PUT")
        res.body = Response.Body(stream: { writer in
            writer.write(.buffer(body)).whenComplete { _ in writer.write(.error(ConnectionClosed()), promise: nil) }
        }, count: body.readableBytes)
        return res
    }
}

/// An answer to a method the path does not take is 405 with `Allow` (RFC 9110 15.5.6), not 404: `TRACE` on any path,
/// `DELETE` on a post. Only the router's own "no route" is turned into it; a handler's 404 stays a 404.
struct MethodNotAllowedMiddleware: Middleware {
    func respond(to req: Request, chainingTo next: Responder) -> EventLoopFuture<Response> {
        if req.method == .TRACE { return req.eventLoop.makeSucceededFuture(refuse(req)) }
        return next.respond(to: req).flatMapErrorThrowing { error in
            // Looked at only when something answered 404: the hot paths pay nothing.
            guard let e = error as? any AbortError, e.status == .notFound else { throw error }
            let methods = allowed(req)
            guard !methods.isEmpty, !methods.contains(req.method.rawValue) else { throw error }
            return refuse(req, methods)
        }
    }

    /// The methods the path takes, by name.
    private func allowed(_ req: Request) -> Set<String> {
        let path = req.url.path.split(separator: "/", omittingEmptySubsequences: true)
        var methods = Set(req.application.routes.all.filter { Self.matches($0.path, path) }.map(\.method.rawValue))
        if methods.contains("GET") { methods.insert("HEAD") }
        return methods
    }

    private func refuse(_ req: Request, _ methods: Set<String>? = nil) -> Response {
        let res = Response(status: .methodNotAllowed, body: .init(string: "\(req.method.rawValue) には対応していません。\n"))
        res.headers.contentType = .plainText
        res.headers.replaceOrAdd(name: .allow, value: (methods ?? allowed(req)).sorted().joined(separator: ", "))
        return res
    }

    static func matches(_ pattern: [PathComponent], _ path: [Substring]) -> Bool {
        var i = 0
        for component in pattern {
            switch component {
            case .catchall: return i < path.count
            case .anything, .parameter:
                guard i < path.count else { return false }
            case .constant(let c):
                guard i < path.count, path[i] == c else { return false }
            }
            i += 1
        }
        return i == path.count
    }
}
