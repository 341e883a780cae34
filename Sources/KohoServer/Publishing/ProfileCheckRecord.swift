import Fluent
import Foundation

/// What the last profile check read for one official account (3(2), 4(3), 5(3)): X's verification, the
/// about/website field of a Facebook Page or YouTube channel, and the problem it found (empty when none).
final class ProfileCheckRecord: Model, @unchecked Sendable {
    static let schema = "profile_checks"

    @ID(key: .id) var id: UUID?
    @Field(key: "account") var account: String
    @Field(key: "checked_at") var checkedAt: Date
    @OptionalField(key: "verified") var verified: Bool?
    /// The links read from the about/website field, one per line.
    @Field(key: "website") var website: String
    @OptionalField(key: "links_to_city_page") var linksToCityPage: Bool?
    /// What is wrong, for the chief; empty when the profile is as the policy says.
    @Field(key: "problem") var problem: String
    @OptionalField(key: "problem_since") var problemSince: Date?
    /// Why the profile could not be read this time (the platform is down, no connection); empty when it was read.
    @Field(key: "read_error") var readError: String

    init() {}

    var publicView: PublicSiteData.Profile {
        PublicSiteData.Profile(checkedAt: checkedAt, verified: verified, linksToCityPage: linksToCityPage)
    }
}
