import KohoCore
import KohoPlatforms

/// An account the sandbox knows, with the access token that acts for it.
public struct SandboxAccount: Sendable, Equatable {
    public var platform: Platform
    /// The account's id in the policy: X username, Facebook page username, YouTube channel id.
    public var account: String
    /// The platform's own id: X user id, Facebook page id, YouTube channel id.
    public var platformId: String
    public var username: String
    public var name: String
    public var accessToken: String

    public init(platform: Platform, account: String, platformId: String, username: String, name: String, accessToken: String) {
        self.platform = platform
        self.account = account
        self.platformId = platformId
        self.username = username
        self.name = name
        self.accessToken = accessToken
    }
}

/// The four Kodaira accounts the sandbox is seeded with; `koho serve` uses these tokens against it.
public enum SandboxAccounts {
    public static let xKodaira = SandboxAccount(
        platform: .x, account: "kodaira_tokyo", platformId: "2979486402", username: "kodaira_tokyo",
        name: "小平市", accessToken: "sandbox-token-kodaira_tokyo")
    public static let xHisyo = SandboxAccount(
        platform: .x, account: "hisyo_kodaira_tokyo", platformId: "1258193755361443840", username: "hisyo_kodaira_tokyo",
        name: "小平市秘書課", accessToken: "sandbox-token-hisyo_kodaira_tokyo")
    public static let facebookKoho = SandboxAccount(
        platform: .facebook, account: "koho.kodairacity", platformId: "100064708426154", username: "koho.kodairacity",
        name: "小平市", accessToken: "sandbox-token-koho.kodairacity")
    public static let youtubeKodaira = SandboxAccount(
        platform: .youtube, account: "UCp9YZtjCNcG0q3fQ1ln31Xg", platformId: "UCp9YZtjCNcG0q3fQ1ln31Xg",
        username: "UCp9YZtjCNcG0q3fQ1ln31Xg", name: "小平市公式チャンネル", accessToken: "sandbox-token-UCp9YZtjCNcG0q3fQ1ln31Xg")

    public static let all: [SandboxAccount] = [xKodaira, xHisyo, facebookKoho, youtubeKodaira]

    /// The sandbox access token of a policy account id, e.g. `kodaira_tokyo`.
    public static func token(for account: String) -> String? { all.first { $0.account == account }?.accessToken }

    public static func account(_ account: String) -> SandboxAccount? { all.first { $0.account == account } }
}
