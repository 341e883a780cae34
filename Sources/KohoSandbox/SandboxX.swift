import Foundation
import KohoCore
import KohoPlatforms
import Vapor

extension PlatformSandbox {
    /// X refuses a repeat of a recent post's text; the sandbox remembers a day.
    static let xDuplicateWindow: TimeInterval = 24 * 3600

    func registerXRoutes(_ routes: RoutesBuilder) {
        let state = self.state

        @Sendable func authorize(_ req: Request) async -> SandboxAuth {
            switch await state.check(token: req.sandboxToken, platform: .x) {
            case .valid(let account): return .success(account)
            case .revoked, .unknown: return .failure(SandboxReply.xUnauthorized())
            }
        }

        @Sendable func xPost(_ post: SandboxPost, fields: Set<String>) -> [String: Any] {
            var object: [String: Any] = ["id": post.id, "text": post.text, "edit_history_post_ids": [post.id]]
            if fields.contains("created_at") { object["created_at"] = PlatformDates.iso(post.createdAt, fractional: true) }
            if fields.contains("author_id") {
                object["author_id"] = state.accounts.first { $0.account == post.account }?.platformId
            }
            if fields.contains("reply_settings") { object["reply_settings"] = post.replySettings ?? "everyone" }
            return object
        }

        @Sendable func fields(_ req: Request, _ name: String) -> Set<String> {
            Set((req.query[String.self, at: name] ?? "").split(separator: ",").map(String.init))
        }

        @Sendable func mediaObject(_ media: SandboxMedia) -> [String: Any] {
            var object: [String: Any] = ["id": media.id, "media_key": media.key, "size": media.totalBytes, "expires_after_secs": 86_400]
            if media.isVideo {
                // A video is processed after FINALIZE: pending, then in progress, then done on the second STATUS.
                let info: [String: Any] = switch media.statusPolls {
                case 0: ["state": "pending", "check_after_secs": 1]
                case 1: ["state": "in_progress", "check_after_secs": 1, "progress_percent": 50]
                default: ["state": "succeeded", "progress_percent": 100]
                }
                object["processing_info"] = info
                object["video"] = ["video_type": media.mediaType]
            } else {
                object["image"] = ["image_type": media.mediaType, "w": 1200, "h": 675] as [String: Any]
            }
            return object
        }

        routes.post("2", "tweets") { req async throws -> Response in
            let account: SandboxAccount
            switch await authorize(req) { case .success(let a): account = a; case .failure(let r): return r }
            struct Body: Decodable {
                struct Media: Decodable { var media_ids: [String] }
                var text: String?
                var reply_settings: String?
                var quote_tweet_id: String?
                var media: Media?
            }
            guard let body = try? JSONDecoder().decode(Body.self, from: Data(buffer: req.body.data ?? ByteBuffer())) else {
                return SandboxReply.xInvalidRequest("Request body is not valid JSON.")
            }
            let text = body.text ?? ""
            let mediaIds = body.media?.media_ids ?? []
            if let settings = body.reply_settings, XReplySettings(rawValue: settings) == nil {
                return SandboxReply.xInvalidRequest(
                    "$.reply_settings: does not have a value in the enumeration [\"following\", \"mentionedUsers\", \"subscribers\", \"verified\"]",
                    parameter: "reply_settings")
            }
            if text.isEmpty && mediaIds.isEmpty {
                return SandboxReply.xInvalidRequest("$.text: text or media is required", parameter: "text")
            }
            if XTextCounter.weightedLength(text) > 280 {
                return SandboxReply.xForbidden("Your Tweet text is too long. For more information on how X determines text length see https://github.com/twitter/twitter-text.")
            }
            if let quoted = body.quote_tweet_id {
                guard quoted.allSatisfy(\.isNumber), let target = await state.post(id: quoted), target.platform == .x else {
                    return SandboxReply.xInvalidRequest("$.quote_tweet_id: the post \(quoted) does not exist or cannot be quoted", parameter: "quote_tweet_id")
                }
            }
            for id in mediaIds {
                guard let media = await state.media(id: id), media.account == account.account, media.finalized else {
                    return SandboxReply.xInvalidRequest("Your media IDs are invalid.", parameter: "media.media_ids")
                }
            }
            if await state.isDuplicate(account: account.account, text: text, within: Self.xDuplicateWindow), !text.isEmpty {
                return SandboxReply.xForbidden("You are not allowed to create a Tweet with duplicate content.")
            }
            let id = await state.snowflake()
            await state.add(SandboxPost(platform: .x, account: account.account, id: id, text: text, createdAt: Date(),
                                        replySettings: body.reply_settings, quoteTweetId: body.quote_tweet_id, mediaIds: mediaIds))
            return SandboxReply.json(.created, ["data": ["id": id, "text": text, "edit_history_post_ids": [id]] as [String: Any]])
        }

        routes.delete("2", "tweets", ":id") { req async throws -> Response in
            let account: SandboxAccount
            switch await authorize(req) { case .success(let a): account = a; case .failure(let r): return r }
            let id = req.parameters.get("id") ?? ""
            guard let post = await state.post(id: id), post.platform == .x else {
                return SandboxReply.xNotFound(resourceType: "tweet", parameter: "id", value: id,
                                              detail: "Could not find tweet with id: [\(id)].")
            }
            guard post.account == account.account else {
                return SandboxReply.xForbidden("You are not authorized to delete this Tweet.")
            }
            _ = await state.deletePost(id: id)
            return SandboxReply.json(.ok, ["data": ["deleted": true]])
        }

        routes.get("2", "users", ":id", "tweets") { req async throws -> Response in
            if case .failure(let r) = await authorize(req) { return r }
            let userId = req.parameters.get("id") ?? ""
            guard let user = state.accounts.first(where: { $0.platform == .x && $0.platformId == userId }) else {
                return SandboxReply.xNotFound(resourceType: "user", parameter: "id", value: userId,
                                              detail: "Could not find user with id: [\(userId)].")
            }
            let maxResults = min(max(req.query[Int.self, at: "max_results"] ?? 10, 5), 100)
            var posts = await state.posts(account: user.account)
            if let since = req.query[String.self, at: "since_id"], let sinceValue = UInt64(since) {
                posts = posts.filter { (UInt64($0.id) ?? 0) > sinceValue }
            }
            posts = Array(posts.prefix(maxResults))
            let wanted = fields(req, "post.fields")
            var meta: [String: Any] = ["result_count": posts.count]
            if let first = posts.first, let last = posts.last {
                meta["newest_id"] = first.id
                meta["oldest_id"] = last.id
            }
            var body: [String: Any] = ["meta": meta]
            if !posts.isEmpty { body["data"] = posts.map { xPost($0, fields: wanted) } }
            return SandboxReply.json(.ok, body)
        }

        // MARK: Media upload (v2 chunked)

        routes.post("2", "media", "upload", "initialize") { req async throws -> Response in
            let account: SandboxAccount
            switch await authorize(req) { case .success(let a): account = a; case .failure(let r): return r }
            struct Body: Decodable { var media_type: String?; var total_bytes: Int?; var media_category: String? }
            guard let body = try? JSONDecoder().decode(Body.self, from: Data(buffer: req.body.data ?? ByteBuffer())),
                  let type = body.media_type, let total = body.total_bytes, total > 0 else {
                return SandboxReply.xInvalidRequest("$.media_type and $.total_bytes are required", parameter: "media_type")
            }
            let category = body.media_category ?? (type.hasPrefix("video/") ? "tweet_video" : "tweet_image")
            let id = await state.snowflake()
            let key = (category.hasSuffix("video") ? "7_" : category.hasSuffix("gif") ? "16_" : "3_") + id
            await state.addMedia(SandboxMedia(id: id, key: key, account: account.account, totalBytes: total,
                                              mediaType: type, category: category))
            return SandboxReply.json(.ok, ["data": ["id": id, "media_key": key, "expires_after_secs": 86_400] as [String: Any]])
        }

        routes.post("2", "media", "upload", ":id", "append") { req async throws -> Response in
            let account: SandboxAccount
            switch await authorize(req) { case .success(let a): account = a; case .failure(let r): return r }
            let id = req.parameters.get("id") ?? ""
            struct Body: Decodable { var media: String; var segment_index: Int }
            guard let body = try? JSONDecoder().decode(Body.self, from: Data(buffer: req.body.data ?? ByteBuffer())),
                  let chunk = Data(base64Encoded: body.media), (0...999).contains(body.segment_index) else {
                return SandboxReply.xInvalidRequest("$.media (base64) and $.segment_index are required", parameter: "media")
            }
            guard let media = await state.media(id: id), media.account == account.account, !media.finalized else {
                return SandboxReply.xInvalidRequest("Media id \(id) is not an upload in progress.", parameter: "id")
            }
            if media.segments.contains(body.segment_index) {
                return SandboxReply.json(.ok, ["data": ["expires_at": Int(Date().timeIntervalSince1970) + 86_400]])
            }
            if media.receivedBytes + chunk.count > media.totalBytes {
                return SandboxReply.xInvalidRequest("Segments exceed total_bytes.", parameter: "media")
            }
            _ = await state.updateMedia(id: id) {
                $0.receivedBytes += chunk.count
                $0.segments.insert(body.segment_index)
            }
            return SandboxReply.json(.ok, ["data": ["expires_at": Int(Date().timeIntervalSince1970) + 86_400]])
        }

        routes.post("2", "media", "upload", ":id", "finalize") { req async throws -> Response in
            let account: SandboxAccount
            switch await authorize(req) { case .success(let a): account = a; case .failure(let r): return r }
            let id = req.parameters.get("id") ?? ""
            guard let media = await state.media(id: id), media.account == account.account else {
                return SandboxReply.xInvalidRequest("Media id \(id) is not an upload in progress.", parameter: "id")
            }
            guard media.receivedBytes == media.totalBytes else {
                return SandboxReply.xInvalidRequest(
                    "File size mismatch: received \(media.receivedBytes) of \(media.totalBytes) bytes.", parameter: "id")
            }
            let finalized = await state.updateMedia(id: id) { $0.finalized = true } ?? media
            return SandboxReply.json(.ok, ["data": mediaObject(finalized)])
        }

        routes.get("2", "media", "upload") { req async throws -> Response in
            let account: SandboxAccount
            switch await authorize(req) { case .success(let a): account = a; case .failure(let r): return r }
            let id = req.query[String.self, at: "media_id"] ?? ""
            guard let media = await state.media(id: id), media.account == account.account, media.finalized else {
                return SandboxReply.xNotFound(resourceType: "media", parameter: "media_id", value: id,
                                              detail: "Could not find media with id: [\(id)].")
            }
            let polled = await state.updateMedia(id: id) { $0.statusPolls += 1 } ?? media
            return SandboxReply.json(.ok, ["data": mediaObject(polled)])
        }

    }
}
