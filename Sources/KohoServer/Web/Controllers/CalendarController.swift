import Fluent
import Plot
import Vapor
import KohoCore

enum CalendarController {
    static func month(_ req: Request) async throws -> Response {
        let month = try MonthParam.parse(req.query[String.self, at: "month"], now: req.koho.now)
        let data = try await APIController.calendarMonth(req, month)
        let ids = data.posts.compactMap { UUID(uuidString: $0.id) }
        let posts = ids.isEmpty ? [] : try await Post.query(on: req.db).filter(\.$id ~~ ids).all()
        return Layout.response(CalendarView.page(PageFrame(req, title: "カレンダー \(month.year)年\(month.month)月"), month, data, posts,
                                                     today: JapaneseTime.localDate(req.koho.now)))
    }
}

enum CalendarView {
    /// The first words of a post for a calendar cell: at most 16 characters, on one line.
    static func firstWords(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.count > 16 ? String(line.prefix(16)) + "…" : line
    }

    /// `09:00` out of an ISO 8601 time with its offset.
    static func clock(_ iso: String) -> String { String(iso.dropFirst(11).prefix(5)) }

    /// The month as a wall calendar: a row per week from Sunday, each day with its hours (or why it is closed)
    /// and the posts due that day.
    static func page(_ f: PageFrame, _ month: MonthParam, _ data: APIController.CalendarMonth, _ posts: [Post], today: CivilDate) -> HTML {
        let byDay = Dictionary(grouping: posts) { JapaneseTime.localDate($0.scheduledAt!).description }
        let cells: [BodyNode] = data.days.map { d in
            let date = CivilDate(string: d.date)!
            let status: BodyNode = d.operating
                ? .tag("p", [], text: "運用 \(d.opens.map(clock) ?? "")〜\(d.closes.map(clock) ?? "")")
                : .tag("p", [Attr("class", "holiday")], text: "休み（\(d.closedReason ?? "")）")
            let items = (byDay[d.date] ?? []).sorted { $0.scheduledAt! < $1.scheduledAt! }
            let list: BodyNode = items.isEmpty ? .empty : .tag("ul", [], items.map { p in
                // The time, the platform's mark and the post's first words; a hold is said where the post appears.
                let account = f.policy.account(p.account)
                let mark = account.map { PlatformLabel.mark($0.platform) } ?? ""
                let words = firstWords((try? p.action.text) ?? "")
                var state = p.state.displayName
                if let held = p.heldReason, p.state == .scheduled { state = "保留中: \(held)" }
                else if f.suspensions[p.account] != nil, [.scheduled, .publishing].contains(p.state) { state = "保留中: \(SuspensionService.heldText)" }
                return .tag("li", [Attr("title", account.map(PlatformLabel.text) ?? p.account)], [
                    .link(.post(p.id!), "\(JapaneseTime.staff(p.scheduledAt!).suffix(5)) \(mark) \(words)"),
                    .text("（\(state)）"),
                ])
            })
            var attrs = d.operating ? [] : [Attr("class", "closed")]
            if date == today { attrs.append(Attr("aria-current", "date")) }
            return .tag("td", attrs, [
                .tag("p", [Attr("class", "day")], [.tag("strong", [], text: "\(date.day)日" + (date == today ? "（今日）" : ""))]), status, list,
            ])
        }
        let lead = CivilDate(string: data.days[0].date)!.weekday
        var slots = Array(repeating: BodyNode.tag("td", [], []), count: lead) + cells
        slots += Array(repeating: BodyNode.tag("td", [], []), count: (7 - slots.count % 7) % 7)
        let weeks = stride(from: 0, to: slots.count, by: 7).map { BodyNode.tag("tr", [], Array(slots[$0..<$0 + 7])) }
        return Layout.page(f, [
            .tag("p", [], [.link(.calendar(month.previous.description), "前の月"), .text("　"), .link(.calendar(month.next.description), "次の月")]),
            .tag("table", [Attr("class", "month")], [
                .tag("caption", [], text: "\(month.year)年\(month.month)月の運用日と予約・承認待ちの投稿"),
                .tag("thead", [], [.tag("tr", [], JapaneseTime.weekdayKanji.map { .tag("th", [Attr("scope", "col")], text: $0) })]),
                .tag("tbody", [], weeks),
            ]),
            .tag("h2", [], text: "カレンダーの購読（iCalendar）"),
            .tag("ul", [], f.policy.accounts.map { a in .tag("li", [], [.link(.ics(a.id), "\(a.displayName)（\(a.platform.displayName)）")]) }),
        ])
    }
}

/// `/calendar/{account}.ics`: the scheduled posts of one account, for the staff's own calendars.
enum ICSController {
    static func feed(_ req: Request) async throws -> Response {
        guard let file = req.parameters.get("file"), file.hasSuffix(".ics") else { throw AppError.notFound() }
        let accountID = String(file.dropLast(4))
        var user = req.currentUser
        if user == nil, let token = req.query[String.self, at: "token"],
           let t = try await APIToken.query(on: req.db).filter(\.$tokenHash == Secrets.sha256Hex(token)).first() {
            user = try await User.find(t.$user.id, on: req.db)
            if user != nil {
                let now = req.koho.now, db = req.db
                try await req.koho.writeLock.run { try await t.markUsed(at: now, on: db) }
            }
        }
        guard user != nil else { throw AppError(status: .unauthorized, message: "ログインまたは token が必要です") }
        guard let account = req.koho.policy.account(accountID) else { throw AppError.notFound("アカウントが見つかりません") }
        let posts = try await Post.query(on: req.db).filter(\.$account == account.id).filter(\.$state == .scheduled).sort(\.$scheduledAt).all()
        let res = Response(status: .ok, body: .init(string: ICS.calendar(account: account, posts: posts, now: req.koho.now)))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "calendar", parameters: ["charset": "utf-8"])
        return res
    }
}

enum ICS {
    static func stamp(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: d)
    }

    /// RFC 5545 text: backslash, semicolon, comma and every line break (CRLF, LF, a lone CR, and the Unicode
    /// ones) escaped, and other control characters dropped, so that a post's text cannot start a line of its own.
    static func text(_ s: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        var afterCR = false
        for u in s.unicodeScalars {
            defer { afterCR = u == "\r" }
            switch u {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}": out += "\\n"
            case "\n": if !afterCR { out += "\\n" }
            case "\t": out.unicodeScalars.append(u)
            default:
                if u.value < 0x20 || u.value == 0x7F { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Lines longer than 75 octets are folded (RFC 5545 3.1), between code points and never inside a UTF-8
    /// sequence: a grapheme longer than the line (an emoji sequence, a letter with many marks) is split between its
    /// code points, which the RFC allows.
    static func fold(_ line: String) -> String {
        var out = String.UnicodeScalarView(), current = 0
        for u in line.unicodeScalars {
            let n = UTF8.width(u)
            if current + n > 75 { out.append(contentsOf: "\r\n ".unicodeScalars); current = 1 }
            out.append(u); current += n
        }
        return String(out)
    }

    static func calendar(account: Account, posts: [Post], now: Date) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Koho//Koho//JA", "CALSCALE:GREGORIAN",
                     "X-WR-CALNAME:" + text("\(account.displayName) 予約投稿")]
        for p in posts {
            guard let at = p.scheduledAt, let id = p.id else { continue }
            let body = (try? p.action.text) ?? ""
            lines += ["BEGIN:VEVENT", "UID:\(id.uuidString.lowercased())@koho", "DTSTAMP:\(stamp(now))", "DTSTART:\(stamp(at))",
                      "DTEND:\(stamp(at.addingTimeInterval(15 * 60)))",
                      "SUMMARY:" + text("[\(p.category ?? "")] " + String(body.prefix(40))),
                      "DESCRIPTION:" + text(body), "END:VEVENT"]
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }
}
