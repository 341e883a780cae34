import Crypto
import Foundation

/// One entry of a website's feed (RSS 2.0, RSS 1.0 or Atom).
public struct FeedItem: Sendable, Equatable {
    /// The item's identity: RSS `guid`, Atom `id`, RSS 1.0 `rdf:about`; else the link; else a digest of the
    /// title and summary, so that an item without either is still taken once.
    public var id: String
    public var title: String
    public var link: String?
    /// Plain text (HTML in the feed is reduced to text).
    public var summary: String
    public var published: Date?
    public var updated: Date?

    public init(id: String, title: String, link: String?, summary: String, published: Date?, updated: Date?) {
        self.id = id
        self.title = title
        self.link = link
        self.summary = summary
        self.published = published
        self.updated = updated
    }
}

public enum FeedParser {
    /// Feeds larger than this are refused (a city's feed is tens of kilobytes).
    public static let maxBytes = 8 * 1024 * 1024

    /// Every item; an item with a date out of range makes the whole feed refused (see `parseEach`).
    public static func parse(_ data: Data) throws -> [FeedItem] {
        try parseEach(data).map { try $0.get() }
    }

    /// Each item on its own: a bad one (a date out of range) is an error in its place and the others are read.
    public static func parseEach(_ data: Data) throws -> [Result<FeedItem, IntakeParseError>] {
        let root = try XMLTree.parse(data, limits: .init(maxBytes: maxBytes, maxElements: 200_000, maxDepth: 64))
        func each(_ elements: [XMLElement], _ read: (XMLElement) throws -> FeedItem) -> [Result<FeedItem, IntakeParseError>] {
            elements.map { e in
                do { return .success(try read(e)) } catch let error as IntakeParseError { return .failure(error) } catch {
                    return .failure(IntakeParseError("\(error)"))
                }
            }
        }
        switch root.name {
        case "rss":
            guard let channel = root.child("channel") else { throw IntakeParseError("RSS に channel 要素がありません") }
            return each(channel.children("item"), rssItem)
        case "RDF":
            return each(root.children("item") + (root.child("channel")?.children("item") ?? []), rssItem)
        case "feed":
            return each(root.children("entry"), atomEntry)
        default:
            throw IntakeParseError("フィード（RSS・Atom）ではありません（ルート要素 <\(root.name)>）")
        }
    }

    private static func rssItem(_ e: XMLElement) throws -> FeedItem {
        let title = text(e.child("title"))
        let link = e.value("link") ?? e.children("link").first(where: { $0.attributes["href"] != nil })?.attributes["href"]
        let html = e.children.first(where: { $0.name == "encoded" && $0.namespace.contains("content") })?.text
            ?? e.child("description")?.text ?? ""
        let summary = HTMLText.plainText(html)
        let pub = try date(e.value("pubDate"), "pubDate", title)
            ?? date(e.children.first(where: { $0.name == "date" })?.text.nonEmptyTrimmed, "dc:date", title)
        let updated = try date(e.children.first(where: { $0.name == "updated" || $0.name == "modified" })?.text.nonEmptyTrimmed,
                               "updated", title)
        let id = e.value("guid") ?? e.attributes["about"]?.nonEmptyTrimmed ?? link ?? digest(title, summary)
        return FeedItem(id: id, title: title, link: link, summary: summary, published: pub, updated: updated ?? pub)
    }

    private static func atomEntry(_ e: XMLElement) throws -> FeedItem {
        let title = text(e.child("title"))
        let links = e.children("link")
        let link = (links.first { ($0.attributes["rel"] ?? "alternate") == "alternate" } ?? links.first)?
            .attributes["href"]?.nonEmptyTrimmed
        let summaryElement = e.child("summary") ?? e.child("content")
        let summary = summaryElement.map(text) ?? ""
        let published = try date(e.value("published"), "published", title) ?? date(e.value("issued"), "issued", title)
        let updated = try date(e.value("updated"), "updated", title) ?? date(e.value("modified"), "modified", title)
        let id = e.value("id") ?? link ?? digest(title, summary)
        return FeedItem(id: id, title: title, link: link, summary: summary, published: published, updated: updated)
    }

    /// An item's date; an out-of-range year makes the item, and so the feed, refused with the item named.
    private static func date(_ text: String?, _ element: String, _ title: String) throws -> Date? {
        guard let text else { return nil }
        do { return try InternetDates.read(text) } catch {
            let shown = title.containsControlCharacter ? "（制御文字を含む）" : String(title.prefix(80))
            throw IntakeParseError("項目「\(shown)」の \(element): \(error)")
        }
    }

    /// Text of a title or summary: Atom's `type="html"`/`xhtml` and RSS's escaped HTML become plain text.
    private static func text(_ e: XMLElement?) -> String {
        guard let e else { return "" }
        switch e.attributes["type"]?.lowercased() {
        case "xhtml": return HTMLText.plainText(e.allText).trimmingCharacters(in: .whitespacesAndNewlines)
        case "text": return e.text.trimmingCharacters(in: .whitespacesAndNewlines)
        default:
            return HTMLText.plainText(e.text).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    private static func digest(_ title: String, _ summary: String) -> String {
        let hash = SHA256.hash(data: Data((title + "\n" + summary).utf8))
        return "urn:koho:sha256:" + hash.lowercaseHex
    }
}

extension String {
    var nonEmptyTrimmed: String? {
        let t = trimmingCharacters(in: .whitespacesAndNewlines)
        return t.isEmpty ? nil : t
    }
}
