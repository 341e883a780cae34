import Foundation

/// The level of an agency message at which every account goes into disaster mode without waiting for the chief
/// (issue 13, 4): where the policy file (`emergencyAreas.disasterModeAt`) or the feeds file says so. A warning in
/// force for the city whose name contains one of `warnings` (`特別警報`), or an intensity for the city at or above
/// `intensity` (`5-`). Drills, tests and cancellations never reach it; switching off is the chief's.
public struct DisasterModeLevel: Sendable, Equatable {
    public var warnings: [String]
    /// In the agency's notation (`5-`).
    public var intensity: String?
    /// A levelled warning (レベル２–５, since 2026-05-29) in force for the city at or above this level.
    public var level: Int?

    public init(warnings: [String] = [], intensity: String? = nil, level: Int? = nil) {
        self.warnings = warnings
        self.intensity = intensity
        self.level = level
    }

    /// What in the message reaches the level (`大雨特別警報`, `震度5弱`), or nil.
    public func reached(by r: JMAReport) -> String? {
        guard !r.isDrillOrTest, !r.isCancellation else { return nil }
        let names = r.warnings.filter { w in
            w.isWarningInForce && (warnings.contains { w.name.contains($0) } || (level.map { min in (w.level ?? 0) >= min } ?? false))
        }.map(\.name)
        if !names.isEmpty { return names.joined(separator: "・") }
        if let threshold = intensity, let i = r.maxIntensity,
           let a = JMAParser.intensityRank(i), let b = JMAParser.intensityRank(threshold), a >= b {
            return "震度" + Self.japanese(i)
        }
        return nil
    }

    /// `5-` → `5弱`, `6+` → `6強`.
    public static func japanese(_ notation: String) -> String {
        notation.replacingOccurrences(of: "-", with: "弱").replacingOccurrences(of: "+", with: "強")
    }

    /// In words, for `koho policy show` and the disaster-mode page.
    public var description: String {
        var parts: [String] = []
        if !warnings.isEmpty { parts.append(warnings.joined(separator: "・")) }
        if let level { parts.append("レベル\(level)以上の警報") }
        if let intensity { parts.append("震度\(Self.japanese(intensity))以上") }
        return parts.joined(separator: "、または")
    }

    /// `disasterModeAt: {warnings: [特別警報], intensity: "5-"}` of the policy file or the feeds file. The intensity
    /// may also be written `5弱`, `５強`; a 注意報 never switches disaster mode on, so it is refused.
    static func read(_ f: YAMLFields) throws -> DisasterModeLevel {
        try f.checkKeys(["warnings", "intensity", "level"])
        var level = DisasterModeLevel()
        if let w = try f.optional("warnings") {
            for item in try w.sequence() {
                let name = try item.nonEmptyString()
                guard !name.containsControlCharacter else { throw item.error("制御文字は使えません") }
                guard name.contains("警報"), !name.contains("注意報") else {
                    throw item.error("警報か特別警報の名前（の一部）を書いてください（例: 特別警報、大雨特別警報）。注意報では災害モードにしません: \(name)")
                }
                level.warnings.append(name)
            }
        }
        if let i = try f.optional("intensity") {
            let written = try i.nonEmptyString()
            let halfwidth = String(String.UnicodeScalarView(written.unicodeScalars.map { c in
                (0xFF01...0xFF5E).contains(c.value) ? Unicode.Scalar(c.value - 0xFEE0)! : c
            }))
            let notation = halfwidth.replacingOccurrences(of: "弱", with: "-").replacingOccurrences(of: "強", with: "+")
                .replacingOccurrences(of: "震度", with: "").trimmingCharacters(in: .whitespaces)
            guard let rank = JMAParser.intensityRank(notation), rank >= 1 else {
                throw i.error("震度は 1〜4、5-、5+、6-、6+、7（5弱・5強・6弱・6強 とも書けます）のどれかで書いてください: \(written)")
            }
            level.intensity = notation
        }
        if let l = try f.optional("level") {
            // レベル２ is a 注意報, which never switches disaster mode on.
            let written = try l.nonEmptyString().replacingOccurrences(of: "レベル", with: "").trimmingCharacters(in: .whitespaces)
            let digits = String(String.UnicodeScalarView(written.unicodeScalars.map { c in
                (0xFF10...0xFF19).contains(c.value) ? Unicode.Scalar(c.value - 0xFEE0)! : c
            }))
            guard let n = Int(digits), (3...5).contains(n) else {
                throw l.error("level は 3〜5 の数で書いてください（例: 4 ならレベル４以上の警報。レベル２は注意報なので災害モードにしません）")
            }
            level.level = n
        }
        guard !level.warnings.isEmpty || level.intensity != nil || level.level != nil else {
            throw f.error("warnings（例: [特別警報]）、intensity（例: \"5-\"）、level（例: 4）の少なくとも一つが必要です")
        }
        return level
    }
}
