import Fluent
import Foundation
import SQLKit
import XCTVapor
import XCTest
import KohoCore
@testable import KohoServer
@testable import KohoTools

/// What several servers share through the database rather than a data folder (issue 25): attached files, the
/// audit checkpoints and the jobs' leases; on SQLite and PostgreSQL alike.
final class SharedServerStateTests: KohoTestCase {
    var other: URL { dir.appendingPathComponent("other-host") }

    /// A video kept in the database reaches a server that never saw the upload, whole and checked by its SHA-256;
    /// a local copy changed on disk is not trusted, and a file changed in the database is held, not sent.
    func testMediaInTheDatabaseIsReadOnAnotherServerAndCheckedBySHA256() async throws {
        let here = MediaStore(place: .database(app.db), directory: dir.appendingPathComponent("media"))
        let video = Self.minimalMP4(payload: 9 * 1024 * 1024 + 17, fill: 5)
        let stored = try await PostMedia.store(video, for: .youtube, in: here, tools: .none)
        XCTAssertEqual(stored.sha256, Secrets.sha256Hex(video))
        let parts = try await MediaBlobPart.query(on: app.db).filter(\.$name == stored.file).count()
        XCTAssertEqual(parts, 3, "9 MB in 4 MB parts")
        // The same content again is stored once.
        _ = try await PostMedia.store(video, for: .youtube, in: here, tools: .none)
        let again = try await MediaBlobPart.query(on: app.db).filter(\.$name == stored.file).count()
        XCTAssertEqual(again, 3)

        let there = MediaStore(place: .database(app.db), directory: other)
        let read = try await there.read(stored.file)
        XCTAssertEqual(read.data, video)
        XCTAssertEqual(read.mimeType, "video/mp4")
        let copy = other.appendingPathComponent(stored.file)
        XCTAssertEqual(FileManager.default.contents(atPath: copy.path), video, "kept as a local copy")

        try Data("書き換えられた写し".utf8).write(to: copy)
        let reread = try await there.read(stored.file)
        XCTAssertEqual(reread.data, video, "a changed copy is passed over for the database's")

        // Someone changes a part in the database: a third server (no copy) holds the post instead of sending it.
        let sql = try XCTUnwrap(app.db as? SQLDatabase)
        try await sql.update(MediaStore.blobSchema).set("bytes", to: Data(repeating: 9, count: 16))
            .where("name", .equal, stored.file).where("part", .equal, 2).run()
        let third = MediaStore(place: .database(app.db), directory: dir.appendingPathComponent("third-host"))
        do {
            _ = try await third.read(stored.file)
            XCTFail("a changed file was read")
        } catch let hold as HoldReason {
            XCTAssertTrue(hold.message.contains("内容が添付したときと違います"), hold.message)
        }
        do {
            _ = try await third.read(String(repeating: "a", count: 64) + ".mp4")
            XCTFail("a missing file was read")
        } catch let hold as HoldReason {
            XCTAssertTrue(hold.message.contains("サーバーにありません"), hold.message)
        }
    }

    /// `--media-dir`: a folder that is missing or is a file stops the start with a message naming the option; a good
    /// one takes the uploads, and the server's page shows the video there.
    func testAMediaFolderIsCheckedAtStartAndTakesTheUploads() async throws {
        try await app.asyncShutdown()
        app = nil
        let c = clock!
        func config(_ media: URL) -> KohoConfig {
            var config = KohoConfig(dataDirectory: dir, clock: { c.now }, bcryptCost: 4, loginDelayPerFailure: .zero, environment: .testing)
            config.mediaTools = .none
            config.mediaDirectory = media
            return config
        }
        let missing = dir.appendingPathComponent("no-such-share")
        let aFile = dir.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: aFile)
        for bad in [missing, aFile] {
            do {
                let started = try await makeApp(config(bad))
                try? await started.asyncShutdown()
                XCTFail("started with \(bad.path)")
            } catch let e as MediaStore.Unusable {
                XCTAssertTrue(e.description.contains("メディアのフォルダ \(bad.path) を使えません"), e.description)
                XCTAssertTrue(e.description.contains("--media-dir"), e.description)
            }
        }
        let shared = dir.appendingPathComponent("share")
        try FileManager.default.createDirectory(at: shared, withIntermediateDirectories: true)
        app = try await makeApp(config(shared))
        XCTAssertFalse(app.koho.media.inDatabase)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: shared.path), [], "the probe is removed")
        try await addUser("kacho", .chief)
        let token = try await token("kacho")
        let created = try await createPost(token, #"{"account":"UCp9YZtjCNcG0q3fQ1ln31Xg","category":"①","title":"小平の風景","text":"市内の風景を紹介します"}"#)
        let attached = try await attachMedia(token, postID(created), version: created.json["version"] as? Int)
        XCTAssertEqual(attached.status, .ok, attached.body)
        let name = "\(Secrets.sha256Hex(Self.sampleVideo)).mp4"
        XCTAssertEqual(FileManager.default.contents(atPath: shared.appendingPathComponent(name).path), Self.sampleVideo)
        let read = try await app.koho.media.read(name)
        XCTAssertEqual(read.data, Self.sampleVideo)
    }

    /// `koho serve --media-dir` on a folder that is not there: exit code 2 and the message, before anything listens.
    func testServeRefusesAMediaFolderThatIsNotThere() async throws {
        try XCTSkipIf(app.koho.config.databaseURL != nil, "the same check as on SQLite; the process would share the test's database")
        let missing = dir.appendingPathComponent("nfs-not-mounted")
        let r = try KohoProcess.run(["serve", "--data-dir", dir.appendingPathComponent("serve").path, "--port", "0",
                                     "--media-dir", missing.path])
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("メディアのフォルダ \(missing.path) を使えません（フォルダがありません）"), r.stderr)
    }

    /// The checkpoints are in the database beside the chain: a host whose data folder has no file still finds them,
    /// and a deletion at the chain's end shows against them.
    func testCheckpointsInTheDatabaseAreFoundOnAHostWithoutTheFile() async throws {
        for i in 0..<5 {
            try await app.koho.audit.record(on: app.db, at: clock.now, actor: "test", action: "test.step", subject: "s\(i)")
        }
        let written = try await AuditLog.Checkpoints.write(on: app.db, dataDirectory: dir, at: clock.now, logger: app.logger)
        let head = try XCTUnwrap(written)
        let none = try await AuditLog.Checkpoints.write(on: app.db, dataDirectory: dir, at: clock.now, logger: app.logger, always: false)
        XCTAssertNil(none, "the same head is not kept twice")

        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        let (found, unreadable) = try await AuditLog.Checkpoints.gathered(on: app.db, dataDirectory: other)
        XCTAssertEqual(found.map(\.count), [head.count])
        XCTAssertEqual(found.map(\.hash), [head.hash])
        XCTAssertEqual(unreadable.count, 0)
        // The file of this host and the table hold the same checkpoint: counted once.
        let both = try await AuditLog.Checkpoints.gathered(on: app.db, dataDirectory: dir).checkpoints
        XCTAssertEqual(both.count, 1)

        let last = try await AuditEntry.query(on: app.db).sort(\.$id, .descending).first()
        try await last?.delete(on: app.db)
        let v = try await AuditLog.check(on: app.db, checkpoints: found)
        XCTAssertTrue(v.breaks.contains { $0.description.contains("記録が少なくなっています") }, v.breaks.map(\.description).joined())
    }

    /// One conditional statement decides: a lease is taken when free, kept by its holder, refused to another while
    /// it runs, taken over once it has expired, and given back on release.
    func testALeaseIsHeldByOneServerAtATime() async throws {
        let short = JobLeaseSettings(duration: .milliseconds(600), renewEvery: .milliseconds(200))
        let a = JobLeases(db: app.db, settings: short, logger: app.logger, holder: "host-a#1")
        let b = JobLeases(db: app.db, settings: short, logger: app.logger, holder: "host-b#2")
        let claimedByA = try await a.claim("comment-poller")
        let claimedByB = try await b.claim("comment-poller")
        XCTAssertTrue(claimedByA)
        XCTAssertFalse(claimedByB)
        let renewedByA = try await a.claim("comment-poller")
        XCTAssertTrue(renewedByA)
        let held = try await b.holders()
        XCTAssertEqual(held["comment-poller"], "host-a#1")
        try await Task.sleep(for: .milliseconds(800))
        let takenOver = try await b.claim("comment-poller")
        XCTAssertTrue(takenOver, "expired: another server takes it")
        let backToA = try await a.claim("comment-poller")
        XCTAssertFalse(backToA)
        await b.release()
        let afterRelease = try await a.claim("comment-poller")
        XCTAssertTrue(afterRelease, "given back: taken at once")
    }
}
