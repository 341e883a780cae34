import Foundation
import KohoCore
import KohoPlatforms

/// The plain page at `/_sandbox`: each account's timeline with its comments.
enum SandboxPage {
    static func escape(_ text: String) -> String { HTMLEscaping.escape(text) }

    static func render(state: SandboxState) async -> String {
        let posts = await state.posts
        let comments = await state.comments.filter { !$0.deleted }
        let faults = await state.faults
        let revoked = await state.revokedTokens
        let time = ISO8601DateFormatter()
        time.timeZone = TimeZone(identifier: "Asia/Tokyo")
        var html = """
        <!doctype html>
        <html lang="ja"><head><meta charset="utf-8"><title>Koho sandbox</title>
        <style>body{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}
        li{margin:.4rem 0}.meta{color:#666;font-size:.85em}.hidden,.deleted{opacity:.5}.deleted{text-decoration:line-through}</style>
        </head><body><h1>Koho sandbox</h1>
        <p class="meta">faults: errorRate \(faults.errorRate), lostResponseRate \(faults.lostResponseRate), latencyMs \(faults.latencyMs), throttle \(faults.throttle.map { "\($0.resetSeconds)s" } ?? "off")</p>

        """
        for account in state.accounts {
            let own = posts.filter { $0.account == account.account }.reversed()
            html += "<section><h2>\(escape(account.platform.rawValue)): \(escape(account.name)) (\(escape(account.username)))"
            html += revoked.contains(account.accessToken) ? " <small>token revoked</small>" : ""
            html += "</h2>\n"
            if own.isEmpty { html += "<p class=\"meta\">no posts</p>\n" }
            html += "<ol>\n"
            for post in own {
                html += "<li class=\"\(post.deleted ? "deleted" : "")\"><div>\(escape(post.text))</div>"
                if let description = post.description, !description.isEmpty { html += "<div>\(escape(description))</div>" }
                if let link = post.link ?? post.imageURL { html += "<div class=\"meta\">\(escape(link))</div>" }
                var meta = ["id \(post.id)", time.string(from: post.createdAt)]
                if let quoted = post.quoteTweetId { meta.append("quotes \(quoted)") }
                if let privacy = post.privacyStatus { meta.append(privacy) }
                if let publishAt = post.publishAt { meta.append("publishAt \(time.string(from: publishAt))") }
                if post.deleted { meta.append("deleted") }
                html += "<div class=\"meta\">\(escape(meta.joined(separator: " · ")))</div>"
                let thread = comments.filter { $0.postId == post.id }
                if !thread.isEmpty {
                    html += "<ul>"
                    for comment in thread {
                        let flags = [comment.isHidden ? "hidden" : nil, comment.moderationStatus != "published" ? comment.moderationStatus : nil]
                            .compactMap { $0 }
                        html += "<li class=\"\(comment.isHidden ? "hidden" : "")\">\(comment.parentId == nil ? "" : "↳ ")<b>\(escape(comment.authorName))</b>: \(escape(comment.text))"
                        html += " <span class=\"meta\">\(escape(([comment.id] + flags).joined(separator: " · ")))</span></li>"
                    }
                    html += "</ul>"
                }
                html += "</li>\n"
            }
            html += "</ol></section>\n"
        }
        html += "</body></html>\n"
        return html
    }
}
