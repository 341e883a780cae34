import Foundation
import Testing
@testable import KohoServer
@testable import KohoTools

/// `koho impersonation score` and `koho impersonation skeleton`, run as other tools run them.
@Suite struct ImpersonationCLITests {
    func lines(_ stdout: String) -> [[String: Any]] {
        stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]) ?? ["unparsable": String($0)]
        }
    }

    @Test func scoresEachLineInOrder() throws {
        let input = """
        {"platform": "x", "handle": "k0daira__tokyo", "name": "プチ田舎 東京都小平巿", "bio": "小平市の公式アカウントです"}
        {"platform": "x", "handle": "kodaira_tokyo", "name": "プチ田舎 東京都小平市", "bio": ""}
        {"platform": "facebook", "handle": "obira.hokkaido", "name": "小平町役場", "bio": "北海道留萌郡小平町の公式ページ"}
        {"platform": "youtube", "handle": "", "name": "プチ田舎 東京都小平市", "bio": ""}
        {}
        {"platform": "", "handle": "ｋｏｄａｉｒａ＿ｔｏｋｙｏ"}

        """
        let r = try KohoProcess.run(["impersonation", "score"], stdin: input)
        #expect(r.status == 0, "\(r.stderr)")
        let out = lines(r.stdout)
        #expect(out.count == 6)
        #expect(out[0]["flagged"] as? Bool == true)
        #expect(out[0]["imitates"] as? String == "kodaira_tokyo")
        #expect((out[0]["score"] as? Double ?? 0) >= 0.9)
        let reasons = out[0]["reasons"] as? [String] ?? []
        #expect(reasons.contains { $0.contains("数字を英字に見せかけ") }, "\(reasons)")
        #expect(reasons.contains { $0.contains("区切り記号") }, "\(reasons)")
        #expect(reasons.contains { $0.contains("「巿」→「市」") }, "\(reasons)")
        #expect(out[1]["flagged"] as? Bool == false)
        #expect(out[1]["imitates"] is NSNull)
        #expect(out[2]["flagged"] as? Bool == false)
        #expect(out[3]["imitates"] as? String == "UCp9YZtjCNcG0q3fQ1ln31Xg")
        #expect(out[4]["score"] as? Double == 0)
        #expect(out[4]["imitates"] is NSNull)
        #expect(out[5]["flagged"] as? Bool == true)
        // Exactly the four documented fields.
        for o in out { #expect(Set(o.keys) == ["score", "flagged", "imitates", "reasons"]) }
    }

    @Test func badLinesGetAnErrorAndExitTwoWithoutLosingTheOthers() throws {
        let input = [
            #"{"platform": "x", "handle": "kodaira.tokyo"}"#,
            #"not json"#,
            #"{"platform": "mastodon", "handle": "kodaira"}"#,
            #"{"platform": "x", "handle": 42}"#,
            #"["x", "kodaira"]"#,
            #"{"platform": "x", "handle": "kodaira_tokyo", "url": "https://x.com/kodaira_tokyo"}"#,
            "",
            #"{"platform": "youtube", "name": "小平市\u0000公式"}"#,
        ].joined(separator: "\n") + "\n"
        let r = try KohoProcess.run(["impersonation", "score"], stdin: input)
        #expect(r.status == 2)
        let out = lines(r.stdout)
        #expect(out.count == 8)
        #expect(out[0]["flagged"] as? Bool == true)
        for i in 1...6 {
            #expect((out[i]["error"] as? String)?.isEmpty == false, "\(i): \(out[i])")
            #expect(out[i].count == 1)
        }
        #expect((out[2]["error"] as? String)?.contains("platform") == true)
        #expect((out[5]["error"] as? String)?.contains("url") == true)
        #expect(out[7]["score"] is Double)
        // All good lines: exit 0; nothing at all: exit 0 and no output.
        #expect(try KohoProcess.run(["impersonation", "score"], stdin: #"{"handle": "abc"}"# + "\n").status == 0)
        let empty = try KohoProcess.run(["impersonation", "score"], stdin: "")
        #expect(empty.status == 0 && empty.stdout.isEmpty)
    }

    @Test func anotherCityPolicyAndThreshold() throws {
        let policy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("KohoCoreTests/Fixtures/midoridai-city.yaml").path
        let r = try KohoProcess.run(["impersonation", "score", "--policy", policy],
                                    stdin: #"{"platform": "x", "handle": "midoridai__city"}"# + "\n")
        #expect(lines(r.stdout).first?["imitates"] as? String == "midoridai_city")
        let strict = try KohoProcess.run(["impersonation", "score", "--threshold", "0.99"],
                                         stdin: #"{"platform": "x", "handle": "kodaira__tokyo"}"# + "\n")
        #expect(lines(strict.stdout).first?["flagged"] as? Bool == false)
        #expect(try KohoProcess.run(["impersonation", "score", "--threshold", "2"], stdin: "").status == 2)
    }

    @Test func skeletonPrintsOneLinePerLine() throws {
        let r = try KohoProcess.run(["impersonation", "skeleton"], stdin: "1ove\n00PS\n\u{0440}\u{0430}ypal\nロ口\n\nkodaira\r\n")
        #expect(r.status == 0)
        let out = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(out == ["love", "OOPS", "paypal", "口口", "", "kodaira", ""])
        #expect(try KohoProcess.run(["impersonation", "--help"]).stdout.contains("USAGE"))
    }
}
