import Fluent
import Foundation

/// Whether Koho can act on a policy account's platform account.
enum ConnectionStatus: String, Codable, Sendable {
    case connected, needsReconnecting, notConnected

    var displayName: String {
        switch self {
        case .connected: return "接続済み"
        case .needsReconnecting: return "要再接続"
        case .notConnected: return "未接続"
        }
    }
}

/// A policy account's link to its platform account. The tokens are sealed with `TokenVault`, bound to the
/// account id, and are never shown: only `status` and the platform ids leave this row.
final class AccountConnection: Model, @unchecked Sendable {
    static let schema = "account_connections"
    @ID(key: .id) var id: UUID?
    /// The policy account id (`kodaira_tokyo`, `koho.kodairacity`, …); one row each.
    @Field(key: "account") var account: String
    @Field(key: "platform") var platform: String
    /// X user id, Facebook Page id or YouTube channel id.
    @Field(key: "platform_user_id") var platformUserID: String
    /// X username (for post URLs); the Page or channel name elsewhere.
    @Field(key: "platform_username") var platformUsername: String
    @OptionalField(key: "access_token") var sealedAccessToken: String?
    @OptionalField(key: "refresh_token") var sealedRefreshToken: String?
    @OptionalField(key: "expires_at") var expiresAt: Date?
    @Field(key: "status") var status: ConnectionStatus
    @Field(key: "status_reason") var statusReason: String
    /// `sandbox` for the local stand-in, `live` for the real platforms: a sandbox token is never sent to a real platform.
    @Field(key: "environment") var environment: String
    @Field(key: "updated_at") var updatedAt: Date
    @Field(key: "updated_by") var updatedBy: String

    init() {}
}
