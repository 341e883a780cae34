import Foundation
import Testing
@testable import KohoCore

/// The scorer's quick fold (no Foundation normaliser) against the fold as first written with Foundation's NFKC and
/// NFD: the same key for every character it takes, and for mixed strings; and a stage it says changed nothing
/// really changes nothing.
@Suite struct ImpersonationFoldingTests {
    static let stageSets: [FoldStages] = [.all, [.width, .kana, .separators]] + FoldStages.each.map { FoldStages.all.subtracting($0) }

    /// Every code point of the ranges the quick fold takes, alone and between a kanji and a hyphen.
    @Test func everyCharacterTheQuickFoldTakesFoldsAsTheReferenceDoes() {
        let ranges: [ClosedRange<UInt32>] = [0x00...0x7F, 0xFF01...0xFF5E, 0x3000...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
                                             0x200B...0x200F, 0xFE00...0xFE0F, 0x1F300...0x1F9FF, 0xA0...0x214F]
        var taken = 0
        var mismatches: [String] = []
        for range in ranges {
            for v in range {
                guard let scalar = Unicode.Scalar(v) else { continue }
                for text in [String(scalar), "市" + String(scalar) + "-a"] {
                    for stages in [FoldStages.all, [.width, .kana, .separators]] {
                        guard let quick = ImpersonationFolding.quickFold(text, stages: stages) else { continue }
                        taken += 1
                        if quick.key != ImpersonationFolding.referenceKey(text, stages: stages), mismatches.count < 20 {
                            mismatches.append("U+\(String(v, radix: 16, uppercase: true)) stages \(stages.rawValue)")
                        }
                        if ImpersonationFolding.normalForm(text) != Self.foundationNormalForm(text), mismatches.count < 20 {
                            mismatches.append("normal form U+\(String(v, radix: 16, uppercase: true))")
                        }
                    }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
        #expect(taken > 100_000)
    }

    /// Random strings of kana, kanji, letters, digits, full-width forms, separators, and characters the quick fold
    /// leaves to the reference (half-width kana, combining marks, compatibility kanji, mathematical letters), under every set of
    /// stages the scorer uses.
    @Test func mixedStringsFoldAsTheReferenceDoesAndUntouchedStagesChangeNothing() {
        let pool = Array(("kodaira_tokyo KODAIRA.city 0123456789 il-@/ ｋｏｄａｉｒａ＿１０ＡＢ　プチ田舎東京都小平市巿乎ぷちがぱゔゞヾー一－ロ口力カエ工二ニへヘ・、。「」"
            + "ﾌﾟﾁｶﾞ\u{309A}\u{3099}\u{301}\u{308}éÉİıßẞǅĳ¹½ªµſΐΆϐάЙйЁё\u{43E}\u{430}ΟοΑℓ℡Ⅻ\u{3D0}\u{F900}𝐤📷🎆\u{FE0F}\u{200B}\u{A0}").unicodeScalars)
        var rng = SplitMix64(state: 20261202)
        var quickTaken = 0
        for _ in 0..<4_000 {
            let length = rng.below(16) + 1
            var view = String.UnicodeScalarView()
            for _ in 0..<length { view.append(pool[rng.below(pool.count)]) }
            let text = String(view)
            for stages in Self.stageSets {
                let folded = ImpersonationFolding.fold(text, stages: stages)
                let reference = ImpersonationFolding.referenceKey(text, stages: stages)
                #expect(folded.key == reference, "\(text.unicodeScalars.map { String($0.value, radix: 16) }) \(stages.rawValue)")
                if ImpersonationFolding.quickFold(text, stages: stages) != nil { quickTaken += 1 }
            }
            #expect(ImpersonationFolding.normalForm(text) == Self.foundationNormalForm(text), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
            let all = ImpersonationFolding.fold(text, stages: .all)
            for stage in FoldStages.each where !all.touched.contains(stage) {
                #expect(ImpersonationFolding.key(text, skipping: stage) == all.key, "\(text) \(stage.rawValue)")
            }
        }
        #expect(quickTaken > 4_000)
    }

    static func foundationNormalForm(_ text: String) -> [Unicode.Scalar] {
        Array(text.precomposedStringWithCompatibilityMapping.decomposedStringWithCanonicalMapping.unicodeScalars)
    }

    /// The handles and names of real accounts take the quick fold (else the scorer is several times slower).
    @Test func everydayHandlesNamesAndBiosTakeTheQuickFold() {
        for text in ["kodaira_tokyo", "k0daira__tokyo", "プチ田舎 東京都小平巿", "ｋｏｄａｉｒａ＿ｔｏｋｙｏ", "小平市ファン（非公式）",
                     "東京都小平市在住。写真と散歩が好きです。", "Photos of Tokyo parks and trains. 📷 DM open",
                     "k\u{043E}d\u{0430}ira_tokyo", "kodaira_toky\u{03BF}", "Café Kodaira"] {
            #expect(ImpersonationFolding.quickFold(text, stages: .all) != nil, "\(text)")
            #expect(ImpersonationFolding.quickFold(text, stages: [.width, .kana, .separators]) != nil, "\(text)")
        }
    }
}
