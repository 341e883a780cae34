import Fluent
import Vapor
import KohoCore

/// Impersonation cases: made from a flagged candidate (the scheduled search or a staff report), then advanced by the
/// chief alone through the steps of 3(2). Every change is saved, recorded as a step and audited in one transaction.
enum ImpersonationCaseService {
    static let maxText = 20_000
    static let maxField = 2_000

    static func subject(_ id: UUID) -> String { "impersonation-case:\(id.uuidString.lowercased())" }

    static func find(_ db: Database, _ id: UUID) async throws -> ImpersonationCase {
        guard let c = try await ImpersonationCase.find(id, on: db) else { throw AppError.notFound("なりすまし事案が見つかりません") }
        return c
    }

    static func steps(_ db: Database, _ id: UUID) async throws -> [ImpersonationCaseStepRecord] {
        // Steps only move forward, so at the same second their order is the order of the steps.
        let order = Dictionary(uniqueKeysWithValues: ImpersonationCaseStep.allCases.enumerated().map { ($1, $0) })
        return try await ImpersonationCaseStepRecord.query(on: db).filter(\.$caseId == id).all()
            .sorted { ($0.at, order[$0.step] ?? 0) < ($1.at, order[$1.step] ?? 0) }
    }

    /// A candidate as seen on a platform, with where it came from.
    struct Sighting: Sendable {
        var candidate: ImpersonationCandidate
        var platformId: String = ""
        var profileURL: String = ""
        var source: ImpersonationCase.Source
        var reportedBy: String
        var note: String = ""
    }

    enum Outcome: Sendable {
        /// A new case, or the open one already kept for this account.
        case opened(ImpersonationCase, new: Bool)
        /// Below the threshold: not a case.
        case notFlagged(ImpersonationScore)
    }

    /// Scores a sighting and opens a case when it is flagged (one open case per platform and handle).
    static func consider(_ db: Database, _ ctx: KohoContext, _ s: Sighting, scorer: ImpersonationScorer? = nil) async throws -> Outcome {
        let scorer = scorer ?? ImpersonationScorer(policy: ctx.policy)
        let result = scorer.score(s.candidate)
        guard result.flagged, let imitated = result.imitates, let platform = s.candidate.platform else {
            return .notFlagged(result)
        }
        // Handles are case-insensitive on X and YouTube: one case per account however it was written.
        let handle = ImpersonationScorer.bareHandle(s.candidate.handle).lowercased()
        let now = ctx.now
        return try await ctx.write(on: db) { db in
            if let open = try await ImpersonationCase.query(on: db).filter(\.$platform == platform)
                .filter(\.$handle == handle).filter(\.$step != .closed).first() {
                return .opened(open, new: false)
            }
            let c = ImpersonationCase()
            c.id = UUID()
            c.platform = platform
            c.handle = handle
            c.name = s.candidate.name
            c.bio = s.candidate.bio
            c.profileURL = s.profileURL.isEmpty ? ImpersonationEvidence.profileURL(platform: platform, handle: handle) : s.profileURL
            c.platformId = s.platformId
            c.seenAt = now
            c.source = s.source
            c.reportedBy = s.reportedBy
            c.reportNote = s.note
            c.score = result.score
            c.reasons = result.reasons.joined(separator: "\n")
            c.imitates = imitated.id
            c.step = .found
            c.takedownText = ""
            c.pressText = ""
            c.createdAt = now
            c.updatedAt = now
            try await c.create(on: db)
            try await record(db, c, .found, actor: s.reportedBy, at: now,
                             note: s.source == .report ? s.note : "検索で発見（スコア \(String(format: "%.2f", result.score))）")
            try await AuditLog.appendLocked(on: db, at: now, actor: s.reportedBy, action: "impersonation.case.open",
                                            subject: subject(c.id!),
                                            detail: "\(platform.rawValue) \(handle) → \(imitated.id) score=\(result.score) source=\(s.source.rawValue)",
                                            reason: s.note)
            return .opened(c, new: true)
        }
    }

    static func record(_ db: Database, _ c: ImpersonationCase, _ step: ImpersonationCaseStep, actor: String, at: Date, note: String) async throws {
        let r = ImpersonationCaseStepRecord()
        r.id = UUID()
        r.caseId = c.id!
        r.step = step
        r.actor = actor
        r.at = at
        r.note = note
        try await r.create(on: db)
    }

    /// A staff report: a URL or handle, what the account shows, and a note. Anyone but a viewer may report.
    static func report(_ w: Workflow, _ user: User, platform: String, urlOrHandle: String, name: String, bio: String,
                       note: String) async throws -> Outcome {
        if let denied = Permissions.mayWrite(user.person) { throw AppError.forbidden(denied.message) }
        for (label, value, limit) in [("URL またはハンドル", urlOrHandle, 300), ("表示名", name, 300), ("自己紹介", bio, maxField),
                                      ("メモ", note, maxField)] {
            guard value.count <= limit else { throw AppError.badRequest("\(label)は\(limit)文字以内にしてください") }
            guard !value.containsControlCharacter else { throw AppError.badRequest("\(label)に制御文字が含まれています") }
        }
        let target = urlOrHandle.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !target.isEmpty else { throw AppError.badRequest("なりすましと思われるアカウントの URL またはハンドルを入力してください") }
        let parsed = parseTarget(target, platform: Platform(rawValue: platform))
        guard let p = parsed.platform else {
            throw AppError.badRequest("プラットフォーム（X・フェイスブック・ユーチューブ）を選ぶか、アカウントの URL を入力してください")
        }
        let sighting = Sighting(candidate: ImpersonationCandidate(platform: p, handle: parsed.handle, name: name, bio: bio),
                                profileURL: parsed.url ?? "", source: .report, reportedBy: user.name, note: note)
        let outcome = try await consider(w.db, w.ctx, sighting)
        if case .notFlagged(let score) = outcome {
            try await AuditLog.append(on: w, actor: user.name, action: "impersonation.report",
                                      subject: "\(p.rawValue):\(parsed.handle)", detail: "score=\(score.score) 事案にせず", reason: note)
        }
        return outcome
    }

    /// A profile URL of X, Facebook or YouTube, or a bare handle.
    static func parseTarget(_ s: String, platform: Platform?) -> (platform: Platform?, handle: String, url: String?) {
        guard let url = URL(string: s), let host = url.host?.lowercased(), url.scheme == "https" || url.scheme == "http" else {
            return (platform, ImpersonationScorer.bareHandle(s), nil)
        }
        let parts = url.path.split(separator: "/").map(String.init)
        let bare = host.hasPrefix("www.") ? String(host.dropFirst(4)) : (host.hasPrefix("m.") ? String(host.dropFirst(2)) : host)
        switch bare {
        case "x.com", "twitter.com":
            return (.x, parts.first ?? "", s)
        case "facebook.com", "fb.com":
            if parts.first == "profile.php", let id = URLComponents(string: s)?.queryItems?.first(where: { $0.name == "id" })?.value {
                return (.facebook, id, s)
            }
            return (.facebook, parts.first ?? "", s)
        case "youtube.com":
            if parts.first == "channel" || parts.first == "c" || parts.first == "user", parts.count > 1 { return (.youtube, parts[1], s) }
            return (.youtube, ImpersonationScorer.bareHandle(parts.first ?? ""), s)
        default:
            return (platform, ImpersonationScorer.bareHandle(s), s)
        }
    }

    static func evidence(_ c: ImpersonationCase, _ ctx: KohoContext) -> ImpersonationEvidence? {
        guard let account = ctx.policy.account(c.imitates) else { return nil }
        return ImpersonationEvidence(platform: c.platform, handle: c.handle, name: c.name, bio: c.bio, profileURL: c.profileURL,
                                     seenAt: c.seenAt, score: c.score, reasons: c.reasonList, imitated: account)
    }


    static func requireChief(_ w: Workflow, _ user: User) throws {
        guard Permissions.mayDecide(user.person) else {
            throw AppError.forbidden("なりすまし事案の対応を進められるのは\(w.ctx.policy.ownerRole.title)だけです")
        }
    }

    static func checkText(_ text: String, _ label: String) throws -> String {
        let t = text.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !t.isEmpty else { throw AppError.badRequest("\(label)を入力してください") }
        guard t.count <= maxText else { throw AppError.badRequest("\(label)は\(maxText)文字以内にしてください") }
        guard !t.unicodeScalars.contains(where: { $0 != "\n" && $0 != "\t" && $0.properties.generalCategory == .control }) else {
            throw AppError.badRequest("\(label)に制御文字が含まれています")
        }
        return t
    }

    /// Moves a case to `step`, recording who, when and the text, and auditing it; refuses a step that does not follow.
    static func advance(_ w: Workflow, _ user: User, _ id: UUID, to step: ImpersonationCaseStep, note: String,
                        change: @escaping @Sendable (ImpersonationCase) -> Void = { _ in }) async throws -> ImpersonationCase {
        try requireChief(w, user)
        let now = w.ctx.now
        return try await w.ctx.write(on: w.db) { db in
            let c = try await find(db, id)
            guard c.step.next.contains(step) else {
                throw AppError.conflict("この事案は「\(c.step.displayName)」の段階にあり、「\(step.displayName)」へは進めません")
            }
            let from = c.step
            change(c)
            c.step = step
            c.updatedAt = now
            try await c.update(on: db)
            try await record(db, c, step, actor: user.name, at: now, note: note)
            try await AuditLog.appendLocked(on: db, at: now, actor: user.name, action: "impersonation.case.\(step.rawValue)",
                                            subject: subject(id), detail: "\(from.rawValue) → \(step.rawValue) \(c.platform.rawValue) \(c.handle)",
                                            reason: String(note.prefix(500)))
            return c
        }
    }

    /// The warning on the city website: the chief's edited text becomes a notice (draft, then published through the
    /// notices' own publishing), linked to the case.
    static func publishWarning(_ w: Workflow, _ user: User, _ id: UUID, title: String, body: String) async throws -> ImpersonationCase {
        try requireChief(w, user)
        let c = try await find(w.db, id)
        guard c.step.next.contains(.warned) else {
            throw AppError.conflict("この事案は「\(c.step.displayName)」の段階にあり、注意喚起へは進めません")
        }
        var notice: Notice
        if let existing = c.noticeId, let n = try await Notice.find(existing, on: w.db), n.status == .draft {
            notice = try await NoticeService.edit(w, user, existing, title: title, body: body, expectedVersion: n.lockVersion)
        } else {
            notice = try await NoticeService.create(w, user, .init(kind: .impersonation, account: c.imitates, title: title, body: body,
                                                                   about: subject(id)))
            let noticeId = notice.id!
            // Linked before publishing, so that a failed publish leaves the draft found again by the next try.
            try await w.ctx.write(on: w.db) { db in
                let fresh = try await find(db, id)
                fresh.noticeId = noticeId
                try await fresh.update(on: db)
            }
        }
        notice = try await NoticeService.publish(w, user, notice.id!, expectedVersion: notice.lockVersion)
        let noticeId = notice.id!
        return try await advance(w, user, id, to: .warned, note: "お知らせ「\(notice.title)」を掲載（\(SuspensionService.publicURL(of: notice, w.ctx))）") {
            $0.noticeId = noticeId
        }
    }

    static func requestTakedown(_ w: Workflow, _ user: User, _ id: UUID, text: String) async throws -> ImpersonationCase {
        let t = try checkText(text, "削除依頼の文面")
        return try await advance(w, user, id, to: .takedownRequested, note: t) { $0.takedownText = t }
    }

    static func notifyPress(_ w: Workflow, _ user: User, _ id: UUID, text: String) async throws -> ImpersonationCase {
        let t = try checkText(text, "報道機関への情報提供の文面")
        return try await advance(w, user, id, to: .pressNotified, note: t) { $0.pressText = t }
    }

    static func close(_ w: Workflow, _ user: User, _ id: UUID, outcome: ImpersonationCaseOutcome, note: String) async throws -> ImpersonationCase {
        guard note.count <= maxField, !note.containsControlCharacter else { throw AppError.badRequest("メモが正しくありません") }
        return try await advance(w, user, id, to: .closed, note: "\(outcome.displayName)\(note.isEmpty ? "" : "：\(note)")") {
            $0.outcome = outcome
        }
    }
}

extension AuditLog {
    static func append(on w: Workflow, actor: String, action: String, subject: String, detail: String, reason: String) async throws {
        let now = w.ctx.now
        try await w.ctx.write(on: w.db) { db in
            try await appendLocked(on: db, at: now, actor: actor, action: action, subject: subject, detail: detail, reason: reason)
        }
    }
}
