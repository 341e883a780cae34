import Fluent
import Foundation

/// A notice for the public pages: a warning about an impersonating account (3(2), 4(2), 5(2)) or the reason an
/// official account is suspended or deleted (3(7), 4(9), 5(9)). Written as a draft; live once the chief publishes it.
final class Notice: Model, @unchecked Sendable {
    static let schema = "notices"

    enum Kind: String, Codable, CaseIterable, Sendable {
        case impersonation, suspension
        var displayName: String {
            switch self {
            case .impersonation: return "なりすましアカウントへの注意"
            case .suspension: return "アカウントの停止・削除"
            }
        }
    }

    enum Status: String, Codable, Sendable {
        case draft, published
        var displayName: String { self == .draft ? "下書き" : "掲載中" }
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "kind") var kind: Kind
    /// The official account the notice is about (the one imitated, or the one suspended).
    @Field(key: "account") var account: String
    @Field(key: "title") var title: String
    @Field(key: "body") var body: String
    @Field(key: "status") var status: Status
    @OptionalField(key: "published_at") var publishedAt: Date?
    @Field(key: "created_by") var createdBy: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    /// What the notice is about, as `kind:id` (e.g. `impersonation-case:<uuid>`, `suspension:<account>`), or empty.
    @Field(key: "about") var about: String
    /// When the suspended account was resumed: the public page says so under the notice.
    @OptionalField(key: "resumed_at") var resumedAt: Date?
    /// Raised by every change, so that the chief publishes the text they saw and an edit does not overwrite another.
    @Field(key: "lock_version") var lockVersion: Int

    init() {}

    var idString: String { id?.uuidString.lowercased() ?? "" }
}
