import Crypto
import Fluent
import Foundation
import KohoCore
import Vapor

/// Meta's webhook for the Page `feed` field: comments arrive as they are written, edited, hidden or removed.
/// `GET` answers Meta's subscription check; `POST` is taken only when signed with the app secret.
package enum FacebookWebhook {
    /// A feed delivery is a few kilobytes; Meta batches at most 1,000 changes.
    static let maxBody = 512 * 1024

    static func verify(_ req: Request) async throws -> Response {
        guard let expected = req.koho.config.comments.facebookVerifyToken else { throw AppError.notFound() }
        guard req.query[String.self, at: "hub.mode"] == "subscribe",
              let token = req.query[String.self, at: "hub.verify_token"],
              constantTimeEqual(Array(token.utf8), Array(expected.utf8)),
              let challenge = req.query[String.self, at: "hub.challenge"], !challenge.isEmpty, challenge.count <= 200,
              !challenge.containsControlCharacter else {
            throw AppError.forbidden("確認トークンが一致しません")
        }
        return Response(status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8"], body: .init(string: challenge))
    }

    static func receive(_ req: Request) async throws -> HTTPStatus {
        guard let secret = req.koho.config.comments.facebookAppSecret else { throw AppError.notFound() }
        guard let buffer = req.body.data, buffer.readableBytes <= maxBody else {
            throw AppError(status: .payloadTooLarge, message: "本文が大きすぎます")
        }
        let body = Data(buffer: buffer)
        guard isSigned(body, header: req.headers.first(name: "X-Hub-Signature-256"), secret: secret) else {
            req.logger.warning("facebook webhook: refused a delivery without a valid signature")
            throw AppError.forbidden("署名が正しくありません")
        }
        let delivery: Delivery
        do { delivery = try JSONDecoder().decode(Delivery.self, from: body) } catch {
            throw AppError.badRequest("Webhook の本文を読めません")
        }
        guard delivery.object == "page" else { return .ok }
        // A replay (the same signed body again) changes nothing; a change older than the last one taken for its
        // comment is ignored.
        let now = req.koho.now
        let digest = WebhookReplayGuard.digest(body)
        if try await WebhookReplayGuard.seen(digest, on: req.db) {
            req.logger.info("facebook webhook: ignored a delivery already taken")
            return .ok
        }
        // Ids as they are stored (a NUL as U+2400): PostgreSQL refuses a NUL in a query, SQLite reads one back cut.
        let ids = (delivery.entry ?? []).flatMap { $0.changes ?? [] }.compactMap { $0.value?.comment_id?.nulAsSymbol }
        let marks = try await WebhookReplayGuard.marks(Array(Set(ids)), platform: "facebook", on: req.db)
        var times: [String: Double] = [:]
        var observed: [ObservedComment] = []
        for entry in delivery.entry ?? [] {
            guard let account = try await account(forPage: entry.id.nulAsSymbol, req) else { continue }
            let time = WebhookReplayGuard.changeTime(entry.time, now: now)
            for change in entry.changes ?? [] where change.field == "feed" {
                guard let v = change.value, v.item == "comment", let commentID = v.comment_id, let postID = v.post_id else { continue }
                if let time {
                    let key = commentID.nulAsSymbol
                    if let stored = marks[key], time < stored { continue }
                    times[key] = max(times[key] ?? time, time)
                }
                var o = ObservedComment(account: account, platform: .facebook, platformCommentID: commentID, platformPostID: postID,
                                        parentID: v.parent_id == postID ? nil : v.parent_id, authorName: v.from?.name, authorID: v.from?.id,
                                        createdAt: v.created_time.flatMap(InstantBounds.instant(secondsSince1970:)))
                switch v.verb {
                case "add", "edited": o.text = v.message ?? ""
                case "remove": o.removed = true
                case "hide": o.hidden = true
                case "unhide": o.hidden = false
                default: continue
                }
                observed.append(o)
            }
        }
        let result = try await CommentIngest.ingest(observed, source: "webhook", db: req.db, ctx: req.koho)
        try await WebhookReplayGuard.remember(digest, times: times, platform: "facebook", ctx: req.koho, now: now)
        if result.new > 0 { req.koho.wakers.commentAlarm() }
        return .ok
    }

    /// `sha256=` and the hex HMAC-SHA256 of the raw body with the app secret, compared in constant time.
    static func isSigned(_ body: Data, header: String?, secret: String) -> Bool {
        guard let header, header.hasPrefix("sha256="), let mac = hexBytes(String(header.dropFirst(7))), mac.count == 32 else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: SymmetricKey(data: Data(secret.utf8)))
    }

    static func signature(_ body: Data, secret: String) -> String {
        "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8))).lowercaseHex
    }

    private static func hexBytes(_ s: String) -> [UInt8]? {
        let chars = Array(s.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    private static func account(forPage id: String, _ req: Request) async throws -> String? {
        if let c = try await AccountConnection.query(on: req.db).filter(\.$platform == "facebook").filter(\.$platformUserID == id).first() {
            return c.account
        }
        return req.koho.policy.accounts.first { $0.platform == .facebook && $0.handle == id }?.id
    }

    package struct Delivery: Decodable {
        package struct Entry: Decodable {
            var id: String
            /// When the change happened (Unix seconds); a value that is not a number is left out, not a refused delivery.
            var time: Double?
            package var changes: [Change]?

            private enum CodingKeys: String, CodingKey { case id, time, changes }

            package init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                id = try c.decode(String.self, forKey: .id)
                time = try? c.decodeIfPresent(Double.self, forKey: .time)
                changes = try c.decodeIfPresent([Change].self, forKey: .changes)
            }
        }
        package struct Change: Decodable {
            var field: String
            package var value: Value?
        }
        package struct Value: Decodable {
            package struct From: Decodable { package var id: String?; package var name: String? }
            var item: String?
            var verb: String?
            package var comment_id: String?
            var post_id: String?
            var parent_id: String?
            package var message: String?
            package var from: From?
            package var created_time: Double?
        }
        var object: String
        package var entry: [Entry]?
    }
}
