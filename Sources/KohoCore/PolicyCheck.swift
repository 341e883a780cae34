import Foundation

/// One way a planned action breaks the policy, or a platform's own limit.
public struct Violation: Sendable, Equatable, Codable {
    /// The clause of the policy, such as `3(5)`; a platform's own limit names the platform (`X`, `Facebook`, `YouTube`).
    public let rule: String
    /// A stable code for other tools, such as `hours.outsideOperatingWindow`.
    public let code: String
    public let message: String

    public init(rule: String, code: String, message: String) {
        self.rule = rule
        self.code = code
        self.message = message
    }
}

public struct CheckResult: Sendable, Equatable {
    public var violations: [Violation] = []
    /// Why the chief (the policy's owner role) must approve before it goes out, each with its clause.
    public var approvalReasons: [String] = []
    public var weightedLength: Int?
    /// What the platform would receive; nil when the action names no account of the policy or cannot be rendered.
    public var rendering: Rendering?
    /// The instant the hours were checked at: the scheduled time, or now.
    public var evaluatedAt: Date
    /// True when it may go out only under the emergency exception of the hours clause.
    public var usesHoursException = false

    public var ok: Bool { violations.isEmpty }
    public var requiresChiefApproval: Bool { !approvalReasons.isEmpty }
    public var codes: [String] { violations.map(\.code) }
}

/// The platforms' own limits, as their documentation states them.
public enum PlatformLimits {
    public static let facebookTextCharacters = 63_206
    public static let youtubeTitleCharacters = 100
    public static let youtubeDescriptionBytes = 5_000
}

/// Checks a planned action against a policy: every way it breaks it, and what it still needs.
public struct PolicyChecker: Sendable {
    public let policy: Policy
    public let holidays: JapaneseHolidayCalendar

    public init(policy: Policy, holidays: JapaneseHolidayCalendar = .shared) {
        self.policy = policy
        self.holidays = holidays
    }

    public func calendar(for platform: Platform) -> OperatingCalendar? {
        policy.rules(for: platform).map { OperatingCalendar(hours: $0.operatingHours, holidays: holidays) }
    }

    /// `mediaSHA256` is the attached file, which is part of what the platform receives.
    public func check(_ action: PlannedAction, now: Date = Date(), mediaSHA256: String? = nil) -> CheckResult {
        var result = CheckResult(evaluatedAt: action.scheduledAt ?? now)
        guard let account = policy.account(action.account), let rules = policy.rules(for: account.platform) else {
            result.violations.append(unknownAccount(action.account))
            return result
        }
        var v: [Violation] = []
        var approvals: [String] = []
        let category = checkCategory(action, account, &v)
        if let category {
            checkSource(action, category, &v)
            if category.chiefJudgement {
                approvals.append("【\(category.clause)】区分「\(category.code) \(category.name)」は\(policy.ownerRole.title)の判断によります")
            }
        }
        checkKind(action, account, rules, &v, &approvals)
        checkArticleOrigin(action, rules, &v)
        checkHours(action, category, rules, &result, &v, &approvals)
        switch Rendering.render(action, account: account, mediaSHA256: mediaSHA256) {
        case .success(let r):
            result.rendering = r
            checkPlatformLimits(action, r, &v, &result)
        case .failure(let problem):
            if !v.contains(where: { $0.code == problem.code }) {
                v.append(Violation(rule: rules.quotesClause, code: problem.code, message: "【\(rules.quotesClause)】\(problem.message)"))
            }
        }
        result.violations = v
        result.approvalReasons = approvals
        return result
    }

    private func checkCategory(_ a: PlannedAction, _ account: Account, _ v: inout [Violation]) -> Category? {
        let codes = account.categories.map(\.code).joined(separator: "、")
        guard let code = a.category, !code.isEmpty else {
            // A correction reply answers a comment; it belongs to no content category.
            if a.kind != .reply {
                v.append(Violation(rule: account.categoriesClause, code: "category.missing",
                    message: "【\(account.categoriesClause)】情報発信する内容の区分を選んでください（\(account.displayName): \(codes)）"))
            }
            return nil
        }
        guard let c = account.category(code) else {
            v.append(Violation(rule: account.categoriesClause, code: "category.unknown",
                message: "【\(account.categoriesClause)】区分「\(code)」は\(account.displayName)で発信できる内容にありません（区分: \(codes)）"))
            return nil
        }
        return c
    }

    private func checkSource(_ a: PlannedAction, _ c: Category, _ v: inout [Violation]) {
        guard c.sourceArticle == .required else { return }
        let domains = c.sourceDomains.joined(separator: "、")
        guard let s = a.sourceURL?.trimmingCharacters(in: .whitespaces), !s.isEmpty else {
            v.append(Violation(rule: c.clause, code: "source.missing",
                message: "【\(c.clause)】区分「\(c.code)」は掲載済みの記事（\(domains)）のURLが必要です"))
            return
        }
        guard let url = URL(string: s), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host?.lowercased() else {
            v.append(Violation(rule: c.clause, code: "source.invalidURL", message: "【\(c.clause)】出典記事のURL「\(s)」が正しくありません"))
            return
        }
        guard c.sourceDomains.contains(where: { host == $0 || host.hasSuffix("." + $0) }) else {
            v.append(Violation(rule: c.clause, code: "source.domainNotAllowed",
                message: "【\(c.clause)】出典記事は\(domains)に掲載された記事に限ります（指定: \(host)）"))
            return
        }
    }

    private func checkKind(_ a: PlannedAction, _ account: Account, _ rules: PlatformRules,
                           _ v: inout [Violation], _ approvals: inout [String]) {
        switch a.kind {
        case .post:
            break
        case .reply:
            let clause = rules.repliesClause
            switch rules.replies {
            case .none:
                if let refused = replyNotAllowed(on: account) { v.append(refused) }
            case .correctionOnly:
                if a.replyPurpose == PlannedAction.guidancePurpose {
                    // An inquiry is answered only with the policy's own guidance, word for word.
                    if a.text.trimmingCharacters(in: .whitespacesAndNewlines) != policy.inquiryGuidance(clause: clause) {
                        v.append(Violation(rule: clause, code: "reply.notGuidance",
                            message: "【\(clause)】問合せへの返信は、問合せ・意見・苦情は従前の方法で受け付けるという案内の文だけにしてください"))
                    } else {
                        approvals.append("【\(clause)】問合せに案内を返すかどうかは\(policy.ownerRole.title)が判断します")
                    }
                } else if a.replyPurpose != PlannedAction.correctionPurpose {
                    v.append(Violation(rule: clause, code: "reply.notCorrection",
                        message: "【\(clause)】コメントへの回答は、誤解を与えるおそれがあるなど訂正または釈明が必要な場合に限ります"))
                } else {
                    approvals.append("【\(clause)】訂正・釈明の回答が必要かどうかは\(policy.ownerRole.title)が判断します")
                }
            case .allowed:
                break
            }
        case .quote:
            let clause = rules.quotesClause
            guard rules.quotes != .none else {
                v.append(Violation(rule: clause, code: "quote.notAllowed",
                    message: "【\(clause)】\(account.platform.displayName)では他のアカウントの引用は行いません"))
                return
            }
            guard let quoted = a.quotedAccount?.trimmingCharacters(in: .whitespaces), !quoted.isEmpty else {
                v.append(Violation(rule: clause, code: "quote.accountMissing", message: "【\(clause)】引用するアカウントを指定してください"))
                return
            }
            if rules.quotes == .allowListed {
                let name = quoted.hasPrefix("@") ? String(quoted.dropFirst()) : quoted
                if !rules.quoteAllowList.contains(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) {
                    v.append(Violation(rule: clause, code: "quote.accountNotAllowListed",
                        message: "【\(clause)】引用できるのは公式アカウントであることを確認できる国、都道府県、市区町村その他の機関等のアカウントに限ります（@\(name) は確認済みの一覧にありません）"))
                }
                approvals.append("【\(clause)】引用して発信するかどうかは\(policy.ownerRole.title)が判断します")
            }
        }
    }

    private func checkArticleOrigin(_ a: PlannedAction, _ rules: PlatformRules, _ v: inout [Violation]) {
        guard let origin = a.articleOrigin, !origin.isEmpty else { return }
        let clause = rules.articleOriginsClause ?? ""
        if !rules.articleOrigins.contains(where: { $0.code == origin }) {
            let known = rules.articleOrigins.map { "\($0.code)（\($0.name)）" }.joined(separator: "、")
            v.append(Violation(rule: clause, code: "articleOrigin.unknown",
                message: "【\(clause)】記事の出所「\(origin)」は使えません" + (known.isEmpty ? "" : "（\(known)）")))
        }
    }

    private func checkHours(_ a: PlannedAction, _ category: Category?, _ rules: PlatformRules, _ result: inout CheckResult,
                            _ v: inout [Violation], _ approvals: inout [String]) {
        let clause = rules.hoursClause
        let reason = a.emergencyReason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if a.emergency, reason.isEmpty, rules.hoursExceptionNeedsReason {
            v.append(Violation(rule: clause, code: "emergency.reasonMissing",
                message: "【\(clause)】緊急として扱うには、その理由を記録してください"))
        }
        let calendar = OperatingCalendar(hours: rules.operatingHours, holidays: holidays)
        let at = result.evaluatedAt
        guard !calendar.isOpen(at: at) else { return }
        if a.emergency {
            result.usesHoursException = true
            if category?.emergencyEligible != true {
                approvals.append("【\(clause)】運用時間外の発信（内容による例外）は\(policy.ownerRole.title)が判断します")
            }
            return
        }
        var message = "【\(clause)】\(JapaneseTime.display(at, in: rules.operatingHours.timeZone))は運用時間外です（\(describe(rules.operatingHours))）"
        if let next = calendar.nextOpening(after: at) {
            message += "。次の運用開始は\(JapaneseTime.display(next, in: rules.operatingHours.timeZone))です"
        }
        v.append(Violation(rule: clause, code: "hours.outsideOperatingWindow", message: message))
    }

    public func describe(_ h: OperatingHours) -> String {
        let names = ["日", "月", "火", "水", "木", "金", "土"]
        let days = h.weekdays.sorted().map { names[$0] }.joined()
        var s = "\(days) " + String(format: "%d:%02d〜%d:%02d", h.opens / 60, h.opens % 60, h.closes / 60, h.closes % 60)
        var closed: [String] = []
        if h.closedOnNationalHolidays { closed.append("祝日") }
        closed += h.closures.map { "\($0.name) \($0.from)〜\($0.through)" }
        if !closed.isEmpty { s += "、\(closed.joined(separator: "・"))を除く" }
        return s
    }

    /// The platform's limits, on what the platform receives: the rendering, not the fields it is made from.
    private func checkPlatformLimits(_ a: PlannedAction, _ r: Rendering, _ v: inout [Violation], _ result: inout CheckResult) {
        let blank = r.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        switch r.platform {
        case .x:
            let parsed = XTextCounter.parse(r.text)
            result.weightedLength = parsed.weightedLength
            if blank, r.quotedPostID == nil, r.mediaSHA256 == nil {
                v.append(Violation(rule: "X", code: "text.empty", message: "本文が空です"))
            } else if parsed.weightedLength > XTextConfiguration.v3.maxWeightedLength {
                v.append(Violation(rule: "X", code: "x.textTooLong",
                    message: "Xの文字数の上限（280。日本語は1文字2、URLは23と数えます）を超えています: \(parsed.weightedLength)。"
                        + XLengthAdvice.cut(over: parsed.weightedLength - XTextConfiguration.v3.maxWeightedLength)))
            } else if !parsed.isValid {
                v.append(Violation(rule: "X", code: "x.invalidCharacters", message: "Xで使えない文字（U+FFFE、U+FEFF、U+FFFF）が含まれています"))
            }
        case .facebook:
            let count = r.text.unicodeScalars.count
            if blank, r.link == nil {
                v.append(Violation(rule: "Facebook", code: "text.empty", message: "本文が空です"))
            } else if count > PlatformLimits.facebookTextCharacters {
                v.append(Violation(rule: "Facebook", code: "facebook.textTooLong",
                    message: "フェイスブックの投稿の上限（\(PlatformLimits.facebookTextCharacters)文字）を超えています: \(count)文字"))
            }
        case .youtube:
            if r.kind == .reply {
                if blank { v.append(Violation(rule: "YouTube", code: "text.empty", message: "本文が空です")) }
                return
            }
            let title = r.title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if title.isEmpty {
                v.append(Violation(rule: "YouTube", code: "youtube.titleMissing", message: "動画のタイトルが必要です"))
            } else {
                let count = title.unicodeScalars.count
                if count > PlatformLimits.youtubeTitleCharacters {
                    v.append(Violation(rule: "YouTube", code: "youtube.titleTooLong",
                        message: "動画のタイトルの上限（\(PlatformLimits.youtubeTitleCharacters)文字）を超えています: \(count)文字"))
                }
                if title.contains("<") || title.contains(">") {
                    v.append(Violation(rule: "YouTube", code: "youtube.titleInvalidCharacters", message: "動画のタイトルに「<」「>」は使えません"))
                }
            }
            let bytes = r.text.utf8.count
            if bytes > PlatformLimits.youtubeDescriptionBytes {
                v.append(Violation(rule: "YouTube", code: "youtube.descriptionTooLong",
                    message: "動画の説明（本文・リンク・出典記事）の上限（\(PlatformLimits.youtubeDescriptionBytes)バイト）を超えています: \(bytes)バイト"))
            }
            if r.text.contains("<") || r.text.contains(">") {
                v.append(Violation(rule: "YouTube", code: "youtube.descriptionInvalidCharacters", message: "動画の説明に「<」「>」は使えません"))
            }
        }
    }
}

/// How much to cut from an X text, said the same way by the check's message and by the compose page's live line, so
/// that the two never show different figures side by side.
public enum XLengthAdvice {
    public static func cut(over: Int) -> String {
        "あと\((over + 1) / 2)文字分減らしてください（Xの数え方で\(over)超えています。日本語は1文字を2、英数字は1と数えます）"
    }
}
