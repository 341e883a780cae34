import Fluent
import Plot
import Vapor
import KohoCore

/// The dashboard's part for emergencies coming in: posts disaster mode holds.
enum IntakeDashboard {
    struct Model {
        var held: [Post] = []
    }

    static func load(_ req: Request) async throws -> Model {
        Model(held: try await DisasterModeService.heldPosts(on: req.db))
    }

    static func section(_ f: PageFrame, _ m: Model) -> BodyNode {
        .group([
            m.held.isEmpty ? .empty : .tag("section", [Attr("class", "warn"), Attr("aria-label", "災害モードで保留中の投稿")], [
                .tag("h2", [], text: "災害モードで保留中の投稿（\(m.held.count)件）"),
                PostListView.table(m.held, policy: f.policy),
                .tag("p", [], [.link(.disaster, "災害モードの画面で解除する")]),
            ]),
        ])
    }
}
