import Foundation

extension CommentReport {
    // MARK: CSV

    /// The byte order mark: Excel, as set up in most Japanese offices, reads a CSV without it as Shift_JIS and shows
    /// the Japanese as garbage; with it, as UTF-8. Other programs skip it.
    public static let byteOrderMark = "\u{FEFF}"

    /// One tidy table (RFC 4180, CRLF, UTF-8 with a BOM): 月, 区分, 項目, 名称, 指標, 値 — one figure per row, so that
    /// a pivot table or a filter in Excel gives any view of it.
    public var csv: String {
        var rows: [[String]] = [["月", "区分", "項目", "名称", "指標", "値"]]
        let m = month.description
        func add(_ section: String, _ key: String, _ name: String, _ measure: String, _ value: String) {
            rows.append([m, section, key, name, measure, value])
        }
        add("合計", "", "", "受信", String(received))
        add("合計", "", "", "印（削除の根拠または誤解のおそれ）", String(flagged))
        add("合計", "", "", "誤解のおそれ", String(misleading))
        add("合計", "", "", "課長の決定", String(decided))
        add("合計", "", "", "訂正の返信の発信", String(correctionsPublished))
        for a in accounts {
            add("アカウント別", a.account, a.name, "受信", String(a.received))
            add("アカウント別", a.account, a.name, "印", String(a.flagged))
            add("アカウント別", a.account, a.name, "課長の決定", String(a.decided))
            add("アカウント別", a.account, a.name, "訂正の返信の発信", String(a.corrections))
        }
        for g in grounds {
            add("根拠別", g.mark, g.description, "印", String(g.flagged))
            add("根拠別", g.mark, g.description, "削除・非表示の決定", String(g.decided))
        }
        for d in decisions { add("決定別", d.action, d.name, "件数", String(d.count)) }
        add("決定までの時間", "", "", "件数", String(decided))
        add("決定までの時間", "", "", "中央値（秒）", decisionMedian.map { String(Int($0.rounded())) } ?? "")
        add("決定までの時間", "", "", "最長（秒）", decisionMax.map { String(Int($0.rounded())) } ?? "")
        for b in decisionTimes { add("決定までの時間の分布", "", b.label, "件数", String(b.count)) }
        return Self.byteOrderMark + rows.map { $0.map(Self.csvCell).joined(separator: ",") + "\r\n" }.joined()
    }

    /// A cell quoted where it must be; one that a spreadsheet would read as a formula (`SpreadsheetCells`) gets a
    /// leading `'` (an account id or a ground comes from data).
    public static func csvCell(_ s: String) -> String {
        let v = SpreadsheetCells.guarded(s)
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: Text for a terminal

    /// The report as a terminal shows it: columns aligned by display width (a kanji takes two), control
    /// characters in names shown as `\u{1B}` so that a name cannot move the cursor.
    public var text: String {
        var out = ["コメントの月次報告 \(period)", ""]
        out.append("受信 \(received)件　印 \(flagged)件（うち誤解のおそれ \(misleading)件）　課長の決定 \(decided)件　訂正の返信の発信 \(correctionsPublished)件")
        if let median = decisionMedian, let max = decisionMax {
            out.append("決定までの時間（受信から課長の決定まで、\(decided)件）: 中央値 \(Self.duration(median))、最長 \(Self.duration(max))")
        } else {
            out.append("決定までの時間: この月の決定はありません")
        }
        out.append("")
        out.append("■ アカウント別")
        out += Self.columns(["アカウント", "受信", "印", "決定", "訂正"],
                            accounts.map { [Self.visible($0.name), "\($0.received)", "\($0.flagged)", "\($0.decided)", "\($0.corrections)"] })
        out.append("")
        out.append("■ 根拠別（印はこの月に受信したもの、決定はこの月の削除・非表示）")
        out += Self.columns(["根拠", "印", "決定"], grounds.map { ["\(Self.visible($0.mark)) \(Self.short($0.description))", "\($0.flagged)", "\($0.decided)"] })
        out.append("")
        out.append("■ 決定別")
        out += Self.columns(["決定", "件数"], decisions.map { [Self.visible($0.name), "\($0.count)"] })
        out.append("")
        out.append("■ 決定までの時間の分布")
        out += Self.columns(["時間", "件数"], decisionTimes.map { [$0.label, "\($0.count)"] })
        return out.joined(separator: "\n") + "\n"
    }

    static func short(_ s: String) -> String { s.count > 24 ? String(s.prefix(24)) + "…" : s }

    public static func visible(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if u.properties.generalCategory == .control || u.value == 0x2028 || u.value == 0x2029 {
                out += "\\u{\(String(u.value, radix: 16, uppercase: true))}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Columns in a terminal: East Asian wide and full-width characters take two cells.
    public static func width(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { n, u in
            let v = u.value
            if u.properties.generalCategory == .nonspacingMark || v == 0x200B || v == 0x200D || (0xFE00...0xFE0F).contains(v) { return n }
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v)
            return n + (wide ? 2 : 1)
        }
    }

    /// The first column left-aligned, the numbers right-aligned.
    static func columns(_ header: [String], _ rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { width($0[i]) }.max() ?? 0 }
        return all.map { row in
            row.indices.map { i in
                let pad = String(repeating: " ", count: widths[i] - width(row[i]))
                return i == 0 ? row[i] + pad : pad + row[i]
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
    }
}
