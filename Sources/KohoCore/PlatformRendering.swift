import Crypto
import Foundation

/// Exactly what a platform receives for a planned action: the one form that the policy check counts,
/// the chief approves, the preview shows and the publisher sends.
public struct Rendering: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// An X post (`POST /2/tweets`), a quote when `quotedPostID` is set.
        case xPost
        /// A Facebook Page post (`POST /{page-id}/feed`): `text` is the message, `link` the post's link.
        case facebookPost
        /// A YouTube video (`videos.insert`): `title`, `text` as the description, `privacyStatus`.
        case youtubeVideo
        /// A reply: `text` answers `inReplyTo`.
        case reply
    }

    public var kind: Kind
    public var platform: Platform
    /// The account it goes out on, as the platform knows it (handle, page name, channel id).
    public var handle: String
    /// X status text, Facebook message, YouTube description, reply text.
    public var text: String
    public var title: String?
    public var link: String?
    public var quotedPostID: String?
    public var inReplyTo: String?
    public var privacyStatus: String?
    /// The attached file (X image, YouTube video) by its SHA-256.
    public var mediaSHA256: String?

    /// SHA-256 of the canonical form: what the chief's approval is recorded as.
    public var hash: String {
        SHA256.hash(data: canonicalJSONBytes).lowercaseHex
    }

    /// Sorted keys, absent fields left out: the same rendering always gives the same bytes. Written by hand, the
    /// same bytes as `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` (`RenderingCanonicalJSONTests`):
    /// every post in a list shows its hash.
    public var canonicalJSON: Data { Data(canonicalJSONBytes) }

    public var canonicalJSONBytes: [UInt8] {
        var j = JSONText(escapingSlashes: false, capacity: text.utf8.count + 160)
        j.beginObject()
        j.field("handle", handle)
        j.field("inReplyTo", inReplyTo)
        j.field("kind", kind.rawValue)
        j.field("link", link)
        j.field("mediaSHA256", mediaSHA256)
        j.field("platform", platform.rawValue)
        j.field("privacyStatus", privacyStatus)
        j.field("quotedPostID", quotedPostID)
        j.field("text", text)
        j.field("title", title)
        j.endObject()
        return j.bytes
    }

    /// The same members in their declared order, as the API's `JSONEncoder` writes them (slashes escaped).
    public func writeJSON(into j: inout JSONText) {
        j.beginObject()
        j.field("kind", kind.rawValue)
        j.field("platform", platform.rawValue)
        j.field("handle", handle)
        j.field("text", text)
        j.field("title", title)
        j.field("link", link)
        j.field("quotedPostID", quotedPostID)
        j.field("inReplyTo", inReplyTo)
        j.field("privacyStatus", privacyStatus)
        j.field("mediaSHA256", mediaSHA256)
        j.endObject()
    }

    public static func decode(canonicalJSON: String) -> Rendering? {
        try? JSONDecoder().decode(Rendering.self, from: Data(canonicalJSON.utf8))
    }

    public static let youtubePrivacyStatus = "public"

    /// The domain a link preview names (`www.city.kodaira.tokyo.jp`).
    public var linkDomain: String? { link.flatMap { URL(string: $0)?.host?.lowercased() } }
}

/// Why an action cannot be rendered for its platform.
public struct RenderingProblem: Error, Sendable, Equatable {
    public let code: String
    public let message: String
}

extension Rendering {
    /// The rendering of `action` on `account`. Text, links and the source article are joined one per line:
    /// X links URLs on their own lines, and so do Facebook and YouTube.
    public static func render(_ action: PlannedAction, account: Account, mediaSHA256: String? = nil) -> Result<Rendering, RenderingProblem> {
        let body = action.text
        let source = action.sourceURL.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        let links = action.links.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        /// The source article goes out unless the body or the links already carry it.
        func withSource(_ urls: [String]) -> [String] {
            guard let source, !body.contains(source), !urls.contains(source) else { return urls }
            return urls + [source]
        }
        var r = Rendering(kind: .xPost, platform: account.platform, handle: account.handle, text: "")
        if action.kind == .reply {
            r.kind = .reply
            r.text = joined(body, withSource(links))
            r.inReplyTo = action.inReplyTo.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
            return .success(r)
        }
        switch account.platform {
        case .x:
            r.kind = .xPost
            r.mediaSHA256 = mediaSHA256
            var urls = links
            // A quote without the quoted post's URL is still counted; submitting it is refused (`quote.postMissing`).
            if action.kind == .quote, let quoted = (links + [source].compactMap { $0 }).first(where: { xStatusID($0) != nil }) {
                r.quotedPostID = xStatusID(quoted)
                // X shows the quoted post itself; its URL in the text would show it twice.
                urls.removeAll { $0 == quoted }
            }
            r.text = joined(body, withSource(urls))
        case .facebook:
            guard action.kind == .post else {
                return .failure(RenderingProblem(code: "quote.notAllowed", message: "フェイスブックでは引用を発信できません"))
            }
            r.kind = .facebookPost
            r.link = source ?? links.first
            r.text = joined(body, links.filter { $0 != r.link })
        case .youtube:
            guard action.kind == .post else {
                return .failure(RenderingProblem(code: "quote.notAllowed", message: "ユーチューブでは引用を発信できません"))
            }
            r.kind = .youtubeVideo
            r.title = action.title ?? ""
            r.text = joined(body, withSource(links))
            r.privacyStatus = youtubePrivacyStatus
            r.mediaSHA256 = mediaSHA256
        }
        return .success(r)
    }

    private static func joined(_ body: String, _ urls: [String]) -> String {
        guard !urls.isEmpty else { return body }
        return (body.isEmpty ? "" : body + "\n") + urls.joined(separator: "\n")
    }

    /// The post id of an X status URL (`https://x.com/name/status/123`).
    public static func xStatusID(_ url: String) -> String? {
        guard let r = url.range(of: #"/status(es)?/[0-9]+"#, options: .regularExpression) else { return nil }
        return String(url[r].split(separator: "/").last ?? "")
    }
}
