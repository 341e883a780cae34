import NIOCore
import Vapor

/// Headers every answer carries, pages, JSON, files and errors alike; and the refusal of `CONNECT`.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    /// For answers that are not pages (JSON, CSV, calendars): nothing in them may run or be framed.
    static let restrictiveCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

    let secureCookies: Bool

    func respond(to req: Request, chainingTo next: AsyncResponder) async throws -> Response {
        let res = req.method == .CONNECT ? Self.refuseConnect() : try await next.respond(to: req)
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
