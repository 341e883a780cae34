import Fluent
import Foundation
import KohoServer
import KohoCore
import Vapor

/// `koho bench public`: `koho public export` for a city with 10 accounts and 1,000 published notices, on a fresh
/// SQLite database in a temporary folder: reading the records, then rendering and writing every page.
enum PublicBenchmark {
    struct Result {
        var accounts: Int
        var notices: Int
        var files: Int
        var bytes: Int
        var loadSeconds: Double
        var writeSeconds: Double
    }

    /// The built-in policy with more accounts (copies of its own, renamed) until it has `count`.
    static func policy(accounts count: Int) -> Policy {
        var p = PolicyLoader.builtIn()
        let originals = p.accounts
        var i = 0
        while p.accounts.count < count {
            var a = originals[i % originals.count]
            i += 1
            a.id = "\(a.id)_\(i)"
            a.handle = "\(a.handle)_\(i)"
            a.displayName = "\(a.displayName)（\(i)）"
            a.url = "\(a.url)?copy=\(i)"
            p.accounts.append(a)
        }
        return p
    }

    static func run(accounts: Int, notices: Int) async throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("koho-bench-public-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = KohoConfig(dataDirectory: dir, databaseURL: nil, bcryptCost: 4, environment: Environment(name: "bench", arguments: ["koho"]))
        config.logLevel = .error
        let app = try await makeApp(config)
        do {
            let result = try await measure(app, policy: policy(accounts: accounts), notices: notices, out: dir.appendingPathComponent("export"))
            try await app.asyncShutdown()
            return result
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    private static func measure(_ app: Application, policy: Policy, notices: Int, out: URL) async throws -> Result {
        // The notices go in directly, in one transaction: the figure is the export's, not the writing of notices.
        let start = Date(timeIntervalSince1970: 1_764_547_200)
        try await app.db.transaction { db in
            for i in 0..<notices {
                let n = Notice()
                n.id = UUID()
                n.kind = i % 5 == 0 ? .suspension : .impersonation
                n.account = policy.accounts[i % policy.accounts.count].id
                n.title = "小平市を名乗る偽のアカウントにご注意ください（\(i + 1)）"
                n.body = String(repeating: "「@k0daira__tokyo」は小平市のアカウントではありません。見かけた場合はフォローせず、秘書広報課へお知らせください。\n\n", count: 4)
                n.status = .published
                n.lockVersion = 1
                n.createdBy = "bench"
                n.createdAt = start.addingTimeInterval(Double(i) * 3600)
                n.updatedAt = n.createdAt
                n.publishedAt = n.createdAt
                n.about = ""
                try await n.create(on: db)
            }
        }
        let t0 = Date()
        let loaded = try await PublicSite.load(app.db, app.koho)
        let data = PublicSiteData(policy: policy, versions: loaded.versions, notices: loaded.notices, suspensions: loaded.suspensions,
                                  profiles: loaded.profiles, generatedAt: loaded.generatedAt, siteURL: loaded.siteURL)
        let t1 = Date()
        let files = try PublicSite.export(data, to: out)
        let t2 = Date()
        let bytes = files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: out.appendingPathComponent($1).path)[.size] as? Int) ?? 0) }
        return Result(accounts: policy.accounts.count, notices: loaded.notices.count, files: files.count, bytes: bytes,
                      loadSeconds: t1.timeIntervalSince(t0), writeSeconds: t2.timeIntervalSince(t1))
    }
}
