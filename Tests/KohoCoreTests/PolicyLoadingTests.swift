import Foundation
import Testing
@testable import KohoCore

@Suite struct PolicyLoadingTests {
    @Test func builtInPolicyHoldsTheDocument() {
        #expect(kodaira.version == "R5-2023-10-31")
        #expect(kodaira.effectiveDate == CivilDate(2023, 10, 31))
        #expect(kodaira.ownerRole.title == "秘書広報課長")
        #expect(kodaira.accounts.map(\.id) == ["kodaira_tokyo", "hisyo_kodaira_tokyo", "koho.kodairacity", "UCp9YZtjCNcG0q3fQ1ln31Xg"])
        #expect(kodaira.account("@kodaira_tokyo")?.displayName == "プチ田舎 東京都小平市")
        #expect(kodaira.account("hisyo_kodaira_tokyo")?.displayName == "東京都小平市市長室")
        #expect(kodaira.account("koho.kodairacity")?.url == "https://www.facebook.com/koho.kodairacity/")
        #expect(kodaira.account("UCp9YZtjCNcG0q3fQ1ln31Xg")?.platform == .youtube)
        #expect(kodaira.account("kodaira_tokyo")?.categories.map(\.code) == ["ア", "イ", "ウ", "エ", "オ", "カ"])
        #expect(kodaira.account("koho.kodairacity")?.categories.map(\.code) == ["①", "②", "③", "④", "⑤", "⑥"])
        #expect(kodaira.account("UCp9YZtjCNcG0q3fQ1ln31Xg")?.categories.map(\.code) == ["①", "②"])
        #expect(kodaira.account("kodaira_tokyo")?.category("ア")?.clause == "3(4)①ア")
        // 4(5), 5(5): every Facebook and YouTube post rests on the chief's judgement.
        for id in ["koho.kodairacity", "UCp9YZtjCNcG0q3fQ1ln31Xg"] {
            #expect(kodaira.account(id)!.categories.allSatisfy { $0.chiefJudgement })
        }
        #expect(kodaira.rules(for: .x)?.staffRole.title == "担当者")
        #expect(kodaira.rules(for: .facebook)?.staffRole.title == "フェイスブック担当者")
        #expect(kodaira.rules(for: .x)?.replies == PlatformRules.ReplyRule.none)
        #expect(kodaira.rules(for: .facebook)?.replies == .correctionOnly)
        #expect(kodaira.rules(for: .youtube)?.repliesClause == "5(7)")
        #expect(kodaira.platforms.map(\.suspensionClause) == ["3(7)", "4(9)", "5(9)"])
        #expect(kodaira.platforms.allSatisfy { $0.suspensionRequiresPublishedReason })
        #expect(kodaira.commentDeletion?.grounds.count == 5)
        #expect(kodaira.commentDeletion?.clause(for: kodaira.account("koho.kodairacity")!) == "4(8)")
        #expect(kodaira.commentDeletion?.clause(for: kodaira.account("kodaira_tokyo")!) == nil)
        #expect(kodaira.disclaimers.map(\.clause) == ["6(1)", "6(2)", "6(3)", "6(4)"])
        #expect(kodaira.rules(for: .facebook)?.articleOrigins.map(\.name) == ["市報", "市ホームページ", "秘書広報課作成"])
        let hours = kodaira.rules(for: .x)!.operatingHours
        #expect(hours.opens == 8 * 60 + 30 && hours.closes == 17 * 60 + 15)
        #expect(hours.weekdays == [1, 2, 3, 4, 5])
        #expect(hours.timeZone.identifier == "Asia/Tokyo")
    }

    @Test func embeddedCopyMatchesThePolicyFile() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("policies/kodaira-r5.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text + "\n" == BuiltInPolicy.kodairaR5 + "\n" || text == BuiltInPolicy.kodairaR5 + "\n",
                "the build embeds policies/kodaira-r5.yaml as it is")
        try #expect(PolicyLoader.load(path: file.path) == kodaira)
    }

    @Test func secondCityLoadsFromItsFile() throws {
        let other = try PolicyLoader.load(path: fixturePath("midoridai-city.yaml"))
        #expect(other.organization.name == "みどり台市")
        #expect(other.accounts.count == 1)
        #expect(other.rules(for: .x)?.operatingHours.weekdays.contains(6) == true)
    }

    /// Replaces `old` by `new` in the Kodaira policy text and loads the result.
    func loadEdited(_ old: String, _ new: String) throws -> Policy {
        let yaml = BuiltInPolicy.kodairaR5
        precondition(yaml.contains(old), "fixture text not found: \(old)")
        return try PolicyLoader.load(yaml: yaml.replacingOccurrences(of: old, with: new), file: "edited.yaml")
    }

    func lineOf(_ needle: String, in yaml: String = BuiltInPolicy.kodairaR5) -> Int {
        yaml.components(separatedBy: "\n").firstIndex { $0.contains(needle) }! + 1
    }

    @Test func malformedYAMLNamesFileAndLine() {
        let e = #expect(throws: PolicyFileError.self) {
            try PolicyLoader.load(yaml: "format: koho-policy/1\nversion: [unclosed\n", file: "bad.yaml")
        }
        #expect(e?.file == "bad.yaml")
        #expect(e?.line != nil)
        #expect(e?.description.hasPrefix("bad.yaml:") == true)
    }

    @Test func categoryTwiceIsRefusedAtItsLine() {
        let e = #expect(throws: PolicyFileError.self) { try loadEdited("      - code: イ\n", "      - code: ア\n") }
        #expect(e?.field == "accounts[0].categories[1].code")
        #expect(e?.line == lineOf("      - code: イ"))
        #expect(e?.message.contains("二度") == true)
    }

    @Test func hoursThatEndBeforeTheyStartAreRefused() {
        let e = #expect(throws: PolicyFileError.self) { try loadEdited(#"closes: "17:15""#, #"closes: "08:00""#) }
        #expect(e?.field == "operatingHours.standard.closes")
        #expect(e?.line == lineOf(#"closes: "17:15""#))
    }

    @Test func badTimeZoneIsRefused() {
        let e = #expect(throws: PolicyFileError.self) { try loadEdited("timeZone: Asia/Tokyo", "timeZone: Asia/Kodaira") }
        #expect(e?.field == "operatingHours.standard.timeZone")
        #expect(e?.message.contains("Asia/Kodaira") == true)
    }

    @Test func unknownAccountInARuleIsRefused() {
        let e = #expect(throws: PolicyFileError.self) {
            try loadEdited("{ account: koho.kodairacity, clause: \"4(8)\" }", "{ account: koho.unknown, clause: \"4(8)\" }")
        }
        #expect(e?.field == "commentDeletion.appliesTo[0].account")
        #expect(e?.line == lineOf("account: koho.kodairacity"))
    }

    @Test func unknownFieldAndMissingFieldAreRefused() {
        let typo = #expect(throws: PolicyFileError.self) { try loadEdited("    hoursClause: \"3(5)\"", "    hoursClause: \"3(5)\"\n    hourClause: \"3(5)\"") }
        #expect(typo?.field == "platforms[0].hourClause")
        let missing = #expect(throws: PolicyFileError.self) { try loadEdited("    repliesClause: \"4(7)\"\n", "") }
        #expect(missing?.field == "platforms[1].repliesClause")
        let badTime = #expect(throws: PolicyFileError.self) { try loadEdited(#"opens: "08:30""#, #"opens: "8時半""#) }
        #expect(badTime?.field == "operatingHours.standard.opens")
        let badFormat = #expect(throws: PolicyFileError.self) { try loadEdited("format: koho-policy/1", "format: koho-policy/9") }
        #expect(badFormat?.line == lineOf("format: koho-policy/1"))
        let noDays = #expect(throws: PolicyFileError.self) { try loadEdited("weekdays: [mon, tue, wed, thu, fri]", "weekdays: []") }
        #expect(noDays?.field == "operatingHours.standard.weekdays")
        let twice = #expect(throws: PolicyFileError.self) { try loadEdited("weekdays: [mon, tue,", "weekdays: [mon, mon,") }
        #expect(twice?.message.contains("重複") == true)
        let badRule = #expect(throws: PolicyFileError.self) { try loadEdited("replies: correctionOnly", "replies: sometimes") }
        #expect(badRule?.field == "platforms[1].replies")
        let noSource = #expect(throws: PolicyFileError.self) {
            try loadEdited("        sourceDomains: [www.city.kodaira.tokyo.jp]\n        chiefJudgement: false\n        emergencyEligible: true\n      - code: イ",
                           "        chiefJudgement: false\n        emergencyEligible: true\n      - code: イ")
        }
        #expect(noSource?.field == "accounts[0].categories[0].sourceDomains")
    }

    @Test func unreadableAndEmptyFilesAreRefused() {
        #expect(throws: PolicyFileError.self) { try PolicyLoader.load(path: "/nonexistent/policy.yaml") }
        let empty = #expect(throws: PolicyFileError.self) { try PolicyLoader.load(yaml: "", file: "empty.yaml") }
        #expect(empty?.file == "empty.yaml")
        #expect(throws: PolicyFileError.self) { try PolicyLoader.load(yaml: "- just\n- a list\n", file: "list.yaml") }
    }

    /// Every loader error reads `file:line: field: message`, whole-file problems at line 1.
    static var locatedError: Regex<Substring> { #/^[^:]+:[0-9]+: [^:]+: .+$/# }

    @Test func wholeFileProblemsStillNameFileLineAndField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("koho-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let notUTF8 = dir.appendingPathComponent("sjis.yaml")
        try Data([0x66, 0x6F, 0x3A, 0x20, 0x82, 0xA0, 0x0A]).write(to: notUTF8)
        let empty = dir.appendingPathComponent("empty.yaml")
        try Data().write(to: empty)
        let errors: [PolicyFileError?] = [
            #expect(throws: PolicyFileError.self) { try PolicyLoader.load(path: dir.appendingPathComponent("missing.yaml").path) },
            #expect(throws: PolicyFileError.self) { try PolicyLoader.load(path: notUTF8.path) },
            #expect(throws: PolicyFileError.self) { try PolicyLoader.load(path: empty.path) },
            #expect(throws: PolicyFileError.self) { try PolicyLoader.load(yaml: "", file: "empty.yaml") },
            #expect(throws: PolicyFileError.self) { try PolicyLoader.load(yaml: "# only a comment\n", file: "comment.yaml") },
            #expect(throws: PolicyFileError.self) { try PolicyLoader.load(yaml: "format: koho-policy/1\nversion: a\u{07}b\n", file: "bell.yaml") },
            #expect(throws: PolicyFileError.self) { try PolicyLoader.load(yaml: "format: koho-policy/1\n\u{1B}[31mred: 1\n", file: "esc.yaml") },
        ]
        for e in errors {
            let text = try #require(e).description
            #expect(text.wholeMatch(of: Self.locatedError) != nil, "\(text)")
            #expect(!text.unicodeScalars.contains { $0.properties.generalCategory == .control }, "\(text)")
        }
        #expect(errors[2]?.line == 1)
        #expect(errors[5]?.line == 2, "the bell is on line 2")
    }

    @Test func controlCharactersInMessagesAreEscaped() {
        let e = #expect(throws: PolicyFileError.self) { try loadEdited("timeZone: Asia/Tokyo", #"timeZone: "Asia/\a\e[2J""#) }
        #expect(e?.description.contains(#"Asia/\u{0007}\u{001B}[2J"#) == true, "\(e?.description ?? "")")
        #expect(e?.description.hasPrefix("edited.yaml:") == true)
    }
}
