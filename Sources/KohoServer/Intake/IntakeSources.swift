import AsyncHTTPClient
import Crypto
import Fluent
import Foundation
import KohoCore
import NIOCore
import NIOHTTP1
import KohoPlatforms
import Vapor

extension KohoConfig {
    /// The relay the mail job sends through: `--smtp`, or else the feeds file's `smtp`.
    var mailRelay: MailSettings? {
        mail ?? intake?.smtp.map { MailSettings(host: $0.host, port: $0.port, from: $0.from, notify: $0.to) }
    }

    /// Who hears of the intake's drafts and alerts: the feeds file's `smtp.to`, or else `--notify`.
    var intakeMail: MailSettings? {
        intake?.smtp.map { MailSettings(host: $0.host, port: $0.port, from: $0.from, notify: $0.to) } ?? mail
    }
}

/// The sources of `koho serve --feeds FILE`, each a job. Their notices go through the mail outbox.
package final class Intake: Sendable {
    let settings: IntakeSettings
    let area: JMAArea?
    private let wakers: Wakers

    /// Nil without settings.
    init?(_ config: KohoConfig, policy: Policy, wakers: Wakers) {
        guard let settings = config.intake else { return nil }
        var area = policy.emergencyAreas
        if let a = settings.agency, let code = a.municipality {
            area = JMAArea(municipality: code, earthquakeRegion: a.earthquakeRegion, earthquakeRegionCode: a.earthquakeRegionCode)
        }
        self.settings = settings
        self.area = area
        self.wakers = wakers
    }

    /// How many feeds, mail folders and agency feeds are read.
    var sourceCount: Int {
        settings.website.count + (settings.mail?.maildir == nil ? 0 : 1) + (settings.agency.map { $0.feeds.count + $0.longTermFeeds.count } ?? 0)
    }

    /// Wakes every source at once (a test, or `koho bench intake`, after changing a feed).
    package func wakeAll() { wakers.wake(prefix: "intake-") }

    /// The jobs of the sources.
    func jobs(_ ctx: KohoContext, clock: any Clock<Duration>, logger: Logger) -> [Job] {
        var jobs: [Job] = []
        for feed in settings.website {
            let source = WebsiteFeedSource(ctx: ctx, feed: feed)
            jobs.append(Job(name: "intake-website", interval: feed.interval, clock: clock, logger: logger) { await source.round() })
        }
        if let mail = settings.mail, let dir = mail.maildir {
            let source = MaildirSource(ctx: ctx, settings: mail, directory: URL(fileURLWithPath: dir, isDirectory: true))
            jobs.append(Job(name: "intake-maildir", interval: mail.interval, clock: clock, logger: logger) { await source.round() })
        }
        if let agency = settings.agency {
            for url in agency.feeds {
                let source = AgencyFeedSource(ctx: ctx, url: url, settings: agency)
                jobs.append(Job(name: "intake-agency", interval: agency.interval, clock: clock, logger: logger) { await source.round() })
            }
            for url in agency.longTermFeeds {
                let source = AgencyFeedSource(ctx: ctx, url: url, settings: agency)
                jobs.append(Job(name: "intake-agency-long", interval: agency.longTermInterval, clock: clock, logger: logger) { await source.round() })
            }
        }
        return jobs
    }
}

/// One conditional GET: the body, or nil when the server says it has not changed.
struct ConditionalFetch {
    struct Answer {
        let body: Data?
        let etag: String?
        let lastModified: String?
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        /// Trying again cannot help: the link (or a redirect) leads where Koho does not fetch.
        var permanent = false
    }

    /// Within the feeds file's `limits` (headers, then the whole body) and `maxBytes`; only to the hosts `links`
    /// allows, redirects included, each hop checked.
    static func get(_ ctx: KohoContext, _ url: String, etag: String?, lastModified: String?, maxBytes: Int,
                    links: LinkPolicy) async throws -> Answer {
        var req = HTTPClientRequest(url: url)
        req.headers.add(name: "User-Agent", value: "Koho (municipal social media; emergency intake)")
        if let etag { req.headers.add(name: "If-None-Match", value: etag) }
        if let lastModified { req.headers.add(name: "If-Modified-Since", value: lastModified) }
        let limits = ctx.intake?.settings.limits ?? IntakeSettings.Limits()
        let res: BoundedFetch.Answer
        do {
            let outbound = ctx.fetches
            res = try await BoundedFetch.fetch(req, limits: FetchLimits(headers: limits.headers, whole: limits.whole, maxBytes: maxBytes),
                                               links: links, clients: { outbound.client(for: $0) })
        } catch let failure as FetchFailure {
            if case .refusedLink = failure { throw Failure(description: failure.description, permanent: true) }
            throw Failure(description: failure.description)
        } catch {
            throw Failure(description: "接続できません（\(String(describing: error).prefix(200))）")
        }
        let newTag = res.headers.first(name: "ETag"), newModified = res.headers.first(name: "Last-Modified")
        if res.status == .notModified { return Answer(body: nil, etag: newTag, lastModified: newModified) }
        guard res.status == .ok else { throw Failure(description: "HTTP \(res.status.code) \(res.status.reasonPhrase)") }
        return Answer(body: Data(buffer: res.body), etag: newTag, lastModified: newModified)
    }
}

/// Items older than this on a source's first fetch are recorded as seen without drafts: a new feed's archive is not news.
let firstFetchWindow: TimeInterval = 3600

/// The city website's feed (RSS 2.0 or Atom): each new item becomes emergency drafts.
struct WebsiteFeedSource: Sendable {
    let ctx: KohoContext
    let feed: IntakeSettings.WebsiteFeed
    var name: String { "website:" + feed.url }

    func round() async -> Int {
        let now = ctx.now
        do {
            let state = try await IntakeService.state(ctx, name: name, kind: "website")
            let first = state.lastFetchAt == nil || state.lastError != nil && state.lastItemAt == nil && state.etag == nil && state.lastModified == nil
            let answer = try await ConditionalFetch.get(ctx, feed.url, etag: state.etag, lastModified: state.lastModified, maxBytes: FeedParser.maxBytes,
                                                        links: LinkPolicy(hostOf: feed.url, extra: feed.hosts))
            guard let body = answer.body else {
                try await IntakeService.fetched(ctx, name: name, kind: "website", at: now, error: nil)
                return 0
            }
            let read: [Result<FeedItem, IntakeParseError>]
            do { read = try FeedParser.parseEach(body) } catch {
                throw ConditionalFetch.Failure(description: "フィードとして読めません: \(error)")
            }
            var taken = 0
            var last: String?
            var problems: [String] = []
            var items: [FeedItem] = []
            // An item that cannot be read (a date out of range) is set aside like one that fails later, keyed by what
            // is wrong with it (the error names the item); the feed's other items are still read.
            for result in read {
                switch result {
                case .success(let item): items.append(item)
                case .failure(let error):
                    let key = "unreadable:" + Secrets.sha256Hex(error.description)
                    if try await IntakeService.isSetAside(ctx, source: name, key: key) { continue }
                    let reason = "項目を読めません: \(error)"
                    problems.append(reason)
                    try await IntakeService.quarantine(ctx, source: name, key: key, title: String(error.description.prefix(200)), reason: reason, at: now)
                }
            }
            // Oldest first, so that drafts come in the order the articles did.
            for item in items.reversed() {
                let key = item.id.isEmpty ? (item.link ?? item.title) : item.id
                if try await IntakeService.seen(ctx, source: name, key: key) { continue }
                if try await IntakeService.isSetAside(ctx, source: name, key: key) { continue }
                // One item that fails is set aside with its reason; the items after it are still taken.
                do {
                    let date = item.published ?? item.updated
                    if first, date.map({ now.timeIntervalSince($0) > firstFetchWindow }) ?? true {
                        try await IntakeService.record(ctx, source: name, key: key, title: item.title, link: item.link, at: now, drafts: [])
                        continue
                    }
                    // An item that is no emergency (a 休館日のお知らせ) is recorded as seen, with no drafts, and shown as such.
                    guard feed.isEmergency(title: item.title, summary: item.summary) else {
                        try await IntakeService.record(ctx, source: name, key: key, title: item.title, link: item.link, at: now, drafts: [])
                        continue
                    }
                    let article = EmergencyArticle(origin: "website", title: item.title, summary: item.summary, link: item.link, categories: feed.categories)
                    if try await IntakeService.take(ctx, source: name, key: key, article: article) != nil {
                        taken += 1
                        last = item.title
                    }
                } catch {
                    let reason = "下書きを作れませんでした: \(error)"
                    problems.append("\(item.title): \(reason)")
                    try await IntakeService.quarantine(ctx, source: name, key: key, title: item.title, reason: reason, at: now)
                }
            }
            // The validators are kept only once every item is taken or set aside: a round cut short fetches the whole feed again.
            try await IntakeService.fetched(ctx, name: name, kind: "website", at: now, error: problems.isEmpty ? nil : problems.joined(separator: " / "),
                                            item: last, etag: answer.etag, lastModified: answer.lastModified)
            return taken
        } catch {
            try? await IntakeService.fetched(ctx, name: name, kind: "website", at: now, error: String(describing: error))
            return 0
        }
    }
}

/// The mail magazine delivered into a Maildir: each file in `new/` is read, moved to `cur/` (flag `S` when taken,
/// `F` when refused: an unknown sender or a message that cannot be read; the file is kept either way). A refused
/// file is also set aside with its reason (the dashboard shows it), so that it is not read again even where it could
/// not be moved.
struct MaildirSource: Sendable {
    let ctx: KohoContext
    let settings: IntakeSettings.Mail
    let directory: URL
    static let name = "mail"

    func round() async -> Int {
        let fm = FileManager.default
        let newDir = directory.appendingPathComponent("new"), curDir = directory.appendingPathComponent("cur")
        let now = ctx.now
        do {
            guard fm.fileExists(atPath: newDir.path) else {
                throw ConditionalFetch.Failure(description: "Maildir の new/ がありません: \(newDir.path)")
            }
            try fm.createDirectory(at: curDir, withIntermediateDirectories: true)
            let names = try fm.contentsOfDirectory(atPath: newDir.path).filter { !$0.hasPrefix(".") }.sorted()
            var taken = 0
            var lastError: String?
            for name in names {
                let file = newDir.appendingPathComponent(name)
                if (try? await IntakeService.isSetAside(ctx, source: Self.name, key: name)) == true { continue }
                let outcome: MailIntake.Outcome
                if let data = try? Data(contentsOf: file) {
                    outcome = await MailIntake.take(ctx, data: data, settings: settings, fallbackKey: name)
                } else {
                    outcome = .refused("ファイルを読めません")
                }
                let flag: String
                switch outcome {
                case .taken: taken += 1; flag = "S"
                case .seenBefore: flag = "S"
                case .refused(let why):
                    lastError = "\(name): \(why)"
                    flag = "F"
                    do {
                        try await IntakeService.quarantine(ctx, source: Self.name, key: name, title: name, reason: why, at: now)
                    } catch {
                        lastError = "\(name): \(why)（隔離の記録に失敗: \(error)）"
                    }
                }
                let base = name.split(separator: ":").first.map(String.init) ?? name
                do { try fm.moveItem(at: file, to: curDir.appendingPathComponent("\(base):2,\(flag)")) } catch {
                    lastError = "\(name): cur/ へ移せません（\(error.localizedDescription)）"
                }
            }
            try await IntakeService.fetched(ctx, name: Self.name, kind: "mail", at: now, error: lastError,
                                            item: taken > 0 ? "メール \(taken) 通" : nil)
            return taken
        } catch {
            try? await IntakeService.fetched(ctx, name: Self.name, kind: "mail", at: now, error: String(describing: error))
            return 0
        }
    }
}

/// One mail message, from the Maildir or from `koho intake mail`.
enum MailIntake {
    enum Outcome: Equatable {
        case taken([UUID])
        case seenBefore
        case refused(String)
    }

    static func take(_ ctx: KohoContext, data: Data, settings: IntakeSettings.Mail, fallbackKey: String) async -> Outcome {
        let message: MailMessage
        do { message = try MailParser.parse(data) } catch { return .refused(String(describing: error)) }
        guard settings.senders.contains(message.from.lowercased()) else {
            return .refused("差出人 \(message.from.containsControlCharacter ? "（制御文字を含む）" : message.from) は受け付ける差出人にありません")
        }
        if let relay = settings.authservID, !MailParser.authenticated(message.authenticationResults, authservID: relay, from: message.from) {
            return .refused("中継 \(relay) の Authentication-Results に spf=pass も dkim=pass もありません（差出人 \(message.from)）")
        }
        let domains = ctx.policy.accounts.flatMap { $0.categories.flatMap(\.sourceDomains) }
        let link = message.links.first { l in
            guard let host = URL(string: l)?.host?.lowercased() else { return false }
            return domains.contains { host == $0 || host.hasSuffix("." + $0) }
        } ?? message.links.first
        let key = message.messageID ?? ("file:" + fallbackKey + ":" + SHA256.hash(data: data).lowercaseHex)
        let summary = message.text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("http") }.prefix(12).joined(separator: "\n")
        let article = EmergencyArticle(origin: "mail", title: message.subject, summary: summary, link: link, categories: settings.categories)
        do {
            guard let posts = try await IntakeService.take(ctx, source: MaildirSource.name, key: key, article: article) else { return .seenBefore }
            return .taken(posts.compactMap(\.id))
        } catch {
            return .refused("下書きを作れませんでした: \(error)")
        }
    }
}
