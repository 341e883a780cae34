import Fluent
import Foundation

/// An API bearer token; only its SHA-256 is kept.
final class APIToken: Model, @unchecked Sendable {
    static let schema = "api_tokens"
    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: User
    @Field(key: "name") var name: String
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "last_used_at") var lastUsedAt: Date?

    init() {}
    init(userID: UUID, name: String, tokenHash: String, createdAt: Date) {
        self.$user.id = userID
        self.name = name
        self.tokenHash = tokenHash
        self.createdAt = createdAt
    }

    /// Records a use, at most once a minute, so that API calls are not each a write.
    func markUsed(at now: Date, on db: Database) async throws {
        guard useIsDue(at: now) else { return }
        lastUsedAt = now
        try await save(on: db)
    }

    func useIsDue(at now: Date) -> Bool { Self.useIsDue(lastUsedAt: lastUsedAt, at: now) }

    static func useIsDue(lastUsedAt last: Date?, at now: Date) -> Bool {
        guard let last else { return true }
        return now.timeIntervalSince(last) >= 60 || now < last
    }
}
