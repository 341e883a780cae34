import Foundation
import KohoSandbox

/// The Graph API has no machine-readable description; `../shared/platform-specs/README.md` names the calls and their
/// parameters from Meta's own SDK, `facebook_business` 26.0.3 (Graph API v26.0): `Page.create_feed`,
/// `Page.create_photo`, `Page.get_posts`, `PagePost.get_comments`, `Comment.create_comment`, `Comment.api_update`,
/// `Comment.api_delete`, with the enums and the `Field` lists of `Page`, `PagePost` and `Comment` from the same package.
enum GraphContract {
    struct Operation {
        var method: String
        /// After the version: `{id}` for a node, literals for edges.
        var pattern: [String]
        var name: String
        var parameters: Set<String>
        var enums: [String: Set<String>] = [:]
        var booleans: Set<String> = []
        var integers: Set<String> = []
        var required: Set<String> = []
        /// The object whose fields `fields=` may name.
        var fields: Set<String>? = nil
    }

    static let version = "v26.0"
    /// Taken by every call: the token, field selection and cursor paging.
    static let common: Set<String> = ["access_token", "fields", "limit", "after", "before", "pretty"]

    static let commentFields: Set<String> = [
        "admin_creator", "application", "attachment", "can_comment", "can_hide", "can_like", "can_remove", "can_reply_privately",
        "comment_count", "created_time", "from", "id", "is_hidden", "is_private", "like_count", "live_broadcast_timestamp",
        "message", "message_tags", "object", "parent", "permalink_url", "private_reply_conversation", "user_likes",
    ]
    static let postFields: Set<String> = [
        "actions", "admin_creator", "application", "backdated_time", "call_to_action", "can_reply_privately", "child_attachments",
        "created_time", "event", "from", "full_picture", "icon", "id", "is_expired", "is_hidden", "is_popular", "is_published",
        "message", "message_tags", "parent_id", "permalink_url", "picture", "place", "privacy", "properties",
        "scheduled_publish_time", "shares", "status_type", "story", "story_tags", "targeting", "updated_time",
    ]
    static let pageFields: Set<String> = [
        "about", "category", "category_list", "cover", "description", "emails", "fan_count", "followers_count", "id", "is_published",
        "is_verified", "link", "location", "name", "phone", "picture", "username", "verification_status", "website",
    ]

    static let operations: [Operation] = [
        Operation(method: "POST", pattern: ["{id}", "feed"], name: "Page.create_feed",
                  parameters: ["message", "link", "published", "scheduled_publish_time"],
                  booleans: ["published"], integers: ["scheduled_publish_time"]),
        Operation(method: "POST", pattern: ["{id}", "photos"], name: "Page.create_photo",
                  parameters: ["url", "caption", "message", "published", "scheduled_publish_time", "no_story", "alt_text_custom", "temporary"],
                  booleans: ["published", "no_story", "temporary"], integers: ["scheduled_publish_time"]),
        Operation(method: "GET", pattern: ["{id}", "posts"], name: "Page.get_posts",
                  parameters: ["include_hidden", "q", "show_expired", "with"], booleans: ["include_hidden", "show_expired"],
                  integers: ["limit"], fields: postFields),
        Operation(method: "GET", pattern: ["{id}", "comments"], name: "PagePost.get_comments",
                  parameters: ["filter", "live_filter", "order", "since"],
                  enums: ["filter": ["stream", "toplevel"], "order": ["chronological", "reverse_chronological"],
                          "live_filter": ["filter_low_quality", "no_filter"]],
                  integers: ["limit"], fields: commentFields),
        Operation(method: "POST", pattern: ["{id}", "comments"], name: "Comment.create_comment",
                  parameters: ["attachment_id", "attachment_share_url", "attachment_url", "comment_privacy_value", "facepile_mentioned_ids",
                               "feedback_source", "is_offline", "message", "nectar_module", "object_id", "parent_comment_id", "text", "tracking"],
                  booleans: ["is_offline"]),
        Operation(method: "POST", pattern: ["{id}"], name: "Comment.api_update",
                  parameters: ["attachment_id", "attachment_share_url", "attachment_url", "is_hidden", "message"], booleans: ["is_hidden"]),
        Operation(method: "DELETE", pattern: ["{id}"], name: "Comment.api_delete", parameters: []),
        Operation(method: "GET", pattern: ["{id}"], name: "Page.api_get", parameters: [], fields: pageFields),
    ]

    static func problems(_ call: SandboxCall) -> [String] {
        var segments = call.path.split(separator: "/").map(String.init)
        guard let version = segments.first else { return ["no Graph version in \(call.path)"] }
        var out: [String] = []
        if version != Self.version { out.append("Graph API version \(version), not \(Self.version)") }
        segments.removeFirst()
        guard let op = operations.first(where: { op in
            op.method == call.method && op.pattern.count == segments.count
                && zip(op.pattern, segments).allSatisfy { $0 == "{id}" ? $1.range(of: #"^[0-9]+(_[0-9]+)?$"#, options: .regularExpression) != nil : $0 == $1 }
        }) else {
            return out + ["Graph has no call \(call.method) /\(segments.joined(separator: "/")) (with numeric ids)"]
        }
        var fields = QueryString.parse(call.query).fields
        if !call.requestBody.isEmpty {
            guard PlatformContract.mediaType(call.requestHeader("Content-Type")) == "application/x-www-form-urlencoded" else {
                return out + ["\(op.name) takes form fields, not \(call.requestHeader("Content-Type") ?? "an untyped body")"]
            }
            fields += QueryString.parse(String(decoding: call.requestBody, as: UTF8.self)).fields
        }
        let names = Set(fields.map(\.0))
        for name in op.required where !names.contains(name) { out.append("\(op.name) needs \(name)") }
        for (name, values) in fields {
            guard op.parameters.contains(name) || common.contains(name) else {
                out.append("\(op.name) has no parameter \(name)")
                continue
            }
            for value in values {
                if let options = op.enums[name], !options.contains(value) {
                    out.append("\(name)=\(value) is not one of \(options.sorted().joined(separator: ", "))")
                }
                if op.booleans.contains(name), value != "true", value != "false" { out.append("\(name)=\(value) is not true or false") }
                if op.integers.contains(name) || name == "limit", Int(value) == nil { out.append("\(name)=\(value) is not an integer") }
                if name == "fields" {
                    guard let known = op.fields else { out.append("\(op.name) returns no fields to select"); continue }
                    for f in value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
                    where !known.contains(String(f.prefix { $0 != "{" && $0 != "." })) {
                        out.append("\(op.name): no field \(f)")
                    }
                }
            }
        }
        return out
    }
}
