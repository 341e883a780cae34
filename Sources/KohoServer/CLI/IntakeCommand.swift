import ArgumentParser
import Foundation
import Fluent
import Vapor
import KohoCore

/// `koho intake mail`: the mail system pipes one message of the mail magazine here (instead of a Maildir).
struct IntakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "intake", abstract: "緊急情報の取り込み", subcommands: [Mail.self])

    struct Mail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mail",
            abstract: "メールマガジンのメール1通を標準入力から読み、緊急情報の下書きを作る（差出人は --feeds の mail.senders で確かめる）")
        @ArgumentParser.Option(name: .long, help: "取り込みの設定ファイル（YAML。koho serve --feeds と同じ）") var feeds: String
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            let settings: IntakeSettings
            do { settings = try IntakeSettings.load(path: feeds) } catch { throw CLIInputError(String(describing: error)) }
            guard let mail = settings.mail else { throw CLIInputError("\(feeds) に mail の設定がありません") }
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard data.count <= MailParser.maxBytes else { throw CLIInputError("メールが大きすぎます（上限 \(MailParser.maxBytes / 1024 / 1024) MB）") }
            var config = db.config()
            config.intake = IntakeSettings(mail: mail, smtp: settings.smtp)
            // The use cases need no web server: the context alone, on the same database as the server.
            let standalone = try await StandaloneContext.open(config)
            let ctx = standalone.ctx
            let outcome: MailIntake.Outcome
            do {
                outcome = await MailIntake.take(ctx, data: data, settings: mail, fallbackKey: "stdin")
                try await IntakeService.fetched(ctx, name: MaildirSource.name, kind: "mail", at: ctx.now,
                                                error: { if case .refused(let why) = outcome { return why } else { return nil } }(),
                                                item: { if case .taken = outcome { return "標準入力のメール" } else { return nil } }())
                // The notice is queued with the drafts; one round sends it now. What the relay refuses stays queued, and
                // the server's mail job tries it again.
                if let relay = ctx.config.mailRelay, case .taken = outcome {
                    _ = try? await MailOutbox.sendDue(on: ctx.db, ctx, mailer: .live(relay), logger: ctx.logger,
                                                      observe: IntakeService.mailObserver(ctx))
                    if let unsent = try? await MailNotice.query(on: ctx.db).filter(\.$sentAt == nil).count(), unsent > 0 {
                        FileHandle.standardError.write(Data("知らせのメールを送れませんでした。サーバー（koho serve）のメールの仕事が再送します。\n".utf8))
                    }
                }
            } catch {
                await standalone.close()
                throw error
            }
            await standalone.close()
            switch outcome {
            case .taken(let ids):
                print(#"{"taken":true,"drafts":[\#(ids.map { "\"\($0.uuidString.lowercased())\"" }.joined(separator: ","))]}"#)
            case .seenBefore:
                print(#"{"taken":false,"reason":"already taken"}"#)
            case .refused(let why):
                FileHandle.standardError.write(Data((why + "\n").utf8))
                throw ExitCode(2)
            }
        }
    }
}
