import Foundation
import KohoCore

/// What a successful publish leaves behind: the platform's id for the post and its public address.
public struct PublishedPost: Sendable, Equatable, Codable {
    public var platform: Platform
    public var id: String
    public var url: String

    public init(platform: Platform, id: String, url: String) {
        self.platform = platform
        self.id = id
        self.url = url
    }
}

/// A post as the account's recent-posts read shows it; what an unknown outcome is settled against.
public struct RecentPost: Sendable, Equatable {
    public var platform: Platform
    public var id: String
    /// X: the post text. Facebook: the message. YouTube: the video title.
    public var text: String
    /// YouTube only: the video description.
    public var description: String?
    public var createdAt: Date?
    public var url: String

    public init(platform: Platform, id: String, text: String, description: String? = nil, createdAt: Date?, url: String) {
        self.platform = platform
        self.id = id
        self.text = text
        self.description = description
        self.createdAt = createdAt
        self.url = url
    }
}

/// A resident's comment (or a reply) on a Facebook post or a YouTube video.
public struct PlatformComment: Sendable, Equatable {
    public var platform: Platform
    public var id: String
    public var authorName: String
    public var text: String
    public var createdAt: Date?
    /// Facebook: whether the Page has hidden it.
    public var isHidden: Bool?
    /// YouTube: published, heldForReview, likelySpam or rejected (absent when the API leaves it out).
    public var moderationStatus: String?
    /// YouTube: the video the thread is on.
    public var videoId: String?
    /// The comment this one replies to, if it is a reply.
    public var parentId: String?
    /// The author's platform id (Facebook user id, YouTube channel id), where the platform gives it.
    public var authorId: String?

    public init(
        platform: Platform, id: String, authorName: String, text: String, createdAt: Date?, isHidden: Bool? = nil,
        moderationStatus: String? = nil, videoId: String? = nil, parentId: String? = nil, authorId: String? = nil
    ) {
        self.platform = platform
        self.id = id
        self.authorName = authorName
        self.text = text
        self.createdAt = createdAt
        self.isHidden = isHidden
        self.moderationStatus = moderationStatus
        self.videoId = videoId
        self.parentId = parentId
        self.authorId = authorId
    }
}

/// Dates as the platforms write them; the sandbox writes them the same way.
public enum PlatformDates {
    public static func parse(_ string: String?) -> Date? {
        guard let string else { return nil }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: string) { return date }
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: string) { return date }
        // Graph writes offsets without a colon: 2025-04-01T09:00:00+0000.
        let graph = DateFormatter()
        graph.locale = Locale(identifier: "en_US_POSIX")
        graph.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        return graph.date(from: string)
    }

    public static func iso(_ date: Date, fractional: Bool = false) -> String {
        let formatter = ISO8601DateFormatter()
        if fractional { formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds] }
        return formatter.string(from: date)
    }

    public static func graph(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        return formatter.string(from: date)
    }
}
