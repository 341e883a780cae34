import Foundation
import KohoCore
import KohoPlatforms

/// A post's attached file, read and checked, for the platform call.
struct MediaFile: Sendable {
    let data: Data
    let mimeType: String
}

/// What one post becomes on its platform.
enum PublishPayload: Sendable {
    case x(XNewPost, image: MediaFile?)
    case facebook(message: String, link: String?)
    case youtube(YouTubeVideoMetadata, video: MediaFile)

    /// The text an account's recent posts are matched against when an outcome is unknown.
    var matchText: String {
        switch self {
        case .x(let p, _): return p.text
        case .facebook(let message, _): return message
        case .youtube(let m, _): return m.title
        }
    }
    var matchDescription: String? {
        if case .youtube(let m, _) = self { return m.description }
        return nil
    }

    /// The platform call for the approved rendering `r` of a post of `kind`, with its attached file read from
    /// `media`; a `HoldReason` for what Koho does not send by itself.
    static func make(_ kind: PlannedAction.Kind, _ r: Rendering, mediaFile: String?, account: KohoCore.Account,
                     media: MediaStore) async throws -> PublishPayload {
        switch r.kind {
        case .reply:
            throw HoldReason("返信は自動では発信しません。\(account.platform.displayName)で返信先を確かめ、手作業で返信してください。")
        case .xPost where kind == .quote && r.quotedPostID == nil:
            throw HoldReason("引用する投稿のURL（https://x.com/…/status/…）がリンクにありません。投稿を編集してください。")
        case .xPost:
            // The image attached to an X post, as the chief approved it.
            var image: MediaFile?
            if let mediaFile { image = try await media.read(mediaFile) }
            return .x(XNewPost(text: r.text, quoteTweetId: r.quotedPostID), image: image)
        case .facebookPost:
            return .facebook(message: r.text, link: r.link)
        case .youtubeVideo:
            guard let file = mediaFile else {
                throw HoldReason("動画ファイルが添付されていません。投稿のページから動画を添付し、もう一度提出してください。")
            }
            return .youtube(YouTubeVideoMetadata(title: r.title ?? "", description: r.text,
                                                 privacyStatus: YouTubePrivacyStatus(rawValue: r.privacyStatus ?? "") ?? .public),
                            video: try await media.read(file))
        }
    }
}
