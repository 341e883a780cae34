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


/// The scheduled search for impersonating accounts (3(2), 4(2), 5(2)): the platforms' user and channel search for the
/// city's name and its accounts' names, each result scored against the official accounts; flagged ones become cases.
/// X and YouTube offer such a search; Facebook does not (see AccountSearch.swift), so Facebook relies on staff reports.
enum ImpersonationScan {
    static let interval: Duration = .seconds(6 * 3600)
    static let actor = "Koho（なりすまし検索）"

    /// What to search for: the city's name, each official display name and handle (deduplicated, non-empty).
    /// What each platform's search is asked. X's user search takes only `[A-Za-z0-9_' ]{1,50}` (its own API
    /// description): the words of the accounts' ASCII handles (`kodaira_tokyo` → `kodaira tokyo`, `kodaira`, `tokyo`);
    /// the Japanese names are matched by the scorer on what comes back. YouTube's takes the names as written.
    static func queries(_ policy: Policy, platform: Platform) -> [String] {
        var q: [String] = []
        switch platform {
        case .x:
            for a in policy.accounts {
                let handle = a.handle.hasPrefix("@") ? String(a.handle.dropFirst()) : a.handle
                guard handle.unicodeScalars.allSatisfy(\.isASCII) else { continue }
                let words = handle.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init).filter { $0.count >= 3 }
                q.append(words.joined(separator: " "))
                q += words
            }
            q = q.filter(isXSearchQuery)
        default:
            q = [policy.organization.name] + policy.accounts.map(\.displayName)
        }
        return q.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.distinctElements()
    }

    /// X's pattern for a user search query.
    static func isXSearchQuery(_ s: String) -> Bool {
        (1...50).contains(s.count) && s.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_' ".unicodeScalars.contains($0)) }
    }

    /// YouTube's `search.list` has its own bucket of 100 calls a day (since June 2026): a round every six hours asks
    /// at most this many, a quarter of the day's bucket for the four rounds, leaving the rest for other uses.
    static let youtubeQueriesPerRound = 6

    /// One round; the number of new cases.
    @discardableResult
    static func pass(_ ctx: KohoContext) async throws -> Int {
        var status = ImpersonationScanStatus(lastRun: ctx.now)
        guard let publishing = ctx.platforms else {
            status.notes = ["プラットフォームが設定されていないため、検索していません。"]
            ctx.impersonationScan.withLockedValue { $0 = status }
            return 0
        }
        let scorer = ImpersonationScorer(policy: ctx.policy)
        var profiles: [PlatformProfile] = []
        for platform in [Platform.x, .youtube] {
            guard let account = ctx.policy.accounts.first(where: { $0.platform == platform }) else { continue }
            if platform == .x, !ctx.config.xUserSearch {
                status.notes.append("X のユーザー検索は使っていません（X の契約が認めるときに --x-user-search で有効にします）。X のなりすましは職員の報告で扱います。")
                continue
            }
            let asked = queries(ctx.policy, platform: platform)
            let chosen = platform == .youtube ? Array(asked.prefix(youtubeQueriesPerRound)) : asked
            do {
                profiles += try await publishing.credentials.call(account) { c in
                    var found: [PlatformProfile] = []
                    for q in chosen { found += try await publishing.gateway.searchProfiles(c, q) }
                    return found
                }
            } catch let why as HoldReason {
                status.notes.append("\(platform.displayName)は検索していません（\(why.message)）")
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
            if case .opened(_, new: true) = try await ImpersonationCaseService.consider(ctx.db, ctx, sighting, scorer: scorer) {
                status.opened += 1
            }
        }
        let finished = status
        ctx.impersonationScan.withLockedValue { $0 = finished }
        return status.opened
    }

    static func job(_ ctx: KohoContext, clock: any Clock<Duration>, logger: Logger) -> Job {
        ctx.impersonationScan.withLockedValue { $0 = $0 ?? ImpersonationScanStatus() }
        // A round never asks to go again at once: new cases are not more work for the search.
        return Job(name: "impersonation-scan", interval: interval, clock: clock, logger: logger) {
            _ = try await pass(ctx)
            return 0
        }
    }
}

extension Sequence where Element: Hashable {
    /// The elements in order, each once.
    func distinctElements() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
