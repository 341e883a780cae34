import Foundation

/// A calendar month in Japan: from 00:00 on the 1st to 00:00 on the 1st of the next month, Tokyo time.
public struct ReportMonth: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    public init?(year: Int, month: Int) {
        guard (1...12).contains(month), (1900...2200).contains(year) else { return nil }
        self.year = year
        self.month = month
    }

    /// `YYYY-MM`; full-width digits and hyphens (２０２６－１１) are read as their ASCII forms.
    public init?(_ raw: String) {
        var ascii = ""
        for u in raw.trimmingCharacters(in: .whitespaces).unicodeScalars {
            switch u.value {
            case 0xFF10...0xFF19: ascii.unicodeScalars.append(Unicode.Scalar(u.value - 0xFF10 + 0x30)!)
            case 0xFF0D, 0x2010, 0x2011, 0x2012, 0x2013, 0x2212, 0x30FC: ascii.append("-")
            default: ascii.unicodeScalars.append(u)
            }
        }
        let parts = ascii.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let y = Int(parts[0]), let m = Int(parts[1]) else { return nil }
        self.init(year: y, month: m)
    }

    /// The month `instant` falls in, in Tokyo.
    public static func containing(_ instant: Date) -> ReportMonth {
        let d = JapaneseTime.localDate(instant)
        return ReportMonth(year: d.year, month: d.month)!
    }

    public var description: String { String(format: "%04d-%02d", year, month) }
    /// 「2026年11月」
    public var japanese: String { "\(year)年\(month)月" }
    public var days: Int { CivilDate.daysInMonth(year: year, month: month) }
    public var previous: ReportMonth { month == 1 ? ReportMonth(year: year - 1, month: 12)! : ReportMonth(year: year, month: month - 1)! }
    public var next: ReportMonth { month == 12 ? ReportMonth(year: year + 1, month: 1)! : ReportMonth(year: year, month: month + 1)! }
    public var start: Date { JapaneseTime.instant(wallClock: Double(CivilDate(year, month, 1).dayNumber * 86400), in: JapaneseTime.tokyo) }
    public var end: Date { next.start }
    public func contains(_ instant: Date) -> Bool { instant >= start && instant < end }

    public static func < (a: ReportMonth, b: ReportMonth) -> Bool { (a.year, a.month) < (b.year, b.month) }
}

/// The monthly transparency report on comments (4(7)/5(7), 4(8)/5(8)): what came in, what Koho flagged, what the
/// chief decided and how long that took, and the corrections that went out. One value, rendered as the page, the
/// CSV and `koho report comments`; `tally` is the only place that counts.
public struct CommentReport: Sendable, Equatable {
    /// One comment as the report needs it.
    public struct CommentRow: Sendable {
        public var account: String
        public var receivedAt: Date
        /// The marks of the grounds the classifier flagged (`③`, `①`…).
        public var grounds: [String]
        public var misleading: Bool
        /// The chief's decision (`delete`, `hide`, `keep`, `correct`), nil while undecided.
        public var decision: String?
        /// The ground the chief gave for a delete or hide.
        public var decisionGround: String?
        public var decidedAt: Date?
        /// The hide or delete the chief confirmed against Koho's suggestion (「提案に反する削除」).
        public var againstSuggestion: Bool
        /// What was carried out on the platform (`delete` or `hide`), whatever was decided after it: a deletion
        /// carried out is counted as one.
        public var carriedOut: String?

        public init(account: String, receivedAt: Date, grounds: [String], misleading: Bool, decision: String? = nil,
                    decisionGround: String? = nil, decidedAt: Date? = nil, againstSuggestion: Bool = false, carriedOut: String? = nil) {
            self.account = account
            self.receivedAt = receivedAt
            self.grounds = grounds
            self.misleading = misleading
            self.decision = decision
            self.decisionGround = decisionGround
            self.decidedAt = decidedAt
            self.againstSuggestion = againstSuggestion
            self.carriedOut = carriedOut
        }

        /// The decision as carried out: a hide or delete done on the platform stands over any later decision.
        public var effectiveDecision: String? {
            if carriedOut == "delete" || (carriedOut == "hide" && decision != "delete") { return carriedOut }
            return decision
        }

        /// Flagged: a ground of 4(8)/5(8) may be met, or it may mislead (a correction under 4(7)/5(7)).
        public var flagged: Bool { !grounds.isEmpty || misleading }
    }

    /// A correction reply post that went out on its platform.
    public struct CorrectionRow: Sendable {
        public var account: String
        public var publishedAt: Date
        public init(account: String, publishedAt: Date) {
            self.account = account
            self.publishedAt = publishedAt
        }
    }

    public struct AccountLine: Sendable, Equatable {
        public var account: String
        /// The policy's name and platform (「フェイスブック 小平市」), or the id where the policy has no such account.
        public var name: String
        public var received = 0
        public var flagged = 0
        public var decided = 0
        public var corrections = 0
    }

    public struct GroundLine: Sendable, Equatable {
        public var mark: String
        public var description: String
        /// Comments received in the month that the classifier flagged with this ground.
        public var flagged = 0
        /// Deletions and hidings the chief decided in the month on this ground.
        public var decided = 0
    }

    public struct DecisionLine: Sendable, Equatable {
        public var action: String
        public var name: String
        public var count = 0
    }

    public struct DurationBucket: Sendable, Equatable {
        public var label: String
        /// Up to (not including) this many seconds; nil for the last, open bucket.
        public var below: Double?
        public var count = 0
    }

    public var month: ReportMonth
    /// Comments received in the month.
    public var received = 0
    /// Of those, flagged (a ground, or misleading).
    public var flagged = 0
    /// Of those, flagged as possibly misleading.
    public var misleading = 0
    /// Decisions the chief made in the month (on comments received in any month).
    public var decided = 0
    /// Correction replies published in the month.
    public var correctionsPublished = 0
    /// Of the decisions, hides and deletions the chief confirmed against Koho's suggestion (「提案に反する削除」).
    public var againstSuggestion = 0
    public var accounts: [AccountLine] = []
    public var grounds: [GroundLine] = []
    public var decisions: [DecisionLine] = []
    /// From receipt to the chief's decision, for the decisions made in the month, in seconds.
    public var decisionMedian: Double?
    public var decisionMax: Double?
    public var decisionTimes: [DurationBucket] = []

    public static let decisionNames: [(String, String)] = [
        ("delete", "削除"), ("hide", "非表示"), ("keep", "そのまま"), ("correct", "訂正の返信"),
    ]

    public static let bucketBounds: [(String, Double?)] = [
        ("1時間未満", 3600), ("1〜6時間", 6 * 3600), ("6〜24時間", 86400), ("1〜3日", 3 * 86400), ("3〜7日", 7 * 86400), ("7日以上", nil),
    ]

    /// Counts the month out of the comments and corrections given (rows outside the month are left out here, so the
    /// caller may pass more). `accounts` are the policy's accounts in order, with their names; an account found
    /// only in the data is added after them under its id. `grounds` are the policy's (mark, description).
    public static func tally(month: ReportMonth, comments: [CommentRow], corrections: [CorrectionRow],
                             accounts: [(id: String, name: String)], grounds: [(mark: String, description: String)]) -> CommentReport {
        var r = CommentReport(month: month)
        var lines = accounts.map { AccountLine(account: $0.id, name: $0.name) }
        func line(_ id: String) -> Int {
            if let i = lines.firstIndex(where: { $0.account == id }) { return i }
            lines.append(AccountLine(account: id, name: id))
            return lines.count - 1
        }
        r.grounds = grounds.map { GroundLine(mark: $0.mark, description: $0.description) }
        func ground(_ mark: String) -> Int {
            if let i = r.grounds.firstIndex(where: { $0.mark == mark }) { return i }
            r.grounds.append(GroundLine(mark: mark, description: "（ポリシーにない根拠）"))
            return r.grounds.count - 1
        }
        r.decisions = decisionNames.map { DecisionLine(action: $0.0, name: $0.1) }
        var durations: [Double] = []
        for c in comments {
            if month.contains(c.receivedAt) {
                let i = line(c.account)
                r.received += 1
                lines[i].received += 1
                if c.flagged {
                    r.flagged += 1
                    lines[i].flagged += 1
                }
                if c.misleading { r.misleading += 1 }
                for g in Set(c.grounds) { r.grounds[ground(g)].flagged += 1 }
            }
            if let decision = c.effectiveDecision, let at = c.decidedAt, month.contains(at) {
                let i = line(c.account)
                r.decided += 1
                lines[i].decided += 1
                if let d = r.decisions.firstIndex(where: { $0.action == decision }) {
                    r.decisions[d].count += 1
                } else {
                    r.decisions.append(DecisionLine(action: decision, name: decision, count: 1))
                }
                if decision == "delete" || decision == "hide", let g = c.decisionGround, !g.isEmpty { r.grounds[ground(g)].decided += 1 }
                if decision == "delete" || decision == "hide", c.againstSuggestion { r.againstSuggestion += 1 }
                durations.append(max(0, at.timeIntervalSince(c.receivedAt)))
            }
        }
        for c in corrections where month.contains(c.publishedAt) {
            r.correctionsPublished += 1
            lines[line(c.account)].corrections += 1
        }
        r.accounts = lines
        durations.sort()
        if !durations.isEmpty {
            let n = durations.count
            r.decisionMedian = n % 2 == 1 ? durations[n / 2] : (durations[n / 2 - 1] + durations[n / 2]) / 2
            r.decisionMax = durations.last
        }
        r.decisionTimes = bucketBounds.map { DurationBucket(label: $0.0, below: $0.1) }
        for d in durations {
            let i = r.decisionTimes.firstIndex { b in b.below.map { d < $0 } ?? true }!
            r.decisionTimes[i].count += 1
        }
        return r
    }

    /// 「3日4時間」「2時間5分」「45分」「30秒」: the two largest units.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        let d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60
        if d > 0 { return h > 0 ? "\(d)日\(h)時間" : "\(d)日" }
        if h > 0 { return m > 0 ? "\(h)時間\(m)分" : "\(h)時間" }
        if m > 0 { return "\(m)分" }
        return "\(s)秒"
    }

    /// The period as a line: 「2026年11月（2026-11-01〜2026-11-30、日本時間）」.
    public var period: String {
        "\(month.japanese)（\(month)-01〜\(month)-\(String(format: "%02d", month.days))、日本時間）"
    }
}
