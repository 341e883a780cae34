import Testing
@testable import KohoCore

/// Who may do what to a post, without a server.
@Suite struct PermissionsTests {
    let chief = Person(role: .chief)
    let xStaff = Person(role: .staff, accounts: ["kodaira_tokyo"])
    let viewer = Person(role: .viewer)

    @Test func onlyTheChiefApprovesAndSendsBack() {
        #expect(Permissions.check(.approve, by: chief, on: "kodaira_tokyo", policy: kodaira) == nil)
        #expect(Permissions.check(.reject, by: xStaff, on: "kodaira_tokyo", policy: kodaira)?.message == "承認・差戻しは秘書広報課長だけが行えます")
        #expect(Permissions.check(.approve, by: viewer, on: "kodaira_tokyo", policy: kodaira) != nil)
    }

    @Test func staffActOnlyOnTheAccountsDesignatedToThem() {
        for event in [PostEvent.submit, .edit, .cancel] {
            #expect(Permissions.check(event, by: xStaff, on: "kodaira_tokyo", policy: kodaira) == nil)
            #expect(Permissions.check(event, by: xStaff, on: "@kodaira_tokyo", policy: kodaira) == nil, "a handle names the same account")
            #expect(Permissions.check(event, by: xStaff, on: "koho.kodairacity", policy: kodaira)?.message == "アカウント「koho.kodairacity」の担当者に指定されていません")
            #expect(Permissions.check(event, by: chief, on: "koho.kodairacity", policy: kodaira) == nil)
            #expect(Permissions.check(event, by: viewer, on: "kodaira_tokyo", policy: kodaira)?.message == "閲覧のみの利用者は投稿を作成・変更できません")
        }
        // An account the policy does not know is the policy check's to refuse, with the policy's accounts named.
        #expect(Permissions.mayChange(xStaff, account: "kodaira_fake", policy: kodaira) == nil)
        #expect(Permissions.check(.expire, by: viewer, on: "kodaira_tokyo", policy: kodaira) == nil)
    }

    @Test func theChiefAdministers() {
        #expect(Permissions.mayAdminister(chief))
        #expect(!Permissions.mayAdminister(xStaff))
        #expect(!Permissions.mayAdminister(viewer))
        #expect(UserRole.chief.displayName(kodaira) == "秘書広報課長")
    }
}
