import Foundation
import KohoCore
import KohoHolidays

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
    /// The image attached to the comment (Facebook's `attachment`, YouTube's `snippet.imageUrl`), as the platform gave it.
    public var image: PlatformCommentImage?

    public init(
        platform: Platform, id: String, authorName: String, text: String, createdAt: Date?, isHidden: Bool? = nil,
        moderationStatus: String? = nil, videoId: String? = nil, parentId: String? = nil, authorId: String? = nil,
        image: PlatformCommentImage? = nil
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
        self.image = image
    }
}

/// An image attached to a comment, as the platform describes it. Nothing here has been fetched: `url` is the
/// platform's address, which Koho reads only through its own checked route.
public struct PlatformCommentImage: Sendable, Equatable {
    /// Facebook's attachment `type` (`photo`, `sticker`, `animated_image_share`, `video_inline`, …); `image` on YouTube.
    public var kind: String
    /// The image's address (Facebook `media.image.src`, YouTube `snippet.imageUrl`); nil when the platform gives none.
    public var url: String?
    public var width: Int?
    public var height: Int?
    /// The platform's description of the image, where it gives one.
    public var alt: String?

    public init(kind: String, url: String?, width: Int? = nil, height: Int? = nil, alt: String? = nil) {
        self.kind = kind
        self.url = url
        self.width = width
        self.height = height
        self.alt = alt
    }
}

/// Dates as the platforms write them; the sandbox writes them the same way.
public enum PlatformDates {
    /// A date of a platform's answer; nil when unreadable or outside `InstantBounds` (a year 0000 or 9999+ from a
    /// formatter would overflow the pages' date arithmetic later).
    public static func parse(_ string: String?) -> Date? {
        guard let string, string.utf8.count <= 64 else { return nil }
        return readAny(string).flatMap { InstantBounds.contains($0) ? $0 : nil }
    }

    private static func readAny(_ string: String) -> Date? {
        // The forms the platforms write are read by hand: three formatters made for every date were a quarter of
        // the time of reading a page of comments. Anything else goes to the formatters as before.
        if let date = RFC3339.parse(string) { return date }
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

    /// Graph's form, `2025-04-01T09:00:00+0000` (UTC, whole seconds).
    public static func graph(_ date: Date) -> String {
        if let text = RFC3339.graph(date) { return text }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        return formatter.string(from: date)
    }
}

/// `yyyy-MM-ddTHH:mm:ss[.fraction](Z|±hh:mm|±hhmm)`, on the proleptic Gregorian calendar, without a formatter.
enum RFC3339 {
    static func parse(_ string: String) -> Date? {
        var string = string
        return string.withUTF8 { parse(bytes: $0) }
    }

    private static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> Date? {
        func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= b.count else { return nil }
            var value = 0
            for i in at..<(at + count) {
                let d = Int(b[i]) - 48
                guard d >= 0, d <= 9 else { return nil }
                value = value * 10 + d
            }
            return value
        }
        func byte(_ at: Int, _ c: Character) -> Bool { at < b.count && b[at] == c.asciiValue! }
        guard let year = digits(0, 4), byte(4, "-"), let month = digits(5, 2), byte(7, "-"), let day = digits(8, 2),
              byte(10, "T"), let hour = digits(11, 2), byte(13, ":"), let minute = digits(14, 2), byte(16, ":"),
              let second = digits(17, 2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysInMonth(year: year, month: month), hour <= 23, minute <= 59,
              second <= 59 else { return nil }
        var i = 19
        var fraction = 0.0
        if byte(i, ".") {
            i += 1
            var scale = 1.0, value = 0.0, places = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                // Digits past the nanosecond are read and dropped: 400 of them would make both infinite, the time NaN.
                if places < 9 {
                    value = value * 10 + Double(b[i] - 48)
                    scale *= 10
                }
                places += 1
                i += 1
            }
            guard scale > 1 else { return nil }
            fraction = value / scale
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == Character("Z").asciiValue! {
            i += 1
        } else if b[i] == Character("+").asciiValue! || b[i] == Character("-").asciiValue! {
            let sign = b[i] == Character("+").asciiValue! ? 1 : -1
            guard let oh = digits(i + 1, 2), oh <= 23 else { return nil }
            let om: Int?
            if byte(i + 3, ":") { om = digits(i + 4, 2); i += 6 } else { om = digits(i + 3, 2); i += 5 }
            guard let om, om <= 59 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let seconds = CivilDate(year, month, day).dayNumber * 86400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// `2025-04-01T09:00:00+0000`; nil outside the years 1000–9999.
    static func graph(_ date: Date) -> String? {
        let t = date.timeIntervalSince1970
        // Years 1000–9999 only, checked before `Int(_:)`, which traps past Int's range.
        guard t.isFinite, t > -30_610_224_000, t < 253_402_300_800 else { return nil }
        let seconds = Int(t.rounded(.down))
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let inDay = seconds - days * 86400
        let civil = CivilDate(dayNumber: days)
        let (year, month, day) = (civil.year, civil.month, civil.day)
        guard (1000...9999).contains(year) else { return nil }
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(inDay / 3600)):\(two(inDay / 60 % 60)):\(two(inDay % 60))+0000"
    }
}
