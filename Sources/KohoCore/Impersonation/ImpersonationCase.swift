import Foundation

/// The steps of 3(2) (and 4(2), 5(2)) once an impersonating account is found: a warning on the city website, a
/// takedown request to the platform where needed, information to the press where the chief decides, then closed.
public enum ImpersonationCaseStep: String, Sendable, Codable, CaseIterable {
    case found
    case warned
    case takedownRequested = "takedown_requested"
    case pressNotified = "press_notified"
    case closed

    public var displayName: String {
        switch self {
        case .found: return "発見"
        case .warned: return "市ホームページで注意喚起"
        case .takedownRequested: return "運営者へ削除依頼"
        case .pressNotified: return "報道機関へ情報提供"
        case .closed: return "終了"
        }
    }

    /// The steps that may follow this one. Closing (taken down or dismissed) is possible from any open step; the
    /// takedown request and the press are "必要に応じて" and may be skipped.
    public var next: [ImpersonationCaseStep] {
        switch self {
        case .found: return [.warned, .closed]
        case .warned: return [.takedownRequested, .pressNotified, .closed]
        case .takedownRequested: return [.pressNotified, .closed]
        case .pressNotified: return [.takedownRequested, .closed]
        case .closed: return []
        }
    }
}

public enum ImpersonationCaseOutcome: String, Sendable, Codable, CaseIterable {
    case takenDown = "taken_down"
    case dismissed

    public var displayName: String { self == .takenDown ? "削除された" : "なりすましではない・対応不要" }
}

/// How to report an impersonating account to each platform (the form named in the takedown request).
public struct PlatformReportForm: Sendable, Equatable {
    public var name: String
    public var url: String

    public static func of(_ platform: Platform) -> PlatformReportForm {
        switch platform {
        case .x: return .init(name: "X ヘルプセンター「なりすましアカウントの報告」フォーム", url: "https://help.x.com/forms/impersonation")
        case .facebook: return .init(name: "Facebook ヘルプセンター「なりすましアカウントの報告」フォーム",
                                     url: "https://www.facebook.com/help/contact/169486816475808")
        case .youtube: return .init(name: "YouTube ヘルプ「なりすましの報告」フォーム",
                                    url: "https://support.google.com/youtube/answer/2801947")
        }
    }
}

/// The evidence a case keeps: the candidate as seen, and the scorer's judgement.
public struct ImpersonationEvidence: Sendable, Equatable {
    public var platform: Platform
    public var handle: String
    public var name: String
    public var bio: String
    public var profileURL: String
    public var seenAt: Date
    public var score: Double
    public var reasons: [String]
    public var imitated: Account

    public init(platform: Platform, handle: String, name: String, bio: String, profileURL: String, seenAt: Date,
                score: Double, reasons: [String], imitated: Account) {
        self.platform = platform
        self.handle = handle
        self.name = name
        self.bio = bio
        self.profileURL = profileURL
        self.seenAt = seenAt
        self.score = score
        self.reasons = reasons
        self.imitated = imitated
    }

    /// The profile URL of a handle on its platform, when none was given.
    public static func profileURL(platform: Platform, handle: String) -> String {
        let h = handle.hasPrefix("@") ? String(handle.dropFirst()) : handle
        let path = h.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? h
        switch platform {
        case .x: return "https://x.com/\(path)"
        case .facebook: return "https://www.facebook.com/\(path)"
        case .youtube: return h.hasPrefix("UC") && h.count == 24 ? "https://www.youtube.com/channel/\(path)" : "https://www.youtube.com/@\(path)"
        }
    }
}

/// The texts the chief edits and sends at each step, generated from the policy and the evidence.
public enum ImpersonationTexts {
    static func seen(_ e: ImpersonationEvidence) -> String {
        let name = e.name.isEmpty ? "" : "「\(e.name)」"
        return "\(e.platform.displayName)のアカウント\(name)（\(e.handle.hasPrefix("@") || e.platform == .facebook ? e.handle : "@" + e.handle)、\(e.profileURL)）"
    }

    /// Where a look-alike differs from the official text, character by character: 「市」ではなく「巿」, 「o」が加わっている.
    /// Empty when the two are the same or share nothing to align.
    public static func differences(official: String, lookAlike: String) -> [String] {
        let a = Array(official), b = Array(lookAlike)
        guard a != b, !a.isEmpty, !b.isEmpty else { return [] }
        let diff = b.difference(from: a)
        var removed: [Int: Character] = [:], inserted: [Int: Character] = [:]
        for change in diff {
            switch change {
            case let .remove(offset, element, _): removed[offset] = element
            case let .insert(offset, element, _): inserted[offset] = element
            }
        }
        // Walk both texts along the difference: a removal facing an insertion is one character swapped for another.
        var out: [String] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            switch (removed[i], inserted[j]) {
            case let (r?, n?): out.append("「\(r)」ではなく「\(n)」"); i += 1; j += 1
            case let (r?, nil): out.append("「\(r)」が抜けている"); i += 1
            case let (nil, n?): out.append("「\(n)」が加わっている"); j += 1
            case (nil, nil): i += 1; j += 1
            }
        }
        return out
    }

    /// The sentence that tells a reader what to look at, when the look-alike is hard to tell apart by eye.
    static func lookAlikeSentence(_ e: ImpersonationEvidence) -> String {
        var lines: [String] = []
        if !e.name.isEmpty {
            let d = differences(official: e.imitated.displayName, lookAlike: e.name)
            if !d.isEmpty, d.count <= 4 {
                lines.append("表示名「\(e.name)」は公式の「\(e.imitated.displayName)」とよく似ていますが、違う文字があります（\(d.joined(separator: "、"))）。")
            }
        }
        let handle = e.handle.hasPrefix("@") ? String(e.handle.dropFirst()) : e.handle
        let d = differences(official: e.imitated.handle.lowercased(), lookAlike: handle.lowercased())
        if !d.isEmpty, d.count <= 4 {
            lines.append("ユーザー名「\(handle)」も公式の「\(e.imitated.handle)」とは違います（\(d.joined(separator: "、"))）。")
        }
        return lines.joined(separator: "\n")
    }

    /// The warning for the public pages (the notice's title and body).
    public static func warning(_ e: ImpersonationEvidence, policy: Policy) -> (title: String, body: String) {
        let org = policy.organization.name
        let title = "\(org)を名乗る\(e.platform.displayName)のなりすましアカウントにご注意ください"
        let lookAlike = lookAlikeSentence(e)
        let body = """
        \(seen(e))が、\(org)の公式アカウントであるかのように情報を発信しています。このアカウントは\(org)が運用するものではありません。\(lookAlike.isEmpty ? "" : "\n" + lookAlike)

        \(org)の公式アカウントは「\(e.imitated.displayName)」（\(e.imitated.url)）です。公式アカウントの一覧は\(org)ホームページ（\(policy.organization.website)）に掲載しています。

        なりすましアカウントの発信する情報を信用したり、個人情報を送ったり、リンクを開いたりしないようご注意ください。
        問い合わせ先：\(org)\(policy.organization.department)
        """
        return (title, body)
    }

    /// The takedown request to the platform, with the evidence and the form it goes through.
    public static func takedownRequest(_ e: ImpersonationEvidence, policy: Policy, noticeURL: String?) -> String {
        let org = policy.organization.name
        let form = PlatformReportForm.of(e.platform)
        let reasons = e.reasons.map { "・\($0)" }.joined(separator: "\n")
        return """
        送付先：\(form.name)（\(form.url)）

        \(e.platform.displayName)運営者 御中

        \(org)（\(policy.organization.department)）です。次のアカウントは\(org)の公式アカウントになりすましているため、削除を依頼します。

        なりすましアカウント：\(e.profileURL)（\(e.handle)\(e.name.isEmpty ? "" : "、表示名「\(e.name)」")）
        確認日時：\(JapaneseTime.display(e.seenAt))
        なりすまされている公式アカウント：\(e.imitated.url)（\(e.imitated.displayName)）
        \(noticeURL.map { "\(org)ホームページでの注意喚起：\($0)\n" } ?? "")
        なりすましと判断した理由（Koho による判定 スコア \(String(format: "%.2f", e.score))）：
        \(reasons)

        自己紹介：\(e.bio.isEmpty ? "（なし）" : e.bio)

        連絡先：\(org)\(policy.organization.department)（\(policy.organization.website)）
        """
    }

    /// Information for the press, where the chief decides it is needed.
    public static func pressNotice(_ e: ImpersonationEvidence, policy: Policy, noticeURL: String?) -> String {
        let org = policy.organization.name
        return """
        報道機関各位

        \(org)を名乗るなりすましアカウントについて（情報提供）

        \(seen(e))が、\(org)の公式アカウント「\(e.imitated.displayName)」（\(e.imitated.url)）になりすまして情報を発信していることを確認しました（確認日時：\(JapaneseTime.display(e.seenAt))）。
        \(org)は\(noticeURL.map { "ホームページ（\($0)）で" } ?? "ホームページで")市民の皆さまに注意を呼びかけるとともに、\(e.platform.displayName)の運営者に削除を依頼しています。
        市民の皆さまへの注意の呼びかけにご協力をお願いします。

        問い合わせ先：\(org)\(policy.organization.department)
        """
    }
}
