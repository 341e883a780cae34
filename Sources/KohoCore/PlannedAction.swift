import Foundation

/// Something staff mean to do on an account: a post, a reply or a quote.
public struct PlannedAction: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case post, reply, quote
        public var displayName: String {
            switch self {
            case .post: return "投稿"
            case .reply: return "返信"
            case .quote: return "引用"
            }
        }
    }

    public var account: String
    public var kind: Kind
    public var category: String?
    public var text: String
    /// A YouTube video's title.
    public var title: String?
    public var links: [String]
    public var sourceURL: String?
    /// Nil means now.
    public var scheduledAt: Date?
    public var emergency: Bool
    public var emergencyReason: String?
    /// `correction` for a correction or clarification (4(7), 5(7)); anything else is another purpose.
    public var replyPurpose: String?
    public var quotedAccount: String?
    /// Where a Facebook article comes from (4(5)): a code of the policy's article origins.
    public var articleOrigin: String?
    /// What a reply answers: the platform's id or URL of the comment or post.
    public var inReplyTo: String?

    public init(account: String, kind: Kind = .post, category: String? = nil, text: String = "", title: String? = nil,
                links: [String] = [], sourceURL: String? = nil, scheduledAt: Date? = nil, emergency: Bool = false,
                emergencyReason: String? = nil, replyPurpose: String? = nil, quotedAccount: String? = nil,
                articleOrigin: String? = nil, inReplyTo: String? = nil) {
        self.account = account
        self.kind = kind
        self.category = category
        self.text = text
        self.title = title
        self.links = links
        self.sourceURL = sourceURL
        self.scheduledAt = scheduledAt
        self.emergency = emergency
        self.emergencyReason = emergencyReason
        self.replyPurpose = replyPurpose
        self.quotedAccount = quotedAccount
        self.articleOrigin = articleOrigin
        self.inReplyTo = inReplyTo
    }

    public static let correctionPurpose = "correction"
    /// A reply to an inquiry that says only the policy's guidance (4(7)/5(7): inquiries are received the usual way).
    public static let guidancePurpose = "guidance"

    /// The JSON fields other tools send (`koho check`, `POST /api/v1/posts`).
    public static let fieldNames: Set<String> = [
        "account", "kind", "category", "text", "title", "links", "sourceURL", "scheduledAt", "emergency",
        "emergencyReason", "replyPurpose", "quotedAccount", "articleOrigin", "inReplyTo",
    ]
}

/// Input that is not a well-formed action: a field unknown, missing or of the wrong type.
public struct ActionInputError: Error, CustomStringConvertible, Equatable, Sendable {
    public let field: String?
    public let message: String
    public var description: String { field.map { "\($0): \(message)" } ?? message }
    public init(field: String?, message: String) {
        self.field = field
        self.message = message
    }
}

extension PlannedAction {
    /// Reads an action from JSON strictly: unknown fields and wrong types are errors, not ignored.
    public static func decode(json data: Data, timeZone: TimeZone = JapaneseTime.tokyo) throws -> PlannedAction {
        do { try JSONBounds.check(data) } catch { throw ActionInputError(field: nil, message: error.message) }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw ActionInputError(field: nil, message: "JSONとして読めません")
        }
        guard case .object(let dict) = value else {
            throw ActionInputError(field: nil, message: "JSONオブジェクト（{…}）が必要です")
        }
        return try decode(fields: dict, timeZone: timeZone)
    }

    public static func decode(fields dict: [String: JSONValue], timeZone: TimeZone = JapaneseTime.tokyo) throws -> PlannedAction {
        if let unknown = dict.keys.sorted().first(where: { !fieldNames.contains($0) }) {
            throw ActionInputError(field: unknown, message: "不明な項目です（使える項目: \(fieldNames.sorted().joined(separator: ", "))）")
        }
        func string(_ key: String) throws -> String? {
            switch dict[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            default: throw ActionInputError(field: key, message: "文字列が必要です")
            }
        }
        func bool(_ key: String) throws -> Bool? {
            switch dict[key] {
            case nil, .null?: return nil
            case .bool(let b)?: return b
            default: throw ActionInputError(field: key, message: "true または false が必要です")
            }
        }
        guard let account = try string("account"), !account.isEmpty else {
            throw ActionInputError(field: "account", message: "必須の項目です")
        }
        let kind = try string("kind").map(parseKind) ?? .post
        var links: [String] = []
        switch dict["links"] {
        case nil, .null?: break
        case .array(let items)?:
            links = try items.map {
                guard case .string(let s) = $0 else { throw ActionInputError(field: "links", message: "文字列のリストが必要です") }
                return s
            }
        default: throw ActionInputError(field: "links", message: "文字列のリストが必要です")
        }
        let scheduledAt = try string("scheduledAt").map { try parseScheduledAt($0, timeZone: timeZone) }
        return PlannedAction(
            account: account, kind: kind, category: try string("category"), text: try string("text") ?? "",
            title: try string("title"), links: links, sourceURL: try string("sourceURL"), scheduledAt: scheduledAt,
            emergency: try bool("emergency") ?? false, emergencyReason: try string("emergencyReason"),
            replyPurpose: try string("replyPurpose"), quotedAccount: try string("quotedAccount"),
            articleOrigin: try string("articleOrigin"), inReplyTo: try string("inReplyTo"))
    }

    // Shared with the web form, so that both refuse the same input with the same words.
    public static func parseKind(_ k: String) throws -> Kind {
        guard let kind = Kind(rawValue: k) else { throw ActionInputError(field: "kind", message: "post, reply, quote のいずれかが必要です") }
        return kind
    }

    public static func parseScheduledAt(_ s: String, timeZone: TimeZone = JapaneseTime.tokyo) throws -> Date {
        guard let d = JapaneseTime.parseISO8601(s, defaultZone: timeZone) else {
            throw ActionInputError(field: "scheduledAt", message: "ISO 8601 の日時が必要です（例: 2026-11-26T09:00:00+09:00）")
        }
        return d
    }
}

extension Policy {
    /// The only answer to an inquiry in a comment (4(7)/5(7): 市民からの問合せ、意見及び苦情の受付は、従前の方法による).
    public func inquiryGuidance(clause: String) -> String {
        "このアカウントでは、コメントへの個別の回答は原則として行っておりません。市民の皆さまからのお問合せ、ご意見及びご苦情は、従前の方法により受け付けております（\(title) \(clause)）。"
    }
}
