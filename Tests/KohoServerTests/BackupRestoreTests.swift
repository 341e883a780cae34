import ArgumentParser
import Fluent
import Foundation
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

final class BackupRestoreTests: KohoTestCase {
    var extraDirs: [URL] = []

    override func tearDown() async throws {
        try await super.tearDown()
        for d in extraDirs { try? FileManager.default.removeItem(at: d) }
    }

    func tempDir(_ label: String) -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("koho-\(label)-\(UUID().uuidString)")
        extraDirs.append(d)
        return d
    }

    func testABackupTakenWhilePostsAreWrittenRestoresIntoAServerThatVerifiesWithEveryPostCommentAndFile() async throws {
        _ = try await addStandardUsers()
        try await addUser("yamada", .staff, accounts: ["UCp9YZtjCNcG0q3fQ1ln31Xg"])
        let video = try await createPost(try await token("yamada"), #"{"account":"UCp9YZtjCNcG0q3fQ1ln31Xg","category":"①","title":"紅葉","text":"紅葉"}"#)
        try await assertEqual(try await attachMedia(try await token("yamada"), postID(video), version: 1).status, .ok)
        let observed = (1...3).map { i in
            ObservedComment(account: "koho.kodairacity", platform: .facebook, platformCommentID: "p1_c\(i)", platformPostID: "p1",
                            authorName: "市民\(i)", text: "会場はどこですか（\(i)）")
        }
        _ = try await CommentIngest.ingest(observed, source: "test", db: app.db, ctx: app.koho)
        try await app.koho.audit.writeCheckpoint(on: app.db, dataDirectory: dir, at: clock.now, logger: app.logger)

        let postsBefore = try await Post.query(on: app.db).count()
        let target = tempDir("backup")
        // Staff go on writing posts (and their audit entries) while the backup runs.
        let live = self.app!, dir = self.dir!, clock = self.clock!
        let staff = try await XCTUnwrapAsync(try await User.query(on: live.db).filter(\.$name == "tanaka").first())
        let writer = Task { () -> Int in
            var made = 0
            for i in 0..<12 {
                _ = try await PostService.create(live.workflow, staff, PlannedAction(account: "kodaira_tokyo", category: "ウ", text: "お知らせ \(i)"))
                made += 1
                if i % 4 == 0 { try await live.koho.audit.writeCheckpoint(on: live.db, dataDirectory: dir, at: clock.now, logger: live.logger) }
            }
            return made
        }
        let report = try await Backup.run(dataDirectory: dir, target: target, databaseURL: app.koho.config.databaseURL)
        let written = try await writer.value
        XCTAssertEqual(written, 12)
        let postsAfter = try await Post.query(on: app.db).count()

        XCTAssertTrue(report.files.contains("secret.key"))
        XCTAssertTrue(report.files.contains(AuditLog.Checkpoints.fileName))
        XCTAssertTrue(report.files.contains { $0.hasPrefix("media/") })
        // The manifest lists every file with its sum, as sha256sum writes it.
        let manifest = try String(contentsOf: target.appendingPathComponent(Backup.manifestName), encoding: .utf8)
        for name in report.files {
            XCTAssertTrue(manifest.contains("\(try Backup.sha256(of: target.appendingPathComponent(name)))  \(name)\n"), name)
        }
        if app.koho.config.databaseURL == nil {
            XCTAssertTrue(report.files.contains(Backup.sqliteName))
        } else if Backup.executable("pg_dump", environment: ProcessInfo.processInfo.environment) != nil {
            XCTAssertTrue(report.files.contains(Backup.pgDumpName))
        } else {
            XCTAssertTrue(report.notes.contains { $0.contains("pg_dump が見つからない") })
        }

        // Restored into a new folder, a server starts on it and `koho audit verify` passes.
        let restored = tempDir("restored")
        _ = try Backup.restore(from: target, into: restored)
        XCTAssertEqual(try Data(contentsOf: restored.appendingPathComponent("secret.key")), try Data(contentsOf: dir.appendingPathComponent("secret.key")))
        try await app.asyncShutdown()
        app = nil
        var config = KohoConfig(dataDirectory: restored, bcryptCost: 4, environment: .testing)
        config.mediaTools = .none
        let second = try await makeApp(config)
        do {
            let (checkpoints, unreadable) = try AuditLog.Checkpoints.read(restored)
            XCTAssertFalse(checkpoints.isEmpty)
            let v = try await AuditLog.check(on: second.db, checkpoints: checkpoints)
            XCTAssertEqual((unreadable + v.breaks).map(\.description), [])
            let posts = try await Post.query(on: second.db).all()
            XCTAssertGreaterThanOrEqual(posts.count, postsBefore)
            XCTAssertLessThanOrEqual(posts.count, postsAfter)
            let comments = try await Comment.query(on: second.db).count()
            XCTAssertEqual(comments, 3)
            let withMedia = posts.compactMap(\.mediaFile)
            XCTAssertEqual(withMedia.count, 1)
            for file in withMedia {
                XCTAssertTrue(FileManager.default.fileExists(atPath: PostMedia.directory(restored).appendingPathComponent(file).path), file)
            }
            // Every restored post has its creation in the restored trail: the copy is of one moment.
            let creations = try await AuditEntry.query(on: second.db).filter(\.$action == "post.create").count()
            XCTAssertEqual(creations, posts.count)
            try await second.asyncShutdown()
        } catch {
            try? await second.asyncShutdown()
            throw error
        }
        let verify = try AuditCommand.Verify.parse(["--data-dir", restored.path])
        try await verify.run()
    }

    func testRestoreRefusesAFolderInUseAndABackupWhoseSumsDoNotMatchAndWritesNothing() async throws {
        try await app.koho.audit.writeCheckpoint(on: app.db, dataDirectory: dir, at: clock.now, logger: app.logger)
        let target = tempDir("backup")
        _ = try await Backup.run(dataDirectory: dir, target: target, databaseURL: app.koho.config.databaseURL)
        XCTAssertThrowsError(try Backup.restore(from: target, into: dir)) { e in
            XCTAssertTrue("\(e)".contains("空ではありません"), "\(e)")
        }
        do {
            _ = try await Backup.run(dataDirectory: dir, target: target, databaseURL: app.koho.config.databaseURL)
            XCTFail("a backup over an earlier one")
        } catch {
            XCTAssertTrue("\(error)".contains("空ではありません"), "\(error)")
        }
        let log = target.appendingPathComponent(AuditLog.Checkpoints.fileName)
        try Data("2026-11-25T10:00:00+09:00\t0\t\(AuditLog.genesis)\n".utf8).write(to: log)
        let fresh = tempDir("fresh")
        XCTAssertThrowsError(try Backup.restore(from: target, into: fresh)) { e in
            XCTAssertTrue("\(e)".contains("audit-checkpoints.log の SHA-256 が manifest と一致しません"), "\(e)")
            XCTAssertTrue("\(e)".contains("何も復元していません"), "\(e)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: fresh.path))
    }
}

/// The attached files of servers that share a folder (`--media-dir`): backed up beside the data folder's, and put
/// back into the folder the restored servers will share.
final class SharedMediaBackupTests: KohoTestCase {
    let shared = FileManager.default.temporaryDirectory.appendingPathComponent("koho-shared-media-\(UUID().uuidString)")
    var extraDirs: [URL] = []

    override func adjust(_ config: inout KohoConfig) {
        try? FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        config.mediaDirectory = shared
    }

    override func tearDown() async throws {
        try await super.tearDown()
        for d in extraDirs + [shared] { try? FileManager.default.removeItem(at: d) }
    }

    func tempDir(_ label: String) -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("koho-\(label)-\(UUID().uuidString)")
        extraDirs.append(d)
        return d
    }

    func testTheSharedMediaFolderIsBackedUpAndRestoredIntoTheFolderNamed() async throws {
        try await addUser("yamada", .staff, accounts: ["UCp9YZtjCNcG0q3fQ1ln31Xg"])
        let yamada = try await token("yamada")
        let video = try await createPost(yamada, #"{"account":"UCp9YZtjCNcG0q3fQ1ln31Xg","category":"①","title":"紅葉","text":"紅葉"}"#)
        try await assertEqual(try await attachMedia(yamada, postID(video), version: 1).status, .ok)
        let post = try await XCTUnwrapAsync(try await Post.find(UUID(uuidString: postID(video)), on: app.db))
        let file = try XCTUnwrap(post.mediaFile)
        XCTAssertTrue(FileManager.default.fileExists(atPath: shared.appendingPathComponent(file).path), "the server wrote to the shared folder")
        XCTAssertFalse(FileManager.default.fileExists(atPath: PostMedia.directory(dir).appendingPathComponent(file).path))

        let target = tempDir("backup")
        let report = try await Backup.run(dataDirectory: dir, target: target, databaseURL: app.koho.config.databaseURL, mediaDirectory: shared)
        XCTAssertTrue(report.files.contains("media/\(file)"), "\(report.files)")
        XCTAssertEqual(try Backup.sha256(of: target.appendingPathComponent("media/\(file)")), post.mediaSHA256)
        let manifest = try String(contentsOf: target.appendingPathComponent(Backup.manifestName), encoding: .utf8)
        XCTAssertTrue(manifest.contains("  media/\(file)\n"))

        // Without the folder named, the file would be missing from the copy: said by its absence, so the option matters.
        let without = tempDir("backup-without")
        let plain = try await Backup.run(dataDirectory: dir, target: without, databaseURL: app.koho.config.databaseURL)
        XCTAssertFalse(plain.files.contains("media/\(file)"))
        // A folder named that does not exist is refused with its path, and nothing half-written is left as a backup.
        let missing = tempDir("backup-missing")
        do {
            _ = try await Backup.run(dataDirectory: dir, target: missing, databaseURL: app.koho.config.databaseURL,
                                     mediaDirectory: shared.appendingPathComponent("nope"))
            XCTFail("a missing media folder")
        } catch {
            XCTAssertTrue("\(error)".contains("添付ファイルのフォルダ"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing.path))

        // Restored into a new shared folder, and (without one) into the data folder's media/.
        let newShared = tempDir("restored-media"), restored = tempDir("restored")
        _ = try Backup.restore(from: target, into: restored, mediaDirectory: newShared)
        XCTAssertEqual(try Backup.sha256(of: newShared.appendingPathComponent(file)), post.mediaSHA256)
        XCTAssertFalse(FileManager.default.fileExists(atPath: PostMedia.directory(restored).appendingPathComponent(file).path))
        let restoredLocal = tempDir("restored-local")
        _ = try Backup.restore(from: target, into: restoredLocal)
        XCTAssertEqual(try Backup.sha256(of: PostMedia.directory(restoredLocal).appendingPathComponent(file)), post.mediaSHA256)
        // A shared folder that already holds files is not written over.
        XCTAssertThrowsError(try Backup.restore(from: target, into: tempDir("restored-again"), mediaDirectory: newShared)) { e in
            XCTAssertTrue("\(e)".contains("空ではありません"), "\(e)")
        }

        // A server on the restored data and shared folder sends the file (it reads it back, checked by its SHA-256).
        if app.koho.config.databaseURL == nil {
            try await app.asyncShutdown()
            app = nil
            var config = KohoConfig(dataDirectory: restored, bcryptCost: 4, environment: .testing)
            config.mediaTools = .none
            config.mediaDirectory = newShared
            let second = try await makeApp(config)
            do {
                let read = try await second.koho.media.read(file)
                XCTAssertEqual(Secrets.sha256Hex(read.data), post.mediaSHA256)
                try await second.asyncShutdown()
            } catch {
                try? await second.asyncShutdown()
                throw error
            }
        }
    }
}
