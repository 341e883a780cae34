import ArgumentParser
import Foundation
import KohoCore

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "性能を測って数値を出力する（release ビルドで: swift run -c release koho bench）")

    @Option(help: "各測定の繰り返し回数") var iterations: Int = 200_000

    func run() throws {
        #if DEBUG
        print("注意: debug ビルドです。数値は `swift run -c release koho bench` で測ってください。")
        #endif
        weightedLength()
        nextOpening()
    }

    private func measure(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private func weightedLength() {
        let sample = """
        【小平市】本日15時、大雨警報が発表されました。🌧️ 避難所の開設状況は市ホームページ https://www.city.kodaira.tokyo.jp/kurashi/123456.html \
        をご覧ください。Kodaira City: heavy rain warning. 詳細は kodaira.example.jp まで👨‍👩‍👧‍👦 ｶﾀｶﾅも含みます。
        """
        let texts = (0..<64).map { "\($0) " + sample }
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        let rounds = max(1, iterations / 200)
        var total = 0
        let seconds = measure {
            for _ in 0..<rounds { for t in texts { total &+= XTextCounter.weightedLength(t) } }
        }
        let mb = Double(bytes * rounds) / 1_000_000
        print(String(format: "weightedLength: %.2f MB/s（日本語・英語・URL・絵文字の混在文 %d 件 × %d 回、%.3f 秒、検算 %d）",
                     mb / seconds, texts.count, rounds, seconds, total))
    }

    private func nextOpening() {
        let calendar = OperatingCalendar(hours: PolicyLoader.builtIn().platforms[0].operatingHours)
        let low = JapaneseTime.parseISO8601("1955-01-01T00:00:00+09:00")!.timeIntervalSince1970
        let high = JapaneseTime.parseISO8601("2099-12-01T00:00:00+09:00")!.timeIntervalSince1970
        var rng = SystemRandomNumberGenerator()
        let instants = (0..<4096).map { _ in Date(timeIntervalSince1970: Double.random(in: low..<high, using: &rng)) }
        var found = 0
        let seconds = measure {
            for i in 0..<iterations where calendar.nextOpening(after: instants[i & 4095]) != nil { found += 1 }
        }
        print(String(format: "nextOpening: %.0f 回/秒（1955〜2099年の無作為な時点 %d 回、%.3f 秒）", Double(iterations) / seconds, iterations, seconds))
    }
}
