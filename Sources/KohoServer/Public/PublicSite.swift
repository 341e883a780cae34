import Foundation
import KohoCore

/// The public pages as a whole: what they are generated from, and where they live.
enum PublicSite {
    /// Where the city website shows the exported pages, ending in `/`.
    static func siteURL(_ ctx: KohoContext) -> String {
        if let s = ctx.config.publicSiteURL { return s.hasSuffix("/") ? s : s + "/" }
        let w = ctx.policy.organization.website
        return (w.hasSuffix("/") ? w : w + "/") + "koho/"
    }
}
