import Crypto
import Fluent
import Foundation
import KohoCore
import KohoPlatforms
import Vapor

/// The agency's Atom feeds (気象庁防災情報XML): every entry of a kind Koho reads is fetched once (kept under
/// `<data-dir>/jma/`), read for the city's areas and turned into alerts; `If-Modified-Since` on every feed fetch.
struct AgencyFeedSource: Sendable {
    let ctx: KohoContext
    let url: String
    let settings: IntakeSettings.Agency
    var name: String { "agency:" + url }
    static let source = "agency"

    /// The titles of the messages read: warnings (VPWW53/54 and the 2026 ones), intensity (VXSE51/53), tsunami (VTSE41).
    static func isRead(_ title: String) -> Bool {
        ["警報", "注意報", "震度", "震源", "津波"].contains { title.contains($0) }
    }

    func round() async -> Int {
        let now = ctx.now
        do {
            guard let area = ctx.intake?.area else {
                throw ConditionalFetch.Failure(description: "市の地域がありません（ポリシーファイルの emergencyAreas か、設定の agency.area）")
            }
            let state = try await IntakeService.state(ctx, name: name, kind: "agency")
            let answer = try await ConditionalFetch.get(ctx, url, etag: state.etag, lastModified: state.lastModified, maxBytes: FeedParser.maxBytes,
                                                        links: links)
            guard let body = answer.body else {
                try await IntakeService.fetched(ctx, name: name, kind: "agency", at: now, error: nil)
                return 0
            }
            let entries: [FeedItem]
            do { entries = try FeedParser.parse(body) } catch {
                throw ConditionalFetch.Failure(description: "フィードとして読めません: \(error)")
            }
            var raised = 0
            var last: String?
            var problems: [String] = []
            for entry in entries.reversed() {
                let key = entry.id.isEmpty ? (entry.link ?? "") : entry.id
                if key.isEmpty { continue }
                if try await IntakeService.seen(ctx, source: Self.source, key: key) { continue }
                if try await IntakeService.isSetAside(ctx, source: Self.source, key: key) { continue }
                guard Self.isRead(entry.title), let link = entry.link else {
                    try await IntakeService.record(ctx, source: Self.source, key: key, title: entry.title, link: entry.link, at: now, drafts: [])
                    continue
                }
                // A link elsewhere (another host, `http+unix:`, a local file) is never fetched: set aside at once.
                if let why = links.refusal(link) {
                    problems.append("\(entry.title): 取得しないリンクです: \(why)")
                    try await IntakeService.quarantine(ctx, source: Self.source, key: key, title: entry.title,
                                                       reason: "取得しないリンクです: \(why)", at: now)
                    continue
                }
                let xml: Data
                do { xml = try await message(link) } catch {
                    // Tried again on the next rounds, then set aside: one message that stalls does not cost every round.
                    problems.append("\(entry.title): \(error)")
                    try await IntakeService.quarantine(ctx, source: Self.source, key: key, title: entry.title,
                                                       reason: "電文を取得できません: \(error)", at: now,
                                                       permanent: (error as? ConditionalFetch.Failure)?.permanent ?? false)
                    continue
                }
                do {
                    let report = try JMAParser.parse(xml, area: area)
                    // One transaction: the message recorded as taken first (another process that took it meanwhile
                    // ends this with nothing written), then the alert with its drafts, disaster mode, audit and notice.
                    let settings = self.settings
                    let raisedAlert = try await ctx.write(on: ctx.db) { db -> Alert? in
                        let item = try await IntakeService.claim(on: db, source: Self.source, key: key, title: entry.title, link: link, at: now)
                        let alert = try await AlertService.apply(ctx, report, messageID: key, settings: settings)
                        if let alert {
                            item.draftIDs = alert.draftIDs
                            try await item.update(on: db)
                        }
                        return alert
                    }
                    if raisedAlert != nil {
                        raised += 1
                        last = report.title
                    }
                    ctx.wakers.mail()
                    continue
                } catch is IntakeService.AlreadyTaken {
                    continue
                } catch {
                    // Kept (the XML stays in the cache), recorded and set aside with its reason, so that a message that
                    // cannot be read is not fetched again and the entries after it are read.
                    problems.append("\(entry.title): 読めません: \(error)")
                    try await IntakeService.quarantine(ctx, source: Self.source, key: key, title: entry.title,
                                                       reason: "読めません: \(error)", at: now)
                }
                try await IntakeService.record(ctx, source: Self.source, key: key, title: entry.title, link: link, at: now, drafts: [])
            }
            try await IntakeService.fetched(ctx, name: name, kind: "agency", at: now, error: problems.isEmpty ? nil : problems.joined(separator: " / "),
                                            item: last, etag: problems.isEmpty ? answer.etag : nil,
                                            lastModified: problems.isEmpty ? answer.lastModified : nil)
            return raised
        } catch {
            try? await IntakeService.fetched(ctx, name: name, kind: "agency", at: now, error: String(describing: error))
            return 0
        }
    }

    /// The feed's own host and the configured `hosts`: the only places its links are fetched from.
    var links: LinkPolicy { LinkPolicy(hostOf: url, extra: settings.hosts) }

    /// An entry's XML, fetched once: later reads come from the cache.
    func message(_ link: String) async throws -> Data {
        let dir = ctx.config.dataDirectory.appendingPathComponent("jma", isDirectory: true)
        let file = dir.appendingPathComponent(SHA256.hash(data: Data(link.utf8)).lowercaseHex + ".xml")
        if let cached = try? Data(contentsOf: file) { return cached }
        let answer = try await ConditionalFetch.get(ctx, link, etag: nil, lastModified: nil, maxBytes: JMAParser.maxBytes, links: links)
        guard let body = answer.body else { throw ConditionalFetch.Failure(description: "本文がありません") }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try body.write(to: file, options: .atomic)
        return body
    }
}

/// Alerts from the agency's messages: never posted as such; a pre-filled draft waits for the city's article.
enum AlertService {
    static func warningsJSON(_ r: JMAReport) -> String {
        (try? JSONEncoder().encode(r.warnings)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    /// What the drafts and notices say: the agency's own words for the city's area, not the prefecture's headline.
    static func summary(_ r: JMAReport) -> String {
        if !r.areaHeadline.isEmpty { return r.areaHeadline }
        var parts: [String] = []
        let inForce = r.warnings.filter(\.isWarningInForce).map(\.name)
        if !inForce.isEmpty { parts.append(inForce.joined(separator: "・")) }
        if let i = r.maxIntensity { parts.append("震度\(i.replacingOccurrences(of: "-", with: "弱").replacingOccurrences(of: "+", with: "強"))") }
        return parts.joined(separator: " ")
    }

    /// The same alert as `r`: for earthquakes and tsunamis the same event; for warnings the one in force for the area.
    static func existing(_ db: Database, _ r: JMAReport, area: String) async throws -> Alert? {
        var q = Alert.query(on: db).filter(\.$kind == r.kind.rawValue).filter(\.$area == area).filter(\.$status == "active")
        if r.kind != JMAReport.Kind.weatherWarning, let e = r.eventID { q = q.filter(\.$eventID == e) }
        return try await q.sort(\.$createdAt, .descending).first()
    }

    /// What the report does to the alerts; the alert raised or changed, or nil. Everything it does (the alert, its
    /// drafts, disaster mode, the audit records and the notice through the mail outbox) commits in one transaction,
    /// or nothing does.
    static func apply(_ ctx: KohoContext, _ r: JMAReport, messageID: String, settings: IntakeSettings.Agency) async throws -> Alert? {
        // Drills and tests never make anything.
        if r.isDrillOrTest { return nil }
        let alert = try await ctx.write(on: ctx.db) { db in try await change(ctx, r, messageID: messageID, settings: settings, on: db) }
        if alert != nil { ctx.wakers.mail() }
        return alert
    }

    /// `apply` inside its transaction.
    private static func change(_ ctx: KohoContext, _ r: JMAReport, messageID: String, settings: IntakeSettings.Agency,
                               on db: Database) async throws -> Alert? {
        let now = ctx.now
        let area = ctx.intake?.area?.municipality ?? ""
        let found = try await existing(db, r, area: area)
        if r.isCancellation {
            guard let found else { return nil }
            found.status = "withdrawn"
            found.infoType = r.infoType
            found.updatedAt = now
            try await withdrawDrafts(ctx, found, reason: "気象庁が「\(r.title)」を取り消しました")
            // A cancellation does not end disaster mode by itself: the chief does, having looked.
            let stillOn = try await DisasterMode.query(on: db).count() > 0
            try await save(ctx, found, action: "alert.withdraw", detail: "取消（\(r.reportDateTime)）",
                           notice: notice(ctx, "気象庁の情報の取消", "取消: \(r.title)",
                                          "気象庁が「\(r.title)」（\(found.reportTime)）を取り消しました（\(r.reportDateTime)）。知らせを取り下げ、その下書きを取り消しました。"
                                            + (stillOn ? "\n\n災害モードは続いています。終えるかどうかは課長が判断してください。\n\(ctx.config.baseURL)\(SiteURL.disaster.path)" : "")))
            return found
        }
        if let found {
            // A correction or a continuation: the alert follows the latest message; its draft waits as before.
            let lifted = !r.affects
            let before = found.summary
            found.title = r.title
            found.reportTime = r.reportDateTime
            found.messageID = messageID
            found.infoType = r.infoType
            found.summary = summary(r)
            found.warningsJSON = warningsJSON(r)
            found.updatedAt = now
            if lifted { found.status = "lifted" }
            var told: IntakeService.Notice?
            if r.infoType == "訂正" || lifted {
                try await withdrawDrafts(ctx, found, reason: lifted ? "解除されました" : "訂正されました")
                if !lifted { found.draftIDs = IntakeItem.encode(try await draft(ctx, found, r)) }
                told = notice(ctx, lifted ? "気象庁の情報の解除" : "気象庁の情報の訂正", "\(lifted ? "解除" : "訂正"): \(r.title)",
                              lifted ? "気象庁の「\(r.title)」（\(r.reportDateTime)）で、市に関わる警報は解除されました。知らせの下書きを取り消しました。"
                                     : "気象庁が「\(r.title)」を訂正しました（\(r.reportDateTime)）: \(found.summary)\n\n下書きを作り直しました。")
            }
            // Only what newly reaches the level: a continuation of it does not undo the chief's ending of disaster mode.
            if !lifted, let reached = try await switchOnAtLevel(ctx, r, messageID: messageID, settings: settings, unlessIn: before) {
                told = notice(ctx, "気象庁の情報", "気象庁の情報: \(r.title)",
                              "気象庁の「\(r.title)」（\(r.reportDateTime)）が市に関わります: \(found.summary)\n\n"
                                + disasterModeLine(reached) + (told.map { "\n\n" + $0.body } ?? ""))
            }
            try await save(ctx, found, action: lifted ? "alert.lift" : "alert.update", detail: "\(r.infoType)（\(r.reportDateTime)）", notice: told)
            return found
        }
        guard r.affects else { return nil }
        let alert = Alert()
        alert.id = UUID()
        alert.source = AgencyFeedSource.source
        alert.messageID = messageID
        alert.title = r.title
        alert.reportTime = r.reportDateTime
        alert.eventID = r.eventID
        alert.area = area
        alert.kind = r.kind.rawValue
        alert.status = "active"
        alert.infoType = r.infoType
        alert.summary = summary(r)
        alert.warningsJSON = warningsJSON(r)
        alert.draftIDs = "[]"
        alert.createdAt = now
        alert.updatedAt = now
        alert.draftIDs = IntakeItem.encode(try await draft(ctx, alert, r))
        let reached = try await switchOnAtLevel(ctx, r, messageID: messageID, settings: settings)
        try await save(ctx, alert, creating: true, action: "alert.raise", detail: "\(r.title)（\(r.reportDateTime)）",
                       notice: notice(ctx, "気象庁の情報", "気象庁の情報: \(r.title)",
                                      "気象庁の「\(r.title)」（\(r.reportDateTime)）が市に関わります: \(alert.summary)\n\n"
                                        + (reached.map { disasterModeLine($0) + "\n\n" } ?? "")
                                        + "市の記事が出たら、下書きの出典に記事を入れて提出してください。\n\(ctx.config.baseURL)\(SiteURL.dashboard.path)"))
        return alert
    }

    static func disasterModeLine(_ reached: String) -> String {
        "\(reached)は災害モードの水準に当たるため、すべてのアカウントを災害モードにしました（緊急でない予約投稿は保留）。終えるのは課長です。"
    }

    /// Every account into disaster mode when the message reaches the level of the feeds file or, without one
    /// there, of the policy file (`emergencyAreas.disasterModeAt`); audited with the message. What reached it, or nil.
    @discardableResult
    static func switchOnAtLevel(_ ctx: KohoContext, _ r: JMAReport, messageID: String, settings: IntakeSettings.Agency,
                                unlessIn previous: String? = nil) async throws -> String? {
        guard let level = settings.disasterModeAt ?? ctx.policy.disasterModeAt, let what = level.reached(by: r),
              !what.components(separatedBy: "・").allSatisfy({ previous?.contains($0) == true }) else { return nil }
        let said = "気象庁「\(r.title)」（\(r.reportDateTime)）の\(what)（災害モードの水準: \(level.description)）。電文 \(messageID)"
        let reason = String(String(said.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) }).prefix(500))
        try await DisasterModeService.switchMode(ctx.workflow, actor: "system", accounts: .all, on: true, reason: reason)
        return what
    }

    static func notice(_ ctx: KohoContext, _ kind: String, _ subject: String, _ body: String) -> IntakeService.Notice {
        IntakeService.Notice(kind: kind, subject: "【Koho】" + subject, body: body)
    }

    /// Saves the alert, its audit record and its notice in one transaction.
    static func save(_ ctx: KohoContext, _ alert: Alert, creating: Bool = false, action: String, detail: String,
                     notice: IntakeService.Notice?) async throws {
        let subject = "alert:\(alert.id!.uuidString.lowercased())"
        try await ctx.write(on: ctx.db) { db in
            if creating { try await alert.create(on: db) } else { try await alert.update(on: db) }
            try await AuditLog.appendLocked(on: db, at: ctx.now, actor: IntakeService.actorName, action: action,
                                            subject: subject, detail: detail, reason: alert.summary)
            _ = try await notice?.enqueue(ctx, on: db, subjectRef: subject, at: ctx.now)
        }
    }

    /// A draft for each emergency account that names the agency's message and time; it cannot be submitted until
    /// the city's article is given as its source (ア, 3(4)).
    static func draft(_ ctx: KohoContext, _ alert: Alert, _ r: JMAReport) async throws -> [UUID] {
        let w = ctx.workflow
        let categories = ctx.intake?.settings.website.flatMap(\.categories) ?? []
        var ids: [UUID] = []
        for a in EmergencyDrafts.forAgencyReport(title: r.title, reportDateTime: r.reportDateTime, summary: alert.summary,
                                                  categories: categories, policy: w.ctx.policy) {
            ids.append(try await PostService.create(w, IntakeService.intakeUser, a, asDraftDespiteViolations: true).id!)
        }
        return ids
    }

    /// Cancels the alert's drafts that have not gone out.
    static func withdrawDrafts(_ ctx: KohoContext, _ alert: Alert, reason: String) async throws {
        let w = ctx.workflow
        for id in IntakeItem.decode(alert.draftIDs) {
            guard let p = try await Post.find(id, on: w.db), [.draft, .submitted].contains(p.state) else { continue }
            _ = try? await PostService.transition(w, IntakeService.intakeUser, id, .cancel, expectedVersion: nil, reason: reason)
        }
    }
}
