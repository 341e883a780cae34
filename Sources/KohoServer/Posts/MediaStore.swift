import Fluent
import Foundation
import KohoCore

/// Where attached files (and the video frames made from them) are kept, so that the publisher on any server sends
/// any post's file:
/// - a folder (`koho serve --media-dir`, shared by the servers; without it and without `DATABASE_URL`,
///   `<data-dir>/media`), or
/// - the database (`media_blobs`, in parts of `partBytes`), the default with `DATABASE_URL`; the data folder's
///   `media/` then keeps local copies, read only after their SHA-256 is checked again.
/// A file's name is its content's SHA-256, so a copy, wherever it was read, is checked against the name.
struct MediaStore: Sendable {
    static let blobSchema = "media_blobs"
    /// Parts small enough for one bind parameter on either database, large enough that a 512 MB video is 128 rows.
    static let partBytes = 4 * 1024 * 1024

    enum Place: Sendable {
        case directory
        case database(any Database)
    }

    let place: Place
    /// The folder files are written to: the store itself, or the local copies of the database's files.
    let directory: URL

    var inDatabase: Bool { if case .database = place { return true } else { return false } }

    /// What `koho serve` says at start about where files go.
    var description: String {
        inDatabase ? "データベース（media_blobs）" : "フォルダ \(directory.path)"
    }

    /// The store `config` names: `mediaDirectory` when given (checked by a probe), the database with PostgreSQL,
    /// else the data folder.
    static func configured(_ config: KohoConfig, db: any Database) throws -> MediaStore {
        if let shared = config.mediaDirectory {
            try probe(shared)
            return MediaStore(place: .directory, directory: shared)
        }
        let local = PostMedia.directory(config.dataDirectory)
        return config.databaseURL == nil ? MediaStore(place: .directory, directory: local) : MediaStore(place: .database(db), directory: local)
    }

    struct Unusable: Error, CustomStringConvertible {
        let path: String
        let why: String
        var description: String {
            "メディアのフォルダ \(path) を使えません（\(why)）。すべてのサーバーから読み書きできる共有フォルダを --media-dir に指定するか、"
                + "--media-dir を外して添付ファイルをデータベースに置いてください（DATABASE_URL を使うとき）。"
        }
    }

    /// Writes a file of random bytes, reads it back and removes it: a folder that is missing, read-only or not
    /// the same for writing and reading is found at start, not when a video is uploaded.
    static func probe(_ dir: URL) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw Unusable(path: dir.path, why: "フォルダがありません")
        }
        let probe = dir.appendingPathComponent(".koho-probe-\(UUID().uuidString)")
        let bytes = Data((0..<64).map { _ in UInt8.random(in: 0...255) })
        guard fm.createFile(atPath: probe.path, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
            throw Unusable(path: dir.path, why: "書き込めません: \(String(cString: strerror(errno)))")
        }
        defer { try? fm.removeItem(at: probe) }
        guard fm.contents(atPath: probe.path) == bytes else { throw Unusable(path: dir.path, why: "書いた内容を読み戻せません") }
    }

    func url(_ file: String) -> URL { directory.appendingPathComponent(file) }

    /// After `PostMedia.store` has checked and renamed a file into `directory`: into the database too, with its
    /// frame when there is one.
    func keep(_ file: String, data: Data) async throws {
        guard case .database(let db) = place else { return }
        try await put(file, data, on: db)
        let poster = PostMedia.posterName(file)
        if let frame = FileManager.default.contents(atPath: url(poster).path), !frame.isEmpty {
            try await put(poster, frame, on: db)
        }
    }

    /// One transaction, so that other servers see every part or none; the same file stored at the same moment by
    /// another server ends in its unique key, and is then there.
    private func put(_ name: String, _ data: Data, on db: any Database) async throws {
        if try await exists(name, on: db) { return }
        do {
            try await db.transaction { tx in
                var part = 0
                for start in stride(from: 0, to: data.count, by: Self.partBytes) {
                    let row = MediaBlobPart()
                    row.name = name
                    row.part = part
                    row.bytes = data.subdata(in: start..<min(start + Self.partBytes, data.count))
                    try await row.create(on: tx)
                    part += 1
                }
            }
        } catch {
            if try await exists(name, on: db) { return }
            throw error
        }
    }

    private func exists(_ name: String, on db: any Database) async throws -> Bool {
        try await MediaBlobPart.query(on: db).filter(\.$name == name).filter(\.$part == 0).count() > 0
    }

    /// The file's bytes: the folder's copy when its content still matches its name, else the database's (copied
    /// to the folder for next time). Nil when neither has it.
    func bytes(_ file: String) async throws -> Data? {
        if let local = FileManager.default.contents(atPath: url(file).path), !local.isEmpty {
            if !inDatabase || Self.matches(file, local) { return local }
        }
        guard case .database(let db) = place else { return nil }
        let parts = try await MediaBlobPart.query(on: db).filter(\.$name == file).sort(\.$part, .ascending).all()
        guard !parts.isEmpty else { return nil }
        var data = Data()
        data.reserveCapacity(parts.count * Self.partBytes)
        for p in parts { data.append(p.bytes) }
        if Self.matches(file, data) { copyLocally(file, data) }
        return data
    }

    /// A frame's name has no hash of its own content: it is checked only where it came from.
    private static func matches(_ file: String, _ data: Data) -> Bool {
        file.hasSuffix(".poster.jpg") || file.hasPrefix(Secrets.sha256Hex(data))
    }

    private func copyLocally(_ file: String, _ data: Data) {
        let fm = FileManager.default
        try? fm.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let partial = directory.appendingPathComponent(".\(file).\(UUID().uuidString).part")
        guard fm.createFile(atPath: partial.path, contents: data, attributes: [.posixPermissions: 0o600]) else { return }
        if rename(partial.path, url(file).path) != 0 { try? fm.removeItem(at: partial) }
    }

    /// Reads a post's file for publishing; a file changed since it was attached is not the one the chief approved.
    func read(_ file: String) async throws -> MediaFile {
        guard let format = PostMedia.format(ofFile: file), let data = try await bytes(file), !data.isEmpty else {
            throw HoldReason("添付されたファイル（\(file)）がサーバーにありません。添付し直してください。")
        }
        guard file.hasPrefix(Secrets.sha256Hex(data)) else {
            throw HoldReason("添付されたファイル（\(file)）の内容が添付したときと違います。添付し直してください。")
        }
        return MediaFile(data: data, mimeType: format.mimeType)
    }

    /// The frame of an attached video, where one was made.
    func poster(_ file: String) async -> Data? {
        (try? await bytes(PostMedia.posterName(file))).flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// One part of a file kept in the database.
final class MediaBlobPart: Model, @unchecked Sendable {
    static let schema = MediaStore.blobSchema

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "part") var part: Int
    @Field(key: "bytes") var bytes: Data

    init() {}
}
