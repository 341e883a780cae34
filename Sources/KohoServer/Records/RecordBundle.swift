import Fluent
import Foundation
import Vapor
import KohoCore
import KohoPlatforms

/// Everything Koho holds about one post, one comment, one impersonation case or one period, as a records officer
/// hands it over: `record.json` (every field, the audit entries with their hashes, the chain's head at export),
/// `index.html` (the same for people: Japanese words, 和暦, every text escaped) and `manifest.txt` (SHA-256 sums).
struct RecordBundle {
    let kind: String
    let title: String
    let record: [String: Any]
    let html: String

    static let jsonName = "record.json"
    static let htmlName = "index.html"
    static let manifestName = "manifest.txt"

    struct NotFound: Error, CustomStringConvertible { let description: String }

    var json: Data {
        (try? JSONSerialization.data(withJSONObject: record, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    /// Writes the three files into `dir` (created; it must be empty or absent, so that no older file is taken for part of it).
    @discardableResult
    func write(to dir: URL) throws -> [String: String] {
        try Backup.requireEmpty(dir, what: "出力先")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let files: [(String, Data)] = [(Self.jsonName, json), (Self.htmlName, Data(html.utf8))]
        var sums: [String: String] = [:]
        var manifest = ""
        for (name, data) in files {
            try data.write(to: dir.appendingPathComponent(name))
            sums[name] = Secrets.sha256Hex(data)
            manifest += "\(Secrets.sha256Hex(data))  \(name)\n"
        }
        try Data(manifest.utf8).write(to: dir.appendingPathComponent(Self.manifestName))
        return sums
    }

    /// One HTML file with the JSON inside it, for the download from the staff pages.
    var singleHTML: String {
        // No `<` inside the script element (it could close it or open a comment): in JSON, `<` only occurs in strings, where `\u003c` means the same.
        let embedded = String(decoding: json, as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
        return html.replacingOccurrences(of: "</body>", with: "<script type=\"application/json\" id=\"record-json\">\(embedded)</script>\n</body>")
    }

    // MARK: - Building

    static func post(_ id: UUID, db: Database, policy: Policy, now: Date) async throws -> RecordBundle {
        // Read whole: a list's narrow projection (`allPosts`) leaves out the approved rendering a record must hold.
        guard let post = try await Post.query(on: db).filter(\.$id == id).first() else {
            throw NotFound(description: "投稿 \(id.uuidString.lowercased()) はありません")
        }
        let versions = try await PostVersions.all(of: id, on: db)
        let attempts = try await PublishAttempt.query(on: db).filter(\.$postID == id).sort(\.$number).all()
        let comments = try await Comment.query(on: db).filter(\.$postID == id).sort(\.$receivedAt).all()
        let entries = try await AuditEntry.query(on: db).filter(\.$subject == PostService.subject(id)).sort(\.$id).all()
        let head = try await chainHead(db, now: now)
        var record = base("post", head: head, now: now, entries: entries)
        record["post"] = postJSON(post)
        let hold = try await LegalHold.find(PostService.subject(id), on: db)
        record["legalHold"] = holdJSON(hold)
        record["versions"] = versions.map(versionJSON)
        record["approvals"] = entries.filter { ["post.approve", "post.reject", "post.submit"].contains($0.action) }.map(entryJSON)
        record["approvedRendering"] = post.approvedRendering.map { r -> [String: Any] in
            ["canonicalJSON": r, "sha256": post.approvedRenderingSHA256 ?? "", "sha256OfText": Secrets.sha256Hex(r)]
        } ?? NSNull()
        let calls = try await PlatformCalls.all(subject: PostService.subject(id), on: db)
        record["publishAttempts"] = attempts.map { a in
            var j = attemptJSON(a)
            j["calls"] = calls.filter { $0.attemptID == a.id }.map(PlatformCalls.json)
            return j
        }
        record["comments"] = comments.map { commentJSON($0) }
        var html = Page(title: "投稿の記録", now: now, head: head)
        html.dl("投稿", [("状態", post.state.displayName), ("アカウント", policy.account(post.account).map { "\($0.displayName)（\($0.platform.displayName)）" } ?? post.account),
                         ("区分", post.category ?? "—"), ("タイトル", post.title ?? "—"), ("作成者", post.authorName),
                         ("作成", JapaneseTime.staff(post.createdAt)), ("予約日時", post.scheduledAt.map { JapaneseTime.staff($0) } ?? "—"),
                         ("発信先の投稿", post.platformURL ?? post.platformPostID ?? "—"), ("添付", post.mediaName.map { "\($0)（SHA-256 \(post.mediaSHA256 ?? "")）" } ?? "なし")])
        html.hold(hold)
        html.pre("本文", post.text)
        if let r = post.approvedRendering { html.pre("承認された発信内容（SHA-256 \(post.approvedRenderingSHA256 ?? "")）", r) }
        html.table("版の履歴", ["版", "日時", "誰が", "何を", "理由", "本文"], versions.map {
            [String($0.number), JapaneseTime.staff($0.at), $0.actor, PostVersions.eventWords($0.event), $0.reason, $0.text]
        })
        html.table("発信の試み", ["回", "開始", "終了", "結果", "内容", "送受信"], attempts.map { a in
            [String(a.number), JapaneseTime.staff(a.startedAt), a.finishedAt.map { JapaneseTime.staff($0) } ?? "—", a.outcome.displayName, a.message,
             "\(calls.filter { $0.attemptID == a.id }.count)件"]
        })
        html.callsNote(calls.count)
        html.table("この投稿へのコメント", ["受信", "投稿者", "本文", "状態", "決定"], comments.map {
            [JapaneseTime.staff($0.receivedAt), $0.authorName, $0.text, $0.state.displayName, $0.decision?.displayName ?? "—"]
        })
        html.audit(entries)
        return RecordBundle(kind: "post", title: "投稿の記録", record: record, html: html.render())
    }

    static func comment(_ id: UUID, db: Database, policy: Policy, now: Date) async throws -> RecordBundle {
        guard let c = try await Comment.find(id, on: db) else { throw NotFound(description: "コメント \(id.uuidString.lowercased()) はありません") }
        let events = try await CommentEvent.query(on: db).filter(\.$commentID == id).sort(\.$at).all()
        let actions = try await CommentAction.query(on: db).filter(\.$commentID == id).sort(\.$number).all()
        let calls = try await PlatformCalls.all(subject: c.subject, on: db)
        let entries = try await AuditEntry.query(on: db).filter(\.$subject == c.subject).sort(\.$id).all()
        let head = try await chainHead(db, now: now)
        var record = base("comment", head: head, now: now, entries: entries)
        record["comment"] = commentJSON(c, full: true)
        let hold = try await LegalHold.find(c.subject, on: db)
        record["legalHold"] = holdJSON(hold)
        record["events"] = events.map { ["at": JapaneseTime.iso8601($0.at), "kind": $0.kind, "actor": $0.actor, "detail": $0.detail] as [String: Any] }
        record["platformActions"] = actions.map { a in
            ["number": a.number, "action": a.action.rawValue, "startedAt": JapaneseTime.iso8601(a.startedAt),
             "finishedAt": a.finishedAt.map { JapaneseTime.iso8601($0) } ?? NSNull(), "outcome": a.outcome.rawValue,
             "message": a.message, "worker": a.worker, "id": a.id?.uuidString.lowercased() ?? "",
             "calls": calls.filter { $0.attemptID == a.id }.map(PlatformCalls.json)] as [String: Any]
        }
        var html = Page(title: "コメントの記録", now: now, head: head)
        html.dl("コメント", [("アカウント", policy.account(c.account).map { "\($0.displayName)（\($0.platform.displayName)）" } ?? c.account),
                             ("投稿者", c.authorName), ("投稿者のプラットフォーム上のID", c.authorID ?? "—"),
                             ("プラットフォームでの日時", JapaneseTime.staff(c.createdAt)), ("受信", JapaneseTime.staff(c.receivedAt)),
                             ("状態", c.state.displayName), ("決定", c.decision?.displayName ?? "—"), ("決定の根拠", c.decisionGround ?? "—"),
                             ("決定の理由", c.decisionReason ?? "—"), ("決定した人", c.decidedBy ?? "—"), ("決定の日時", c.decidedAt.map { JapaneseTime.staff($0) } ?? "—"),
                             ("プラットフォームでの実行", c.actionStatus?.displayName ?? "—")])
        html.hold(hold)
        html.pre("受信したときの本文", c.text)
        if c.currentText != c.text { html.pre("最新の本文", c.currentText) }
        html.table("出来事", ["日時", "誰が", "何", "内容"], events.map { [JapaneseTime.staff($0.at), $0.actor, $0.kind, $0.detail] })
        html.table("プラットフォームでの実行", ["回", "操作", "開始", "結果", "内容", "送受信"], actions.map { a in
            [String(a.number), a.action.displayName, JapaneseTime.staff(a.startedAt), a.outcome.displayName, a.message,
             "\(calls.filter { $0.attemptID == a.id }.count)件"]
        })
        html.callsNote(calls.count)
        html.audit(entries)
        return RecordBundle(kind: "comment", title: "コメントの記録", record: record, html: html.render())
    }

    static func impersonationCase(_ id: UUID, db: Database, policy: Policy, now: Date) async throws -> RecordBundle {
        guard let c = try await ImpersonationCase.find(id, on: db) else { throw NotFound(description: "なりすましの事案 \(id.uuidString.lowercased()) はありません") }
        let steps = try await ImpersonationCaseStepRecord.query(on: db).filter(\.$caseId == id).sort(\.$at).all()
        let entries = try await AuditEntry.query(on: db).filter(\.$subject == ImpersonationCaseService.subject(id)).sort(\.$id).all()
        let head = try await chainHead(db, now: now)
        var record = base("impersonationCase", head: head, now: now, entries: entries)
        record["case"] = ["id": c.idString, "platform": c.platform.rawValue, "handle": c.handle, "name": c.name, "bio": c.bio,
                          "profileURL": c.profileURL, "platformId": c.platformId, "seenAt": JapaneseTime.iso8601(c.seenAt),
                          "source": c.source.rawValue, "reportedBy": c.reportedBy, "reportNote": c.reportNote, "score": c.score,
                          "reasons": c.reasonList, "imitates": c.imitates, "step": c.step.rawValue,
                          "outcome": c.outcome?.rawValue ?? NSNull(), "takedownText": c.takedownText, "pressText": c.pressText,
                          "createdAt": JapaneseTime.iso8601(c.createdAt), "updatedAt": JapaneseTime.iso8601(c.updatedAt)] as [String: Any]
        let hold = try await LegalHold.find(ImpersonationCaseService.subject(id), on: db)
        record["legalHold"] = holdJSON(hold)
        record["steps"] = steps.map { ["step": $0.step.rawValue, "actor": $0.actor, "at": JapaneseTime.iso8601($0.at), "note": $0.note] as [String: Any] }
        var html = Page(title: "なりすまし事案の記録", now: now, head: head)
        html.dl("事案", [("プラットフォーム", c.platform.displayName), ("アカウント", c.handle), ("表示名", c.name), ("プロフィール", c.profileURL),
                         ("まねている公式アカウント", policy.account(c.imitates)?.displayName ?? c.imitates), ("段階", c.step.displayName),
                         ("結果", c.outcome?.displayName ?? "—"), ("見つけた日時", JapaneseTime.staff(c.seenAt)), ("見つけ方", c.source.displayName)])
        html.hold(hold)
        html.table("段階の記録", ["日時", "誰が", "段階", "内容"], steps.map { [JapaneseTime.staff($0.at), $0.actor, $0.step.displayName, $0.note] })
        html.audit(entries)
        return RecordBundle(kind: "impersonationCase", title: "なりすまし事案の記録", record: record, html: html.render())
    }

    /// Posts created, comments received and audit entries written from `from` to `to` (both days included, Japan time).
    static func range(from: CivilDate, to: CivilDate, db: Database, policy: Policy, now: Date) async throws -> RecordBundle {
        let start = startOfDay(from), end = startOfDay(to.adding(days: 1))
        let posts = try await Post.query(on: db).filter(\.$createdAt >= start).filter(\.$createdAt < end).sort(\.$createdAt).all()
        let comments = try await Comment.query(on: db).filter(\.$receivedAt >= start).filter(\.$receivedAt < end).sort(\.$receivedAt).all()
        // The trail keeps whole seconds; the bounds are whole seconds too.
        let entries = try await AuditEntry.query(on: db).filter(\.$at >= start).filter(\.$at < end).sort(\.$id).all()
        let head = try await chainHead(db, now: now)
        var record = base("range", head: head, now: now, entries: entries)
        record["from"] = from.description
        record["to"] = to.description
        record["posts"] = posts.map(postJSON)
        record["comments"] = comments.map { commentJSON($0) }
        var html = Page(title: "期間の記録（\(JapaneseTime.wareki(from))〜\(JapaneseTime.wareki(to))）", now: now, head: head)
        html.table("作成された投稿", ["作成", "アカウント", "状態", "作成者", "本文"], posts.map {
            [JapaneseTime.staff($0.createdAt), policy.account($0.account)?.displayName ?? $0.account, $0.state.displayName, $0.authorName, $0.text]
        })
        html.table("受信したコメント", ["受信", "投稿者", "本文", "状態", "決定"], comments.map {
            [JapaneseTime.staff($0.receivedAt), $0.authorName, $0.text, $0.state.displayName, $0.decision?.displayName ?? "—"]
        })
        html.audit(entries)
        return RecordBundle(kind: "range", title: "期間の記録", record: record, html: html.render())
    }

    // MARK: - Parts

    static func startOfDay(_ d: CivilDate) -> Date {
        JapaneseTime.parseISO8601("\(d.description)T00:00:00+09:00") ?? InstantBounds.clamped(Date.distantPast)
    }

    struct Head { let count: Int; let hash: String; let id: Int? }

    static func chainHead(_ db: Database, now: Date) async throws -> Head {
        let c = try await AuditLog.Checkpoints.head(on: db, at: now)
        let last = try await AuditEntry.query(on: db).sort(\.$id, .descending).first()
        return Head(count: c.count, hash: c.hash, id: last?.id)
    }

    static func base(_ kind: String, head: Head, now: Date, entries: [AuditEntry]) -> [String: Any] {
        ["kind": kind, "exportedAt": JapaneseTime.iso8601(now), "exporter": "koho",
         "chainHead": ["count": head.count, "hash": head.hash, "id": head.id ?? NSNull()] as [String: Any],
         "auditEntries": entries.map(entryJSON),
         "hashRule": "SHA-256 of the fields prev_hash, at (Unix seconds), actor, action, subject, detail, reason, each written as <UTF-8 byte length>:<text>, joined by |"]
    }

    static func entryJSON(_ e: AuditEntry) -> [String: Any] {
        ["id": e.id ?? 0, "at": JapaneseTime.iso8601(e.at), "atUnix": Int(e.at.timeIntervalSince1970), "actor": e.actor, "action": e.action,
         "subject": e.subject, "detail": e.detail, "reason": e.reason, "prevHash": e.prevHash, "hash": e.hash]
    }

    static func postJSON(_ p: Post) -> [String: Any] {
        ["id": p.id?.uuidString.lowercased() ?? "", "account": p.account, "category": p.category ?? NSNull(), "kind": p.kind.rawValue,
         "title": p.title ?? NSNull(), "text": p.text, "links": (try? JSONSerialization.jsonObject(with: Data(p.linksJSON.utf8))) ?? [],
         "sourceURL": p.sourceURL ?? NSNull(), "emergency": p.emergency, "emergencyReason": p.emergencyReason ?? NSNull(),
         "state": p.state.rawValue, "version": p.lockVersion, "author": p.authorName, "requiresChiefApproval": p.requiresChiefApproval,
         "approvalReasons": p.reasons, "createdAt": JapaneseTime.iso8601(p.createdAt), "updatedAt": JapaneseTime.iso8601(p.updatedAt),
         "scheduledAt": p.scheduledAt.map { JapaneseTime.iso8601($0) } ?? NSNull(), "platformPostId": p.platformPostID ?? NSNull(),
         "platformURL": p.platformURL ?? NSNull(), "publishMessage": p.publishMessage ?? NSNull(),
         "media": p.mediaFile.map { ["file": $0, "bytes": p.mediaBytes ?? 0, "name": p.mediaName ?? "", "sha256": p.mediaSHA256 ?? ""] as [String: Any] } ?? NSNull(),
         "policyVersionId": p.$policyVersion.id.uuidString.lowercased()]
    }

    static func holdJSON(_ h: LegalHold?) -> Any {
        guard let h else { return NSNull() }
        return ["reason": h.reason, "setBy": h.setBy, "setAt": JapaneseTime.iso8601(h.setAt)] as [String: Any]
    }

    static func versionJSON(_ v: PostVersion) -> [String: Any] {
        ["number": v.number, "event": v.event, "state": v.state, "account": v.account, "category": v.category ?? NSNull(),
         "title": v.title ?? NSNull(), "text": v.text, "links": v.links, "actor": v.actor, "at": JapaneseTime.iso8601(v.at), "reason": v.reason]
    }

    static func attemptJSON(_ a: PublishAttempt) -> [String: Any] {
        // The upload session is sealed with the server's key and names a resumable upload: it is left out.
        ["number": a.number, "startedAt": JapaneseTime.iso8601(a.startedAt), "finishedAt": a.finishedAt.map { JapaneseTime.iso8601($0) } ?? NSNull(),
         "outcome": a.outcome.rawValue, "platformPostId": a.platformPostID ?? NSNull(), "platformURL": a.platformURL ?? NSNull(),
         "message": a.message, "worker": a.worker]
    }

    static func commentJSON(_ c: Comment, full: Bool = false) -> [String: Any] {
        var j: [String: Any] = [
            "id": c.id?.uuidString.lowercased() ?? "", "account": c.account, "platform": c.platform, "platformCommentId": c.platformCommentID,
            "platformPostId": c.platformPostID, "postId": c.postID?.uuidString.lowercased() ?? NSNull(), "authorName": c.authorName,
            "authorId": c.authorID ?? NSNull(), "platformCreatedAt": JapaneseTime.iso8601(c.createdAt), "receivedAt": JapaneseTime.iso8601(c.receivedAt),
            "text": c.text, "currentText": c.currentText, "state": c.state.rawValue, "decision": c.decision?.rawValue ?? NSNull(),
        ]
        guard full else { return j }
        j["parentId"] = c.parentID ?? NSNull()
        j["suggestion"] = c.suggestion
        j["grounds"] = c.grounds
        j["assessment"] = (try? JSONSerialization.jsonObject(with: Data(c.assessmentJSON.utf8))) ?? c.assessmentJSON
        j["decisionGround"] = c.decisionGround ?? NSNull()
        j["decisionReason"] = c.decisionReason ?? NSNull()
        j["decidedBy"] = c.decidedBy ?? NSNull()
        j["decidedAt"] = c.decidedAt.map { JapaneseTime.iso8601($0) } ?? NSNull()
        j["decisionAgainstSuggestion"] = c.decisionAgainstSuggestion ?? NSNull()
        j["replyPostId"] = c.replyPostID?.uuidString.lowercased() ?? NSNull()
        j["actionStatus"] = c.actionStatus?.rawValue ?? NSNull()
        j["actionMessage"] = c.actionMessage ?? NSNull()
        j["imageURL"] = c.imageURL ?? NSNull()
        return j
    }

    /// The human-readable page: plain HTML with its own small style, readable offline and printable.
    struct Page {
        let title: String
        var body: [String] = []
        init(title: String, now: Date, head: Head) {
            self.title = title
            body.append("<h1>\(e(title))</h1>")
            body.append("<p>書き出した日時: \(e(JapaneseTime.staff(now)))。監査記録の先頭: \(head.count)件目、ハッシュ <code>\(e(head.hash))</code>"
                        + "（<code>koho audit verify</code> の表示と照らし合わせられます）。機械で読める全体は record.json にあります。</p>")
        }
        func e(_ s: String) -> String { HTMLEscaping.escape(s) }
        mutating func dl(_ heading: String, _ rows: [(String, String)]) {
            body.append("<h2>\(e(heading))</h2><dl>" + rows.map { "<dt>\(e($0.0))</dt><dd>\(e($0.1))</dd>" }.joined() + "</dl>")
        }
        mutating func pre(_ heading: String, _ text: String) {
            body.append("<h2>\(e(heading))</h2><pre>\(e(text))</pre>")
        }
        mutating func table(_ heading: String, _ headers: [String], _ rows: [[String]]) {
            guard !rows.isEmpty else { body.append("<h2>\(e(heading))</h2><p>ありません。</p>"); return }
            body.append("<h2>\(e(heading))</h2><table><thead><tr>" + headers.map { "<th scope=\"col\">\(e($0))</th>" }.joined() + "</tr></thead><tbody>"
                        + rows.map { "<tr>" + $0.map { "<td>\(e($0))</td>" }.joined() + "</tr>" }.joined() + "</tbody></table>")
        }
        mutating func hold(_ h: LegalHold?) {
            guard let h else { return }
            body.append("<p><strong>訴訟ホールド中</strong>: 保存期間を過ぎても削除しません（\(e(JapaneseTime.staff(h.setAt)))、\(e(h.setBy))。理由: \(e(h.reason))）</p>")
        }
        mutating func callsNote(_ count: Int) {
            body.append("<p>プラットフォームとの送受信: \(count)件（送ったリクエストと答え。秘密は取り除き、本文は各 \(PlatformCall.maxBodyBytes / 1024) KB まで。"
                        + "record.json の <code>calls</code> にあります）。</p>")
        }
        mutating func audit(_ entries: [AuditEntry]) {
            table("監査記録（この対象に関するもの）", ["番号", "日時", "誰が", "何を", "内容", "理由", "ハッシュ"], entries.map {
                [String($0.id ?? 0), JapaneseTime.staff($0.at), $0.actor, AuditWords.action($0.action), $0.detail, $0.reason, $0.hash]
            })
        }
        func render() -> String {
            """
            <!DOCTYPE html>
            <html lang="ja"><head><meta charset="utf-8"><title>\(e(title))</title>
            <style>body{font-family:sans-serif;max-width:60em;margin:1em auto;line-height:1.6}table{border-collapse:collapse;width:100%}
            td,th{border:1px solid #999;padding:.2em .4em;vertical-align:top;word-break:break-all}pre{white-space:pre-wrap;background:#f4f4f4;padding:.5em}
            dt{font-weight:bold}</style></head>
            <body>
            \(body.joined(separator: "\n"))
            </body></html>
            """
        }
    }
}
