import Foundation

/// Loads and checks a policy file. A file that is malformed or inconsistent is refused whole,
/// with the file, line and field of the first problem.
public enum PolicyLoader {
    public static let supportedFormat = "koho-policy/1"

    /// The Kodaira City policy that ships inside Koho.
    public static func builtIn() -> Policy {
        // The built-in text is tested to load; a failure here is a build defect, not user input.
        try! load(yaml: BuiltInPolicy.kodairaR5, file: BuiltInPolicy.fileName)
    }

    public static func load(path: String) throws -> Policy {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolicyFileError(file: path, line: nil, field: "", message: "ファイルを読めません")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolicyFileError(file: path, line: nil, field: "", message: "UTF-8 のテキストではありません")
        }
        return try load(yaml: text, file: path)
    }

    public static func load(yaml: String, file: String) throws -> Policy {
        let root = try YAMLFields.parse(yaml: yaml, file: file)
        try root.checkKeys(["format", "version", "effectiveDate", "title", "organization", "ownerRole",
                            "operatingHours", "platforms", "accounts", "commentDeletion", "disclaimers",
                            "emergencyAreas", "document", "records"])
        let formatField = try root.required("format")
        let format = try formatField.nonEmptyString()
        guard format == supportedFormat else {
            throw formatField.error("この形式には対応していません（対応: \(supportedFormat)）")
        }
        let dateField = try root.required("effectiveDate")
        guard let effectiveDate = CivilDate(string: try dateField.nonEmptyString()) else {
            throw dateField.error("日付は YYYY-MM-DD で書いてください")
        }
        let hours = try readOperatingHours(root.required("operatingHours"))
        let platforms = try readPlatforms(root.required("platforms"), hours: hours)
        let accounts = try readAccounts(root.required("accounts"), platforms: platforms)
        var policy = Policy(
            format: format,
            version: try root.string("version"),
            effectiveDate: effectiveDate,
            title: try root.string("title"),
            organization: try readOrganization(root.required("organization")),
            ownerRole: try readRole(root.required("ownerRole")),
            platforms: platforms,
            accounts: accounts,
            commentDeletion: try root.optional("commentDeletion").map { try readCommentDeletion($0, accounts: accounts) },
            disclaimers: try root.optional("disclaimers")?.sequence().map { f in
                try f.checkKeys(["clause", "text"])
                return Disclaimer(clause: try f.string("clause"), text: try f.string("text"))
            } ?? [],
            emergencyAreas: try root.optional("emergencyAreas").map(readEmergencyAreas),
            disasterModeAt: try root.optional("emergencyAreas")?.optional("disasterModeAt").map(DisasterModeLevel.read),
            document: try root.optional("document")?.nonEmptyString()
        )
        if let records = try root.optional("records") { policy.records = try readRecords(records) }
        return policy
    }

    private static func readRecords(_ f: YAMLFields) throws -> RecordsRetention {
        try f.checkKeys(["commentsKeptFor", "attemptsKeptFor"])
        func period(_ key: String) throws -> KeepPeriod? {
            guard let field = try f.optional(key) else { return nil }
            let text = try field.nonEmptyString()
            if text == "forever" { return nil }
            switch KeepPeriod.parse(text) {
            case .success(let p): return p
            case .failure(let problem): throw field.error("「\(text)」: \(problem.description)")
            }
        }
        return RecordsRetention(commentsKeptFor: try period("commentsKeptFor"), attemptsKeptFor: try period("attemptsKeptFor"))
    }

    private static func readEmergencyAreas(_ f: YAMLFields) throws -> JMAArea {
        try f.checkKeys(["municipality", "earthquakeRegion", "earthquakeRegionCode", "tsunamiRegions", "disasterModeAt"])
        let codeField = try f.required("municipality")
        let code = try codeField.nonEmptyString()
        guard code.count == 7, code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw codeField.error("市町村コードは気象庁の7桁の数字で書いてください（例: 小平市 \"1321100\"）")
        }
        return JMAArea(municipality: code, earthquakeRegion: try f.optionalString("earthquakeRegion"),
                       earthquakeRegionCode: try f.optionalString("earthquakeRegionCode"),
                       tsunamiRegions: try f.strings("tsunamiRegions"))
    }

    private static func readOrganization(_ f: YAMLFields) throws -> Organization {
        try f.checkKeys(["name", "department", "website"])
        return Organization(name: try f.string("name"), department: try f.string("department"),
                            website: try url(f.required("website")))
    }

    private static func readRole(_ f: YAMLFields) throws -> Role {
        try f.checkKeys(["title", "clause"])
        return Role(title: try f.string("title"), clause: try f.string("clause"))
    }

    private static func url(_ f: YAMLFields) throws -> String {
        let s = try f.nonEmptyString()
        guard let u = URL(string: s), u.scheme == "https" || u.scheme == "http", u.host != nil else {
            throw f.error("URL（https://…）が必要です")
        }
        return s
    }

    static let weekdayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    private static func readOperatingHours(_ f: YAMLFields) throws -> [String: OperatingHours] {
        var result: [String: OperatingHours] = [:]
        for (key, _) in try f.mapping() {
            guard let name = key.string else { continue }
            let h = try f.required(name)
            try h.checkKeys(["timeZone", "weekdays", "opens", "closes", "closedOnNationalHolidays", "closures"])
            let tzField = try h.required("timeZone")
            let tzName = try tzField.nonEmptyString()
            guard let tz = TimeZone(identifier: tzName) else {
                throw tzField.error("タイムゾーン「\(tzName)」は存在しません（例: Asia/Tokyo）")
            }
            let dayField = try h.required("weekdays")
            var weekdays = Set<Int>()
            for d in try dayField.sequence() {
                let name = try d.nonEmptyString().lowercased()
                guard let i = weekdayNames.firstIndex(of: name) else { throw d.error("曜日は sun, mon, …, sat で書いてください") }
                guard weekdays.insert(i).inserted else { throw d.error("曜日「\(name)」が重複しています") }
            }
            guard !weekdays.isEmpty else { throw dayField.error("運用する曜日が一つもありません") }
            let opens = try minutes(h.required("opens"))
            let closesField = try h.required("closes")
            let closes = try minutes(closesField)
            guard closes > opens else { throw closesField.error("終了時刻が開始時刻より前か同じです") }
            let closures = try h.optional("closures")?.sequence().map { c -> AnnualClosure in
                try c.checkKeys(["name", "from", "through"])
                return AnnualClosure(name: try c.string("name"), from: try monthDay(c.required("from")),
                                     through: try monthDay(c.required("through")))
            } ?? []
            result[name] = OperatingHours(timeZone: tz, weekdays: weekdays, opens: opens, closes: closes,
                                          closedOnNationalHolidays: try h.bool("closedOnNationalHolidays", default: true),
                                          closures: closures)
        }
        return result
    }

    private static func minutes(_ f: YAMLFields) throws -> Int {
        let s = try f.nonEmptyString()
        let p = s.split(separator: ":")
        guard p.count == 2, let h = Int(p[0]), let m = Int(p[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 else {
            throw f.error("時刻「\(s)」は HH:MM で書いてください")
        }
        return h * 60 + m
    }

    private static func monthDay(_ f: YAMLFields) throws -> MonthDay {
        let s = try f.nonEmptyString()
        guard let d = CivilDate(string: "2000-\(s)") else { throw f.error("月日「\(s)」は MM-DD で書いてください") }
        return MonthDay(month: d.month, day: d.day)
    }

    private static func readPlatforms(_ f: YAMLFields, hours: [String: OperatingHours]) throws -> [PlatformRules] {
        var seen = Set<Platform>()
        return try f.sequence().map { p in
            try p.checkKeys(["platform", "staffRole", "operatingHours", "hoursClause", "hoursExceptionNeedsReason",
                             "replies", "repliesClause", "quotes", "quotesClause", "quoteAllowList",
                             "suspensionClause", "suspensionRequiresPublishedReason", "verificationClause",
                             "disclosureClause", "articleOrigins", "articleOriginsClause"])
            let platform = try p.value("platform", as: Platform.self)
            guard seen.insert(platform).inserted else {
                throw try p.required("platform").error("プラットフォーム「\(platform.rawValue)」が二度定義されています")
            }
            let hoursField = try p.required("operatingHours")
            let hoursName = try hoursField.nonEmptyString()
            guard let h = hours[hoursName] else {
                throw hoursField.error("運用時間「\(hoursName)」は operatingHours に定義されていません")
            }
            let quotes = try p.value("quotes", as: PlatformRules.QuoteRule.self)
            let allowField = try p.optional("quoteAllowList")
            let allowList = try allowField?.strings() ?? []
            if quotes == .allowListed, allowList.isEmpty {
                throw (allowField ?? p).error("引用を許可リストに限るなら quoteAllowList が必要です", field: p.path + ".quoteAllowList")
            }
            let origins = try p.optional("articleOrigins")?.sequence().map { o -> ArticleOrigin in
                try o.checkKeys(["code", "name"])
                return ArticleOrigin(code: try o.string("code"), name: try o.string("name"))
            } ?? []
            return PlatformRules(
                platform: platform,
                staffRole: try readRole(p.required("staffRole")),
                operatingHours: h,
                hoursClause: try p.string("hoursClause"),
                hoursExceptionNeedsReason: try p.bool("hoursExceptionNeedsReason", default: true),
                replies: try p.value("replies", as: PlatformRules.ReplyRule.self),
                repliesClause: try p.string("repliesClause"),
                quotes: quotes,
                quotesClause: try p.string("quotesClause"),
                quoteAllowList: allowList.map { $0.hasPrefix("@") ? String($0.dropFirst()) : $0 },
                suspensionClause: try p.string("suspensionClause"),
                suspensionRequiresPublishedReason: try p.bool("suspensionRequiresPublishedReason", default: true),
                verificationClause: try p.optionalString("verificationClause"),
                disclosureClause: try p.optionalString("disclosureClause"),
                articleOrigins: origins,
                articleOriginsClause: try p.optionalString("articleOriginsClause")
            )
        }
    }

    private static func readAccounts(_ f: YAMLFields, platforms: [PlatformRules]) throws -> [Account] {
        var ids = Set<String>()
        let accounts = try f.sequence().map { a -> Account in
            try a.checkKeys(["id", "platform", "handle", "displayName", "url", "clause", "categoriesClause", "categories"])
            let idField = try a.required("id")
            let id = try idField.nonEmptyString()
            guard ids.insert(id).inserted else { throw idField.error("アカウント「\(id)」が二度定義されています") }
            let platformField = try a.required("platform")
            let platform = try a.value("platform", as: Platform.self)
            guard platforms.contains(where: { $0.platform == platform }) else {
                throw platformField.error("プラットフォーム「\(platform.rawValue)」の規則が platforms にありません")
            }
            let clause = try a.string("clause")
            let categoriesField = try a.required("categories")
            var codes = Set<String>()
            let categories = try categoriesField.sequence().map { c -> Category in
                try c.checkKeys(["code", "name", "description", "sourceArticle", "sourceDomains", "chiefJudgement", "emergencyEligible", "clause"])
                let codeField = try c.required("code")
                let code = try codeField.nonEmptyString()
                guard codes.insert(code).inserted else {
                    throw codeField.error("区分「\(code)」がアカウント「\(id)」に二度定義されています")
                }
                let source = try c.optional("sourceArticle") == nil ? .none : try c.value("sourceArticle", as: Category.SourceArticle.self)
                let domainsField = try c.optional("sourceDomains")
                let domains = try domainsField?.strings() ?? []
                if source == .required, domains.isEmpty {
                    throw c.error("出典記事が必要な区分には sourceDomains（出典として認めるドメイン）が必要です", field: c.path + ".sourceDomains")
                }
                return Category(code: code, name: try c.string("name"), description: try c.optionalString("description") ?? "",
                                clause: try c.optionalString("clause") ?? "", sourceArticle: source,
                                sourceDomains: domains.map { $0.lowercased() },
                                chiefJudgement: try c.bool("chiefJudgement", default: true),
                                emergencyEligible: try c.bool("emergencyEligible", default: false))
            }
            guard !categories.isEmpty else { throw categoriesField.error("区分が一つもありません") }
            let categoriesClause = try a.string("categoriesClause")
            return Account(id: id, platform: platform, handle: try a.string("handle"),
                           displayName: try a.string("displayName"), url: try url(a.required("url")),
                           clause: clause, categoriesClause: categoriesClause,
                           categories: categories.map { c in
                               var c = c
                               if c.clause.isEmpty { c.clause = "\(categoriesClause)\(c.code)" }
                               return c
                           })
        }
        guard !accounts.isEmpty else { throw f.error("アカウントが一つもありません") }
        return accounts
    }

    private static func readCommentDeletion(_ f: YAMLFields, accounts: [Account]) throws -> CommentDeletionRules {
        try f.checkKeys(["appliesTo", "grounds"])
        var clauses: [String: String] = [:]
        for entry in try f.required("appliesTo").sequence() {
            try entry.checkKeys(["account", "clause"])
            let accountField = try entry.required("account")
            let id = try accountField.nonEmptyString()
            guard let account = accounts.first(where: { $0.id == id }) else {
                throw accountField.error("アカウント「\(id)」は accounts にありません")
            }
            clauses[account.id] = try entry.string("clause")
        }
        var codes = Set<String>()
        let grounds = try f.required("grounds").sequence().map { g -> DeletionGround in
            try g.checkKeys(["code", "number", "description"])
            let codeField = try g.required("code")
            let code = try codeField.nonEmptyString()
            guard codes.insert(code).inserted else { throw codeField.error("削除理由「\(code)」が重複しています") }
            return DeletionGround(code: code, number: try g.string("number"), description: try g.string("description"))
        }
        return CommentDeletionRules(clauses: clauses, grounds: grounds)
    }
}

extension PolicyLoader {
    /// What loads but cannot be as written, as `file:line: field: message` lines: an X username over 15 characters or
    /// with characters other than letters, digits and `_` cannot exist on X (its API refuses to look it up), so
    /// Koho can neither check the account's profile nor find its look-alikes.
    public static func warnings(_ policy: Policy, yaml: String, file: String) -> [String] {
        let lines = yaml.components(separatedBy: "\n")
        var out: [String] = []
        for (i, account) in policy.accounts.enumerated() where account.platform == .x {
            let name = account.handle.hasPrefix("@") ? String(account.handle.dropFirst()) : account.handle
            let valid = (1...15).contains(name.count) && name.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_")
            }
            guard !valid else { continue }
            let line = (lines.firstIndex { $0.contains("handle:") && $0.contains(account.handle) } ?? 0) + 1
            out.append("\(file):\(line): accounts[\(i)].handle: X のユーザー名「\(PolicyFileError.escaped(account.handle))」は X にありえません"
                + "（1〜15文字の英数字と _ だけ。この名前は\(name.count)文字）。X の API はこの名前を引けないため、プロフィールの確認となりすましの検索ができません")
        }
        return out
    }
}
