import Fluent
import Foundation
import KohoCore

/// The public pages as a whole: what they are generated from, and where they live.
package enum PublicSite {
    /// Where the city website shows the exported pages, ending in `/`.
    static func siteURL(_ ctx: KohoContext) -> String {
        if let s = ctx.config.publicSiteURL { return s.hasSuffix("/") ? s : s + "/" }
        let w = ctx.policy.organization.website
        return (w.hasSuffix("/") ? w : w + "/") + "koho/"
    }

    /// Everything the pages show, read once.
    package static func load(_ db: Database, _ ctx: KohoContext) async throws -> PublicSiteData {
        let versions = try await PolicyVersion.query(on: db).sort(\.$number, .ascending).all()
        let notices = try await NoticeService.published(db)
        let suspensions = try await SuspensionService.current(db)
        let profiles = try await ProfileCheckRecord.query(on: db).all()
        return PublicSiteData(policy: ctx.policy, versions: history(versions), notices: notices, suspensions: suspensions,
                              profiles: Dictionary(profiles.map { ($0.account, $0.publicView) }, uniquingKeysWith: { a, _ in a }),
                              generatedAt: ctx.now, siteURL: siteURL(ctx))
    }

    /// Each stored version with what changed from the one before, newest first. What changed is told in the terms of
    /// the policy's summary (one rule per line), so that a reader sees rules added and removed, not YAML.
    static func history(_ ascending: [PolicyVersion]) -> [PublicSiteData.Version] {
        var out: [PublicSiteData.Version] = []
        var previous: [String]?
        for v in ascending {
            let policy = try? PolicyLoader.load(yaml: v.yaml, file: "第\(v.number)版")
            let lines = policy.map { PolicySummary.text($0).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            var changes: [String] = []
            if let previous, let lines {
                let before = Set(previous), after = Set(lines)
                changes += previous.filter { !after.contains($0) }.map { "削除・変更前: \($0)" }
                changes += lines.filter { !before.contains($0) }.map { "追加・変更後: \($0)" }
            } else if previous != nil {
                changes = ["この版の内容を読み取れませんでした"]
            }
            out.append(.init(number: v.number, version: policy?.version ?? v.version, effectiveDate: policy?.effectiveDate,
                             registeredAt: v.createdAt, changes: changes))
            previous = lines ?? previous
        }
        return out.reversed()
    }
}

extension PublicSite {
    /// Writes every page as a file under `dir` (relative links, so the folder can go anywhere on the city's CMS), and
    /// removes the pages of notices no longer in the data. The files written, relative to `dir`.
    @discardableResult
    package static func export(_ data: PublicSiteData, to dir: URL) throws -> [String] {
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("notices", isDirectory: true), withIntermediateDirectories: true)
        var pages = try PublicRenderer.all(data, .exported).map { ($0.0.file, $0.1) }
        // A notice's earlier address by id leads to its readable one: a static site cannot answer 301, so a page that
        // moves the browser on (and tells search engines the address it now has).
        for n in data.notices where n.slug != nil {
            pages.append(("notices/\(n.idString).html", PublicRenderer.movedPage(to: n.publicName + ".html", title: n.title)))
        }
        for (file, body) in pages {
            try body.write(to: dir.appendingPathComponent(file), options: .atomic)
        }
        let current = Set(pages.map(\.0))
        let noticesDir = dir.appendingPathComponent("notices", isDirectory: true)
        for name in try fm.contentsOfDirectory(atPath: noticesDir.path) where name.hasSuffix(".html") {
            let stem = String(name.dropLast(5))
            if UUID(uuidString: stem) != nil || Notice.isSlug(stem) && stem.first?.isNumber == true, !current.contains("notices/" + name) {
                try fm.removeItem(at: noticesDir.appendingPathComponent(name))
            }
        }
        return pages.map(\.0)
    }
}
