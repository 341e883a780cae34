import Foundation
import KohoCore
import Plot

/// The platform beside every account name, so that the city's X account and YouTube channel, which share a
/// display name, are never taken for each other. The mark is decoration; the platform's name is in the text.
enum PlatformLabel {
    static func mark(_ p: Platform) -> String {
        switch p {
        case .x: return "𝕏"
        case .facebook: return "f"
        case .youtube: return "▶"
        }
    }

    static func handle(_ a: Account) -> String { a.platform == .x ? "@\(a.handle)" : a.handle }

    /// 「X 東京都小平市 @kodaira_tokyo」 as text, for places that take no markup.
    static func text(_ a: Account) -> String { "\(a.platform.displayName) \(a.displayName) \(handle(a))" }

    static func node(_ a: Account?, fallback: String) -> BodyNode {
        guard let a else { return .text(fallback) }
        return .tag("span", [Attr("class", "acct")], [
            .tag("span", [Attr("class", "mark mark-\(a.platform.rawValue)"), Attr("aria-hidden", "true")], text: mark(a.platform)),
            .text(" "),
            .tag("span", [Attr("class", "pf")], text: a.platform.displayName),
            .text(" \(a.displayName) "),
            .tag("span", [Attr("class", "handle")], text: handle(a)),
        ])
    }
}

/// What the platform will receive, shown as the platform would show it.
enum RenderingPreview {
    /// The part of an X text within the 280 and the part beyond it, split where twitter-text's valid range ends.
    static func xSplit(_ text: String) -> (weightedLength: Int, within: String, over: String) {
        let parsed = XTextCounter.parse(text)
        guard parsed.weightedLength > XTextConfiguration.v3.maxWeightedLength,
              parsed.validRange.upperBound <= text.utf16.count else { return (parsed.weightedLength, text, "") }
        let cut = String.Index(utf16Offset: parsed.validRange.upperBound, in: text)
        return (parsed.weightedLength, String(text[..<cut]), String(text[cut...]))
    }

    /// `heading` is the card's heading level where it sits (`h3` inside a section headed `h2`).
    static func card(_ r: Rendering, account: Account?, caption: String = "発信される内容（プレビュー）", heading: String = "h2") -> BodyNode {
        let platformName = account?.platform.displayName ?? r.platform.displayName
        var items: [BodyNode] = [
            .tag("p", [Attr("class", "pv-head")], [PlatformLabel.node(account, fallback: r.handle)]),
        ]
        switch r.kind {
        case .xPost:
            let (length, within, over) = xSplit(r.text)
            let limit = XTextConfiguration.v3.maxWeightedLength
            items.append(.tag("p", [Attr("class", "pv-text")], [
                .text(within),
                over.isEmpty ? .empty : .tag("mark", [Attr("class", "over")], text: over),
            ]))
            if let q = r.quotedPostID { items.append(.tag("p", [Attr("class", "pv-quote")], text: "引用する投稿: \(q)")) }
            if let m = r.mediaSHA256 { items.append(.tag("p", [], text: "画像 1枚（SHA-256 \(m.prefix(12))…）")) }
            let count = length > limit
                ? "文字数（Xの数え方）: \(length) / \(limit)。\(length - limit)超えています。印を付けた部分から先は発信できません"
                : "文字数（Xの数え方）: \(length) / \(limit)（あと\(limit - length)）"
            items.append(.tag("p", [Attr("class", length > limit ? "pv-count error" : "pv-count")], text: count))
        case .facebookPost:
            items.append(.tag("p", [Attr("class", "pv-text")], text: r.text))
            if let link = r.link {
                items.append(.tag("div", [Attr("class", "pv-link")], [
                    .tag("span", [Attr("class", "pv-domain")], text: (r.linkDomain ?? "").uppercased()),
                    .tag("span", [], text: link),
                ]))
            }
            items.append(.tag("p", [Attr("class", "pv-count")], text: "\(r.text.unicodeScalars.count)文字 / \(PlatformLimits.facebookTextCharacters)"))
        case .youtubeVideo:
            items.append(.tag("p", [Attr("class", "pv-title")], text: r.title ?? ""))
            items.append(.tag("p", [Attr("class", "pv-text")], text: r.text))
            items.append(.tag("p", [Attr("class", "pv-count")],
                              text: "公開設定: \(r.privacyStatus == Rendering.youtubePrivacyStatus ? "公開" : (r.privacyStatus ?? "—"))。説明 \(r.text.utf8.count) / \(PlatformLimits.youtubeDescriptionBytes)バイト。"
                                  + (r.mediaSHA256.map { "動画: SHA-256 \($0.prefix(12))…" } ?? "動画: 未添付")))
        case .reply:
            items.append(.tag("p", [Attr("class", "pv-quote")], text: "返信先: \(r.inReplyTo ?? "（未入力）")"))
            items.append(.tag("p", [Attr("class", "pv-text")], text: r.text))
        }
        // A group, not a landmark: several previews of one platform on a page would repeat a region's name.
        return .tag("div", [Attr("class", "preview pv-\(r.platform.rawValue)"), Attr("role", "group"), Attr("aria-label", "\(platformName)での見え方")], [
            .tag(heading, [], text: "\(caption): \(platformName)"),
        ] + items)
    }

    /// The preview as the compose page's script builds it (every string goes in as text).
    struct Answer: Codable, Sendable {
        var platform: String
        var platformName: String
        var mark: String
        var accountName: String
        var handle: String
        var kind: String
        var text: String
        var within: String?
        var over: String?
        var weightedLength: Int?
        var title: String?
        var link: String?
        var linkDomain: String?
        var quotedPostID: String?
        var inReplyTo: String?
        var privacyStatus: String?

        init(_ r: Rendering, account: Account) {
            platform = r.platform.rawValue
            platformName = r.platform.displayName
            mark = PlatformLabel.mark(r.platform)
            accountName = account.displayName
            handle = PlatformLabel.handle(account)
            kind = r.kind.rawValue
            text = r.text
            if r.kind == .xPost {
                let split = xSplit(r.text)
                (weightedLength, within, over) = (split.weightedLength, split.within, split.over)
            }
            title = r.title
            link = r.link
            linkDomain = r.linkDomain?.uppercased()
            quotedPostID = r.quotedPostID
            inReplyTo = r.inReplyTo
            privacyStatus = r.privacyStatus
        }
    }

    static let css = """
    .preview{border:1px solid #999;border-radius:12px;padding:8px 16px;max-width:36em;margin:8px 0;background:#fff}
    .preview h2,.preview h3{font-size:1rem;margin:0}.pv-head{margin:4px 0;font-weight:bold}
    .pv-text{white-space:pre-wrap;font-size:1.05rem;overflow-wrap:anywhere}.pv-title{font-weight:bold;font-size:1.1rem}
    .pv-link{border:1px solid #999;padding:4px 8px;display:flex;flex-direction:column;overflow-wrap:anywhere}.pv-domain{font-size:.85rem;color:#555}
    .pv-count{font-size:.9rem}.pv-quote{border-left:4px solid #999;padding-left:8px}
    mark.over{background:#fdecee;color:#b00020;text-decoration:underline wavy}
    .mark{display:inline-block;min-width:1.4em;text-align:center;border-radius:4px;font-weight:bold;color:#fff}
    .mark-x{background:#000}.mark-facebook{background:#1464d0}.mark-youtube{background:#c00}
    .pv-x{border-color:#000}.pv-facebook{border-color:#1464d0}.pv-youtube{border-color:#c00}.handle{color:#444}
    """
}
