import Fluent
import Foundation
import KohoCore
import KohoPlatforms

/// Unknown outcomes: an attempt whose answer never came (a timeout, a 5xx, a worker that died mid-call) is settled
/// against what the platform has before anything is sent again.
extension Publisher {
    /// Settles `last` if its outcome is open: true when it turned out published (the post is then done); otherwise
    /// it is marked absent and a new attempt may go.
    func settleEarlier(_ last: PublishAttempt, _ post: Post, _ payload: PublishPayload, _ creds: Credentials) async throws -> Bool {
        guard last.isOpen else { return false }
        // The reads that settle it are kept with the attempt they settle, after its own calls.
        let recorder = PlatformCallRecorder()
        if let found = try await recorder.recording({ try await settle(last, post, payload, creds) }) {
            try await succeed(post, attempt: last, outcome: .found, published: found, calls: recorder.calls)
            return true
        }
        let id = post.id!, calls = recorder.calls
        try await write { w in
            last.settle(found: false, note: "最近の投稿に見当たりません", at: self.wallNow)
            try await self.store(last, w)
            try await PlatformCalls.store(calls, kind: PlatformCalls.publish, attempt: last.id!, subject: PostService.subject(id), on: w.db)
            self.audit(w, "post.publish.settled", id, detail: "試行\(last.number): 見当たらないため再試行します", reason: "")
        }
        return false
    }

    /// Whether the platform already has what an earlier attempt sent. The YouTube upload session answers exactly;
    /// otherwise the account's recent posts are read and one is taken as ours only if its normalized text is the
    /// same, it was made no earlier than shortly before the attempt started, and no other Koho post has its id.
    func settle(_ attempt: PublishAttempt, _ post: Post, _ payload: PublishPayload, _ creds: Credentials) async throws -> PublishedPost? {
        if case .youtube(_, let video) = payload, let sealed = attempt.uploadSession,
           let session = try? publishing.vault.unseal(sealed, context: post.id!.uuidString) {
            switch try await gateway.uploadProgress(session, video.data.count, creds) {
            case .complete(let v): return v.published
            case .incomplete: return nil
            }
        }
        let recent = try await gateway.recentPosts(creds)
        let text = Self.normalize(payload.matchText)
        let description = payload.matchDescription.map(Self.normalize)
        // Platform clocks and Graph's whole seconds: allow a little before the attempt's start.
        let earliest = attempt.startedAt.addingTimeInterval(-120)
        let candidates = recent.filter {
            Self.normalize($0.text) == text && (description == nil || Self.normalize($0.description ?? "") == description)
                && ($0.createdAt ?? .distantFuture) >= earliest
        }
        guard !candidates.isEmpty else { return nil }
        let taken = try await Post.query(on: ctx.db).filter(\.$platformPostID ~~ candidates.map(\.id)).filter(\.$id != post.id!).all()
        let takenIDs = Set(taken.compactMap(\.platformPostID))
        return candidates.first { !takenIDs.contains($0.id) }.map { PublishedPost(platform: $0.platform, id: $0.id, url: $0.url) }
    }

    static func normalize(_ s: String) -> String {
        s.precomposedStringWithCanonicalMapping.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
