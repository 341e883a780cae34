import Foundation

/// An account seen on a platform that may pretend to be one of the city's (なりすまし, 3(2), 4(2), 5(2)).
public struct ImpersonationCandidate: Sendable, Equatable, Codable {
    public var platform: Platform?
    public var handle: String
    public var name: String
    public var bio: String

    public init(platform: Platform?, handle: String = "", name: String = "", bio: String = "") {
        self.platform = platform
        self.handle = handle
        self.name = name
        self.bio = bio
    }
}

/// The scorer's judgement: a score from 0 to 1, whether it reaches the threshold, the official account imitated, and
/// the reasons in Japanese.
public struct ImpersonationScore: Sendable, Equatable {
    public var score: Double
    public var flagged: Bool
    public var imitates: Account?
    public var reasons: [String]
}

/// Compares candidates with the official accounts of a policy. Build it once per policy (it folds the official
/// handles, names and the lexicons up front); `score` is then pure and thread-safe.
public struct ImpersonationScorer: Sendable {
    public static let defaultThreshold = 0.6

    public let threshold: Double
    let officials: [Official]
    let cityKey: [UInt32]
    let cityLightKey: [UInt32]
    let cityName: String
    let namesakeKeys: [(text: String, key: [UInt32])]
    let allowListed: Set<String>

    /// A class, so that keeping the best match while comparing copies a reference, not the account's fields.
    final class Official: Sendable {
        let account: Account
        let lowercasedHandle: String
        let handle: Side
        let name: Side

        init(_ account: Account) {
            self.account = account
            lowercasedHandle = account.handle.lowercased()
            handle = Side(ImpersonationScorer.bareHandle(account.handle))
            name = Side(account.displayName)
        }

        /// A handle or display name folded once with every stage, and once without each stage it changed, for the
        /// reasons (which stage's undoing the match needed).
        struct Side: Sendable {
            var key: [UInt32]
            var touched: FoldStages
            var without: [Int: [UInt32]]

            init(_ text: String) {
                let folded = ImpersonationFolding.fold(text, stages: .all)
                key = folded.key
                touched = folded.touched
                without = [:]
                for stage in FoldStages.each where folded.touched.contains(stage) {
                    without[stage.rawValue] = ImpersonationFolding.key(text, skipping: stage)
                }
            }

            /// A stage that changed nothing has no entry: the key without it is the key.
            func key(without stage: FoldStages) -> [UInt32] { without[stage.rawValue] ?? key }
        }
    }

    struct Lexicon: Sendable {
        var words: [(text: String, key: [UInt32])]
        init(_ words: [String]) { self.words = words.map { ($0, ImpersonationFolding.lightKey($0)) } }
        func first(in key: [UInt32]) -> String? { words.first { key.containsRun($0.key) }?.text }
    }

    static let officialWords = Lexicon(["公式", "official", "市役所", "役所", "広報", "公認", "秘書広報課", "cityhall", "市長"])
    static let unofficialWords = Lexicon(["非公式", "非公認", "unofficial", "notofficial", "nonofficial", "ファン", "fan",
                                          "bot", "ボット", "個人", "勝手に", "無関係", "関係ありません", "parody", "パロディ",
                                          "まとめ"])
    static let shopWords = Lexicon(["店", "ショップ", "shop", "store", "商店", "株式会社", "有限会社", "カフェ", "cafe",
                                    "食堂", "レストラン", "美容室", "サロン", "salon", "クリニック", "整骨院", "不動産",
                                    "ベーカリー", "bakery", "パン屋", "教室", "工務店", "商会"])

    public init(policy: Policy, threshold: Double = ImpersonationScorer.defaultThreshold) {
        self.threshold = threshold
        officials = policy.accounts.map(Official.init)
        let city = policy.organization.name
        cityName = city
        cityKey = ImpersonationFolding.key(city)
        cityLightKey = ImpersonationFolding.lightKey(city)
        // The same place name with another kind of body: 小平市 → 小平町, 小平村 (北海道留萌郡小平町 is a namesake).
        var stem = city
        if let last = stem.last, "市町村区".contains(last), stem.count > 1 { stem.removeLast() }
        namesakeKeys = ["市", "町", "村", "区"].map { stem + $0 }.filter { $0 != city }
            .map { ($0, ImpersonationFolding.lightKey($0)) }
        allowListed = Set(policy.platforms.flatMap(\.quoteAllowList).map { Self.bareHandle($0).lowercased() })
    }

    public static func bareHandle(_ handle: String) -> String {
        // Trimmed without Foundation's bridging (White_Space is the set Foundation's whitespacesAndNewlines names).
        let scalars = handle.unicodeScalars
        var start = scalars.startIndex, end = scalars.endIndex
        while start < end, scalars[start].properties.isWhitespace { start = scalars.index(after: start) }
        while end > start, scalars[scalars.index(before: end)].properties.isWhitespace { end = scalars.index(before: end) }
        var h = Substring(scalars[start..<end])
        if h.utf8.contains(UInt8(ascii: "/")) || h.lowercased().hasPrefix("www.") {
            for prefix in ["https://", "http://", "www."] where h.lowercased().hasPrefix(prefix) { h = h.dropFirst(prefix.count) }
            for host in ["x.com/", "twitter.com/", "facebook.com/", "youtube.com/channel/", "youtube.com/"]
            where h.lowercased().hasPrefix(host) { h = h.dropFirst(host.count) }
        }
        while h.hasPrefix("@") { h.removeFirst() }
        while h.hasSuffix("/") { h.removeLast() }
        return String(h)
    }

    public func score(_ candidate: ImpersonationCandidate) -> ImpersonationScore {
        let handle = Self.bareHandle(candidate.handle)
        let lowercasedHandle = handle.lowercased()
        if let platform = candidate.platform, !handle.isEmpty,
           let own = officials.first(where: {
               $0.account.platform == platform && ($0.lowercasedHandle == lowercasedHandle || $0.account.id == handle)
           }) {
            return ImpersonationScore(score: 0, flagged: false, imitates: nil,
                                      reasons: ["市の公式アカウント（\(own.account.handle)）そのものです"])
        }
        if allowListed.contains(lowercasedHandle) {
            return ImpersonationScore(score: 0, flagged: false, imitates: nil,
                                      reasons: ["公式であることを確認した公共団体のアカウント（3(6)）です"])
        }

        let handleFold = ImpersonationFolding.fold(handle, stages: .all)
        let nameFold = ImpersonationFolding.fold(candidate.name, stages: .all)
        let handleKey = handleFold.key, nameKey = nameFold.key
        let bioKey = ImpersonationFolding.lightKey(candidate.bio)
        let nameLightKey = ImpersonationFolding.lightKey(candidate.name)

        // The best official account by handle and by display name, preferring the candidate's own platform.
        var best: (official: Official, handle: Double, name: Double)?
        for official in officials {
            let h = Self.handleScore(handleKey, official.handle.key)
            let n = Self.nameScore(nameKey, official.name.key)
            let total = max(h, n) + (official.account.platform == candidate.platform ? 0.001 : 0)
            if let b = best {
                let bestTotal = max(b.handle, b.name) + (b.official.account.platform == candidate.platform ? 0.001 : 0)
                if total <= bestTotal { continue }
            }
            best = (official, h, n)
        }

        var reasons: [String] = []
        var score = 0.0
        var imitated: Official?
        if let b = best, b.handle > 0 || b.name > 0 {
            imitated = b.official
            score = max(b.handle, b.name)
            if b.handle > 0 && b.name > 0 { score += 0.05 }
            if b.handle > 0 { reasons += handleReasons(handle, handleFold, b.official, b.handle) }
            if b.name > 0 { reasons += nameReasons(candidate.name, nameFold, b.official, b.name) }
        }
        let mentionsCity = nameKey.containsRun(cityKey) || nameLightKey.containsRun(cityLightKey)
        if mentionsCity && score < 0.5 {
            score = 0.5
            reasons.append("表示名に「\(cityName)」を含みます")
        } else if bioKey.containsRun(cityLightKey) && score < 0.35 {
            score = 0.35
            reasons.append("自己紹介に「\(cityName)」を含みます")
        }
        if imitated == nil && score > 0 { imitated = defaultOfficial(for: candidate.platform) }

        // 非公式 contains 公式: look for official-sounding words only after the disclaimers are taken out.
        let text = nameLightKey + [0] + bioKey
        let unofficial = Self.unofficialWords.first(in: text)
        let claimText = unofficial == nil ? text : Self.removing(Self.unofficialWords, from: text)
        if score > 0, let word = Self.officialWords.first(in: claimText) {
            score += 0.2
            reasons.append("公式らしく見せる語（「\(word)」）を使っています")
        }
        if let word = unofficial {
            score *= 0.3
            reasons.append("非公式・ファン・個人の運営と明記しています（「\(word)」）")
        }
        if let namesake = namesakeKeys.first(where: { text.containsRun($0.key) }) {
            score *= 0.3
            reasons.append("同じ地名の別の自治体（「\(namesake.text)」）の表記があります（同名の別団体）")
        }
        if let word = Self.shopWords.first(in: text) {
            score *= 0.5
            reasons.append("店舗・事業者の名前や紹介です（「\(word)」）")
        }
        score = (min(1, max(0, score)) * 1000).rounded() / 1000
        if reasons.isEmpty { reasons.append("公式アカウントとの類似は見つかりません") }
        let flagged = score >= threshold
        return ImpersonationScore(score: score, flagged: flagged, imitates: score > 0 ? imitated?.account : nil,
                                  reasons: reasons)
    }

    func defaultOfficial(for platform: Platform?) -> Official? {
        officials.first { $0.account.platform == platform } ?? officials.first
    }

    static func removing(_ lexicon: Lexicon, from key: [UInt32]) -> [UInt32] {
        var out = key
        for word in lexicon.words where !word.key.isEmpty && out.containsRun(word.key) {
            var i = 0
            var result: [UInt32] = []
            result.reserveCapacity(out.count)
            while i < out.count {
                if i + word.key.count <= out.count, out[i..<(i + word.key.count)].elementsEqual(word.key) {
                    result.append(0); i += word.key.count
                } else {
                    result.append(out[i]); i += 1
                }
            }
            out = result
        }
        return out
    }

    static func handleScore(_ candidate: [UInt32], _ official: [UInt32]) -> Double {
        guard !candidate.isEmpty, official.count >= 4 else { return 0 }
        if candidate == official { return 0.95 }
        let distance = candidate.editDistance(to: official, limit: 2)
        if distance == 1 && official.count >= 6 { return 0.8 }
        if distance == 2 && official.count >= 8 { return 0.65 }
        if official.count >= 6 && candidate.containsRun(official) { return 0.75 }
        return 0
    }

    static func nameScore(_ candidate: [UInt32], _ official: [UInt32]) -> Double {
        guard !candidate.isEmpty, official.count >= 3 else { return 0 }
        if candidate == official { return 0.9 }
        if official.count >= 4 && candidate.containsRun(official) { return 0.85 }
        return 0
    }

    // MARK: - Reasons

    func handleReasons(_ handle: String, _ folded: ImpersonationFolding.Folded, _ official: Official, _ score: Double) -> [String] {
        let target = official.account.handle
        var reasons: [String]
        switch score {
        case 0.95...: reasons = ["ハンドル「\(handle)」は公式アカウント「\(target)」と同じに見えます"]
        case 0.8: reasons = ["ハンドル「\(handle)」は公式アカウント「\(target)」と1文字違いです（編集距離 1）"]
        case 0.75: reasons = ["ハンドル「\(handle)」は公式アカウント「\(target)」を含みます"]
        default: reasons = ["ハンドル「\(handle)」は公式アカウント「\(target)」と2文字違いです（編集距離 2）"]
        }
        reasons += tricks(in: handle, folded, matching: official.handle, officialText: official.account.handle, base: score, scoring: Self.handleScore)
        return reasons
    }

    func nameReasons(_ name: String, _ folded: ImpersonationFolding.Folded, _ official: Official, _ score: Double) -> [String] {
        var reasons = [score >= 0.9
            ? "表示名「\(name)」は公式アカウントの表示名「\(official.account.displayName)」の写しです"
            : "表示名「\(name)」に公式アカウントの表示名「\(official.account.displayName)」を含みます"]
        reasons += tricks(in: name, folded, matching: official.name, officialText: official.account.displayName, base: score, scoring: Self.nameScore)
        return reasons
    }

    /// The stages whose undoing the match needed: without that stage the candidate scores lower.
    /// Both sides are folded without the stage, so that a fold that changes the official name too (i → l) does
    /// not count as a trick. A stage that changed neither side cannot lower the score and is not tried.
    func tricks(in text: String, _ folded: ImpersonationFolding.Folded, matching official: Official.Side, officialText: String,
                base: Double, scoring: ([UInt32], [UInt32]) -> Double) -> [String] {
        var reasons: [String] = []
        for stage in FoldStages.each where folded.touched.contains(stage) || official.touched.contains(stage) {
            let without = folded.touched.contains(stage) ? ImpersonationFolding.key(text, skipping: stage) : folded.key
            guard scoring(without, official.key(without: stage)) < base else { continue }
            reasons.append(Self.describe(stage, in: text, officialText: officialText))
        }
        return reasons
    }

    /// `officialText`'s own characters are no trick: 「プ」 decomposes to a mark the confusables fold like 「̊」, in the
    /// official 「プチ田舎」 as much as in a fake, so only characters the official name lacks are given as examples.
    static func describe(_ stage: FoldStages, in text: String, officialText: String = "") -> String {
        switch stage {
        case .width: return "全角・半角や互換文字の違いで見た目をそろえています（NFKC）"
        case .kana: return "ひらがなとカタカナを入れ替えています"
        case .digits: return "数字を英字に見せかけています（0→o、1→l）"
        case .lookalike, .confusable:
            let japanese = stage == .lookalike
            var examples: [String] = []
            let own = Set(ImpersonationFolding.normalForm(officialText))
            for scalar in ImpersonationFolding.normalForm(text) where ImpersonationFolding.isJapanese(scalar.value) == japanese && !own.contains(scalar) {
                var target: String?
                if let s = ImpersonationFolding.supplement[scalar.value], let u = Unicode.Scalar(s) { target = String(u) }
                else if scalar.value > 0x7F, let p = ConfusableSkeleton.prototype(of: scalar) {
                    target = String(String.UnicodeScalarView(p))
                }
                guard let target, String(scalar) != target else { continue }
                let example = "「\(scalar)」→「\(target)」"
                if !examples.contains(example) { examples.append(example) }
                if examples.count == 3 { break }
            }
            let list = examples.isEmpty ? "" : "（" + examples.joined(separator: "、") + "）"
            return japanese
                ? "形の似た漢字・かなに置き換えています\(list)"
                : "見分けにくい別の文字に置き換えています（UTS #39 confusables）\(list)"
        default: return "区切り記号・空白・見えない文字を挿入または重ねています（例: 「_」「.」の追加）"
        }
    }
}
