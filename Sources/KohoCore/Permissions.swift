import Foundation

/// Who uses Koho: the chief (the policy's owner role, 秘書広報課長), the staff the chief designates per account
/// (3(1), 4(1), 5(1)), and viewers (auditors, who read only).
public enum UserRole: String, Codable, CaseIterable, Sendable {
    case chief, staff, viewer

    public func displayName(_ policy: Policy) -> String {
        switch self {
        case .chief: return policy.ownerRole.title
        case .staff: return "担当者"
        case .viewer: return "閲覧のみ"
        }
    }
}

/// A person as the rules of who may do what see them.
public struct Person: Sendable, Equatable {
    public var role: UserRole
    /// The account ids a staff member is designated for.
    public var accounts: [String]

    public init(role: UserRole, accounts: [String] = []) {
        self.role = role
        self.accounts = accounts
    }
}

/// Why a person may not do something, in words for them.
public struct PermissionDenied: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Who may do what to a post, under a policy.
public enum Permissions {
    /// The chief manages every account; staff only those designated to them; viewers none.
    public static func mayAct(_ p: Person, on account: String) -> Bool {
        switch p.role {
        case .chief: return true
        case .staff: return p.accounts.contains(account)
        case .viewer: return false
        }
    }

    /// Approving and sending back rest on the chief's judgement (3(4), 4(4), 5(4)).
    public static func mayDecide(_ p: Person) -> Bool { p.role == .chief }

    /// Users, roles and platform connections are the chief's to manage.
    public static func mayAdminister(_ p: Person) -> Bool { p.role == .chief }

    /// Nil when `p` may take `event` on a post of `account`; otherwise why not. An account the policy does not
    /// know is left to the policy check, which names the policy's accounts.
    public static func check(_ event: PostEvent, by p: Person, on account: String, policy: Policy) -> PermissionDenied? {
        switch event {
        case .approve, .reject:
            return mayDecide(p) ? nil : PermissionDenied(message: "承認・差戻しは\(policy.ownerRole.title)だけが行えます")
        case .expire:
            return nil
        case .submit, .cancel, .edit:
            return mayChange(p, account: account, policy: policy)
        }
    }

    /// Viewers read only: refused before anything they send is read.
    public static func mayWrite(_ p: Person) -> PermissionDenied? {
        p.role == .viewer ? PermissionDenied(message: "閲覧のみの利用者は投稿を作成・変更できません") : nil
    }

    /// Creating, editing, submitting, cancelling and attaching files: the account's designated staff and the chief.
    public static func mayChange(_ p: Person, account: String, policy: Policy) -> PermissionDenied? {
        if let denied = mayWrite(p) { return denied }
        guard let known = policy.account(account) else { return nil }
        return mayAct(p, on: known.id) ? nil : PermissionDenied(message: "アカウント「\(known.id)」の担当者に指定されていません")
    }
}
