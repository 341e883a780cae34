import Fluent
import Foundation

/// An item a source has taken (a feed item, a mail message, an agency entry), kept so that nothing is taken twice,
/// across restarts too: `source` and `key` (guid/id or link, Message-ID, entry id) are unique together.
final class IntakeItem: Model, @unchecked Sendable {
    static let schema = "intake_items"
    @ID(key: .id) var id: UUID?
    @Field(key: "source") var source: String
    @Field(key: "item_key") var key: String
    @Field(key: "title") var title: String
    @OptionalField(key: "link") var link: String?
    @Field(key: "taken_at") var takenAt: Date
    /// The drafts made from it, as a JSON array of ids ("[]" when none: not an emergency, a drill).
    @Field(key: "draft_ids") var draftIDs: String

    init() {}
    init(source: String, key: String, title: String, link: String?, takenAt: Date, draftIDs: [UUID]) {
        self.id = UUID()
        self.source = source
        self.key = key
        self.title = title
        self.link = link
        self.takenAt = takenAt
        self.draftIDs = IntakeItem.encode(draftIDs)
    }

    static func encode(_ ids: [UUID]) -> String {
        "[" + ids.map { "\"\($0.uuidString.lowercased())\"" }.joined(separator: ",") + "]"
    }

    static func decode(_ s: String) -> [UUID] {
        ((try? JSONDecoder().decode([String].self, from: Data(s.utf8))) ?? []).compactMap(UUID.init(uuidString:))
    }
}

/// A source's state: for the dashboard (last fetch, last item, last error) and for the next conditional fetch.
package final class IntakeSourceState: Model, @unchecked Sendable {
    package static let schema = "intake_sources"
    @ID(key: .id) package var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "kind") var kind: String
    @OptionalField(key: "last_fetch_at") package var lastFetchAt: Date?
    @OptionalField(key: "last_item_at") var lastItemAt: Date?
    @OptionalField(key: "last_item_title") var lastItemTitle: String?
    @OptionalField(key: "last_error") var lastError: String?
    @OptionalField(key: "last_error_at") var lastErrorAt: Date?
    @OptionalField(key: "etag") var etag: String?
    @OptionalField(key: "last_modified") var lastModified: String?

    package init() {}
}

/// An alert raised by an agency message that concerns the city: never posted as such (ア needs the city's own
/// article); it carries a pre-filled draft that waits for the article.
final class Alert: Model, @unchecked Sendable {
    static let schema = "alerts"
    @ID(key: .id) var id: UUID?
    /// `agency` (気象庁防災情報XML).
    @Field(key: "source") var source: String
    /// The entry's id (its URL), the message's title and report time as the message gives them.
    @Field(key: "message_id") var messageID: String
    @Field(key: "title") var title: String
    @Field(key: "report_time") var reportTime: String
    @OptionalField(key: "event_id") var eventID: String?
    @Field(key: "area") var area: String
    /// `warning`, `intensity`, `tsunami`…
    @Field(key: "kind") var kind: String
    /// `active`, `updated` (a 訂正 replaced it), `withdrawn` (取消).
    @Field(key: "status") var status: String
    @Field(key: "info_type") var infoType: String
    @Field(key: "summary") var summary: String
    /// The warnings the message gives for the city, with their levels, as JSON (`[JMAWarning]`).
    @Field(key: "warnings") var warningsJSON: String
    @Field(key: "draft_ids") var draftIDs: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}
