import Foundation
import KohoCore
import KohoPlatforms
import Vapor

extension PlatformSandbox {
    func registerYouTubeRoutes(_ routes: RoutesBuilder) {
        let state = self.state

        @Sendable func authorize(_ req: Request) async -> SandboxAuth {
            switch await state.check(token: req.sandboxToken, platform: .youtube) {
            case .valid(let account): return .success(account)
            case .revoked, .unknown: return .failure(SandboxReply.googleUnauthorized())
            }
        }

        @Sendable func etag() -> String { SandboxIds.random(27) }

        @Sendable func channel(_ id: String?) -> SandboxAccount? {
            state.accounts.first { $0.platform == .youtube && $0.platformId == id }
        }

        @Sendable func videoResource(_ post: SandboxPost) -> [String: Any] {
            let owner = channel(post.account)
            var snippet: [String: Any] = [
                "publishedAt": PlatformDates.iso(post.createdAt), "channelId": post.account, "title": post.text,
                "description": post.description ?? "", "channelTitle": owner?.name ?? "", "liveBroadcastContent": "none",
                "thumbnails": ["default": ["url": "https://i.ytimg.com/vi/\(post.id)/default.jpg", "width": 120, "height": 90] as [String: Any]],
                "localized": ["title": post.text, "description": post.description ?? ""],
            ]
            if !post.tags.isEmpty { snippet["tags"] = post.tags }
            snippet["categoryId"] = post.categoryId ?? "25"
            var status: [String: Any] = [
                "uploadStatus": "uploaded", "privacyStatus": post.privacyStatus ?? "public", "license": "youtube",
                "embeddable": true, "publicStatsViewable": true, "selfDeclaredMadeForKids": post.madeForKids, "madeForKids": post.madeForKids,
            ]
            if let publishAt = post.publishAt { status["publishAt"] = PlatformDates.iso(publishAt) }
            return ["kind": "youtube#video", "etag": etag(), "id": post.id, "snippet": snippet, "status": status]
        }

        @Sendable func commentResource(_ comment: SandboxComment, channelId: String, host: String?) -> [String: Any] {
            var snippet: [String: Any] = [
                "channelId": channelId, "videoId": comment.postId, "textDisplay": comment.text, "textOriginal": comment.text,
                "authorDisplayName": comment.authorName, "authorProfileImageUrl": "https://yt3.ggpht.com/a/default-user=s48",
                "authorChannelUrl": "http://www.youtube.com/channel/\(comment.authorId)",
                "authorChannelId": ["value": comment.authorId], "canRate": true, "viewerRating": "none", "likeCount": 0,
                "publishedAt": PlatformDates.iso(comment.createdAt), "updatedAt": PlatformDates.iso(comment.createdAt),
                "moderationStatus": comment.moderationStatus,
            ]
            if let parent = comment.parentId { snippet["parentId"] = parent }
            // Images in comments: `snippet.imageUrl`, a signed address on Google's image server (the discovery
            // document's CommentSnippet; it gives no size or alt text).
            if let url = comment.image?.address(host: host) { snippet["imageUrl"] = url }
            return ["kind": "youtube#comment", "etag": etag(), "id": comment.id, "snippet": snippet]
        }


        struct VideoInput: Decodable {
            struct Snippet: Decodable { var title: String?; var description: String?; var tags: [String]?; var categoryId: String? }
            struct Status: Decodable {
                var privacyStatus: String?; var publishAt: String?; var selfDeclaredMadeForKids: Bool?
            }
            var snippet: Snippet?
            var status: Status?
        }

        let startUpload: @Sendable (Request) async throws -> Response = { req in
            let account: SandboxAccount
            switch await authorize(req) { case .success(let a): account = a; case .failure(let r): return r }
            guard req.query[String.self, at: "uploadType"] == "resumable" else {
                return SandboxReply.googleBadRequest("badRequest", "The sandbox accepts only uploadType=resumable.", domain: "global")
            }
            guard let part = req.query[String.self, at: "part"], part.split(separator: ",").contains("snippet") else {
                return SandboxReply.googleBadRequest("required", "Required parameter: part", domain: "global")
            }
            guard let input = req.decodeJSONBody(VideoInput.self) else {
                return SandboxReply.googleBadRequest("parseError", "Parse Error", domain: "global")
            }
            let title = input.snippet?.title ?? ""
            if title.isEmpty || title.count > 100 || title.contains("<") || title.contains(">") {
                return SandboxReply.googleBadRequest("invalidTitle", "The request metadata specifies an invalid or empty video title.")
            }
            let description = input.snippet?.description ?? ""
            if description.utf8.count > 5000 || description.contains("<") || description.contains(">") {
                return SandboxReply.googleBadRequest("invalidDescription", "The request metadata specifies an invalid video description.")
            }
            let privacy = input.status?.privacyStatus ?? "public"
            guard YouTubePrivacyStatus(rawValue: privacy) != nil else {
                return SandboxReply.googleBadRequest("invalidVideoMetadata", "The request metadata is invalid.")
            }
            var publishAt: Date?
            if let raw = input.status?.publishAt {
                guard let date = PlatformDates.parse(raw), privacy == "private", date > Date() else {
                    return SandboxReply.googleBadRequest("invalidPublishAt", "The request metadata specifies an invalid scheduled publishing time.")
                }
                publishAt = date
            }
            let uploadId = "ABPtcP" + SandboxIds.random(58)
            let post = SandboxPost(
                platform: .youtube, account: account.account, id: "", text: title, description: description, createdAt: Date(),
                privacyStatus: privacy, publishAt: publishAt, tags: input.snippet?.tags ?? [], categoryId: input.snippet?.categoryId,
                madeForKids: input.status?.selfDeclaredMadeForKids ?? false)
            await state.addUpload(SandboxUpload(
                id: uploadId, account: account.account, post: post,
                expectedBytes: req.headers.first(name: "X-Upload-Content-Length").flatMap { Int($0) }))
            let host = req.headers.first(name: .host) ?? "127.0.0.1"
            let location = "http://\(host)/upload/youtube/v3/videos?uploadType=resumable&part=\(percentEncode(part))&upload_id=\(uploadId)"
            return Response(status: .ok, headers: ["Location": location, "X-GUploader-UploadID": uploadId, "Content-Length": "0"])
        }
        routes.on(.POST, "upload", "youtube", "v3", "videos", body: .collect(maxSize: "1mb"), use: startUpload)
        routes.on(.POST, "resumable", "upload", "youtube", "v3", "videos", body: .collect(maxSize: "1mb"), use: startUpload)

        routes.on(.PUT, "upload", "youtube", "v3", "videos", body: .collect(maxSize: "512mb")) { req async throws -> Response in
            // The session URI is the credential here, as on YouTube.
            guard let uploadId = req.query[String.self, at: "upload_id"], let upload = await state.upload(id: uploadId) else {
                return SandboxReply.googleNotFound("notFound", "The upload session does not exist or has expired.", domain: "global")
            }
            if let videoId = upload.videoId, let post = await state.post(id: videoId) {
                return SandboxReply.json(.ok, videoResource(post))
            }
            let bytes = req.body.data?.readableBytes ?? 0
            let range = req.headers.first(name: "Content-Range")
            var total = upload.expectedBytes
            if let range, let slash = range.lastIndex(of: "/") {
                total = Int(range[range.index(after: slash)...]) ?? total
                let spec = range.dropFirst("bytes ".count).prefix { $0 != "/" }
                if spec == "*" {
                    // A status query: say what arrived.
                    if upload.receivedBytes == 0 {
                        return Response(status: .permanentRedirect, headers: ["Content-Length": "0"])
                    }
                    return Response(status: .permanentRedirect, headers: ["Range": "bytes=0-\(upload.receivedBytes - 1)", "Content-Length": "0"])
                }
                let start = spec.split(separator: "-").first.flatMap { Int($0) } ?? -1
                guard start == upload.receivedBytes else {
                    return SandboxReply.googleBadRequest("badContent", "Content-Range does not continue the upload.", domain: "global")
                }
            }
            let updated = await state.updateUpload(id: uploadId) {
                $0.receivedBytes += bytes
                if $0.expectedBytes == nil { $0.expectedBytes = total }
            } ?? upload
            let expected = updated.expectedBytes ?? updated.receivedBytes
            if updated.receivedBytes < expected {
                return Response(status: .permanentRedirect, headers: ["Range": "bytes=0-\(updated.receivedBytes - 1)", "Content-Length": "0"])
            }
            if updated.receivedBytes > expected || bytes == 0 {
                return SandboxReply.googleBadRequest("uploadLimitExceeded", "The uploaded content does not match X-Upload-Content-Length.", domain: "youtube.video")
            }
            var post = updated.post
            post.id = SandboxIds.videoId()
            post.createdAt = Date()
            post.videoBytes = updated.receivedBytes
            await state.add(post)
            _ = await state.updateUpload(id: uploadId) { $0.videoId = post.id }
            return SandboxReply.json(.ok, videoResource(post))
        }

        routes.get("youtube", "v3", "playlistItems") { req async throws -> Response in
            if case .failure(let r) = await authorize(req) { return r }
            let playlistId = req.query[String.self, at: "playlistId"] ?? ""
            guard req.query[String.self, at: "part"] != nil else {
                return SandboxReply.googleBadRequest("required", "Required parameter: part", domain: "global")
            }
            guard playlistId.hasPrefix("UU"), let owner = channel("UC" + playlistId.dropFirst(2)) else {
                return SandboxReply.googleNotFound("playlistNotFound", "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.", domain: "youtube.playlistItem")
            }
            let maxResults = min(max(req.query[Int.self, at: "maxResults"] ?? 5, 0), 50)
            let videos = await state.posts(account: owner.account)
            let items: [[String: Any]] = videos.prefix(maxResults).enumerated().map { index, video in
                ["kind": "youtube#playlistItem", "etag": etag(), "id": SandboxIds.random(64), "snippet": [
                    "publishedAt": PlatformDates.iso(video.createdAt), "channelId": owner.platformId, "title": video.text,
                    "description": video.description ?? "", "channelTitle": owner.name, "playlistId": playlistId,
                    "position": index, "resourceId": ["kind": "youtube#video", "videoId": video.id],
                    "videoOwnerChannelTitle": owner.name, "videoOwnerChannelId": owner.platformId,
                ] as [String: Any]]
            }
            return SandboxReply.json(.ok, [
                "kind": "youtube#playlistItemListResponse", "etag": etag(), "items": items,
                "pageInfo": ["totalResults": videos.count, "resultsPerPage": maxResults],
            ])
        }

        routes.get("youtube", "v3", "commentThreads") { req async throws -> Response in
            if case .failure(let r) = await authorize(req) { return r }
            guard let part = req.query[String.self, at: "part"] else {
                return SandboxReply.googleBadRequest("required", "Required parameter: part", domain: "global")
            }
            let status = req.query[String.self, at: "moderationStatus"] ?? "published"
            var videoIds: Set<String>
            var channelId: String
            if let id = req.query[String.self, at: "allThreadsRelatedToChannelId"] {
                guard let owner = channel(id) else {
                    return SandboxReply.googleNotFound("channelNotFound", "The channel identified with the request's <code>allThreadsRelatedToChannelId</code> parameter cannot be found.")
                }
                channelId = owner.platformId
                videoIds = Set(await state.posts(account: owner.account).map(\.id))
            } else if let videoId = req.query[String.self, at: "videoId"] {
                guard let video = await state.post(id: videoId), video.platform == .youtube else {
                    return SandboxReply.googleNotFound("videoNotFound", "The video identified by the <code>videoId</code> parameter could not be found.")
                }
                channelId = video.account
                videoIds = [videoId]
            } else {
                return SandboxReply.googleBadRequest("missingRequiredParameter", "No filter selected. Expected one of: allThreadsRelatedToChannelId, videoId, id, channelId", domain: "youtube.parameter")
            }
            let all = await state.comments(platform: .youtube).filter { videoIds.contains($0.postId) }
            let threads = all.filter { $0.parentId == nil && $0.moderationStatus == status }.reversed()
            let maxResults = min(max(req.query[Int.self, at: "maxResults"] ?? 20, 1), 100)
            let withReplies = part.split(separator: ",").contains("replies")
            let items: [[String: Any]] = threads.prefix(maxResults).map { top in
                let replies = all.filter { $0.parentId == top.id }
                var thread: [String: Any] = ["kind": "youtube#commentThread", "etag": etag(), "id": top.id, "snippet": [
                    "channelId": channelId, "videoId": top.postId, "topLevelComment": commentResource(top, channelId: channelId, host: req.headers.first(name: .host)),
                    "canReply": true, "totalReplyCount": replies.count, "isPublic": true,
                ] as [String: Any]]
                if withReplies, !replies.isEmpty {
                    thread["replies"] = ["comments": replies.map { commentResource($0, channelId: channelId, host: req.headers.first(name: .host)) }]
                }
                return thread
            }
            return SandboxReply.json(.ok, [
                "kind": "youtube#commentThreadListResponse", "etag": etag(), "items": items,
                "pageInfo": ["totalResults": items.count, "resultsPerPage": maxResults],
            ])
        }

        routes.post("youtube", "v3", "comments", "setModerationStatus") { req async throws -> Response in
            let account: SandboxAccount
            switch await authorize(req) { case .success(let a): account = a; case .failure(let r): return r }
            // `id` may repeat or carry a comma-separated list.
            let rawIds: [String] = req.url.query.map { query in
                query.split(separator: "&").compactMap { pair -> String? in
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2, parts[0] == "id" else { return nil }
                    return String(parts[1]).removingPercentEncoding
                }
            } ?? []
            let ids = rawIds.flatMap { $0.split(separator: ",").map(String.init) }
            guard let status = req.query[String.self, at: "moderationStatus"], YouTubeModerationStatus(rawValue: status) != nil else {
                return SandboxReply.googleBadRequest("invalidModerationStatus", "The moderationStatus parameter is invalid.", domain: "youtube.comment")
            }
            if req.query[String.self, at: "banAuthor"] == "true", status != "rejected" {
                return SandboxReply.googleBadRequest("banWithoutReject", "The banAuthor parameter can only be used if the moderationStatus parameter value is rejected.", domain: "youtube.comment")
            }
            guard !ids.isEmpty else { return SandboxReply.googleBadRequest("required", "Required parameter: id", domain: "global") }
            for id in ids {
                guard let comment = await state.comment(id: id), comment.platform == .youtube else {
                    return SandboxReply.googleNotFound("commentNotFound", "One or more comments identified by the <code>id</code> parameter could not be found.")
                }
                guard let video = await state.post(id: comment.postId), video.account == account.account else {
                    return SandboxReply.googleForbidden("forbidden", "The comment could not be moderated by the channel.")
                }
            }
            for id in ids { _ = await state.updateComment(id: id) { $0.moderationStatus = status } }
            return Response(status: .noContent)
        }

        routes.post("youtube", "v3", "comments") { req async throws -> Response in
            let account: SandboxAccount
            switch await authorize(req) { case .success(let a): account = a; case .failure(let r): return r }
            struct Input: Decodable { struct Snippet: Decodable { var parentId: String?; var textOriginal: String? }; var snippet: Snippet? }
            guard let input = req.decodeJSONBody(Input.self), let snippet = input.snippet else {
                return SandboxReply.googleBadRequest("invalidCommentMetadata", "The request metadata is invalid.", domain: "youtube.comment")
            }
            guard let text = snippet.textOriginal, !text.isEmpty else {
                return SandboxReply.googleBadRequest("commentTextRequired", "The comment resource that is being inserted must specify a value for the <code>snippet.textOriginal</code> property. Comments cannot be empty.", domain: "youtube.comment")
            }
            if text.count > 10_000 {
                return SandboxReply.googleBadRequest("commentTextTooLong", "The comment resource that is being inserted or updated contains too many characters in the <code>snippet.textOriginal</code> property.", domain: "youtube.comment")
            }
            guard let parentId = snippet.parentId, let parent = await state.comment(id: parentId), parent.platform == .youtube,
                  let video = await state.post(id: parent.postId) else {
                return SandboxReply.googleNotFound("parentCommentNotFound", "The parent comment specified for the comment cannot be found.")
            }
            let top = parent.parentId ?? parent.id
            let comment = await Self.makeComment(state: state, post: video, parentId: top, authorName: account.name,
                                                 authorId: account.platformId, text: text)
            await state.add(comment)
            return SandboxReply.json(.ok, commentResource(comment, channelId: video.account, host: req.headers.first(name: .host)))
        }
    }
}
