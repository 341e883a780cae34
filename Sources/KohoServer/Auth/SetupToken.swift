import Fluent
import Foundation

/// The one-time link that creates the first chief; only its SHA-256 is kept.
final class SetupToken: Model, @unchecked Sendable {
    static let schema = "setup_tokens"
    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?

    init() {}
    init(tokenHash: String, createdAt: Date) {
        self.tokenHash = tokenHash
        self.createdAt = createdAt
    }
}
