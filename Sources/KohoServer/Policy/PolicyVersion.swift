import Fluent
import Foundation

/// One version of the policy text that has been in force; posts point at the one they were checked under.
final class PolicyVersion: Model, @unchecked Sendable {
    static let schema = "policy_versions"
    @ID(key: .id) var id: UUID?
    @Field(key: "number") var number: Int
    @Field(key: "version") var version: String
    @Field(key: "yaml") var yaml: String
    @Field(key: "sha256") var sha256: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
    init(number: Int, version: String, yaml: String, sha256: String, createdAt: Date) {
        self.number = number
        self.version = version
        self.yaml = yaml
        self.sha256 = sha256
        self.createdAt = createdAt
    }

    var label: String { "\(version)（第\(number)版）" }
}
