import Foundation
import Vapor
import KohoCore

/// The file a post carries: a YouTube post's video, or an X post's image. Files are kept in the `MediaStore` by
/// their SHA-256, so that writing one never changes what an earlier approval saw: the post names its file, and a
/// new upload is a new name that reaches the post only through the workflow (which sends an approved post back for
/// approval).
package enum PostMedia {
    /// The largest file accepted from the web form or the API (a YouTube video).
    static let maxBytes = 512 * 1024 * 1024
    static let maxBodySize: ByteCount = "512mb"
    /// X takes images up to 5 MB.
    static let maxImageBytes = 5 * 1024 * 1024

    enum Kind: String {
        case video, image
        var displayName: String { self == .video ? "動画" : "画像" }
    }

    /// A file format Koho takes: its extension, MIME type and kind.
    struct Format: Equatable {
        let ext: String
        let mimeType: String
        let kind: Kind
    }

    package struct Stored: Sendable {
        let file: String
        let bytes: Int
        let sha256: String
        /// The name the file had on the uploader's computer, cleaned for display.
        var name: String?
    }

    /// An uploaded file's name as people may see it: no folders, no control characters, at most 200 characters.
    static func displayName(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let base = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(String.UnicodeScalarView(base.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }))
            .trimmingCharacters(in: .whitespaces)
        return clean.isEmpty ? nil : String(clean.prefix(200))
    }

    static let formats: [Format] = [
        Format(ext: "mp4", mimeType: "video/mp4", kind: .video), Format(ext: "mov", mimeType: "video/quicktime", kind: .video),
        Format(ext: "webm", mimeType: "video/webm", kind: .video), Format(ext: "mkv", mimeType: "video/x-matroska", kind: .video),
        Format(ext: "avi", mimeType: "video/x-msvideo", kind: .video), Format(ext: "mpg", mimeType: "video/mpeg", kind: .video),
        Format(ext: "ts", mimeType: "video/mp2t", kind: .video),
        Format(ext: "jpg", mimeType: "image/jpeg", kind: .image), Format(ext: "png", mimeType: "image/png", kind: .image),
        Format(ext: "gif", mimeType: "image/gif", kind: .image), Format(ext: "webp", mimeType: "image/webp", kind: .image),
    ]

    static func format(ext: String) -> Format? { formats.first { $0.ext == ext } }

    static func format(ofFile file: String) -> Format? { format(ext: String(file.split(separator: ".").last ?? "")) }

    /// Recognises the formats YouTube and X take by parsing the container (see `MediaContainer`).
    static func format(of data: Data) throws(MediaContainer.Invalid) -> Format {
        let info = try MediaContainer.identify(data)
        guard let f = format(ext: info.format.rawValue) else { throw MediaContainer.Invalid(message: "対応していない形式です") }
        return f
    }

    /// What a platform's post may carry, as the post's page and the errors say it.
    static func accepted(on platform: Platform) -> (kind: Kind, maxBytes: Int, names: String)? {
        switch platform {
        case .youtube: return (.video, maxBytes, "MP4・MOV・WebM・MKV・AVI・MPEG の動画、512MBまで")
        case .x: return (.image, maxImageBytes, "JPEG・PNG・GIF・WebP の画像、5MBまで")
        case .facebook: return nil
        }
    }

    static func directory(_ dataDirectory: URL) -> URL { dataDirectory.appendingPathComponent("media") }

    /// Checks a file against what the platform takes and stores it; the same content is stored once.
    static func store(_ data: Data, for platform: Platform, in media: MediaStore, tools: MediaTools) async throws -> Stored {
        guard let accepted = accepted(on: platform) else {
            throw AppError(status: .unprocessableEntity, message: "\(platform.displayName)の投稿にはファイルを添付できません")
        }
        guard !data.isEmpty else { throw AppError.badRequest("ファイルが空です") }
        guard data.count <= accepted.maxBytes else {
            throw AppError(status: .payloadTooLarge, message: "添付できるのは\(accepted.names)です（大きすぎます）")
        }
        func refuse(_ why: String) -> AppError {
            AppError(status: .unprocessableEntity, message: "\(platform.displayName)の投稿に添付できるのは\(accepted.names)です。\(why)")
        }
        let format: Format
        do { format = try self.format(of: data) } catch { throw refuse("このファイルは読めません: \(error.message)") }
        guard format.kind == accepted.kind else { throw refuse("このファイルは\(format.kind.displayName)です。") }
        let sha = Secrets.sha256Hex(data)
        let name = "\(sha).\(format.ext)"
        let dir = media.directory
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let target = dir.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: target.path) {
            let partial = dir.appendingPathComponent(".\(name).\(UUID().uuidString).part")
            guard FileManager.default.createFile(atPath: partial.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw AppError(status: .internalServerError, message: "ファイルを保存できませんでした")
            }
            if let why = await FFProbe.problem(with: partial, executable: tools.ffprobe) {
                try? FileManager.default.removeItem(at: partial)
                throw refuse("このファイルは読めません: \(why)")
            }
            if format.kind == .video { await FFMpeg.writePoster(of: partial, to: media.url(posterName(name)), executable: tools.ffmpeg) }
            // A rename is atomic: the publisher never reads half a file.
            if rename(partial.path, target.path) != 0 {
                try? FileManager.default.removeItem(at: partial)
                throw AppError(status: .internalServerError, message: "ファイルを保存できませんでした")
            }
        }
        do { try await media.keep(name, data: data) } catch {
            throw AppError(status: .serviceUnavailable, message: "ファイルをデータベースに保存できませんでした。しばらくしてから添付し直してください。")
        }
        return Stored(file: name, bytes: data.count, sha256: sha)
    }

    /// A video's frame one second in (or its first), where ffmpeg made one when the video was stored.
    static func posterName(_ file: String) -> String { file.prefix { $0 != "." } + ".poster.jpg" }

    /// Stores the file and attaches it to the post through the workflow's edit step.
    static func attach(_ req: Request, _ user: User, _ id: UUID, _ data: Data, name: String? = nil, expectedVersion: Int) async throws -> Post {
        let post = try await PostService.find(req.workflow, id)
        guard let platform = req.koho.policy.account(post.account)?.platform else { throw AppError.notFound("アカウントが見つかりません") }
        try PostService.requireMayAct(user, on: post.account, req.koho)
        var stored = try await store(data, for: platform, in: req.koho.media, tools: req.koho.config.mediaTools)
        stored.name = displayName(name)
        let named = stored.name.map { "「\($0)」" } ?? ""
        let reason = "\(accepted(on: platform)?.kind.displayName ?? "")\(named)を添付: \(stored.bytes) バイト, SHA-256 \(stored.sha256)"
        return try await PostService.transition(req.workflow, user, id, .edit, expectedVersion: expectedVersion, reason: reason, media: stored)
    }
}

/// The optional programs that look into uploaded files; nil where not installed (or, in tests, not wanted).
public struct MediaTools: Sendable {
    public var ffprobe: String?
    public var ffmpeg: String?

    public init(ffprobe: String?, ffmpeg: String?) {
        self.ffprobe = ffprobe
        self.ffmpeg = ffmpeg
    }

    public static let detected = MediaTools(ffprobe: FFProbe.executable, ffmpeg: FFMpeg.executable)
    public static let none = MediaTools(ffprobe: nil, ffmpeg: nil)
}

/// The optional media programs: where they are on PATH, and one bounded run of them.
enum MediaProgram {
    static func find(_ name: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs the program with a time limit; its exit status and standard output, or nil when it could not start.
    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval) async -> (status: Int32, output: String)? {
        await withCheckedContinuation { (done: CheckedContinuation<(status: Int32, output: String)?, Never>) in
            DispatchQueue.global().async {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: executable)
                p.arguments = arguments
                let out = Pipe()
                p.standardOutput = out
                p.standardError = FileHandle.nullDevice
                p.standardInput = FileHandle.nullDevice
                do { try p.run() } catch { return done.resume(returning: nil) }
                let timer = DispatchWorkItem { p.terminate() }
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
                let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                p.waitUntilExit()
                timer.cancel()
                done.resume(returning: (p.terminationStatus, output))
            }
        }
    }
}

/// A frame of an uploaded video, where ffmpeg is installed, so that the chief sees which video it is.
enum FFMpeg {
    static let executable = MediaProgram.find("ffmpeg")

    /// One second in, else the first frame (a video shorter than a second); nothing when ffmpeg cannot.
    static func writePoster(of video: URL, to poster: URL, executable: String? = executable, timeout: TimeInterval = 60) async {
        guard let executable, !FileManager.default.fileExists(atPath: poster.path) else { return }
        for seconds in ["1", "0"] {
            let result = await MediaProgram.run(executable, ["-v", "error", "-ss", seconds, "-i", video.path, "-frames:v", "1",
                                                             "-vf", "scale=480:-2", "-f", "image2", "-y", poster.path], timeout: timeout)
            if result?.status == 0, let size = try? FileManager.default.attributesOfItem(atPath: poster.path)[.size] as? Int, size > 0 { return }
        }
        try? FileManager.default.removeItem(at: poster)
    }
}

/// A second opinion from ffprobe where it is installed: it reads the streams, which the container check does not.
enum FFProbe {
    static let executable = MediaProgram.find("ffprobe")

    /// Nil when the file is fine or ffprobe is not installed; else why ffprobe could not read it.
    static func problem(with file: URL, executable: String? = executable, timeout: TimeInterval = 30) async -> String? {
        guard let executable,
              let result = await MediaProgram.run(executable, ["-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", file.path],
                                                  timeout: timeout) else { return nil }
        let streams = result.output.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        return result.status == 0 && streams.contains { $0 == "video" } ? nil : "ffprobe が映像・画像を読み取れません"
    }
}
