import Fluent
import Vapor
import KohoCore

package final class User: Model, Authenticatable, @unchecked Sendable {
    package static let schema = "users"
    @ID(key: .id) package var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "role") var role: UserRole
    /// Comma-separated account ids a staff member is designated for (3(1), 4(1), 5(1)).
    @Field(key: "accounts") var accountList: String
    @OptionalField(key: "totp_secret") var totpSecret: String?
    @Field(key: "totp_enabled") var totpEnabled: Bool
    @Field(key: "totp_required") var totpRequired: Bool
    @OptionalField(key: "totp_last_step") var totpLastStep: Int?
    // No longer used (kept by the schema): failed sign-ins are counted in `login_throttles`.
    @Field(key: "failed_logins") var failedLogins: Int
    @OptionalField(key: "locked_until") var lockedUntil: Date?
    @Field(key: "created_at") var createdAt: Date

    package init() {}
    init(name: String, passwordHash: String, role: UserRole, accounts: [String], createdAt: Date) {
        self.name = name
        self.passwordHash = passwordHash
        self.role = role
        self.accountList = accounts.joined(separator: ",")
        self.totpEnabled = false
        self.totpRequired = false
        self.failedLogins = 0
        self.createdAt = createdAt
    }

    var accounts: [String] { accountList.split(separator: ",").map(String.init) }

    var person: Person { Person(role: role, accounts: accounts) }

    /// The chief manages every account; staff only those designated to them; viewers none.
    func mayAct(on account: String) -> Bool { Permissions.mayAct(person, on: account) }
}
