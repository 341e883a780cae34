import Foundation
import Testing
@testable import KohoCore

@Suite struct PolicyDocumentTests {
    @Test func theBuiltInPolicyCarriesItsWholeText() throws {
        let policy = PolicyLoader.builtIn()
        let text = try #require(policy.document)
        let blocks = PolicyDocument.blocks(text)
        let headings = blocks.compactMap { b -> String? in if case .heading(_, let t) = b { return t } else { return nil } }
        // Every section the public page must show: 1, 2, 3(2), 3(3), 4(2), 4(3), 5(2), 5(3) and the rest.
        for h in ["1 目的", "2 適用するソーシャルメディアの種類", "3 Xに関する事項", "(2) アカウントの証明", "(3) 運用ポリシー等の明示",
                  "5 ユーチューブに関する事項", "(3) 運用ポリシー等の明示等", "6 その他の事項"] {
            #expect(headings.contains(h), "\(h)")
        }
        #expect(headings.filter { $0 == "(2) アカウントの証明" }.count == 3, "3(2), 4(2) and 5(2)")
        let plain = PolicyDocument.plainText(text)
        #expect(plain.contains("なりすまし"))
        #expect(plain.contains("証明"))
        #expect(!plain.contains("\\_"), "Markdown escapes read as the characters")
    }

    @Test func headingsParagraphsListsAndLinks() {
        let md = """
        # 題名

        令和5年10月31日  
        企画政策部秘書広報課

        ## 1 目的
        一行目
        二行目

        - ① 一つ目
        - ② [公式](https://twitter.com/kodaira\\\\_tokyo) と [危ない](javascript:alert(1))
        """
        let b = PolicyDocument.blocks(md)
        #expect(b[0] == .heading(level: 1, text: "題名"))
        #expect(b[1] == .paragraph([.text("令和5年10月31日"), .lineBreak, .text("企画政策部秘書広報課")]))
        #expect(b[2] == .heading(level: 2, text: "1 目的"))
        #expect(b[3] == .paragraph([.text("一行目二行目")]), "Japanese lines join without a space")
        guard case .list(let items) = b[4] else { Issue.record("no list"); return }
        #expect(items.count == 2)
        #expect(items[1].contains(.link(text: "公式", url: "https://twitter.com/kodaira_tokyo")))
        #expect(!items[1].contains { if case .link(_, let u) = $0 { return u.hasPrefix("javascript") } else { return false } },
                "only http(s) addresses become links")
    }

    @Test func aPolicyFileWithoutItsTextStillLoads() throws {
        let yaml = PolicyLoader.builtInYAML.components(separatedBy: "\ndocument: |")[0]
        let policy = try PolicyLoader.load(yaml: yaml, file: "test")
        #expect(policy.document == nil)
        #expect(policy.accounts.count == PolicyLoader.builtIn().accounts.count)
    }
}

@Suite struct ImpersonationLookAlikeTests {
    @Test func theNoticeNamesTheCharactersThatDiffer() {
        #expect(ImpersonationTexts.differences(official: "プチ田舎 東京都小平市", lookAlike: "プチ田舎 東京都小平巿") == ["「市」ではなく「巿」"])
        #expect(ImpersonationTexts.differences(official: "kodaira_tokyo", lookAlike: "kodaira_tokyoo") == ["「o」が加わっている"])
        #expect(ImpersonationTexts.differences(official: "kodaira_tokyo", lookAlike: "kodairatokyo") == ["「_」が抜けている"])
        #expect(ImpersonationTexts.differences(official: "小平市", lookAlike: "小平市").isEmpty)

        let policy = PolicyLoader.builtIn()
        let official = policy.accounts.first { $0.id == "kodaira_tokyo" }!
        let e = ImpersonationEvidence(platform: .x, handle: "kodaira_tokyo_", name: "プチ田舎 東京都小平巿", bio: "", profileURL: "https://x.com/kodaira_tokyo_",
                                      seenAt: Date(timeIntervalSince1970: 1_790_000_000), score: 0.9, reasons: [], imitated: official)
        let body = ImpersonationTexts.warning(e, policy: policy).body
        #expect(body.contains("違う文字があります（「市」ではなく「巿」）"), "\(body)")
        #expect(body.contains("「_」が加わっている"))
    }
}
