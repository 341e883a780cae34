import Foundation

/// A city's social-media operating policy as data. Each rule carries the clause number of the
/// document it comes from, so that every check result can point a user back to the text.
public struct Policy: Sendable, Equatable {
    public var format: String
    public var version: String
    public var effectiveDate: CivilDate
    public var title: String
    public var organization: Organization
    public var ownerRole: Role
    public var platforms: [PlatformRules]
    public var accounts: [Account]
    public var commentDeletion: CommentDeletionRules?
    public var disclaimers: [Disclaimer]
    /// The areas whose disaster messages concern the city (気象庁防災情報XML); nil when the file names none.
    public var emergencyAreas: JMAArea? = nil
    /// `emergencyAreas.disasterModeAt`: the level of an agency message for the city that switches every account into
    /// disaster mode (4); nil: only the chief switches it.
    public var disasterModeAt: DisasterModeLevel? = nil
    /// The policy's own text as the city adopted it (a Markdown subset: `#` headings, paragraphs, `-` lists, links), for
    /// the public pages: 3(3), 4(3) and 5(3) ask for the policy itself on the city's site. Nil when the file has none.
    public var document: String? = nil
    /// How long comments and platform attempts are kept (`records:`); for ever unless the file says otherwise.
    public var records = RecordsRetention()

    public func account(_ idOrHandle: String) -> Account? {
        let key = idOrHandle.hasPrefix("@") ? String(idOrHandle.dropFirst()) : idOrHandle
        // The id first: it is what stored posts carry, and a case-insensitive comparison costs far more.
        return accounts.first { $0.id == key } ?? accounts.first { $0.handle.caseInsensitiveCompare(key) == .orderedSame }
    }

    public func rules(for platform: Platform) -> PlatformRules? {
        platforms.first { $0.platform == platform }
    }
}

public struct Organization: Sendable, Equatable {
    public var name: String
    public var department: String
    public var website: String
}

public struct Role: Sendable, Equatable {
    public var title: String
    public var clause: String
}

public enum Platform: String, Sendable, CaseIterable, Codable {
    case x, facebook, youtube

    public var displayName: String {
        switch self {
        case .x: return "X"
        case .facebook: return "フェイスブック"
        case .youtube: return "ユーチューブ"
        }
    }
}

public struct Account: Sendable, Equatable {
    /// The handle, page name or channel id by which the policy names the account.
    public var id: String
    public var platform: Platform
    public var handle: String
    public var displayName: String
    public var url: String
    public var clause: String
    public var categoriesClause: String
    public var categories: [Category]

    public func category(_ code: String) -> Category? { categories.first { $0.code == code } }
}

/// A content category (情報発信する内容) of an account, coded as the document codes it.
public struct Category: Sendable, Equatable {
    public enum SourceArticle: String, Sendable { case required, none }

    public var code: String
    public var name: String
    public var description: String
    public var clause: String
    /// A source article already published on the city website or mail magazine must be linked.
    public var sourceArticle: SourceArticle
    public var sourceDomains: [String]
    /// Rests on the chief's judgement: the chief must approve each post.
    public var chiefJudgement: Bool
    /// May go out outside the operating hours when marked as an emergency with a reason.
    public var emergencyEligible: Bool
}

public struct PlatformRules: Sendable, Equatable {
    public enum ReplyRule: String, Sendable {
        case none          // 返信しない
        case correctionOnly // 訂正・釈明に限る
        case allowed
    }
    public enum QuoteRule: String, Sendable {
        case none
        case allowListed
        case allowed
    }

    public var platform: Platform
    public var staffRole: Role
    public var operatingHours: OperatingHours
    public var hoursClause: String
    /// The exception of 3(5) ただし書: emergencies and some content may go out of hours with a recorded reason.
    public var hoursExceptionNeedsReason: Bool
    public var replies: ReplyRule
    public var repliesClause: String
    public var quotes: QuoteRule
    public var quotesClause: String
    /// Accounts of public bodies whose official status is confirmed (3(6)).
    public var quoteAllowList: [String]
    public var suspensionClause: String
    /// Suspension or deletion only after the reason is published on the city website.
    public var suspensionRequiresPublishedReason: Bool
    public var verificationClause: String?
    public var disclosureClause: String?
    /// Where an article comes from (4(5): 市報, the city website, or written by the section).
    public var articleOrigins: [ArticleOrigin]
    public var articleOriginsClause: String?
}

public struct ArticleOrigin: Sendable, Equatable {
    public var code: String
    public var name: String
}

public struct CommentDeletionRules: Sendable, Equatable {
    /// Account id → the clause that lets its comments be deleted.
    public var clauses: [String: String]
    public var grounds: [DeletionGround]

    public func clause(for account: Account) -> String? { clauses[account.id] }
}

/// A ground on which a comment is deleted (4(8), 5(8)).
public struct DeletionGround: Sendable, Equatable {
    public var code: String
    public var number: String
    public var description: String
}

public struct Disclaimer: Sendable, Equatable {
    public var clause: String
    public var text: String
}

/// Monday–Friday 08:30–17:15 in Asia/Tokyo, closed on national holidays and 12/29–1/3, as data.
public struct OperatingHours: Sendable, Equatable {
    public var timeZone: TimeZone
    /// 0 = Sunday … 6 = Saturday.
    public var weekdays: Set<Int>
    /// Minutes after local midnight.
    public var opens: Int
    public var closes: Int
    public var closedOnNationalHolidays: Bool
    public var closures: [AnnualClosure]

    public init(timeZone: TimeZone, weekdays: Set<Int>, opens: Int, closes: Int,
                closedOnNationalHolidays: Bool, closures: [AnnualClosure]) {
        self.timeZone = timeZone
        self.weekdays = weekdays
        self.opens = opens
        self.closes = closes
        self.closedOnNationalHolidays = closedOnNationalHolidays
        self.closures = closures
    }
}

/// A closure that recurs every year, such as 12/29–1/3; it may wrap the year end.
public struct AnnualClosure: Sendable, Equatable {
    public var name: String
    public var from: MonthDay
    public var through: MonthDay

    public func contains(_ date: CivilDate) -> Bool {
        let d = MonthDay(month: date.month, day: date.day)
        if from <= through { return from <= d && d <= through }
        return d >= from || d <= through
    }
}

public struct MonthDay: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var month: Int
    public var day: Int
    public static func < (a: MonthDay, b: MonthDay) -> Bool { (a.month, a.day) < (b.month, b.day) }
    public var description: String { "\(month)/\(day)" }
}
