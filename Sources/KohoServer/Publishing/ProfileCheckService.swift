import Fluent
import Foundation
import KohoCore
import KohoPlatforms
import Vapor

/// The profile checks (3(2), 4(3), 5(3)): each X account must be verified, and each Facebook Page's and YouTube
/// channel's about/website field must link to the city's page about that account. A scheduled job reads the profiles
/// through the platform clients; a problem found or fixed is stored and audited once, and shown to the chief.
enum ProfileCheckService {
    static let interval: Duration = .seconds(3600)
    static let actor = "Koho（プロフィールの確認）"

    static func subject(_ account: String) -> String { "account:\(account)" }

    /// What the policy asks of an account's profile, with the clause; nil when it asks nothing (e.g. a city whose
    /// policy has no such rule).
    enum Requirement: Equatable {
        case verified(clause: String)
        case linksToCityPage(clause: String, page: String)
    }

    static func requirement(_ a: Account, policy: Policy, siteURL: String) -> Requirement? {
        guard let rules = policy.rules(for: a.platform) else { return nil }
        switch a.platform {
        case .x:
            return rules.verificationClause.map { .verified(clause: $0) }
        case .facebook, .youtube:
            return rules.disclosureClause.map { .linksToCityPage(clause: $0, page: cityPage(a, siteURL: siteURL)) }
        }
    }

    /// The city's page about the account: its section of the accounts page where `koho public export` puts it.
    static func cityPage(_ a: Account, siteURL: String) -> String {
        siteURL + PublicPage.accounts.file + "#" + PublicRenderer.accountAnchor(a)
    }

    /// The http(s) links in a profile's texts, in order, each once. Full-width forms are read as their ASCII letters;
    /// closing punctuation after a link is not part of it.
    static func links(in texts: [String]) -> [String] {
        texts.flatMap { TextURLs.find(in: $0.precomposedStringWithCompatibilityMapping) }.distinctElements()
    }

    /// Whether `link` leads to `page`: the same host and path (http or https, host in any case, the page with or
    /// without `.html`), and no fragment or the account's own.
    static func leads(_ link: String, to page: String) -> Bool {
        guard let l = URLComponents(string: link), let p = URLComponents(string: page),
              let lh = l.host?.lowercased(), let ph = p.host?.lowercased(), lh == ph,
              ["http", "https"].contains(l.scheme?.lowercased() ?? "") else { return false }
        let paths = [p.path, p.path.hasSuffix(".html") ? String(p.path.dropLast(5)) : p.path]
        guard paths.contains(l.path) else { return false }
        return l.fragment == nil || l.fragment == "" || l.fragment == p.fragment
    }

    /// What one reading of a profile means under the policy.
    struct Finding: Equatable {
        var verified: Bool?
        var links: [String]
        var linksToCityPage: Bool?
        /// Empty when the profile is as the policy says.
        var problem: String
    }

    static func evaluate(_ a: Account, _ profile: AccountProfile, _ requirement: Requirement) -> Finding {
        let links = links(in: profile.linkFields)
        switch requirement {
        case .verified(let clause):
            let ok = profile.verified == true
            let type = profile.verifiedType.map { $0 == "none" ? "" : "（種類: \($0)）" } ?? ""
            return Finding(verified: profile.verified, links: links, linksToCityPage: nil,
                           problem: ok ? "" : "Xの認証が確認できません\(type)。公式Xアカウントは認証を取得することになっています（\(clause)）。")
        case .linksToCityPage(let clause, let page):
            let ok = links.contains { leads($0, to: page) }
            let field = a.platform == .facebook ? "フェイスブックページの基本データ（ウェブサイト・説明）" : "ユーチューブチャンネルの説明（概要）"
            return Finding(verified: nil, links: links, linksToCityPage: ok,
                           problem: ok ? "" : "\(field)に、市ホームページのこのアカウントについてのページ（\(page)）へのリンクがありません（\(clause)）。")
        }
    }

    enum Change: Equatable { case none, found, fixed }

    /// Stores a reading (or why none could be made) and audits a problem found or fixed, once: the stored record is
    /// read again under the write lock, so two rounds at once cannot both count the same change.
    @discardableResult
    static func record(_ db: Database, _ ctx: KohoContext, account: String, finding: Finding?, readError: String) async throws -> Change {
        let now = ctx.now
        return try await ctx.write(on: db) { db -> Change in
            let existing = try await ProfileCheckRecord.query(on: db).filter(\.$account == account).first()
            let r = existing ?? ProfileCheckRecord()
            if existing == nil {
                r.account = account
                r.checkedAt = now
                r.website = ""
                r.problem = ""
            }
            let before = r.problem
            r.readError = readError
            if let f = finding {
                r.checkedAt = now
                r.verified = f.verified
                r.website = f.links.joined(separator: "\n")
                r.linksToCityPage = f.linksToCityPage
                if f.problem != before { r.problemSince = f.problem.isEmpty ? nil : now }
                r.problem = f.problem
            }
            if existing == nil { try await r.create(on: db) } else { try await r.update(on: db) }
            let change: Change = before == r.problem ? .none : r.problem.isEmpty ? .fixed : .found
            switch change {
            case .none: break
            case .found:
                try await AuditLog.appendLocked(on: db, at: now, actor: actor, action: "profile.problem.found", subject: subject(account),
                                                detail: r.problem, reason: "")
            case .fixed:
                try await AuditLog.appendLocked(on: db, at: now, actor: actor, action: "profile.problem.fixed", subject: subject(account),
                                                detail: "解消: \(before)", reason: "")
            }
            return change
        }
    }

    /// One round over every official account the policy asks something of; the number of changes.
    @discardableResult
    static func pass(_ ctx: KohoContext) async throws -> Int {
        guard let publishing = ctx.platforms else { return 0 }
        let site = PublicSite.siteURL(ctx)
        var changes = 0
        for a in ctx.policy.accounts {
            try Task.checkCancellation()
            guard let req = requirement(a, policy: ctx.policy, siteURL: site) else { continue }
            var finding: Finding?, readError = ""
            do {
                finding = evaluate(a, try await publishing.credentials.call(a) { try await publishing.gateway.readProfile($0, a) }, req)
            } catch let why as HoldReason {
                readError = why.message
            } catch let e as PlatformError {
                readError = "\(a.platform.displayName)からプロフィールを読めませんでした（\(e.explanation)）。次の回にやり直します。"
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                readError = "\(a.platform.displayName)からプロフィールを読めませんでした。次の回にやり直します。"
            }
            if try await record(ctx.db, ctx, account: a.id, finding: finding, readError: readError) != .none { changes += 1 }
        }
        return changes
    }

    static func job(_ ctx: KohoContext, clock: any Clock<Duration>, logger: Logger) -> Job {
        // A round never asks to go again at once: a change is not more work.
        Job(name: "profile-check", interval: interval, clock: clock, logger: logger) {
            _ = try await pass(ctx)
            return 0
        }
    }

    /// The accounts whose profile is not as the policy says, for the chief's dashboard.
    static func problems(_ db: Database) async throws -> [ProfileCheckRecord] {
        try await ProfileCheckRecord.query(on: db).filter(\.$problem != "").sort(\.$account).all()
    }
}
