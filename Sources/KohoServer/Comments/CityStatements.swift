import Fluent
import Foundation
import KohoCore

/// What the city has said lately, as rumours in comments are checked against it (4(7)/5(7)): the agency alerts Koho
/// holds as active, the posts it has published (emergency posts first among them) and the public notices, of the last
/// `days` days. Read once per ingest, not once per comment.
enum CityStatements {
    static let days = 3
    /// Bounds the reading: a city publishes a few dozen things in three days, not thousands.
    static let limit = 300

    static func recent(db: Database, now: Date) async throws -> [CityStatement] {
        let since = now.addingTimeInterval(-Double(days) * 86_400)
        var out: [CityStatement] = []
        for a in try await Alert.query(on: db).filter(\.$status == "active").filter(\.$updatedAt >= since)
            .sort(\.$updatedAt, .descending).limit(limit).all() {
            out.append(CityStatement(id: "alert:\(a.id?.uuidString ?? a.messageID)", kind: .alert, title: a.title,
                                     text: a.summary, url: a.messageID.hasPrefix("http") ? a.messageID : nil, publishedAt: a.updatedAt))
        }
        for p in try await Post.query(on: db).filter(\.$state == .published).filter(\.$updatedAt >= since)
            .sort(\.$updatedAt, .descending).limit(limit).all() where p.kind != .reply {
            out.append(CityStatement(id: "post:\(p.id?.uuidString ?? "")", kind: .post, title: p.title ?? "",
                                     text: p.text, url: p.sourceURL ?? p.platformURL, publishedAt: p.updatedAt))
        }
        for n in try await Notice.query(on: db).filter(\.$status == .published).filter(\.$publishedAt >= since)
            .sort(\.$publishedAt, .descending).limit(limit).all() {
            out.append(CityStatement(id: "notice:\(n.id?.uuidString ?? "")", kind: .notice, title: n.title, text: n.body,
                                     url: nil, publishedAt: n.publishedAt ?? n.updatedAt))
        }
        return out
    }

    /// The opening of a correction reply to a comment whose rumour the city's own statement contradicts: it names the
    /// statement and its address, for the officer to finish. Empty when there is no such statement.
    static func correctionDraft(for comment: Comment) -> String {
        guard let r = comment.assessment.rumour, r.status == .contradicted, let source = r.source else { return "" }
        let title = source.title.isEmpty ? String(source.text.prefix(40)) : source.title
        var text = "市からお知らせしている最新の情報は「\(title)」のとおりです。"
        if let url = source.url, !url.isEmpty { text += "\n" + url }
        return text
    }
}
