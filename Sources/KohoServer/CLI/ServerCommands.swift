import ArgumentParser
import Fluent
import Foundation
import Vapor
import KohoCore
import KohoPlatforms
import KohoSandbox

/// Where the database is: `--data-dir` for SQLite, or `DATABASE_URL` for PostgreSQL.
struct DatabaseOptions: ParsableArguments {
    @OptionGroup var data: DataDirOption
    @ArgumentParser.Option(name: .long, help: "ポリシーファイル（YAML）。省略時は組み込みの小平市ポリシー")
    var policy: String?
    @ArgumentParser.Option(name: .long, help: "公開ページ（koho public export）を掲載する市ホームページ上のURL（/ で終わる）。省略時はポリシーの website に koho/ を付けたもの")
    var publicSiteURL: String?

    func config(hostname: String = "127.0.0.1", port: Int = 8080) -> KohoConfig {
        var c = KohoConfig(dataDirectory: data.url, policyPath: policy, hostname: hostname, port: port)
        c.publicSiteURL = publicSiteURL.map { $0.hasSuffix("/") ? $0 : $0 + "/" }
        return c
    }

    func withApp<T>(_ body: (Application) async throws -> T) async throws -> T {
        let app = try await makeApp(config())
        do {
            let result = try await body(app)
            try await app.asyncShutdown()
            return result
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }
}

struct ServeCommand: AsyncParsableCommand {
    /// `--mail-from`, else the settings file's `smtp.from`, else `koho@localhost`.
    static func sender(commandLine: String?, settings: IntakeSettings?) -> String {
        commandLine ?? settings?.smtp?.from ?? "koho@localhost"
    }

    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Koho のサーバーを起動する（初回はデータフォルダとデータベースを作る）")

    @ArgumentParser.Flag(name: .long, help: "なりすましの検索で X のユーザー検索を使う（X の契約がこの利用を認めるときだけ。1回ごとに課金されます）")
    var xUserSearch = false
    @ArgumentParser.Option(name: .long, help: "待ち受けるポート") var port: Int = 8080
    @ArgumentParser.Option(name: .long, help: "待ち受けるホスト名") var hostname: String = "127.0.0.1"
    @ArgumentParser.Flag(name: .long, help: "セッションの cookie に Secure を付ける（HTTPS で公開するとき）") var secureCookies = false
    @ArgumentParser.Option(name: .long, help: "操作のないままこの分数が過ぎたログインを終える") var sessionIdleMinutes: Int = 120
    @ArgumentParser.Flag(name: .long, help: "リバースプロキシの後ろで動かすとき: 接続元のアドレスを X-Forwarded-For の最後の値から取る（ログインの制限に使う）")
    var trustForwardedFor = false
    @ArgumentParser.Option(name: .long, help: "別に起動したサンドボックス（koho sandbox）のURL。省略時、実プラットフォームの資格情報がなければ内蔵のサンドボックスを起動する")
    var sandboxURL: String?
    @ArgumentParser.Option(name: .long, help: "内蔵のサンドボックスが待ち受けるポート（使われていれば空いているもの）") var sandboxPort: Int = 8090
    @ArgumentParser.Flag(name: .long, help: "試験運転: プラットフォームへの発信だけを行わない") var dryRun = false
    @ArgumentParser.Option(name: .long, help: "通知メールを送る SMTP サーバー（HOST または HOST:PORT）。省略時はメールを送らない") var smtp: String?
    @ArgumentParser.Option(name: .long, help: "通知メールの差出人アドレス（省略時: 取り込み元の設定ファイルの smtp.from、なければ koho@localhost）") var mailFrom: String?
    @ArgumentParser.Option(name: .long, help: "緊急の投稿の承認依頼を受け取るアドレス（秘書広報課長など。繰り返し指定できる）") var notify: [String] = []
    @ArgumentParser.Option(name: .long, help: "監査記録の先頭（件数・ハッシュ・日時）を毎日（日本時間）メールで送る先（記録の写しをサーバーの外に残すため。繰り返し指定できる。--smtp か取り込み元の smtp が必要）")
    var auditMail: [String] = []
    @ArgumentParser.Option(name: .long, help: "予約投稿を探す間隔（ミリ秒）") var pollIntervalMs: Int = 1000
    @ArgumentParser.Option(name: .long, help: "投稿を確保する期間（秒）。1回の呼び出しの制限時間より長くする") var leaseSeconds: Double = 60
    @ArgumentParser.Option(name: .long, help: "プラットフォーム呼び出し1回の制限時間（秒）") var callTimeoutSeconds: Double = 20
    @ArgumentParser.Option(name: .long, help: "一時的な障害の後、再試行までの最初の待ち時間（秒）") var retryBaseSeconds: Double = 2
    @ArgumentParser.Option(name: .long, help: "緊急情報の取り込み元（市ホームページのフィード、メールマガジンの Maildir、気象庁のフィード、SMTP）を書いた YAML。省略時はどれも動かない")
    var feeds: String?
    @ArgumentParser.Option(name: .long, help: "添付ファイルを置く、すべてのサーバーから読み書きできる共有フォルダ。省略時は DATABASE_URL があればデータベース、なければデータフォルダの media/")
    var mediaDir: String?
    @ArgumentParser.Option(name: .long, help: "一つのサーバーだけが動かすジョブ（コメントの取得、なりすましの検索など）の確保の期間（秒）。止まったサーバーのジョブはこの時間のうちにほかのサーバーが引き継ぐ")
    var jobLeaseSeconds: Double = 30
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        var env = Environment(name: "production", arguments: ["koho", "serve"])
        try LoggingSystem.bootstrap(from: &env)
        var config = db.config(hostname: hostname, port: port)
        config.environment = env
        config.logLevel = .info
        config.secureCookies = secureCookies
        config.trustForwardedFor = trustForwardedFor
        guard sessionIdleMinutes >= 1 else { throw CLIInputError("--session-idle-minutes は1以上にしてください") }
        config.sessionIdleLimit = TimeInterval(sessionIdleMinutes * 60)
        if let sandboxURL {
            config.platforms = .sandbox(url: sandboxURL)
        } else {
            config.platforms = PlatformEndpoints.credentialsConfigured() ? .live(.live()) : .embeddedSandbox
        }
        guard (0...65535).contains(sandboxPort) else { throw CLIInputError("--sandbox-port は 0〜65535 にしてください") }
        config.embeddedSandboxPort = sandboxPort
        guard leaseSeconds >= callTimeoutSeconds + 1 else {
            throw CLIInputError("--lease-seconds は --call-timeout-seconds より長くしてください（呼び出しの途中で他のサーバーが同じ投稿を取らないように）")
        }
        if let feeds {
            do { config.intake = try IntakeSettings.load(path: feeds) } catch { throw CLIInputError(String(describing: error)) }
        }
        guard jobLeaseSeconds >= 1, jobLeaseSeconds <= 3600 else { throw CLIInputError("--job-lease-seconds は1から3600の間にしてください") }
        config.jobLeases = JobLeaseSettings(duration: .milliseconds(Int64(jobLeaseSeconds * 1000)),
                                            renewEvery: .milliseconds(Int64(jobLeaseSeconds * 1000 / 3)))
        if let mediaDir {
            guard !mediaDir.isEmpty else { throw CLIInputError("--media-dir にフォルダを指定してください") }
            config.mediaDirectory = URL(fileURLWithPath: mediaDir, isDirectory: true).standardizedFileURL
        }
        if let smtp {
            // The sender the city's settings name, unless the command line names one.
            let from = Self.sender(commandLine: mailFrom, settings: config.intake)
            config.mail = try MailSettings.parse(smtp: smtp, from: from, notify: notify)
        }
        if !auditMail.isEmpty {
            for a in auditMail where !MailSettings.isPlainAddress(a) { throw CLIInputError("--audit-mail のメールアドレスとして読めません: \(a)") }
            guard config.mailRelay != nil else {
                throw CLIInputError("--audit-mail には送り出すメールサーバー（--smtp、または取り込み元の設定ファイルの smtp）が必要です")
            }
            config.auditMail = auditMail
        }
        // The settings file may name the city's proxy; the usual variables, when set, win.
        do {
            config.proxy = try OutboundProxy(environment: ProcessInfo.processInfo.environment,
                                             settings: config.intake?.proxy?.variables ?? [:])
        } catch {
            throw CLIInputError(String(describing: error))
        }
        if let p = config.proxy.https ?? config.proxy.http {
            print("Koho: 外への通信はプロキシ \(p) を通ります（NO_PROXY: \(config.proxy.noProxy.isEmpty ? "なし" : config.proxy.noProxy.joined(separator: ","))）")
        }
        config.xUserSearch = xUserSearch || (config.intake?.xUserSearch ?? false)
        config.publisher.dryRun = dryRun
        config.publisher.pollInterval = .milliseconds(max(10, pollIntervalMs))
        config.publisher.leaseSeconds = leaseSeconds
        config.publisher.callTimeoutSeconds = callTimeoutSeconds
        config.publisher.retryBaseSeconds = retryBaseSeconds
        let app = try await makeApp(config)
        do {
            let setupLink = try await Setup.issueLinkIfEmpty(app.koho)
            print("Koho: \(config.baseURL)/ で待ち受けます（\(config.databaseURL == nil ? "SQLite: \(db.data.dataDir)" : "PostgreSQL")）")
            if config.databaseURL != nil { print("Koho: 秘密を封じる鍵は\(SecretKeyCheck.source())のものです（同じデータベースのサーバーはすべて同じ鍵にしてください）") }
            print("Koho: 添付ファイルの置き場所: \(app.koho.media.description)")
            if let p = app.publishing {
                switch p.mode {
                case .embeddedSandbox: print("プラットフォーム: 内蔵のサンドボックス \(p.endpoints.xAPI)/_sandbox （実際には発信されません）")
                case .sandbox(let url): print("プラットフォーム: サンドボックス \(url)")
                case .live: print("プラットフォーム: 実際の X・フェイスブック・ユーチューブ")
                }
                if dryRun { print("試験運転（--dry-run）: プラットフォームへの発信は行いません") }
            }
            if let intake = app.intake {
                print("緊急情報の取り込み: \(intake.sourceCount) 件の取り込み元（\(feeds ?? "")）" + (intake.settings.smtp.map { "、知らせは SMTP \($0.host):\($0.port)" } ?? ""))
            }
            // The one thing a newcomer must do, last and framed, so that it is not lost above the other lines.
            if let setupLink {
                let rule = String(repeating: "━", count: 40)
                print("\n\(rule)\n 利用者がまだいません。次のリンクを一度だけ開いて、\n 最初の\(app.koho.policy.ownerRole.title)を登録してください:\n\n   \(setupLink)\n\(rule)\n")
            }
            fflush(nil)
            try await app.execute()
            try await app.asyncShutdown()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "データベースの移行を実行する")
    @OptionGroup var db: DatabaseOptions

    func run() async throws {
        try await db.withApp { _ in print("移行を終えました") }
    }
}

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "users", abstract: "利用者の管理", subcommands: [Add.self, Unlock.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "利用者を追加する（パスワードは標準入力から読む）")
        @ArgumentParser.Argument(help: "名前") var name: String
        @ArgumentParser.Option(name: .long, help: "chief | staff | viewer") var role: String
        @ArgumentParser.Option(name: .long, help: "担当アカウント（カンマ区切り、staff のみ）") var accounts: String?
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            guard let role = UserRole(rawValue: role) else { throw CLIInputError("--role は chief, staff, viewer のいずれかです") }
            let line = readLine(strippingNewline: true) ?? ""
            let list = (accounts ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            try await db.withApp { app in
                do {
                    _ = try await Setup.createUser(on: app.db, ctx: app.koho, name: name, password: line, role: role, accounts: list,
                                                   actor: "cli", reason: "koho users add")
                } catch let e as AppError {
                    throw CLIInputError(e.message)
                }
                print("利用者「\(name)」を追加しました（\(role.rawValue)）")
            }
        }
    }
}

extension UsersCommand {
    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unlock", abstract: "ログインの失敗によるロックと遅延を解除する")
        @ArgumentParser.Argument(help: "名前") var name: String
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            try await db.withApp { app in
                guard try await User.query(on: app.db).filter(\.$name == name).first() != nil else {
                    throw CLIInputError("利用者「\(PolicyFileError.escaped(name))」はいません")
                }
                try await LoginThrottle.unlock(name: name, on: app.db)
                try await app.koho.writeLock.run {
                    try await AuditLog.appendLocked(on: app.db, at: app.koho.now, actor: "cli", action: "user.unlock", subject: "user:\(name)",
                                                    detail: "ログインのロックと遅延を解除（koho users unlock）", reason: "")
                }
                print("利用者「\(name)」のロックを解除しました")
            }
        }
    }
}

struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokens", abstract: "APIトークンの管理",
                                                    subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "利用者のAPIトークンを作り、一度だけ表示する")
        @ArgumentParser.Argument(help: "利用者の名前") var name: String
        @ArgumentParser.Option(name: .long, help: "トークンの用途") var label: String = "api"
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            try await db.withApp { app in
                do { print(try await Setup.createToken(app.koho, userName: name, tokenName: label)) } catch let e as AppError {
                    throw CLIInputError(e.message)
                }
            }
        }
    }
}

extension TokensCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list",
            abstract: "APIトークンを一覧する（ID・名前・利用者・作成・最終使用。トークンそのものは表示できない）")
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            try await db.withApp { app in
                let rows = try await Setup.listTokens(app.koho)
                print(["ID", "名前", "利用者", "作成", "最終使用"].joined(separator: "\t"))
                for r in rows {
                    print([r.id, r.name, r.owner, JapaneseTime.iso8601(r.createdAt), r.lastUsedAt.map { JapaneseTime.iso8601($0) } ?? "-"]
                        .map(Setup.printable).joined(separator: "\t"))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke",
            abstract: "APIトークンを取り消す（ID、IDの先頭8文字以上、または一つに決まる名前で指定）")
        @ArgumentParser.Argument(help: "トークンのID（koho tokens list）または名前") var token: String
        @ArgumentParser.Option(name: .long, help: "取り消す理由（監査記録に残る）") var reason: String = ""
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            try await db.withApp { app in
                do {
                    let r = try await Setup.revokeToken(app.koho, token, reason: reason)
                    print("トークン「\(Setup.printable(r.name))」（\(r.id)、利用者「\(Setup.printable(r.owner))」）を取り消しました")
                } catch let e as AppError {
                    throw CLIInputError(e.message)
                }
            }
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "監査記録", subcommands: [Verify.self, Checkpoint.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "verify",
            abstract: "ハッシュの連鎖と、データベースとデータフォルダのチェックポイントを確かめる（0: 正しい、1: 切れている箇所をすべて表示）")
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            let dir = db.data.url
            let (v, checkpoints, unreadable, inTable) = try await db.withApp { app in
                let (checkpoints, unreadable) = try await AuditLog.Checkpoints.gathered(on: app.db, dataDirectory: dir)
                let inTable = try await AuditLog.Checkpoints.stored(on: app.db).count
                return (try await AuditLog.check(on: app.db, checkpoints: checkpoints), checkpoints, unreadable, inTable)
            }
            let breaks = unreadable + v.breaks
            for b in breaks { print(b.description) }
            // The same line as the daily head mail (`--audit-mail`), to hold one against the other.
            print(AuditHeadMail.line(.init(count: v.count, id: v.headID, hash: v.headHash, at: v.headAt)))
            print("チェックポイント: \(checkpoints.count)件（データベースに\(inTable)件、\(AuditLog.Checkpoints.url(dir).path)）")
            print(AuditLog.window(count: v.count, last: checkpoints.max { $0.count < $1.count }))
            if !breaks.isEmpty {
                print("監査記録 \(v.count) 件: 連鎖の切れ目・食い違いが \(breaks.count) 箇所あります")
                throw ExitCode(1)
            }
            print("監査記録 \(v.count) 件: ハッシュの連鎖は正しくつながっています")
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "checkpoint",
            abstract: "連鎖の先頭（件数とハッシュ）をデータベースとデータフォルダの audit-checkpoints.log に追記する（サーバーは毎日行う）")
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            let dir = db.data.url
            let written = try await db.withApp { app in
                try await app.koho.audit.writeCheckpoint(on: app.db, dataDirectory: dir, at: Date(), logger: app.logger)
            }
            if let c = written { print("チェックポイントを書きました: \(c.count)件、先頭のハッシュ \(c.hash)（\(AuditLog.Checkpoints.url(dir).path)）") }
        }
    }
}

/// Keeps signal sources alive for the life of the process.
package enum SignalSources {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    package static func keep(_ s: any DispatchSourceSignal) { sources.append(s) }
}
