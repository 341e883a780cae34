import KohoCore
import Vapor

/// Refuses a JSON body nested too deep or too large before any route, middleware or decoder reads it:
/// the decoder's cost grows faster than the body, and a form reader decodes JSON too when told it is JSON.
struct JSONBoundsMiddleware: Middleware {
    func respond(to req: Request, chainingTo next: Responder) -> EventLoopFuture<Response> {
        // Only a JSON body is read here; every other request goes on without a task of its own.
        guard let type = req.headers.contentType, type.subType == "json" || type.subType.hasSuffix("+json") else {
            return next.respond(to: req)
        }
        return req.eventLoop.makeFutureWithTask { try await checked(req, next) }
    }

    private func checked(_ req: Request, _ next: Responder) async throws -> Response {
        let buffer: ByteBuffer?
        do {
            buffer = try await req.body.collect(max: JSONBounds.maxBytes).get()
        } catch {
            throw AppError(status: .payloadTooLarge, message: JSONBounds.Problem.tooLarge(limit: JSONBounds.maxBytes).message)
        }
        if let buffer {
            do { try JSONBounds.check(Data(buffer: buffer)) } catch {
                throw AppError(status: error == .tooLarge(limit: JSONBounds.maxBytes) ? .payloadTooLarge : .badRequest, message: error.message)
            }
        }
        return try await next.respond(to: req).get()
    }
}

/// A viewer may not attach files: refused before a body of up to 512 MB is read.
struct RefuseViewersMiddleware: AsyncMiddleware {
    func respond(to req: Request, chainingTo next: AsyncResponder) async throws -> Response {
        if let user = req.currentUser, let denied = Permissions.mayWrite(user.person) { throw AppError.forbidden(denied.message) }
        return try await next.respond(to: req)
    }
}
