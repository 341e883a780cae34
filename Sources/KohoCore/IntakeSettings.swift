import Foundation

/// What `koho serve --feeds FILE` reads: the sources of emergency information (issue 13) and where to send notices.
/// Without the file no source runs. Every source is reached through a URL or path given here, so tests and a local
/// `koho serve` point at loopback servers and folders, never the internet.
public struct IntakeSettings: Sendable, Equatable {
    /// A feed of the city website (RSS 2.0 or Atom) and the categories its articles belong to (`ア`, `①`): an item
    /// becomes a draft for each account that has one of them as an emergency-eligible category.
    public struct WebsiteFeed: Sendable, Equatable {
        /// Which items of the feed are emergencies. A city's feed mixes them with everything else (休館日のお知らせ):
        /// by default only items whose title or summary holds one of `defaultKeywords` become emergency drafts; the
        /// others are recorded as seen, shown in the intake table, and drafted for nobody.
        public enum Selection: Sendable, Equatable {
            /// Every item: a feed that carries nothing but emergencies (a 防災 feed).
            case all
            case keywords([String])
        }

        /// Words of the emergency categories (災害・緊急の情報, 3(4)ア, 4(4)①).
        public static let defaultKeywords = [
            "緊急", "災害", "避難", "警報", "地震", "津波", "台風", "大雨", "豪雨", "洪水", "氾濫", "土砂", "噴火", "竜巻",
            "停電", "断水", "給水", "火災", "火事", "通行止", "運休", "運転見合わせ", "休校", "臨時休", "中止", "延期",
            "不審者", "行方不明", "熱中症", "感染", "安否", "被害", "危険", "注意喚起", "救急", "防災無線",
        ]

        public var url: String
        public var categories: [String]
        public var interval: Duration
        public var selection: Selection
        /// Hosts besides the feed's own that its fetch may be redirected to.
        public var hosts: [String]
        public init(url: String, categories: [String], interval: Duration = .seconds(60),
                    selection: Selection = .keywords(WebsiteFeed.defaultKeywords), hosts: [String] = []) {
            self.url = url
            self.categories = categories
            self.interval = interval
            self.selection = selection
            self.hosts = hosts
        }

        /// Whether an item of this feed is an emergency, and so becomes drafts.
        public func isEmergency(title: String, summary: String) -> Bool {
            switch selection {
            case .all: return true
            case .keywords(let words):
                let text = (title + "\n" + summary).precomposedStringWithCompatibilityMapping
                return words.contains { text.contains($0.precomposedStringWithCompatibilityMapping) }
            }
        }
    }

    /// The mail magazine: messages delivered as files into a Maildir (`new/` is taken, then moved to `cur/`).
    public struct Mail: Sendable, Equatable {
        public var maildir: String?
        /// Only these senders' messages are taken (addresses, compared without case).
        public var senders: [String]
        public var categories: [String]
        public var interval: Duration
        /// The authserv-id of the city's own relay: when set, a message is taken only when the topmost
        /// `Authentication-Results` of that id says `spf=pass` or `dkim=pass` (a From header alone can be forged).
        public var authservID: String?
        public init(maildir: String?, senders: [String], categories: [String], interval: Duration = .seconds(5), authservID: String? = nil) {
            self.maildir = maildir
            self.senders = senders.map { $0.lowercased() }
            self.categories = categories
            self.interval = interval
            self.authservID = authservID
        }
    }

    /// The agency's disaster XML (気象庁防災情報XML).
    public struct Agency: Sendable, Equatable {
        /// The high-frequency Atom feeds (`extra.xml`, `eqvol.xml`), fetched every `interval`.
        public var feeds: [String]
        /// The long-term ones (`extra_l.xml`, `eqvol_l.xml`), to catch up after downtime, every `longTermInterval`.
        public var longTermFeeds: [String]
        public var interval: Duration
        public var longTermInterval: Duration
        /// The city's areas, when they differ from the policy file's `emergencyAreas`.
        public var municipality: String?
        public var earthquakeRegion: String?
        public var earthquakeRegionCode: String?
        /// An alert at this level switches every account into disaster mode: warnings whose name contains one of
        /// these (`特別警報`), or an intensity at or above this (`5-`). Empty/nil: the policy file's
        /// `emergencyAreas.disasterModeAt`, and without it the chief switches it.
        public var disasterModeWarnings: [String]
        public var disasterModeIntensity: String?
        /// A levelled warning at or above this (レベル３–５).
        public var disasterModeWarningLevel: Int?
        /// Hosts besides each feed's own that its entries' messages may be fetched from (and redirected to).
        public var hosts: [String] = []

        /// The level set here, if any.
        public var disasterModeAt: DisasterModeLevel? {
            disasterModeWarnings.isEmpty && disasterModeIntensity == nil && disasterModeWarningLevel == nil
                ? nil : DisasterModeLevel(warnings: disasterModeWarnings, intensity: disasterModeIntensity, level: disasterModeWarningLevel)
        }
        public init(feeds: [String], longTermFeeds: [String] = [], interval: Duration = .seconds(60), longTermInterval: Duration = .seconds(600),
                    municipality: String? = nil, earthquakeRegion: String? = nil, earthquakeRegionCode: String? = nil,
                    disasterModeWarnings: [String] = [], disasterModeIntensity: String? = nil) {
            self.feeds = feeds
            self.longTermFeeds = longTermFeeds
            self.interval = interval
            self.longTermInterval = longTermInterval
            self.municipality = municipality
            self.earthquakeRegion = earthquakeRegion
            self.earthquakeRegionCode = earthquakeRegionCode
            self.disasterModeWarnings = disasterModeWarnings
            self.disasterModeIntensity = disasterModeIntensity
        }
    }

    public struct SMTP: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var from: String
        /// The chief and the designated staff.
        public var to: [String]
        public var helo: String
        public init(host: String, port: Int = 25, from: String, to: [String], helo: String = "koho.localhost") {
            self.host = host
            self.port = port
            self.from = from
            self.to = to
            self.helo = helo
        }
    }

    /// How long one fetch may take: to the response's headers, and to the body's last byte. A source past it shows
    /// the error; the other sources go on.
    public struct Limits: Sendable, Equatable {
        public var headers: Duration
        public var whole: Duration
        public init(headers: Duration = .seconds(15), whole: Duration = .seconds(30)) {
            self.headers = headers
            self.whole = whole
        }
    }

    /// The outbound proxy of the city's servers (`proxy:`). The usual environment variables, when set, win field by
    /// field (`OutboundProxy(environment:settings:)`).
    public struct Proxy: Sendable, Equatable {
        public var http: String?
        public var https: String?
        public var noProxy: [String]
        public init(http: String? = nil, https: String? = nil, noProxy: [String] = []) {
            self.http = http
            self.https = https
            self.noProxy = noProxy
        }

        /// As the environment's variables would give them.
        public var variables: [String: String] {
            var v: [String: String] = [:]
            v["HTTP_PROXY"] = http
            v["HTTPS_PROXY"] = https
            if !noProxy.isEmpty { v["NO_PROXY"] = noProxy.joined(separator: ",") }
            return v
        }
    }

    public var website: [WebsiteFeed]
    public var limits = Limits()
    public var proxy: Proxy?
    /// `xUserSearch: true`: the city's X plan allows the user search in the impersonation scan (X's terms ask for
    /// Enterprise where X content is shown to people acting for a government, and every call is charged). Off unless said.
    public var xUserSearch = false
    public var mail: Mail?
    public var agency: Agency?
    public var smtp: SMTP?

    public init(website: [WebsiteFeed] = [], mail: Mail? = nil, agency: Agency? = nil, smtp: SMTP? = nil) {
        self.website = website
        self.mail = mail
        self.agency = agency
        self.smtp = smtp
    }

    public static func load(path: String) throws -> IntakeSettings {
        let yaml: String
        do { yaml = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw PolicyFileError(file: path, line: 1, field: "", message: "ファイルを読めません")
        }
        return try load(yaml: yaml, file: path)
    }

    public static func load(yaml: String, file: String) throws -> IntakeSettings {
        let root = try YAMLFields.parse(yaml: yaml, file: file)
        try root.checkKeys(["website", "mail", "agency", "smtp", "limits", "proxy", "xUserSearch"])
        var s = IntakeSettings()
        s.xUserSearch = try root.bool("xUserSearch", default: false)
        s.website = try root.optional("website")?.sequence().map { f in
            try f.checkKeys(["url", "categories", "interval", "emergencyItems", "keywords", "hosts"])
            let categories = try f.strings("categories")
            if categories.isEmpty { throw f.error("categories（この記事が当たる区分。例: [ア, ①]）が必要です", field: "categories") }
            var selection = WebsiteFeed.Selection.keywords(WebsiteFeed.defaultKeywords)
            let keywords = try f.strings("keywords")
            switch try f.optionalString("emergencyItems") ?? "keywords" {
            case "all":
                guard keywords.isEmpty else { throw f.error("emergencyItems: all では keywords は使いません", field: "keywords") }
                selection = .all
            case "keywords":
                if !keywords.isEmpty { selection = .keywords(keywords) }
            case let other:
                throw f.error("emergencyItems は all（すべての記事）か keywords（語句を含む記事だけ。既定）です: \(other)", field: "emergencyItems")
            }
            return WebsiteFeed(url: try url(f, "url"), categories: categories, interval: try seconds(f, "interval", default: 60),
                               selection: selection, hosts: try hosts(f))
        } ?? []
        if let m = try root.optional("mail") {
            try m.checkKeys(["maildir", "senders", "categories", "interval", "authservId"])
            let senders = try m.strings("senders").map { $0.lowercased() }
            if senders.isEmpty { throw m.error("senders（受け付ける差出人のアドレス）が必要です", field: "senders") }
            let categories = try m.strings("categories")
            if categories.isEmpty { throw m.error("categories（メールマガジンの記事が当たる区分）が必要です", field: "categories") }
            s.mail = Mail(maildir: try m.optionalString("maildir"), senders: senders, categories: categories,
                          interval: try seconds(m, "interval", default: 5), authservID: try m.optionalString("authservId"))
        }
        if let a = try root.optional("agency") {
            try a.checkKeys(["feeds", "longTermFeeds", "interval", "longTermInterval", "area", "disasterModeAt", "hosts"])
            var agency = Agency(feeds: try urls(a, "feeds"), longTermFeeds: try urls(a, "longTermFeeds"),
                                interval: try seconds(a, "interval", default: 60), longTermInterval: try seconds(a, "longTermInterval", default: 600),
                                municipality: nil, earthquakeRegion: nil, earthquakeRegionCode: nil,
                                disasterModeWarnings: [], disasterModeIntensity: nil)
            if let area = try a.optional("area") {
                try area.checkKeys(["municipality", "earthquakeRegion", "earthquakeRegionCode"])
                let codeField = try area.required("municipality")
                let code = try codeField.nonEmptyString()
                guard code.count == 7, code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    throw codeField.error("市町村コードは気象庁の7桁の数字で書いてください（例: 小平市 \"1321100\"）")
                }
                agency.municipality = code
                agency.earthquakeRegion = try area.optionalString("earthquakeRegion")
                agency.earthquakeRegionCode = try area.optionalString("earthquakeRegionCode")
            }
            agency.hosts = try hosts(a)
            if let d = try a.optional("disasterModeAt") {
                let level = try DisasterModeLevel.read(d)
                agency.disasterModeWarnings = level.warnings
                agency.disasterModeIntensity = level.intensity
                agency.disasterModeWarningLevel = level.level
            }
            s.agency = agency
        }
        if let l = try root.optional("limits") {
            try l.checkKeys(["headers", "body"])
            s.limits = Limits(headers: try seconds(l, "headers", default: 15, max: 600), whole: try seconds(l, "body", default: 30, max: 3600))
            if s.limits.whole < s.limits.headers { throw l.error("body（本文を受け取り終えるまでの秒数）は headers 以上にしてください", field: "body") }
        }
        if let m = try root.optional("smtp") {
            try m.checkKeys(["host", "port", "from", "to", "helo"])
            let port = try m.optional("port")?.int() ?? 25
            guard (1...65535).contains(port) else { throw m.error("port は 1〜65535 です", field: "port") }
            let to = try m.strings("to")
            if to.isEmpty { throw m.error("to（知らせる課長と担当者のアドレス）が必要です", field: "to") }
            for a in to + [try m.string("from")] where !isAddress(a) { throw m.error("メールアドレスとして読めません: \(a)") }
            s.smtp = SMTP(host: try m.string("host"), port: port, from: try m.string("from"), to: to,
                          helo: try m.optionalString("helo") ?? "koho.localhost")
        }
        if let p = try root.optional("proxy") {
            try p.checkKeys(["http", "https", "all", "noProxy"])
            let all = try proxyURL(p, "all")
            s.proxy = Proxy(http: try proxyURL(p, "http") ?? all, https: try proxyURL(p, "https") ?? all,
                            noProxy: try p.strings("noProxy").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
            for entry in s.proxy!.noProxy where entry.contains(where: { $0 == " " || $0 == "/" }) {
                throw p.error("noProxy にはホスト名・.ドメイン・host:port・* だけを書いてください: \(entry)", field: "noProxy")
            }
        }
        return s
    }

    /// A proxy as `http://[user:password@]host:port` (HTTPS goes through it with CONNECT).
    private static func proxyURL(_ f: YAMLFields, _ key: String) throws -> String? {
        guard let field = try f.optional(key) else { return nil }
        let raw = try field.nonEmptyString().trimmingCharacters(in: .whitespaces)
        let withScheme = raw.contains("://") ? raw : "http://" + raw
        guard let c = URLComponents(string: withScheme), let host = c.host, !host.isEmpty else {
            throw field.error("プロキシの URL（http://host:port）として読めません")
        }
        guard c.scheme?.lowercased() == "http" else {
            throw field.error("プロキシは http:// で指定してください（HTTPS の通信もそのプロキシを CONNECT で通ります）")
        }
        guard (1...65535).contains(c.port ?? 80) else { throw field.error("プロキシのポートが正しくありません") }
        return withScheme
    }

    /// An address SMTP can carry in `MAIL FROM:<…>`/`RCPT TO:<…>`: one `@`, no space, control character or angle bracket.
    static func isAddress(_ a: String) -> Bool {
        let parts = a.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        return !a.unicodeScalars.contains { $0.value < 0x21 || $0.value == 0x7F || $0 == "<" || $0 == ">" }
    }

    private static func url(_ f: YAMLFields, _ key: String) throws -> String {
        let field = try f.required(key)
        return try checkedURL(field)
    }

    private static func checkedURL(_ field: YAMLFields) throws -> String {
        let s = try field.nonEmptyString()
        guard let u = URL(string: s), ["http", "https"].contains(u.scheme?.lowercased() ?? ""), u.host != nil else {
            throw field.error("http または https の URL が必要です")
        }
        return s
    }

    private static func urls(_ f: YAMLFields, _ key: String) throws -> [String] {
        try f.optional(key)?.sequence().map(checkedURL) ?? []
    }

    private static func seconds(_ f: YAMLFields, _ key: String, default value: Int, max: Int = 86_400) throws -> Duration {
        guard let field = try f.optional(key) else { return .seconds(value) }
        let n = try field.int()
        guard (1...max).contains(n) else { throw field.error("秒数は 1〜\(max) です") }
        return .seconds(n)
    }

    /// Host names only (`www.data.jma.go.jp`): no scheme, port, path or space.
    private static func hosts(_ f: YAMLFields) throws -> [String] {
        guard let field = try f.optional("hosts") else { return [] }
        let hosts = try f.strings("hosts")
        for h in hosts where h.isEmpty || !h.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "." || $0 == "-") }) {
            throw field.error("hosts にはホスト名だけを書いてください（例: www.data.jma.go.jp）: \(h)")
        }
        return hosts.map { $0.lowercased() }
    }
}
