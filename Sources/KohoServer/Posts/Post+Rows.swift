import Fluent
import SQLKit
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
        return listed.count == Set(listed).count
            && Set(listed) == Set(ListedProperties.reflected(post).compactMap { $0 as? any AnyDatabaseProperty }.flatMap(\.keys))
    }()

    /// Fluent's requirement, answered from the list instead of by reflection (see `ListedProperties`).
    package var properties: [any AnyProperty] {
        Post.storedPropertiesComplete ? storedProperties.map { $0 as any AnyProperty } : ListedProperties.reflected(self)
    }
}

/// Fluent finds a model's properties by reflection (`Fields.properties`) at every query it builds, every save and
/// every row it reads; for the publisher's models that was the largest single cost. They answer it from a list
/// written out instead, used only while it names exactly what reflection finds (else reflection, as before).
enum ListedProperties {
    static func reflected(_ model: some Fields) -> [any AnyProperty] {
        Mirror(reflecting: model).children.compactMap { $0.value as? any AnyProperty }
    }

    static func complete(_ model: some Fields, _ listed: [any AnyProperty]) -> Bool {
        let ids = listed.map { ObjectIdentifier($0) }
        return ids.count == Set(ids).count && Set(ids) == Set(reflected(model).map { ObjectIdentifier($0) })
    }
}

extension AuditEntry {
    var listedProperties: [any AnyProperty] { [$id, $at, $actor, $action, $subject, $detail, $reason, $prevHash, $hash] }
    static let listComplete: Bool = { let e = AuditEntry(); return ListedProperties.complete(e, e.listedProperties) }()
    var properties: [any AnyProperty] { AuditEntry.listComplete ? listedProperties : ListedProperties.reflected(self) }
}

extension PublishAttempt {
    var listedProperties: [any AnyProperty] {
        [$id, $postID, $number, $startedAt, $finishedAt, $outcome, $platformPostID, $platformURL, $message, $worker, $uploadSession]
    }
    static let listComplete: Bool = { let a = PublishAttempt(); return ListedProperties.complete(a, a.listedProperties) }()
    var properties: [any AnyProperty] { PublishAttempt.listComplete ? listedProperties : ListedProperties.reflected(self) }
}

extension Post {
    /// What only the publisher reads: its lease and retry time, and the approved rendering in full (a list shows its
    /// hash). Optional columns all, so a post read without them reads them as nil.
    static let notListed: Set<String> = ["approved_rendering", "lease_owner", "lease_until", "retry_at"]
    static let listedColumns: [FieldKey] = Post().storedProperties.flatMap(\.keys).filter { !notListed.contains($0.description) }
}

extension QueryBuilder where Model == Post {
    /// The posts of a list: only the columns a list shows (`Post.listedColumns`), each row read through
    /// `Post.storedProperties`. Not for a post about to be changed or published: read it whole (`Post.find`).
    func allPosts() async throws -> [Post] {
        guard Post.storedPropertiesComplete else { return try await all() }
        query.fields = Post.listedColumns.map { .extendedPath([$0], schema: Post.schema, space: nil) }
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

extension User {
    var listedProperties: [any AnyProperty] {
        [$id, $name, $passwordHash, $role, $accountList, $totpSecret, $totpEnabled, $totpRequired, $totpLastStep, $failedLogins,
         $lockedUntil, $createdAt]
    }
    static let listComplete: Bool = { let u = User(); return ListedProperties.complete(u, u.listedProperties) }()
    package var properties: [any AnyProperty] { User.listComplete ? listedProperties : ListedProperties.reflected(self) }
    /// Every column, for statements written out (the bearer token's lookup).
    static let columns: [String] = User().listedProperties.compactMap { $0 as? any AnyDatabaseProperty }.flatMap(\.keys).map(\.description)
    private static let byIDText = "SELECT " + columns.joined(separator: ", ") + " FROM \(schema) WHERE id = "

    /// The signed-in user of a session, asked on every page: one statement written out.
    static func byID(_ id: UUID, on db: any Database) async throws -> User? {
        guard let sql = db as? any SQLDatabase else { return try await User.find(id, on: db) }
        return try await sql.raw("\(unsafeRaw: byIDText)\(bind: id)").first()?.decode(fluentModel: User.self)
    }
}

extension APIToken {
    var listedProperties: [any AnyProperty] { [$id, $user, $name, $tokenHash, $createdAt, $lastUsedAt] }
    static let listComplete: Bool = { let t = APIToken(); return ListedProperties.complete(t, t.listedProperties) }()
    var properties: [any AnyProperty] { APIToken.listComplete ? listedProperties : ListedProperties.reflected(self) }
}
