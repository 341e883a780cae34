import Foundation
import Testing
@testable import KohoCore

/// The chief's decisions on comments (4(7)/4(8), 5(7)/5(8)) and the one refusal of a reply on X (3(6)).
@Suite struct CommentDecisionRulesTests {
    @Test func aReplyOnXIsRefusedTheSameWayWhereverItIsAsked() throws {
        let x = try #require(kodaira.account("kodaira_tokyo"))
        let refusal = try #require(checker.replyNotAllowed(on: x))
        #expect(refusal.rule == "3(6)")
        #expect(refusal.code == "reply.notAllowed")
        #expect(refusal.message.hasPrefix("【3(6)】X"))
        // A reply drafted as a post, a correction decided on a comment: the same violation, word for word.
        let draft = check(PlannedAction(account: "kodaira_tokyo", kind: .reply, text: "訂正します", replyPurpose: PlannedAction.correctionPurpose,
                                        inReplyTo: "1900000000000000001"))
        #expect(draft.violations.filter { $0.code == "reply.notAllowed" } == [refusal])
        #expect(checker.checkCommentDecision(.correct, account: "kodaira_tokyo", ground: "", reason: "") == [refusal])
        // Facebook and YouTube answer with corrections.
        for id in ["koho.kodairacity", "UCp9YZtjCNcG0q3fQ1ln31Xg"] {
            let account = try #require(kodaira.account(id))
            #expect(checker.replyNotAllowed(on: account) == nil)
            #expect(checker.checkCommentDecision(.correct, account: id, ground: "", reason: "").isEmpty)
        }
    }

    @Test func aDeletionNeedsAGroundOfItsClauseAndAReason() {
        let noGround = checker.checkCommentDecision(.delete, account: "koho.kodairacity", ground: " ", reason: "中傷")
        #expect(noGround.map(\.code) == ["commentDeletion.groundRequired"])
        #expect(noGround.map(\.rule) == ["4(8)"])
        let noReason = checker.checkCommentDecision(.hide, account: "UCp9YZtjCNcG0q3fQ1ln31Xg", ground: "②", reason: "  ")
        #expect(noReason.map(\.code) == ["commentDeletion.reasonRequired"])
        #expect(noReason.map(\.rule) == ["5(8)"])
        #expect(checker.checkCommentDecision(.delete, account: "koho.kodairacity", ground: "⑥", reason: "理由").map(\.code)
                == ["commentDeletion.unknownGround"])
        // The mark and the code name the same ground.
        #expect(checker.checkCommentDecision(.delete, account: "koho.kodairacity", ground: "③", reason: "電話番号").isEmpty)
        #expect(checker.checkCommentDecision(.hide, account: "koho.kodairacity", ground: "privacy", reason: "電話番号").isEmpty)
        #expect(kodaira.commentDeletion?.ground("③")?.code == "privacy")
        #expect(kodaira.commentDeletion?.ground("privacy")?.number == "③")
        #expect(kodaira.commentDeletion?.ground("⑨") == nil)
    }

    @Test func noGroundMakesADeletionLawfulWhereNoClauseCoversTheAccount() {
        let onX = checker.checkCommentDecision(.delete, account: "kodaira_tokyo", ground: "②", reason: "中傷")
        #expect(onX.map(\.code) == ["commentDeletion.notApplicable"])
        #expect(checker.checkCommentDecision(.keep, account: "kodaira_tokyo", ground: "", reason: "").isEmpty)
        #expect(checker.checkCommentDecision(.keep, account: "nobody", ground: "", reason: "").map(\.code) == ["account.unknown"])
    }

    @Test func removingWhatKohoWouldKeepOrWhatCriticisesTheCityNeedsTheChiefsConfirmation() {
        let keep = CommentAssessment(grounds: [], misleading: false, suggestion: .keep)
        let criticism = CommentAssessment(grounds: [], misleading: false, suggestion: .delete, criticism: true)
        let abuse = CommentAssessment(grounds: [], misleading: false, suggestion: .delete)
        #expect(PolicyChecker.againstSuggestion(.delete, keep))
        #expect(PolicyChecker.againstSuggestion(.hide, criticism))
        #expect(!PolicyChecker.againstSuggestion(.delete, abuse))
        #expect(!PolicyChecker.againstSuggestion(.keep, keep), "keeping or correcting removes nothing")
        #expect(!PolicyChecker.againstSuggestion(.correct, criticism))
        let v = checker.confirmationRequired(.delete, account: "UCp9YZtjCNcG0q3fQ1ln31Xg", ground: "privacy", reason: " 電話番号 ",
                                             assessment: criticism)
        #expect(v.rule == "5(8)")
        #expect(v.code == "commentDeletion.againstSuggestion")
        #expect(v.message.hasPrefix("【5(8)】Koho は市・市長・職員・施策への批判と判定しています。批判は削除の理由ではありません。"))
        #expect(v.message.contains("根拠（③ 個人のプライバシーを侵害するおそれのある）と理由（電話番号）"))
    }

    @Test func onlyHidingAndDeletingActOnThePlatform() {
        #expect(CommentDecisionAction.allCases.filter(\.actsOnPlatform) == [.delete, .hide])
        #expect(CommentDecisionAction.correct.displayName == "訂正の返信")
    }
}

/// Which accounts get emergency drafts, in which category, saying what: for a city article and for an agency report.
@Suite struct EmergencyDraftsTests {
    let article = EmergencyArticle(origin: "mail", title: "【小平市】避難所を開設しました", summary: "小平第一小学校ほか12か所に避難所を開設しました。",
                                   link: "https://www.city.kodaira.tokyo.jp/kurashi/bousai/123456.html", categories: ["ア", "①"])

    @Test func anArticleIsDraftedForXAndFacebookButNotYouTubeOrTheMayor() throws {
        let drafts = EmergencyDrafts.forArticle(article, policy: kodaira)
        #expect(drafts.map(\.account) == ["kodaira_tokyo", "koho.kodairacity"])
        #expect(drafts.map(\.category) == ["ア", "①"])
        for d in drafts {
            #expect(d.emergency)
            #expect(d.sourceURL == article.link)
            #expect(d.emergencyReason == "メールマガジンの緊急情報「【小平市】避難所を開設しました」")
            #expect(d.text.hasPrefix("【緊急】【小平市】避難所を開設しました"))
        }
        #expect(drafts.map(\.articleOrigin) == [nil, "website"], "4(5): Facebook says where the article comes from")
        // Each passes the policy as the intake submits it: an emergency with its reason and source.
        for d in drafts { #expect(check(d, at: closedInstant).ok, "\(check(d, at: closedInstant).violations)") }
    }

    @Test func aCategoryThatIsNoEmergencyOnAnAccountMakesNoDraftThere() {
        var notEmergency = article
        notEmergency.categories = ["ウ", "③"]
        #expect(EmergencyDrafts.forArticle(notEmergency, policy: kodaira).isEmpty)
        var onlyX = article
        onlyX.categories = ["イ"]
        #expect(EmergencyDrafts.forArticle(onlyX, policy: kodaira).map(\.account) == ["kodaira_tokyo"])
        #expect(EmergencyDrafts.targets(categories: ["イ"], policy: kodaira).map(\.category.code) == ["イ"])
    }

    @Test func aLongArticleIsCutToFitXButNotFacebook() throws {
        var long = article
        long.summary = String(repeating: "避難の際は、現金、常備薬、懐中電灯をお持ちください。", count: 12)
        let drafts = EmergencyDrafts.forArticle(long, policy: kodaira)
        let x = try #require(drafts.first { $0.account == "kodaira_tokyo" })
        let fb = try #require(drafts.first { $0.account == "koho.kodairacity" })
        #expect(x.text.hasSuffix(EmergencyDraftText.ellipsis))
        #expect(check(x, at: openInstant).weightedLength ?? .max <= 280)
        #expect(fb.text.contains(long.summary))
    }

    @Test func anAgencyReportWaitsForTheCityArticleInTheArticleCategory() throws {
        let drafts = EmergencyDrafts.forAgencyReport(title: "気象特別警報・警報・注意報", reportDateTime: "2026-09-09T05:38:00+09:00",
                                                     summary: "大雨特別警報", categories: [], policy: kodaira)
        #expect(drafts.map(\.account) == ["kodaira_tokyo", "koho.kodairacity"])
        #expect(drafts.map(\.category) == ["ア", "①"], "the first emergency category that needs the city's article")
        let x = try #require(drafts.first)
        #expect(x.text == "気象庁の「気象特別警報・警報・注意報」（9月9日5時38分）: 大雨特別警報")
        #expect(x.emergencyReason == "気象庁「気象特別警報・警報・注意報」（9月9日5時38分）")
        #expect(x.sourceURL == nil)
        // Not submittable as it stands: ア and ① need the city's article (3(4), 4(4)…).
        #expect(check(x).codes.contains("source.missing"))
        // The feeds' categories, where given, choose first.
        let second = EmergencyDrafts.forAgencyReport(title: "震度速報", reportDateTime: "2026-09-09T05:38:00+09:00", summary: "震度5弱",
                                                     categories: ["イ", "②"], policy: kodaira)
        #expect(second.map(\.category) == ["イ", "②"])
    }
}

/// A YouTube post goes to the chief, and out, only with its video: a rule of the workflow check.
@Suite struct VideoRuleTests {
    let video = PlannedAction(account: "UCp9YZtjCNcG0q3fQ1ln31Xg", category: "①", text: "小平の風景", title: "小平の風景")

    @Test func aStoredYouTubePostWithoutItsVideoCannotBeSubmitted() {
        let (without, _) = checker.checkForWorkflow(video, chosen: nil, now: openInstant, submitting: true, mediaSHA256: nil, storedPost: true)
        #expect(without.codes.contains("youtube.videoMissing"))
        #expect(without.violations.first { $0.code == "youtube.videoMissing" }?.rule == "YouTube")
        let sha = String(repeating: "a", count: 64)
        let (with, _) = checker.checkForWorkflow(video, chosen: nil, now: openInstant, submitting: true, mediaSHA256: sha, storedPost: true)
        #expect(!with.codes.contains("youtube.videoMissing"))
    }

    @Test func aDraftOrAFormNotYetSavedIsNotRefusedForIt() {
        let (draft, _) = checker.checkForWorkflow(video, chosen: nil, now: openInstant, submitting: false, storedPost: true)
        #expect(!draft.codes.contains("youtube.videoMissing"))
        let (form, _) = checker.checkForWorkflow(video, chosen: nil, now: openInstant, submitting: true)
        #expect(!form.codes.contains("youtube.videoMissing"))
        let onX = PlannedAction(account: "kodaira_tokyo", category: "ウ", text: "お知らせ", links: [citySource])
        let (x, _) = checker.checkForWorkflow(onX, chosen: nil, now: openInstant, submitting: true, storedPost: true)
        #expect(!x.codes.contains("youtube.videoMissing"))
    }
}
