import Crypto
import FluentSQLiteDriver
import Foundation
import NIOCore
import NIOPosix
import Vapor
import KohoCore
import KohoPlatforms

/// `koho backup` and `koho restore`: a consistent copy of a live data folder, with a manifest of SHA-256 sums
/// (`sha256sum -c manifest.txt` checks it without Koho), and the way back into an empty folder.
enum Backup {
    static let manifestName = "manifest.txt"
    static let sqliteName = "koho.sqlite"
    static let pgDumpName = "koho.pgdump"
    /// The data folder's own files besides the database (the secret key, the holiday list, the checkpoint log).
    static let plainFiles = ["secret.key", "holidays.csv", AuditLog.Checkpoints.fileName]

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    struct Report {
        var files: [String] = []
        var notes: [String] = []
    }

    /// Copies `dataDirectory` into `target` (which must be empty or absent). The checkpoint log is copied before the
    /// database and the media after it: every checkpoint then counts entries the copy holds, and every file a
    /// post in the copy names is in the copy.
    /// `mediaDirectory`: the shared folder `koho serve --media-dir` names; its files go into `media/` of the copy
    /// beside the data folder's own.
    static func run(dataDirectory: URL, target: URL, databaseURL: String?, mediaDirectory: URL? = nil,
                    environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> Report {
        let fm = FileManager.default
        try requireEmpty(target, what: "バックアップ先")
        var isFolder: ObjCBool = false
        if let mediaDirectory, !fm.fileExists(atPath: mediaDirectory.path, isDirectory: &isFolder) || !isFolder.boolValue {
            throw Failure("添付ファイルのフォルダ \(mediaDirectory.path) がありません（--media-dir を確かめてください）。何も書いていません")
        }
        try fm.createDirectory(at: target, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var report = Report()
        for name in plainFiles {
            let source = dataDirectory.appendingPathComponent(name)
            guard fm.fileExists(atPath: source.path) else {
                if name == "secret.key" {
                    report.notes.append((environment[TokenVault.environmentVariable] ?? "").isEmpty
                        ? "secret.key がデータフォルダにありません（封じた秘密は、この鍵なしでは開けません）"
                        : "鍵は環境変数 \(TokenVault.environmentVariable) から渡されています。バックアップには入らないので、別に安全に保管してください")
                }
                continue
            }
            try copy(source, to: target.appendingPathComponent(name))
            report.files.append(name)
        }
        if let databaseURL {
            if let pgDump = executable("pg_dump", environment: environment) {
                try dumpPostgres(pgDump, url: databaseURL, to: target.appendingPathComponent(pgDumpName))
                report.files.append(pgDumpName)
            } else {
                report.notes.append("pg_dump が見つからないため、PostgreSQL のデータベースは含まれていません"
                    + (mediaDirectory == nil ? "（データベースに置いた添付ファイル media_blobs も含まれていません）" : "")
                    + "。データベースは別に pg_dump で保存してください")
            }
        } else {
            let source = dataDirectory.appendingPathComponent(sqliteName)
            guard fm.fileExists(atPath: source.path) else { throw Failure("データベース \(source.path) がありません（データフォルダを確かめてください）") }
            try await snapshotSQLite(source, to: target.appendingPathComponent(sqliteName))
            report.files.append(sqliteName)
        }
        // A file's name is its content's SHA-256: the same name in both folders is the same file, copied once.
        var copied = Set<String>()
        for media in [PostMedia.directory(dataDirectory)] + (mediaDirectory.map { [$0] } ?? []) {
            var isFolder: ObjCBool = false
            guard fm.fileExists(atPath: media.path, isDirectory: &isFolder), isFolder.boolValue else { continue }
            try fm.createDirectory(at: target.appendingPathComponent("media"), withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: 0o700])
            for name in try fm.contentsOfDirectory(atPath: media.path).sorted() where !name.hasPrefix(".") && !copied.contains(name) {
                let relative = "media/\(name)"
                var isDir: ObjCBool = false
                guard fm.fileExists(atPath: media.appendingPathComponent(name).path, isDirectory: &isDir), !isDir.boolValue else { continue }
                try copy(media.appendingPathComponent(name), to: target.appendingPathComponent(relative))
                copied.insert(name)
                report.files.append(relative)
            }
        }
        var manifest = ""
        for name in report.files { manifest += "\(try sha256(of: target.appendingPathComponent(name)))  \(name)\n" }
        try write(Data(manifest.utf8), to: target.appendingPathComponent(manifestName))
        return report
    }

    /// Checks every sum in `source`'s manifest, then copies the files into `dataDirectory`, which must be empty or
    /// absent: nothing is written when a sum differs or a file is missing.
    /// `mediaDirectory`: the shared folder the restored servers will use (`--media-dir`), empty or absent; the
    /// attached files go there instead of the data folder's `media/`.
    static func restore(from source: URL, into dataDirectory: URL, mediaDirectory: URL? = nil) throws -> Report {
        let entries = try verifiedManifest(source)
        try requireEmpty(dataDirectory, what: "復元先のデータフォルダ")
        if let mediaDirectory { try requireEmpty(mediaDirectory, what: "復元先の添付ファイルのフォルダ") }
        let fm = FileManager.default
        try fm.createDirectory(at: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var report = Report()
        for (_, name) in entries where name != pgDumpName {
            var to = dataDirectory.appendingPathComponent(name)
            if let mediaDirectory, name.hasPrefix("media/") { to = mediaDirectory.appendingPathComponent(String(name.dropFirst("media/".count))) }
            try fm.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try copy(source.appendingPathComponent(name), to: to)
            report.files.append(name)
        }
        if entries.contains(where: { $0.path == pgDumpName }) {
            report.notes.append("PostgreSQL のデータベースは \(source.appendingPathComponent(pgDumpName).path) にあります。"
                + "空のデータベースに pg_restore --no-owner --dbname=<接続先> で戻してから、DATABASE_URL をそのデータベースにして起動してください")
        }
        return report
    }

    /// The manifest's lines, each file's sum checked; every difference is listed.
    static func verifiedManifest(_ source: URL) throws -> [(sum: String, path: String)] {
        let file = source.appendingPathComponent(manifestName)
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw Failure("\(file.path) がありません（koho backup で作ったフォルダを指定してください）")
        }
        var entries: [(sum: String, path: String)] = [], problems: [String] = []
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isHexDigit), parts[1].hasPrefix(" ") else {
                problems.append("\(manifestName) の \(i + 1) 行目を読めません"); continue
            }
            let path = String(parts[1].dropFirst())
            guard !path.isEmpty, !path.hasPrefix("/"), !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
                problems.append("\(manifestName) の \(i + 1) 行目のファイル名が不正です"); continue
            }
            let url = source.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: url.path) else { problems.append("\(path) がありません"); continue }
            if try sha256(of: url) != parts[0].lowercased() { problems.append("\(path) の SHA-256 が manifest と一致しません（壊れているか書き換えられています）") }
            entries.append((String(parts[0]), path))
        }
        if entries.isEmpty && problems.isEmpty { problems.append("\(manifestName) にファイルが一つもありません") }
        guard problems.isEmpty else { throw Failure("バックアップを確かめられません。何も復元していません:\n" + problems.joined(separator: "\n")) }
        return entries
    }

    static func requireEmpty(_ dir: URL, what: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir.path, isDirectory: &isDir) else { return }
        guard isDir.boolValue else { throw Failure("\(what) \(dir.path) はフォルダではありません") }
        if !(try fm.contentsOfDirectory(atPath: dir.path)).isEmpty {
            throw Failure("\(what) \(dir.path) は空ではありません。上書きしないよう、空のフォルダか新しい名前を指定してください")
        }
    }

    /// `VACUUM INTO` on a connection of its own: one read transaction, so the copy is the database at one moment
    /// while the server goes on writing (WAL lets it).
    private static func snapshotSQLite(_ source: URL, to target: URL) async throws {
        let connection = try await SQLiteConnection.open(storage: .file(path: source.path), threadPool: .singleton,
                                                         logger: Logger(label: "koho.backup"), on: MultiThreadedEventLoopGroup.singleton.any())
        do {
            _ = try await connection.query("PRAGMA busy_timeout = 10000")
            _ = try await connection.query("VACUUM INTO ?", [.text(target.path)])
            try await connection.close()
        } catch {
            try? await connection.close()
            throw Failure("データベースを写せませんでした: \(error)")
        }
        chmod(target.path, 0o600)
    }

    private static func dumpPostgres(_ pgDump: String, url: String, to target: URL) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: pgDump)
        p.arguments = ["--format=custom", "--no-owner", "--file=\(target.path)", "--dbname=\(url)"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            // pg_dump's own message may repeat the connection string; only its first line, without the URL, is shown.
            let first = String(decoding: message, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            throw Failure("pg_dump が失敗しました（終了コード \(p.terminationStatus)）: \(first.replacingOccurrences(of: url, with: "<DATABASE_URL>"))")
        }
        chmod(target.path, 0o600)
    }

    static func executable(_ name: String, environment: [String: String]) -> String? {
        for dir in (environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    private static func copy(_ from: URL, to: URL) throws {
        do { try FileManager.default.copyItem(at: from, to: to) } catch { throw Failure("\(from.path) を写せません: \(error.localizedDescription)") }
        chmod(to.path, 0o600)
    }

    private static func write(_ data: Data, to url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw Failure("\(url.path) に書けません")
        }
    }

    /// Read in pieces: a video may be 512 MB.
    static func sha256(of url: URL) throws -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else { throw Failure("\(url.path) を読めません") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
