import Foundation
import Testing
@testable import KohoCore

/// The UTS #39 skeleton against Unicode's own data: every line of confusables.txt (as ICU's testConfData checks it),
/// every group of confusablesSummary.txt, and ICU's spot checks (intltest/scsptest.cpp testSkeleton).
@Suite struct ConfusableSkeletonTests {
    static func hexScalars(_ field: Substring) -> String {
        String(String.UnicodeScalarView(field.split(separator: " ").compactMap { UInt32($0, radix: 16) }
            .compactMap(Unicode.Scalar.init)))
    }

    @Test func carriesTheWholeDataFile() throws {
        let text = try String(contentsOfFile: fixturePath("unicode/confusables.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n").filter { $0.first?.isHexDigit == true }
        #expect(ConfusableSkeleton.mappingCount == lines.count)
        #expect(text.contains("# Version: \(ConfusableSkeleton.dataVersion)"))
        #expect(text.contains("# total: \(lines.count)"))
    }

    /// ICU testConfData: for each line whose source is in NFD, skeleton(source) == NFD(prototype).
    @Test func everyLineOfConfusablesTxt() throws {
        let text = try String(contentsOfFile: fixturePath("unicode/confusables.txt"), encoding: .utf8)
        var checked = 0
        var failures: [String] = []
        for line in text.split(separator: "\n") where line.first?.isHexDigit == true {
            let fields = line.split(separator: ";", maxSplits: 2)
            let source = Self.hexScalars(fields[0].drop(while: { $0 == " " }))
            let target = Self.hexScalars(fields[1].trimmingCharacters(in: .whitespaces)[...])
            guard source.decomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual(source.unicodeScalars) else { continue }
            checked += 1
            let expected = target.decomposedStringWithCanonicalMapping
            if !ConfusableSkeleton.skeleton(source).unicodeScalars.elementsEqual(expected.unicodeScalars) {
                failures.append(String(line.prefix(40)))
            }
        }
        #expect(checked > 5_400)
        #expect(failures.isEmpty, "\(failures.count) lines: \(failures.prefix(10))")
    }

    /// confusablesSummary.txt groups characters that are confusable with one another: every single code point of a
    /// group that is already in NFD has the group's one skeleton (sequences and precomposed letters are shown in the
    /// groups for reading, not as skeleton equivalences).
    @Test func everyGroupOfTheSummaryHasOneSkeleton() throws {
        let text = try String(contentsOfFile: fixturePath("unicode/confusablesSummary.txt"), encoding: .utf8)
        var groups: [[String]] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#\t") { groups.append([]); continue }
            guard !groups.isEmpty, line.hasPrefix("\t") || line.hasPrefix("←") else { continue }
            let fields = line.split(separator: "\t").dropFirst()
            guard let hex = fields.first(where: { !$0.isEmpty && $0.allSatisfy { $0.isHexDigit || $0 == " " } }) else { continue }
            groups[groups.count - 1].append(Self.hexScalars(hex))
        }
        #expect(groups.count > 3_000)
        var checkedGroups = 0
        var failures: [String] = []
        for group in groups {
            let members = group.filter {
                $0.unicodeScalars.count == 1 && $0.decomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual($0.unicodeScalars)
            }
            guard members.count > 1 else { continue }
            checkedGroups += 1
            let skeletons = Set(members.map { ConfusableSkeleton.skeleton($0).unicodeScalars.map(\.value) })
            if skeletons.count != 1 { failures.append(members.joined(separator: " ")) }
        }
        #expect(checkedGroups > 1_300)
        #expect(failures.isEmpty, "\(failures.count) groups: \(failures.prefix(10))")
    }

    /// ICU's testSkeleton spot checks (all tables collapsed to MA since ICU 55).
    @Test(arguments: [
        ("nochange", "nochange"), ("love", "love"), ("1ove", "love"), ("OOPS", "OOPS"), ("00PS", "OOPS"),
        ("\u{059C}", "\u{0301}"), ("\u{2A74}", "::="), ("\u{247E}", "(ll)"), ("\u{0C83}", "\u{0983}"),
        ("\u{0391}", "A"), ("\u{13CF}", "b"), ("\u{0022}", "''"), ("\u{017F}", "f"),
    ])
    func icuSpotChecks(input: String, expected: String) {
        #expect(ConfusableSkeleton.skeleton(input).unicodeScalars.elementsEqual(expected.unicodeScalars))
    }

    @Test func lookAlikeJapaneseAndLatinShareSkeletons() {
        let s = ConfusableSkeleton.skeleton
        #expect(s("ロ") == s("口"))
        #expect(s("カ") == s("力"))
        #expect(s("エ") == s("工"))
        #expect(s("ニ") == s("二"))
        #expect(s("ヘ") == s("へ"))
        #expect(s("ー") == s("一"))
        #expect(s("－") == s("ー"))
        #expect(s("раураl") == s("paypal"))   // Cyrillic р, а, у
        #expect(s("kodaira") != s("kodama"))
        // Decomposed and precomposed input give one skeleton.
        #expect(s("ガ") == s("カ\u{3099}"))
    }
}
