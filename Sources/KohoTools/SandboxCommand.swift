import ArgumentParser
import Foundation
import KohoSandbox
import KohoServer

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sandbox",
        abstract: "X・フェイスブック・ユーチューブのローカルの代役だけを起動する（止めるまで動く）")

    @ArgumentParser.Option(name: .long, help: "待ち受けるポート（0: 空いているもの）") var port: Int = 8090
    @ArgumentParser.Option(name: .long, help: "待ち受けるホスト名") var hostname: String = "127.0.0.1"

    func run() async throws {
        let sandbox = try await PlatformSandbox()
        let bound = try await sandbox.start(host: hostname, port: port)
        print("サンドボックス: http://\(hostname):\(bound)/_sandbox で待ち受けます（Ctrl-C で終了）")
        fflush(nil)
        let signals = AsyncStream<Void> { continuation in
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { continuation.yield() }
                source.resume()
                SignalSources.keep(source)
            }
        }
        for await _ in signals { break }
        try await sandbox.shutdown()
    }
}
