import Plot
import KohoCore

/// The monthly comment report: each chart is an SVG drawn here (no script) with its own text alternative, and the
/// same figures follow in a table, so nothing is told by colour or picture alone.
enum CommentReportView {
    static func page(_ f: PageFrame, _ r: CommentReport, current: ReportMonth) -> HTML {
        let m = r.month
        let picker: BodyNode = .tag("nav", [Attr("aria-label", "月の選択")], [
            .tag("p", [], [
                .link(.commentReport(m.previous.description), "← 前の月（\(m.previous.japanese)）"), .text("　"),
                m < current ? .link(.commentReport(m.next.description), "次の月（\(m.next.japanese)）→") : .text("次の月（\(m.next.japanese)）→"),
                .text("　"), m == current ? .empty : .link(.commentReport(nil), "今月"),
            ]),
            .tag("form", [Attr("method", "get"), Attr("action", SiteURL.commentReport(nil).path)], [
                .field("月を選ぶ", name: "month", value: m.description, type: "month", hint: "YYYY-MM（例: 2026-11）"),
                .button("表示"),
            ]),
        ])
        let decidedTime: String = r.decisionMedian.map { median in
            "中央値 \(CommentReport.duration(median))、最長 \(CommentReport.duration(r.decisionMax ?? median))（\(r.decided)件）"
        } ?? "この月の決定はありません"
        return Layout.page(f, [
            .tag("p", [], text: "対象: \(r.period)。受信はこの月に Koho が受け取ったコメント、印は削除の根拠（4(8)/5(8) ①〜⑤）か誤解を与えるおそれ（4(7)/5(7)）が見つかったもの、決定はこの月に\(f.policy.ownerRole.title)が行った決定（前の月に受け取ったものを含む）、訂正の返信はこの月に発信された訂正・釈明の返信です。"),
            picker,
            .tag("p", [], [.link(.commentReportCSV(m.description), "この月の数値を CSV で書き出す（UTF-8・BOM つき、Excel でそのまま開けます）")]),
            .tag("h2", [], text: "合計"),
            .table(["項目", "件数"], [
                [.text("受信"), .text("\(r.received)件")],
                [.text("印（削除の根拠または誤解のおそれ）"), .text("\(r.flagged)件")],
                [.text("うち誤解を与えるおそれ"), .text("\(r.misleading)件")],
                [.text("\(f.policy.ownerRole.title)の決定"), .text("\(r.decided)件")],
                [.text("うち提案に反する削除（Koho が「そのまま」を提案した、または市への批判と判定したものの削除・非表示）"), .text("\(r.againstSuggestion)件")],
                [.text("訂正の返信の発信"), .text("\(r.correctionsPublished)件")],
                [.text("決定までの時間（受信から決定まで）"), .text(decidedTime)],
            ], caption: "\(m.japanese)の合計"),

            .tag("h2", [], text: "アカウント別"),
            SVGBarChart.figure(id: "chart-accounts", title: "アカウント別の受信・印・決定",
                               groups: r.accounts.map { a in (a.name, [("受信", a.received), ("印", a.flagged), ("決定", a.decided)]) }),
            .table(["アカウント", "受信", "印", "決定", "訂正の返信の発信"], r.accounts.map { a in
                [.text(a.name), .text("\(a.received)"), .text("\(a.flagged)"), .text("\(a.decided)"), .text("\(a.corrections)")]
            }, caption: "アカウント別の件数"),

            .tag("h2", [], text: "根拠別"),
            .tag("p", [], text: "印は、この月に受信したコメントのうちその根拠が見つかったもの（一つのコメントが複数の根拠に当たることがあります）。決定は、この月にその根拠で削除・非表示と決めたものです。"),
            SVGBarChart.figure(id: "chart-grounds", title: "根拠別の印と削除・非表示の決定",
                               groups: r.grounds.map { g in (g.mark, [("印", g.flagged), ("決定", g.decided)]) }),
            .table(["根拠", "内容", "印", "削除・非表示の決定"], r.grounds.map { g in
                [.text(g.mark), .text(g.description), .text("\(g.flagged)"), .text("\(g.decided)")]
            }, caption: "根拠別の件数"),

            .tag("h2", [], text: "決定別"),
            SVGBarChart.figure(id: "chart-decisions", title: "決定別の件数", groups: r.decisions.map { d in (d.name, [("件数", d.count)]) }),
            .table(["決定", "件数"], r.decisions.map { d in [.text(d.name), .text("\(d.count)")] }, caption: "決定別の件数"),

            .tag("h2", [], text: "決定までの時間"),
            .tag("p", [], text: "受信から\(f.policy.ownerRole.title)の決定まで: \(decidedTime)。"),
            SVGBarChart.figure(id: "chart-times", title: "決定までの時間の分布", groups: r.decisionTimes.map { b in (b.label, [("件数", b.count)]) }),
            .table(["受信から決定まで", "件数"], r.decisionTimes.map { b in [.text(b.label), .text("\(b.count)")] }, caption: "決定までの時間の分布"),
        ])
    }
}

/// Horizontal bar charts as inline SVG. Every bar carries its name and number as text beside it, and the chart a
/// `<title>` and a `<desc>` listing every figure, for screen readers and for anyone who cannot tell the bars apart.
enum SVGBarChart {
    static let fills = ["#0b4f8a", "#b36b00", "#2e7d32"]

    static func figure(id: String, title: String, groups: [(label: String, bars: [(name: String, value: Int)])]) -> BodyNode {
        let width = 640, barHeight = 18, gap = 4, labelHeight = 22, groupGap = 10, barSpace = 440
        let maxValue = max(1, groups.flatMap { $0.bars.map(\.value) }.max() ?? 0)
        var y = 4
        var shapes: [BodyNode] = []
        for g in groups {
            y += labelHeight
            shapes.append(.tag("text", [Attr("x", "0"), Attr("y", "\(y - 6)"), Attr("font-size", "14"), Attr("fill", "#1a1a1a")], text: g.label))
            for (i, b) in g.bars.enumerated() {
                let w = b.value == 0 ? 0 : max(2, b.value * barSpace / maxValue)
                shapes.append(.void("rect", [Attr("x", "0"), Attr("y", "\(y)"), Attr("width", "\(w)"), Attr("height", "\(barHeight)"),
                                             Attr("fill", fills[i % fills.count])]))
                shapes.append(.tag("text", [Attr("x", "\(w + 6)"), Attr("y", "\(y + barHeight - 4)"), Attr("font-size", "13"), Attr("fill", "#1a1a1a")],
                                   text: "\(b.name) \(b.value)"))
                y += barHeight + gap
            }
            y += groupGap
        }
        let desc = groups.isEmpty ? "データはありません。"
            : groups.map { g in "\(g.label): " + g.bars.map { "\($0.name) \($0.value)件" }.joined(separator: "、") }.joined(separator: "。") + "。"
        return .tag("figure", [], [
            .tag("svg", [Attr("xmlns", "http://www.w3.org/2000/svg"), Attr("role", "img"), Attr("width", "100%"),
                         Attr("style", "max-width:\(width)px"), Attr("viewBox", "0 0 \(width) \(max(y, 30))"),
                         Attr("aria-labelledby", "\(id)-title \(id)-desc")], [
                .tag("title", [Attr("id", "\(id)-title")], text: title),
                .tag("desc", [Attr("id", "\(id)-desc")], text: desc),
            ] + shapes),
            .tag("figcaption", [], text: "図: \(title)（数値は下の表にもあります）"),
        ])
    }
}
