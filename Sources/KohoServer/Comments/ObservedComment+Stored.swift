import Foundation
import KohoCore

extension ObservedComment {
    /// The comment as it can be stored and read back: every NUL of a text, name or id from the platform as U+2400
    /// (the database reader cuts at a NUL, so an id with one was never found again and its delivery failed on the
    /// unique index); other control characters are kept as they are and shown on the pages. A date outside
    /// `InstantBounds` is dropped (the time of receipt stands in) rather than stored.
    var storable: ObservedComment {
        var o = self
        o.platformCommentID = platformCommentID.nulAsSymbol
        o.platformPostID = platformPostID.nulAsSymbol
        o.parentID = parentID?.nulAsSymbol
        o.authorName = authorName?.nulAsSymbol
        o.authorID = authorID?.nulAsSymbol
        o.text = text?.nulAsSymbol
        o.moderationStatus = moderationStatus?.nulAsSymbol
        if let d = createdAt, !InstantBounds.contains(d) { o.createdAt = nil }
        return o
    }
}
