import ArgumentParser
import Foundation
import KohoCore

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup",
        abstract: "動いているサーバーのデータ（データベース、添付ファイル、秘密の鍵、チェックポイント）を空のフォルダに写し、SHA-256 の一覧 manifest.txt を付ける")
    @ArgumentParser.Argument(help: "バックアップ先のフォルダ（空か、まだないもの）") var directory: String
    @ArgumentParser.Option(name: .long, help: "koho serve の --media-dir に指定している共有フォルダ（その添付ファイルも写す）") var mediaDir: String?
    @OptionGroup var data: DataDirOption

    func run() async throws {
        let databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        let target = URL(fileURLWithPath: directory, isDirectory: true)
        let report: Backup.Report
        do {
            report = try await Backup.run(dataDirectory: data.url, target: target, databaseURL: databaseURL,
                                          mediaDirectory: try mediaFolder(mediaDir))
        } catch let e as Backup.Failure {
            throw CLIInputError(e.description)
        }
        for note in report.notes { print("注意: \(note)") }
        print("バックアップを作りました: \(target.path)（\(report.files.count)個のファイル、一覧は \(Backup.manifestName)）")
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore",
        abstract: "koho backup で作ったフォルダを、manifest.txt の SHA-256 を確かめてから空のデータフォルダに戻す")
    @ArgumentParser.Argument(help: "koho backup で作ったフォルダ") var directory: String
    @ArgumentParser.Option(name: .long, help: "添付ファイルを戻す共有フォルダ（空か、まだないもの。koho serve の --media-dir にする）。省略時はデータフォルダの media/")
    var mediaDir: String?
    @OptionGroup var data: DataDirOption

    func run() async throws {
        let report: Backup.Report
        do {
            report = try Backup.restore(from: URL(fileURLWithPath: directory, isDirectory: true), into: data.url,
                                        mediaDirectory: try mediaFolder(mediaDir))
        } catch let e as Backup.Failure {
            throw CLIInputError(e.description)
        }
        for note in report.notes { print("注意: \(note)") }
        print("復元しました: \(data.url.path)（\(report.files.count)個のファイル）。koho audit verify で監査記録を確かめてから起動してください")
    }
}

private func mediaFolder(_ path: String?) throws -> URL? {
    guard let path else { return nil }
    guard !path.isEmpty else { throw CLIInputError("--media-dir にフォルダを指定してください") }
    return URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
}
