import Foundation
import KohoCore

extension PlatformSandbox {
    /// A new post on `account` with residents' comments on it, written straight into the sandbox's memory (no
    /// HTTP): for a benchmark that needs a hundred thousand comments to read back through the platform's API.
    @discardableResult
    public func seedPost(account: SandboxAccount, text: String, comments: [(author: String, text: String)], at now: Date = Date()) async -> String {
        let id: String
        switch account.platform {
        case .facebook: id = "\(account.platformId)_\(await state.graphObjectId())"
        case .youtube: id = SandboxIds.random(11)
        case .x: id = await state.snowflake()
        }
        let post = SandboxPost(platform: account.platform, account: account.account, id: id, text: text, createdAt: now)
        await state.add(post)
        for c in comments {
            await state.add(await Self.makeComment(state: state, post: post, parentId: nil, authorName: c.author, authorId: nil, text: c.text, now: now))
        }
        return id
    }
}
