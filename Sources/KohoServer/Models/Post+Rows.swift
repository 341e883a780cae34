import Fluent
import Foundation
import NIOConcurrencyHelpers

extension Post {
    /// Every stored property, written out. Fluent finds a model's properties by reflection on each row it reads,
    /// which was most of the time of a list of posts; lists read their rows through this list instead
    /// (`allPosts`). A property added to `Post` and not here only makes lists fall back to Fluent's own reading.
    var storedProperties: [any AnyDatabaseProperty] {
        [$id, $account, $category, $kind, $text, $title, $linksJSON, $sourceURL, $emergencyReason, $replyPurpose,
         $quotedAccount, $inReplyTo, $chosenAt, $scheduledAt, $emergency, $state, $lockVersion, $policyVersion,
         $authorName, $requiresChiefApproval, $approvalReasons, $usesHoursException, $articleOrigin, $createdAt,
         $updatedAt, $leaseOwner, $leaseUntil, $retryAt, $platformPostID, $platformURL, $publishMessage, $mediaFile,
         $mediaBytes, $mediaName, $approvedRendering, $approvedRenderingSHA256, $heldReason, $heldAt]
    }

    /// Whether `storedProperties` names exactly the columns Fluent knows of.
    static let storedPropertiesComplete: Bool = {
        let post = Post()
        let listed = post.storedProperties.flatMap(\.keys)
        return listed.count == Set(listed).count && Set(listed) == Set(post.properties.compactMap { $0 as? any AnyDatabaseProperty }.flatMap(\.keys))
    }()
}

extension QueryBuilder where Model == Post {
    /// `all()`, each row read through `Post.storedProperties`.
    func allPosts() async throws -> [Post] {
        guard Post.storedPropertiesComplete else { return try await all() }
        let rows = NIOLockedValueBox<[Result<Post, any Error>]>([])
        try await run { output in
            let read = Result { () throws -> Post in
                let post = Post()
                let columns = output.qualifiedSchema(space: nil, Post.schema)
                for property in post.storedProperties { try property.output(from: columns) }
                return post
            }
            rows.withLockedValue { $0.append(read) }
        }
        return try rows.withLockedValue { try $0.map { try $0.get() } }
    }
}
