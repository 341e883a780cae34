import Fluent
import Foundation
import Plot
import Vapor
import KohoCore

/// `GET /api/v1/posts/{id}/versions`, and the versions section of the post's page.
enum PostVersionsAPI {
    struct VersionDTO: Content {
        let number: Int
        let event: String
        let eventName: String
        let state: String
        let account: String
        let category: String?
        let title: String?
        let text: String
        let links: [String]
        let actor: String
        let at: String
        let reason: String
        /// The text against the version before (the first version: every line added).
        let textDiff: [PostVersions.DiffLine]
        let titleChanged: Bool
        let linksChanged: Bool
        let categoryChanged: Bool
    }

    struct ListDTO: Content {
        let postId: String
        let versions: [VersionDTO]
    }

    static func dtos(_ versions: [PostVersion]) -> [VersionDTO] {
        var previous: PostVersion?
        return versions.map { v in
            defer { previous = v }
            return VersionDTO(number: v.number, event: v.event, eventName: PostVersions.eventWords(v.event), state: v.state, account: v.account,
                              category: v.category, title: v.title, text: v.text, links: v.links, actor: v.actor,
                              at: JapaneseTime.iso8601(v.at), reason: v.reason, textDiff: PostVersions.diff(previous?.text ?? "", v.text),
                              titleChanged: previous.map { $0.title != v.title } ?? false,
                              linksChanged: previous.map { $0.linksJSON != v.linksJSON } ?? false,
                              categoryChanged: previous.map { $0.category != v.category } ?? false)
        }
    }

    static func list(_ req: Request) async throws -> ListDTO {
        _ = try req.requireUser()
        let id = try PostsController.postID(req)
        _ = try await PostService.find(req.workflow, id)
        return ListDTO(postId: id.uuidString.lowercased(), versions: dtos(try await PostVersions.all(of: id, on: req.db)))
    }

    /// Every saved text, newest first, each with the lines it removed and added against the one before.
    static func section(_ versions: [PostVersion], policy: Policy) -> BodyNode {
        guard !versions.isEmpty else { return .empty }
        let items: [BodyNode] = dtos(versions).reversed().map { v in
            var head = "第\(v.number)版　\(JapaneseTime.staff(JapaneseTime.parseISO8601(v.at) ?? Date()))　\(v.actor)（\(v.eventName)）"
            var changes: [String] = []
            if v.titleChanged { changes.append("タイトル") }
            if v.categoryChanged { changes.append("区分") }
            if v.linksChanged { changes.append("リンク") }
            if !changes.isEmpty { head += "　\(changes.joined(separator: "・"))も変更" }
            let same = v.number > 1 && !v.textDiff.contains { $0.kind != .same }
            return .tag("li", [Attr("class", "version")], [
                .tag("p", [], [.tag("strong", [], text: head)]),
                v.reason.isEmpty ? .empty : .tag("p", [Attr("class", v.event == "reject" ? "warn" : "hint")],
                                                 text: (v.event == "reject" ? "差戻しの理由: " : "理由: ") + v.reason),
                same ? .tag("p", [Attr("class", "hint")], text: "本文は前の版と同じです。")
                    : .tag("pre", [Attr("class", "diff")], v.textDiff.map { line in
                        switch line.kind {
                        case .same: return .tag("span", [], text: "  " + line.text + "\n")
                        case .removed: return .tag("del", [Attr("title", "前の版から削除")], text: "− " + line.text + "\n")
                        case .added: return .tag("ins", [Attr("title", "この版で追加")], text: "＋ " + line.text + "\n")
                        }
                    }),
            ])
        }
        return .tag("section", [Attr("aria-labelledby", "h-versions")], [
            .tag("h2", [Attr("id", "h-versions")], text: "版の履歴（保存されたすべての本文）"),
            .tag("ol", [Attr("class", "versions")], items),
        ])
    }
}
