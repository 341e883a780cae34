import ArgumentParser
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import KohoPlatforms

struct SecretsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets",
        abstract: "秘密（プラットフォームのトークン・二段階認証の秘密）を封じる鍵を扱う",
        subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "新しい鍵を作り、データベースの秘密をすべて封じ直す（監査記録に残る）。鍵がデータフォルダの secret.key ならそれを書き換え、"
                + "KOHO_SECRET_KEY なら新しい鍵を表示する。同じデータベースのほかのサーバーにも新しい鍵を渡してから起動し直すこと")
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            let newKey = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
            let fromEnvironment = !(ProcessInfo.processInfo.environment[TokenVault.environmentVariable] ?? "").isEmpty
            let keyFile = db.data.url.appendingPathComponent("secret.key")
            // The new key is on disk (or printed) before anything is sealed with it.
            let staged = fromEnvironment ? nil : try TokenVault.stageKeyFile(keyFile, with: newKey)
            if fromEnvironment {
                print("新しい鍵（\(TokenVault.environmentVariable) にこの値を設定して、すべてのサーバーを起動し直してください。ほかには表示しません）:")
                print(newKey.base64EncodedString())
            }
            do {
                try await db.withApp { app in
                    let n = try await SecretRotation.rotate(app.koho, to: TokenVault(key: SymmetricKey(data: newKey)), actor: "cli")
                    print("封じ直しました: トークン \(n.tokens)件、二段階認証の秘密 \(n.totpSecrets)件、アップロード \(n.uploadSessions)件")
                }
            } catch {
                if let staged { unlink(staged.path) }
                throw error
            }
            if let staged {
                try TokenVault.commitKeyFile(staged, to: keyFile)
                print("\(keyFile.path) を新しい鍵にしました。同じデータベースのほかのサーバーにもこのファイルを写してください。")
            }
        }
    }
}
