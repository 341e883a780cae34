import Foundation
import Vapor
import KohoCore

/// The file a post carries: a YouTube post's video, or an X post's image. Files are kept under
/// `<data-dir>/media/` by their SHA-256, so that writing one never changes what an earlier approval saw: the
/// post names its file, and a new upload is a new name that reaches the post only through the workflow
/// (which sends an approved post back for approval).
enum PostMedia {
    /// The largest file accepted from the web form or the API (a YouTube video).
    static let maxBytes = 512 * 1024 * 1024
    static let maxBodySize: ByteCount = "512mb"
    /// X takes images up to 5 MB.
    static let maxImageBytes = 5 * 1024 * 1024

    enum Kind: String {
        case video, image
        var displayName: String { self == .video ? "動画" : "画像" }
    }

    /// A file format Koho recognises by its first bytes: its extension, MIME type and kind.
    struct Format: Equatable {
        let ext: String
        let mimeType: String
        let kind: Kind
    }

    struct Stored: Sendable {
        let file: String
        let bytes: Int
        let sha256: String
    }

    static let formats: [Format] = [
        Format(ext: "mp4", mimeType: "video/mp4", kind: .video), Format(ext: "mov", mimeType: "video/quicktime", kind: .video),
        Format(ext: "webm", mimeType: "video/webm", kind: .video), Format(ext: "avi", mimeType: "video/x-msvideo", kind: .video),
        Format(ext: "mpg", mimeType: "video/mpeg", kind: .video),
        Format(ext: "jpg", mimeType: "image/jpeg", kind: .image), Format(ext: "png", mimeType: "image/png", kind: .image),
        Format(ext: "gif", mimeType: "image/gif", kind: .image), Format(ext: "webp", mimeType: "image/webp", kind: .image),
    ]

    static func format(ext: String) -> Format? { formats.first { $0.ext == ext } }

    static func format(ofFile file: String) -> Format? { format(ext: String(file.split(separator: ".").last ?? "")) }

    /// Recognises the formats YouTube and X take by their first bytes; anything else is refused.
    static func format(of data: Data) -> Format? {
        let h = [UInt8](data.prefix(16))
        guard h.count >= 12 else { return nil }
        func ascii(_ r: ClosedRange<Int>, _ s: String) -> Bool { Array(h[r]) == Array(s.utf8) }
        if ascii(4...7, "ftyp") { return format(ext: ascii(8...11, "qt  ") ? "mov" : "mp4") }
        if h[0...3] == [0x1A, 0x45, 0xDF, 0xA3] { return format(ext: "webm") } // EBML: WebM and Matroska
        if ascii(0...3, "RIFF"), ascii(8...10, "AVI") { return format(ext: "avi") }
        if ascii(0...3, "RIFF"), ascii(8...11, "WEBP") { return format(ext: "webp") }
        if h[0...3] == [0x00, 0x00, 0x01, 0xBA] { return format(ext: "mpg") }
        if h[0...2] == [0xFF, 0xD8, 0xFF] { return format(ext: "jpg") }
        if h[0...7] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return format(ext: "png") }
        if ascii(0...5, "GIF87a") || ascii(0...5, "GIF89a") { return format(ext: "gif") }
        return nil
    }

    /// What a platform's post may carry, as the post's page and the errors say it.
    static func accepted(on platform: Platform) -> (kind: Kind, maxBytes: Int, names: String)? {
        switch platform {
        case .youtube: return (.video, maxBytes, "MP4・MOV・WebM・AVI・MPEG の動画、512MBまで")
        case .x: return (.image, maxImageBytes, "JPEG・PNG・GIF・WebP の画像、5MBまで")
        case .facebook: return nil
        }
    }

    static func directory(_ dataDirectory: URL) -> URL { dataDirectory.appendingPathComponent("media") }

    static func url(_ dataDirectory: URL, file: String) -> URL { directory(dataDirectory).appendingPathComponent(file) }

    /// Checks a file against what the platform takes and stores it; the same content is stored once.
    static func store(_ data: Data, for platform: Platform, dataDirectory: URL) throws -> Stored {
        guard let accepted = accepted(on: platform) else {
            throw AppError(status: .unprocessableEntity, message: "\(platform.displayName)の投稿にはファイルを添付できません")
        }
        guard !data.isEmpty else { throw AppError.badRequest("ファイルが空です") }
        guard data.count <= accepted.maxBytes else {
            throw AppError(status: .payloadTooLarge, message: "添付できるのは\(accepted.names)です（大きすぎます）")
        }
        guard let format = format(of: data), format.kind == accepted.kind else {
            throw AppError(status: .unprocessableEntity, message: "\(platform.displayName)の投稿に添付できるのは\(accepted.names)です。このファイルは読めません。")
        }
        let sha = Secrets.sha256Hex(data)
        let name = "\(sha).\(format.ext)"
        let dir = directory(dataDirectory)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let target = dir.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: target.path) {
            let partial = dir.appendingPathComponent(".\(name).\(UUID().uuidString).part")
            try data.write(to: partial)
            // A rename is atomic: the publisher never reads half a file.
            if rename(partial.path, target.path) != 0 {
                try? FileManager.default.removeItem(at: partial)
                throw AppError(status: .internalServerError, message: "ファイルを保存できませんでした")
            }
        }
        return Stored(file: name, bytes: data.count, sha256: sha)
    }

    /// Stores the file and attaches it to the post through the workflow's edit step.
    static func attach(_ req: Request, _ user: User, _ id: UUID, _ data: Data, expectedVersion: Int) async throws -> Post {
        let post = try await PostService.find(req, id)
        guard let platform = req.koho.policy.account(post.account)?.platform else { throw AppError.notFound("アカウントが見つかりません") }
        try PostService.requireMayAct(user, on: post.account, req.koho)
        let stored = try store(data, for: platform, dataDirectory: req.koho.config.dataDirectory)
        let reason = "\(accepted(on: platform)?.kind.displayName ?? "")を添付: \(stored.bytes) バイト, SHA-256 \(stored.sha256)"
        return try await PostService.transition(req, user, id, .edit, expectedVersion: expectedVersion, reason: reason, media: stored)
    }

    /// Reads a post's file for publishing; a file changed on disk is not the one the chief approved.
    static func read(_ file: String, dataDirectory: URL) throws -> MediaFile {
        let url = url(dataDirectory, file: file)
        guard let data = FileManager.default.contents(atPath: url.path), !data.isEmpty, let format = format(ofFile: file) else {
            throw HoldReason("添付されたファイル（\(file)）がサーバーにありません。添付し直してください。")
        }
        // The name is the content's SHA-256.
        guard file.hasPrefix(Secrets.sha256Hex(data)) else {
            throw HoldReason("添付されたファイル（\(file)）の内容が添付したときと違います。添付し直してください。")
        }
        return MediaFile(data: data, mimeType: format.mimeType)
    }

    /// A YouTube post goes to the chief, and out, only with its video.
    static func violation(for post: Post, _ policy: Policy) -> Violation? {
        guard policy.account(post.account)?.platform == .youtube, post.mediaFile == nil else { return nil }
        return Violation(rule: "YouTube", code: "youtube.videoMissing",
                         message: "動画ファイルが添付されていません。投稿のページから動画を添付してから提出してください。")
    }
}
