import Foundation
import Vapor
import KohoCore

/// The video of a YouTube post. Files are kept under `<data-dir>/videos/` by their SHA-256, so that writing
/// one never changes what an earlier approval saw: the post names its file, and a new upload is a new name
/// that reaches the post only through the workflow (which sends an approved post back for approval).
enum PostVideo {
    /// The largest video accepted, from the web form or the API.
    static let maxBytes = 512 * 1024 * 1024
    static let maxBodySize: ByteCount = "512mb"

    struct Stored: Sendable {
        let file: String
        let bytes: Int
        let sha256: String
    }

    enum Container: String {
        case mp4, mov, webm, avi, mpeg
    }

    /// Recognises the containers YouTube takes by their first bytes; anything else is not a video.
    static func container(of data: Data) -> Container? {
        let head = [UInt8](data.prefix(16))
        guard head.count >= 12 else { return nil }
        if head[4...7] == [0x66, 0x74, 0x79, 0x70] { // "ftyp"
            return head[8...11] == [0x71, 0x74, 0x20, 0x20] ? .mov : .mp4 // "qt  "
        }
        if head[0...3] == [0x1A, 0x45, 0xDF, 0xA3] { return .webm } // EBML: WebM and Matroska
        if head[0...3] == [0x52, 0x49, 0x46, 0x46], head[8...10] == [0x41, 0x56, 0x49] { return .avi } // "RIFF....AVI"
        if head[0...3] == [0x00, 0x00, 0x01, 0xBA] { return .mpeg }
        return nil
    }

    static func directory(_ dataDirectory: URL) -> URL { dataDirectory.appendingPathComponent("videos") }

    static func url(_ dataDirectory: URL, file: String) -> URL { directory(dataDirectory).appendingPathComponent(file) }

    /// Checks and stores a video; the same content is stored once.
    static func store(_ data: Data, dataDirectory: URL) throws -> Stored {
        guard !data.isEmpty else { throw AppError.badRequest("動画ファイルが空です") }
        guard data.count <= maxBytes else { throw AppError(status: .payloadTooLarge, message: "動画ファイルは\(maxBytes / 1024 / 1024)MBまでです") }
        guard let container = container(of: data) else {
            throw AppError(status: .unprocessableEntity, message: "動画ファイルとして読めません（MP4、MOV、WebM、AVI、MPEG のいずれかを選んでください）")
        }
        let sha = Secrets.sha256Hex(data)
        let name = "\(sha).\(container.rawValue)"
        let dir = directory(dataDirectory)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let target = dir.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: target.path) {
            let partial = dir.appendingPathComponent(".\(name).\(UUID().uuidString).part")
            try data.write(to: partial)
            // A rename is atomic: the publisher never reads half a file.
            if rename(partial.path, target.path) != 0 {
                try? FileManager.default.removeItem(at: partial)
                throw AppError(status: .internalServerError, message: "動画ファイルを保存できませんでした")
            }
        }
        return Stored(file: name, bytes: data.count, sha256: sha)
    }

    /// Stores the video and attaches it to the post through the workflow's edit step.
    static func attach(_ req: Request, _ user: User, _ id: UUID, _ data: Data, expectedVersion: Int) async throws -> Post {
        let post = try await PostService.find(req, id)
        guard req.koho.policy.account(post.account)?.platform == .youtube else {
            throw AppError(status: .unprocessableEntity, message: "動画を添付できるのはYouTubeの投稿だけです")
        }
        try PostService.requireMayAct(user, on: post.account, req.koho)
        let stored = try store(data, dataDirectory: req.koho.config.dataDirectory)
        let reason = "動画を添付: \(stored.bytes) バイト, SHA-256 \(stored.sha256)"
        return try await PostService.transition(req, user, id, .edit, expectedVersion: expectedVersion, reason: reason, video: stored)
    }

    /// A YouTube post goes to the chief, and out, only with its video.
    static func violation(for post: Post, _ policy: Policy) -> Violation? {
        guard policy.account(post.account)?.platform == .youtube, post.videoFile == nil else { return nil }
        return Violation(rule: "YouTube", code: "youtube.videoMissing",
                         message: "動画ファイルが添付されていません。投稿のページから動画を添付してから提出してください。")
    }
}
