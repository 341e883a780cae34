import Fluent
import Foundation
import Vapor
import KohoCore

/// One saved text of a post: what it said at each step (created, edited, submitted, returned, approved), by whom and
/// when, and the chief's reason when it was returned. Written in the same transaction as the step itself.
final class PostVersion: Model, @unchecked Sendable {
    static let schema = "post_versions"
    @ID(key: .id) var id: UUID?
    @Field(key: "post_id") var postID: UUID
    @Field(key: "number") var number: Int
    /// The workflow step that saved it (`create`, `edit`, `submit`, `reject`, `approve`, …).
    @Field(key: "event") var event: String
    @Field(key: "state") var state: String
    @Field(key: "account") var account: String
    @OptionalField(key: "category") var category: String?
    @OptionalField(key: "title") var title: String?
    @Field(key: "text") var text: String
    @Field(key: "links") var linksJSON: String
    @Field(key: "actor") var actor: String
    @Field(key: "at") var at: Date
    /// The reason given with the step; for a return (`reject`), the chief's reason.
    @Field(key: "reason") var reason: String

    init() {}

    var links: [String] { (try? JSONDecoder().decode([String].self, from: Data(linksJSON.utf8))) ?? [] }
}

struct CreatePostVersion: AsyncMigration {
    func prepare(on db: Database) async throws {
        try await db.schema(PostVersion.schema)
            .id()
            .field("post_id", .uuid, .required)
            .field("number", .int, .required)
            .field("event", .string, .required)
            .field("state", .string, .required)
            .field("account", .string, .required)
            .field("category", .string)
            .field("title", .string)
            .field("text", .string, .required)
            .field("links", .string, .required)
            .field("actor", .string, .required)
            .field("at", .datetime, .required)
            .field("reason", .string, .required)
            .unique(on: "post_id", "number")
            .create()
    }
    func revert(on db: Database) async throws { try await db.schema(PostVersion.schema).delete() }
}

enum PostVersions {
    /// Keeps the post as it now stands as its next version; called inside the transaction that saved it.
    static func record(_ post: Post, event: String, actor: String, at: Date, reason: String, on db: Database) async throws {
        let postID = try post.requireID()
        let last = try await PostVersion.query(on: db).filter(\.$postID == postID).sort(\.$number, .descending).first()
        let v = PostVersion()
        v.postID = postID
        v.number = (last?.number ?? 0) + 1
        v.event = event
        v.state = post.state.rawValue
        v.account = post.account
        v.category = post.category
        v.title = post.title
        v.text = post.text
        v.linksJSON = post.linksJSON
        v.actor = actor
        v.at = at
        v.reason = reason
        try await v.create(on: db)
    }

    static func all(of postID: UUID, on db: Database) async throws -> [PostVersion] {
        try await PostVersion.query(on: db).filter(\.$postID == postID).sort(\.$number, .ascending).all()
    }

    /// The step in words, for people.
    static func eventWords(_ event: String) -> String {
        event == "create" ? "作成" : (PostEvent(rawValue: event)?.displayName ?? event)
    }

    /// One line of a line diff: kept, removed (only in the earlier text) or added (only in the later one).
    struct DiffLine: Equatable, Content {
        enum Kind: String, Codable { case same, removed, added }
        let kind: Kind
        let text: String
    }

    /// A line diff by the longest common subsequence (posts are short: at most a few hundred lines).
    static func diff(_ old: String, _ new: String) -> [DiffLine] {
        let a = old.components(separatedBy: "\n"), b = new.components(separatedBy: "\n")
        var l = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                l[i][j] = a[i] == b[j] ? l[i + 1][j + 1] + 1 : max(l[i + 1][j], l[i][j + 1])
            }
        }
        var out: [DiffLine] = [], i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] { out.append(.init(kind: .same, text: a[i])); i += 1; j += 1 }
            else if l[i + 1][j] >= l[i][j + 1] { out.append(.init(kind: .removed, text: a[i])); i += 1 }
            else { out.append(.init(kind: .added, text: b[j])); j += 1 }
        }
        while i < a.count { out.append(.init(kind: .removed, text: a[i])); i += 1 }
        while j < b.count { out.append(.init(kind: .added, text: b[j])); j += 1 }
        return out
    }
}
