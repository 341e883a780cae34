import Foundation

/// Where a post stands in its life under the policy.
public enum PostState: String, Sendable, Codable, CaseIterable {
    case draft, submitted, scheduled, rejected, cancelled, expired
    // The platform issue moves posts through these; nothing here enters them yet.
    case publishing, published, failed

    public var displayName: String {
        switch self {
        case .draft: return "下書き"
        case .submitted: return "承認待ち"
        case .scheduled: return "予約済み"
        case .rejected: return "差戻し"
        case .cancelled: return "取消し"
        case .expired: return "期限切れ"
        case .publishing: return "発信中"
        case .published: return "発信済み"
        case .failed: return "発信失敗"
        }
    }

    /// States in which the post's content may still change.
    public var isEditable: Bool { [.draft, .submitted, .scheduled, .rejected, .expired].contains(self) }
}

/// What someone does to a post.
public enum PostEvent: String, Sendable, CaseIterable {
    case submit, approve, reject, cancel, edit, expire

    public var displayName: String {
        switch self {
        case .submit: return "提出"
        case .approve: return "承認"
        case .reject: return "差戻し"
        case .cancel: return "取消し"
        case .edit: return "編集"
        case .expire: return "期限切れ"
        }
    }
}

public struct PostTransitionError: Error, Equatable, CustomStringConvertible, Sendable {
    public let state: PostState
    public let event: PostEvent
    public var description: String { "「\(state.displayName)」の投稿は\(event.displayName)できません" }
}

/// The post workflow as pure rules: which event moves which state where.
public enum PostWorkflow {
    /// An approved post that has not gone out this long after its time has lost its approval.
    public static let expiryGrace: TimeInterval = 15 * 60

    /// `needsChief` is whether the post check asks for the chief's approval; without it a submitted
    /// post needs nobody's judgement and is scheduled at once.
    public static func next(_ state: PostState, _ event: PostEvent, needsChief: Bool) throws -> PostState {
        switch (state, event) {
        case (.draft, .submit): return needsChief ? .submitted : .scheduled
        case (.submitted, .approve): return .scheduled
        case (.submitted, .reject): return .rejected
        case (.draft, .cancel), (.submitted, .cancel), (.scheduled, .cancel): return .cancelled
        case (.draft, .edit), (.rejected, .edit), (.expired, .edit): return .draft
        // An edit never publishes. A post waiting for approval keeps waiting; a scheduled one loses its approval and
        // goes back to the chief where it needs the chief (or the emergency exception), else to a draft that must be
        // submitted again: only an approval or a confirmed submission sends a post towards the platform.
        case (.submitted, .edit): return .submitted
        case (.scheduled, .edit): return needsChief ? .submitted : .draft
        case (.scheduled, .expire): return .expired
        default: throw PostTransitionError(state: state, event: event)
        }
    }

    public static func events(from state: PostState) -> [PostEvent] {
        PostEvent.allCases.filter { (try? next(state, $0, needsChief: true)) != nil }
    }

    /// When a post goes out: the chosen time, or else now for an emergency and the next operating window otherwise.
    public static func resolveTime(chosen: Date?, emergency: Bool, calendar: OperatingCalendar?, now: Date) -> Date {
        if let chosen { return chosen }
        if emergency { return now }
        return calendar?.earliestPublishingTime(atOrAfter: now) ?? now
    }

    public static func isOverdue(scheduledAt: Date?, now: Date) -> Bool {
        guard let scheduledAt else { return false }
        return now.timeIntervalSince(scheduledAt) > expiryGrace
    }
}

extension PolicyChecker {
    /// The post check for a step of the workflow: the action at its resolved time, plus what only a
    /// workflow can know (a time already past). `submitting` is set for the steps that send a post
    /// towards publication; a draft may still leave out where its article comes from. `storedPost` says that
    /// `mediaSHA256` is what the saved post has attached (nil: nothing), so that a YouTube post is refused without its
    /// video; a form not yet saved cannot have one attached, and is not refused for it.
    public func checkForWorkflow(_ action: PlannedAction, chosen: Date?, now: Date, submitting: Bool = false,
                                 mediaSHA256: String? = nil, storedPost: Bool = false) -> (CheckResult, Date) {
        let account = policy.account(action.account)
        let cal = account.flatMap { calendar(for: $0.platform) }
        let at = PostWorkflow.resolveTime(chosen: chosen, emergency: action.emergency, calendar: cal, now: now)
        var a = action
        a.scheduledAt = at
        var result = check(a, now: now, mediaSHA256: mediaSHA256)
        if let chosen, now.timeIntervalSince(chosen) > 60 {
            let clause = account.flatMap { policy.rules(for: $0.platform)?.hoursClause } ?? ""
            result.violations.append(Violation(rule: clause, code: "schedule.inPast",
                message: "【\(clause)】予約日時 \(JapaneseTime.display(chosen)) は過ぎています"))
        }
        if submitting, action.kind == .post, let rules = account.flatMap({ policy.rules(for: $0.platform) }), !rules.articleOrigins.isEmpty,
           (action.articleOrigin ?? "").isEmpty, !result.codes.contains("articleOrigin.missing") {
            let clause = rules.articleOriginsClause ?? ""
            result.violations.append(Violation(rule: clause, code: "articleOrigin.missing",
                message: "【\(clause)】記事の出所（\(rules.articleOrigins.map(\.name).joined(separator: "、"))）を選んでください"))
        }
        if submitting, action.kind == .quote, let r = result.rendering, r.platform == .x, r.quotedPostID == nil,
           let clause = account.flatMap({ policy.rules(for: $0.platform)?.quotesClause }) {
            result.violations.append(Violation(rule: clause, code: "quote.postMissing",
                message: "【\(clause)】引用する投稿のURL（https://x.com/…/status/…）をリンクに入れてください"))
        }
        if submitting, action.kind == .reply, (action.inReplyTo ?? "").trimmingCharacters(in: .whitespaces).isEmpty,
           let clause = account.flatMap({ policy.rules(for: $0.platform)?.repliesClause }) {
            result.violations.append(Violation(rule: clause, code: "reply.targetMissing",
                message: "【\(clause)】返信先（コメントまたは投稿のIDかURL）を入力してください"))
        }
        if submitting, storedPost, mediaSHA256 == nil, action.kind != .reply, account?.platform == .youtube {
            result.violations.append(Violation(rule: "YouTube", code: "youtube.videoMissing",
                message: "動画ファイルが添付されていません。投稿のページから動画を添付してから提出してください。"))
        }
        return (result, at)
    }
}

extension PlannedAction {
    /// The action as the JSON fields of `koho check`, so that it can be stored and read back with `decode(fields:)`.
    public var fields: [String: JSONValue] {
        var f: [String: JSONValue] = ["account": .string(account), "kind": .string(kind.rawValue), "text": .string(text)]
        func put(_ k: String, _ v: String?) { if let v { f[k] = .string(v) } }
        put("category", category)
        put("title", title)
        if !links.isEmpty { f["links"] = .array(links.map { .string($0) }) }
        put("sourceURL", sourceURL)
        put("scheduledAt", scheduledAt.map { JapaneseTime.iso8601($0) })
        if emergency { f["emergency"] = .bool(true) }
        put("emergencyReason", emergencyReason)
        put("replyPurpose", replyPurpose)
        put("quotedAccount", quotedAccount)
        put("articleOrigin", articleOrigin)
        put("inReplyTo", inReplyTo)
        return f
    }
}

extension PolicyLoader {
    /// The YAML text of the built-in policy, stored as the first policy version.
    public static var builtInYAML: String { BuiltInPolicy.kodairaR5 }
}
