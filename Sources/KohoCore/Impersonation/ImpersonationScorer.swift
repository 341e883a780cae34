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

    struct Official: Sendable {
        var account: Account
        var handleKey: [UInt32]
        var nameKey: [UInt32]
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
        officials = policy.accounts.map {
            Official(account: $0, handleKey: ImpersonationFolding.key(Self.bareHandle($0.handle)),
                     nameKey: ImpersonationFolding.key($0.displayName))
        }
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
        var h = handle.trimmingCharacters(in: .whitespacesAndNewlines)
        for prefix in ["https://", "http://", "www."] where h.lowercased().hasPrefix(prefix) { h = String(h.dropFirst(prefix.count)) }
        for host in ["x.com/", "twitter.com/", "facebook.com/", "youtube.com/channel/", "youtube.com/"]
        where h.lowercased().hasPrefix(host) { h = String(h.dropFirst(host.count)) }
        while h.hasPrefix("@") { h.removeFirst() }
        while h.hasSuffix("/") { h.removeLast() }
        return h
    }

    public func score(_ candidate: ImpersonationCandidate) -> ImpersonationScore {
        let handle = Self.bareHandle(candidate.handle)
        if let platform = candidate.platform,
           let own = officials.first(where: {
               $0.account.platform == platform && !handle.isEmpty
                   && ($0.account.handle.caseInsensitiveCompare(handle) == .orderedSame || $0.account.id == handle)
           }) {
            return ImpersonationScore(score: 0, flagged: false, imitates: nil,
                                      reasons: ["市の公式アカウント（\(own.account.handle)）そのものです"])
        }
        if allowListed.contains(handle.lowercased()) {
            return ImpersonationScore(score: 0, flagged: false, imitates: nil,
                                      reasons: ["公式であることを確認した公共団体のアカウント（3(6)）です"])
        }

        let handleKey = ImpersonationFolding.key(handle)
        let nameKey = ImpersonationFolding.key(candidate.name)
        let bioKey = ImpersonationFolding.lightKey(candidate.bio)
        let nameLightKey = ImpersonationFolding.lightKey(candidate.name)

        // The best official account by handle and by display name, preferring the candidate's own platform.
        var best: (official: Official, handle: Double, name: Double)?
        for official in officials {
            let h = Self.handleScore(handleKey, official.handleKey)
            let n = Self.nameScore(nameKey, official.nameKey)
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
            if b.handle > 0 { reasons += handleReasons(handle, handleKey, b.official, b.handle) }
            if b.name > 0 { reasons += nameReasons(candidate.name, nameKey, b.official, b.name) }
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
        let claimText = Self.removing(Self.unofficialWords, from: text)
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
        for word in lexicon.words where !word.key.isEmpty {
            var i = 0
            var result: [UInt32] = []
            while i < out.count {
                if i + word.key.count <= out.count, Array(out[i..<(i + word.key.count)]) == word.key {
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

    func handleReasons(_ handle: String, _ key: [UInt32], _ official: Official, _ score: Double) -> [String] {
        let target = official.account.handle
        var reasons: [String]
        switch score {
        case 0.95...: reasons = ["ハンドル「\(handle)」は公式アカウント「\(target)」と同じに見えます"]
        case 0.8: reasons = ["ハンドル「\(handle)」は公式アカウント「\(target)」と1文字違いです（編集距離 1）"]
        case 0.75: reasons = ["ハンドル「\(handle)」は公式アカウント「\(target)」を含みます"]
        default: reasons = ["ハンドル「\(handle)」は公式アカウント「\(target)」と2文字違いです（編集距離 2）"]
        }
        reasons += tricks(in: handle, matching: Self.bareHandle(target), base: score, scoring: Self.handleScore)
        return reasons
    }

    func nameReasons(_ name: String, _ key: [UInt32], _ official: Official, _ score: Double) -> [String] {
        var reasons = [score >= 0.9
            ? "表示名「\(name)」は公式アカウントの表示名「\(official.account.displayName)」の写しです"
            : "表示名「\(name)」に公式アカウントの表示名「\(official.account.displayName)」を含みます"]
        reasons += tricks(in: name, matching: official.account.displayName, base: score, scoring: Self.nameScore)
        return reasons
    }

    /// The stages whose undoing the match needed: without that stage the candidate scores lower.
    /// Both sides are folded without the stage, so that a fold that changes the official name too (i → l) does
    /// not count as a trick.
    func tricks(in text: String, matching official: String, base: Double,
                scoring: ([UInt32], [UInt32]) -> Double) -> [String] {
        var reasons: [String] = []
        for stage in FoldStages.each {
            let without = ImpersonationFolding.key(text, skipping: stage)
            guard scoring(without, ImpersonationFolding.key(official, skipping: stage)) < base else { continue }
            reasons.append(Self.describe(stage, in: text))
        }
        return reasons
    }

    static func describe(_ stage: FoldStages, in text: String) -> String {
        switch stage {
        case .width: return "全角・半角や互換文字の違いで見た目をそろえています（NFKC）"
        case .kana: return "ひらがなとカタカナを入れ替えています"
        case .digits: return "数字を英字に見せかけています（0→o、1→l）"
        case .lookalike, .confusable:
            let japanese = stage == .lookalike
            var examples: [String] = []
            let folded = text.precomposedStringWithCompatibilityMapping.decomposedStringWithCanonicalMapping
            for scalar in folded.unicodeScalars where ImpersonationFolding.isJapanese(scalar.value) == japanese {
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
