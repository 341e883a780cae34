import ArgumentParser
import Foundation
import KohoCore
import Vapor

/// `koho records`: the record bundle of a post, a comment, an impersonation case or a period, for a records request.
struct RecordsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "records",
        abstract: "情報公開請求などに渡す記録一式（index.html・record.json・manifest.txt）をフォルダに書き出す",
        subcommands: [PostRecord.self, CommentRecord.self, CaseRecord.self, RangeRecord.self])

    struct Output: ParsableArguments {
        @ArgumentParser.Option(name: .long, help: "書き出すフォルダ（空か、まだないもの）") var out: String
    }

    static func uuid(_ s: String, _ what: String) throws -> UUID {
        guard let id = UUID(uuidString: s) else { throw CLIInputError("\(what)のIDが正しくありません: \(PolicyFileError.escaped(s))") }
        return id
    }

    static func export(_ db: DatabaseOptions, out: String, subject: String,
                       _ build: @escaping (Application) async throws -> RecordBundle) async throws {
        let dir = URL(fileURLWithPath: out, isDirectory: true)
        try await db.withApp { app in
            let bundle: RecordBundle
            do { bundle = try await build(app) } catch let e as RecordBundle.NotFound { throw CLIInputError(e.description) }
            do { try bundle.write(to: dir) } catch let e as Backup.Failure { throw CLIInputError(e.description) }
            try await app.koho.audit.record(on: app.db, at: app.koho.now, actor: "cli", action: "records.export", subject: subject,
                                            detail: "\(bundle.title)（koho records）")
            print("\(bundle.title)を書き出しました: \(dir.path)（\(RecordBundle.htmlName)・\(RecordBundle.jsonName)・\(RecordBundle.manifestName)）")
        }
    }

    struct PostRecord: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "post", abstract: "投稿の記録一式")
        @ArgumentParser.Argument(help: "投稿のID") var id: String
        @OptionGroup var output: Output
        @OptionGroup var db: DatabaseOptions
        func run() async throws {
            let id = try RecordsCommand.uuid(id, "投稿")
            try await RecordsCommand.export(db, out: output.out, subject: PostService.subject(id)) { app in
                try await RecordBundle.post(id, db: app.db, policy: app.koho.policy, now: app.koho.now)
            }
        }
    }

    struct CommentRecord: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "comment", abstract: "コメントの記録一式")
        @ArgumentParser.Argument(help: "コメントのID") var id: String
        @OptionGroup var output: Output
        @OptionGroup var db: DatabaseOptions
        func run() async throws {
            let id = try RecordsCommand.uuid(id, "コメント")
            try await RecordsCommand.export(db, out: output.out, subject: "comment:\(id.uuidString.lowercased())") { app in
                try await RecordBundle.comment(id, db: app.db, policy: app.koho.policy, now: app.koho.now)
            }
        }
    }

    struct CaseRecord: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "case", abstract: "なりすまし事案の記録一式")
        @ArgumentParser.Argument(help: "事案のID") var id: String
        @OptionGroup var output: Output
        @OptionGroup var db: DatabaseOptions
        func run() async throws {
            let id = try RecordsCommand.uuid(id, "事案")
            try await RecordsCommand.export(db, out: output.out, subject: ImpersonationCaseService.subject(id)) { app in
                try await RecordBundle.impersonationCase(id, db: app.db, policy: app.koho.policy, now: app.koho.now)
            }
        }
    }

    struct RangeRecord: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "range", abstract: "期間（両端の日を含む、日本時間）の投稿・コメント・監査記録")
        @ArgumentParser.Argument(help: "最初の日（YYYY-MM-DD）") var from: String
        @ArgumentParser.Argument(help: "最後の日（YYYY-MM-DD）") var to: String
        @OptionGroup var output: Output
        @OptionGroup var db: DatabaseOptions
        func run() async throws {
            guard let f = CivilDate(string: from) else { throw CLIInputError("最初の日は YYYY-MM-DD で書いてください: \(PolicyFileError.escaped(from))") }
            guard let t = CivilDate(string: to) else { throw CLIInputError("最後の日は YYYY-MM-DD で書いてください: \(PolicyFileError.escaped(to))") }
            guard f <= t else { throw CLIInputError("最初の日（\(f)）が最後の日（\(t)）より後です") }
            try await RecordsCommand.export(db, out: output.out, subject: "records:\(f)..\(t)") { app in
                try await RecordBundle.range(from: f, to: t, db: app.db, policy: app.koho.policy, now: app.koho.now)
            }
        }
    }
}
