import ArgumentParser
import KohoCore

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "性能を測って数値を出力する（release ビルドで: swift run -c release koho bench）")

    @Option(help: "weightedLength の繰り返し回数（64件の文を1回とする）") var rounds: Int = 2_000
    @Option(help: "nextOpening を引く回数") var lookups: Int = 500_000

    func run() throws {
        #if DEBUG
        print("注意: debug ビルドです。数値は `swift run -c release koho bench` で測ってください。")
        #endif
        print(CoreBenchmarks.weightedLength(rounds: rounds))
        print(CoreBenchmarks.nextOpening(lookups: lookups))
    }
}
