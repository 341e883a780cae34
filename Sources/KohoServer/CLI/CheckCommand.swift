import ArgumentParser
import Foundation
import KohoCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "標準入力のJSON（投稿・返信・引用の予定）をポリシーに照らし、結果をJSONで出力する",
        discussion: """
        入力の項目: account, kind (post|reply|quote), category, text, title, links, sourceURL, scheduledAt (ISO 8601。省略時は現在),
        emergency (bool), emergencyReason, replyPurpose (訂正・釈明なら correction), quotedAccount, articleOrigin。
        不明な項目や型の違う項目は入力の誤りとして扱う。
        終了コード: 0 ポリシーに合う、1 違反がある、2 入力の誤り。
        """)

    @OptionGroup var policyOption: PolicyOption
    @OptionGroup var data: DataDirOption

    struct Output: Encodable {
        let ok: Bool
        let violations: [Violation]
        let requiresChiefApproval: Bool
        let approvalReasons: [String]
        let weightedLength: Int?
        let evaluatedAt: String
        let usesHoursException: Bool
        let policyVersion: String
        /// What the platform would receive: the text that `weightedLength` counts.
        let rendering: Rendering?
    }

    func run() throws {
        let policy = try policyOption.load()
        // One byte past the limit is enough to refuse; an endless stdin is not read to its end.
        var input = Data()
        while input.count <= JSONBounds.maxBytes, let chunk = try FileHandle.standardInput.read(upToCount: 64 * 1024), !chunk.isEmpty {
            input += chunk
        }
        let action: PlannedAction
        do {
            action = try PlannedAction.decode(json: input)
        } catch let e as ActionInputError {
            throw CLIInputError("入力: \(e)")
        }
        let result = PolicyChecker(policy: policy, holidays: try data.holidays()).check(action)
        try writeJSON(Output(ok: result.ok, violations: result.violations, requiresChiefApproval: result.requiresChiefApproval,
                             approvalReasons: result.approvalReasons, weightedLength: result.weightedLength,
                             evaluatedAt: JapaneseTime.iso8601(result.evaluatedAt), usesHoursException: result.usesHoursException,
                             policyVersion: policy.version, rendering: result.rendering))
        if !result.ok { throw ExitCode(1) }
    }
}
