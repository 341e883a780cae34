import AsyncHTTPClient
import Fluent
import KohoCore
import KohoPlatforms
import NIOCore
import NIOConcurrencyHelpers
import Vapor

/// What the last scheduled search found, for the impersonation page.
struct ImpersonationScanStatus: Sendable {
    var lastRun: Date?
    var candidates = 0
    var opened = 0
    var notes: [String] = []
}

struct ImpersonationScanStatusKey: StorageKey { typealias Value = NIOLockedValueBox<ImpersonationScanStatus> }

extension Application {
    var impersonationScanStatus: ImpersonationScanStatus? { storage[ImpersonationScanStatusKey.self]?.withLockedValue { $0 } }
}

/// The scheduled search for impersonating accounts (3(2), 4(2), 5(2)): the platforms' user and channel search for the
/// city's name and its accounts' names, each result scored against the official accounts; flagged ones become cases.
/// X and YouTube offer such a search; Facebook does not (see AccountSearch.swift), so Facebook relies on staff reports.
enum ImpersonationScan {
    static let interval: Duration = .seconds(6 * 3600)
    static let actor = "Koho（なりすまし検索）"

    /// What to search for: the city's name, each official display name and handle (deduplicated, non-empty).
    static func queries(_ policy: Policy, platform: Platform) -> [String] {
        var q = [policy.organization.name]
        for a in policy.accounts {
            q.append(a.displayName)
            if platform == .x && a.platform == .x { q.append(a.handle) }
        }
        return q.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.distinctElements()
    }

    /// One round; the number of new cases.
    @discardableResult
    static func pass(_ app: Application) async throws -> Int {
        let ctx = app.koho
        var status = ImpersonationScanStatus(lastRun: ctx.now)
        guard let publishing = app.publishing else {
            status.notes = ["プラットフォームが設定されていないため、検索していません。"]
            app.storage[ImpersonationScanStatusKey.self]?.withLockedValue { $0 = status }
            return 0
        }
        let scorer = ImpersonationScorer(policy: ctx.policy)
        var profiles: [PlatformProfile] = []
        let http = app.outbound
        let timeout = TimeAmount.milliseconds(Int64(publishing.settings.callTimeoutSeconds * 1000))
        for platform in [Platform.x, .youtube] {
            guard let account = ctx.policy.accounts.first(where: { $0.platform == platform }) else { continue }
            let connection = try await ConnectionService.find(account.id, on: app.db)
            guard case .success(let credentials) = ConnectionService.credentials(connection, account: account.id, platform: platform, publishing) else {
                status.notes.append("\(platform.displayName)は接続されていないため検索していません。")
                continue
            }
            do {
                profiles += try await searchProfiles(platform, queries: queries(ctx.policy, platform: platform), as: credentials,
                                                     endpoints: publishing.endpoints, http: http, timeout: timeout, logger: app.logger)
            } catch {
                status.notes.append("\(platform.displayName)の検索に失敗しました（\(error)）。次の回にやり直します。")
            }
        }
        status.notes.append("フェイスブックにはページを検索する API がないため、職員からの報告で扱います。")
        var seen = Set<String>()
        for p in profiles where seen.insert("\(p.platform.rawValue):\(p.id)").inserted {
            status.candidates += 1
            let sighting = ImpersonationCaseService.Sighting(
                candidate: ImpersonationCandidate(platform: p.platform, handle: p.handle, name: p.name, bio: p.description),
                platformId: p.id, profileURL: p.url, source: .search, reportedBy: actor)
            if case .opened(_, new: true) = try await ImpersonationCaseService.consider(app.db, ctx, sighting, scorer: scorer) {
                status.opened += 1
            }
        }
        let finished = status
        app.storage[ImpersonationScanStatusKey.self]?.withLockedValue { $0 = finished }
        return status.opened
    }

    static func job(_ app: Application, clock: any Clock<Duration>, logger: Logger) -> Job {
        app.storage[ImpersonationScanStatusKey.self] = NIOLockedValueBox(ImpersonationScanStatus())
        // A round never asks to go again at once: new cases are not more work for the search.
        return Job(name: "impersonation-scan", interval: interval, clock: clock, logger: logger) {
            _ = try await pass(app)
            return 0
        }
    }
}

extension ImpersonationScan {
    /// The user or channel search of a platform for each query, with the account's credentials.
    static func searchProfiles(_ platform: Platform, queries: [String], as c: Credentials, endpoints: PlatformEndpoints,
                               http: OutboundHTTP, timeout: TimeAmount, logger: Logger) async throws -> [PlatformProfile] {
        var found: [PlatformProfile] = []
        switch platform {
        case .x:
            let client = XClient(httpClient: http.client(for: endpoints.xAPI), accessToken: c.accessToken, baseURL: endpoints.xAPI, timeout: timeout, logger: logger)
            for q in queries { found += try await client.searchUsers(query: q, maxResults: 100) }
        case .youtube:
            let client = YouTubeClient(httpClient: http.client(for: endpoints.youtubeAPI), accessToken: c.accessToken, baseURL: endpoints.youtubeAPI, timeout: timeout, logger: logger)
            for q in queries { found += try await client.searchChannels(query: q, maxResults: 50) }
        case .facebook:
            break
        }
        return found
    }
}

extension Sequence where Element: Hashable {
    /// The elements in order, each once.
    func distinctElements() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
