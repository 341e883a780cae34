import Fluent
import Foundation
import KohoCore

/// A notice for the public pages: a warning about an impersonating account (3(2), 4(2), 5(2)) or the reason an
/// official account is suspended or deleted (3(7), 4(9), 5(9)). Written as a draft; live once the chief publishes it.
package final class Notice: Model, @unchecked Sendable {
    package static let schema = "notices"

    package enum Kind: String, Codable, CaseIterable, Sendable {
        case impersonation, suspension
        var displayName: String {
            switch self {
            case .impersonation: return "なりすましアカウントへの注意"
            case .suspension: return "アカウントの停止・削除"
            }
        }
    }

    package enum Status: String, Codable, Sendable {
        case draft, published
        var displayName: String { self == .draft ? "下書き" : "掲載中" }
    }

    @ID(key: .id) package var id: UUID?
    @Field(key: "kind") package var kind: Kind
    /// The official account the notice is about (the one imitated, or the one suspended).
    @Field(key: "account") package var account: String
    @Field(key: "title") package var title: String
    @Field(key: "body") package var body: String
    @Field(key: "status") package var status: Status
    @OptionalField(key: "published_at") package var publishedAt: Date?
    @Field(key: "created_by") package var createdBy: String
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "updated_at") package var updatedAt: Date
    /// What the notice is about, as `kind:id` (e.g. `impersonation-case:<uuid>`, `suspension:<account>`), or empty.
    @Field(key: "about") package var about: String
    /// When the suspended account was resumed: the public page says so under the notice.
    @OptionalField(key: "resumed_at") var resumedAt: Date?
    /// Raised by every change, so that the chief publishes the text they saw and an edit does not overwrite another.
    @Field(key: "lock_version") package var lockVersion: Int
    /// The readable name of its public page (`2026-12-07-suspension-kodaira_tokyo`), given when it is published and
    /// kept through later edits, so that the address never changes.
    @OptionalField(key: "slug") package var slug: String?

    package init() {}

    var idString: String { id?.uuidString.lowercased() ?? "" }

    /// The public page's name: the slug, or the id for a notice not yet published.
    var publicName: String { slug ?? idString }

    /// The slug for a notice published on `day`: the day in Tokyo, the kind and the account, in ASCII letters, digits,
    /// `-` and `_`; `taken` are the slugs already given, a second one on the same day gets `-2`, `-3`, ….
    static func slug(kind: Kind, account: String, publishedAt day: Date, taken: Set<String>) -> String {
        let date = String(JapaneseTime.iso8601(day).prefix(10))
        let name = String(account.lowercased().unicodeScalars.map { s -> Character in
            (s.isASCII && (CharacterSet.alphanumerics.contains(s) || s == "_" || s == "-")) ? Character(s) : "-"
        })
        let trimmed = name.split(separator: "-", omittingEmptySubsequences: true).joined(separator: "-").prefix(60)
        let base = "\(date)-\(kind.rawValue)" + (trimmed.isEmpty ? "" : "-\(trimmed)")
        guard taken.contains(base) else { return base }
        var n = 2
        while taken.contains("\(base)-\(n)") { n += 1 }
        return "\(base)-\(n)"
    }

    /// Whether `s` has a slug's shape; anything else in a public URL is not looked up.
    static func isSlug(_ s: String) -> Bool {
        s.count <= 120 && s.utf8.count == s.count && !s.isEmpty
            && s.unicodeScalars.allSatisfy { ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || $0 == "-" || $0 == "_" }
    }
}
