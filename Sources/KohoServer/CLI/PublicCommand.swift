import ArgumentParser
import Foundation
import KohoCore

struct PublicCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "public",
        abstract: "市ホームページに載せる公開ページ（公式アカウント、運用ポリシー、免責事項、お知らせ）",
        subcommands: [Export.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "公開ページを静的なファイルとして書き出す（相対リンク、スクリプトなし、CSS 1ファイル）")
        @Argument(help: "書き出すフォルダ（なければ作る）") var dir: String
        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            let target = URL(fileURLWithPath: dir, isDirectory: true)
            let files = try await db.withApp { app in
                try PublicSite.export(try await PublicSite.load(app.db, app.koho), to: target)
            }
            print("\(files.count)ファイルを \(target.path) に書き出しました")
        }
    }
}
