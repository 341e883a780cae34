import Fluent
import Foundation
import KohoCore

enum PolicyStore {
    /// Stores the policy text as a new version when it differs from the latest one, and returns the version in force.
    static func ensureInForce(yaml: String, policy: Policy, db: Database, now: Date, lock: AuditTrail) async throws -> PolicyVersion {
        let sha = Secrets.sha256Hex(yaml)
        return try await lock.run {
            let latest = try await PolicyVersion.query(on: db).sort(\.$number, .descending).first()
            if let latest, latest.sha256 == sha { return latest }
            let row = PolicyVersion(number: (latest?.number ?? 0) + 1, version: policy.version, yaml: yaml, sha256: sha, createdAt: now)
            try await row.save(on: db)
            try await AuditLog.appendLocked(on: db, at: now, actor: "system", action: "policy.change", subject: "policy:\(row.number)",
                                            detail: "\(policy.title) \(policy.version) sha256=\(sha)",
                                            reason: latest == nil ? "初回の起動" : "ポリシーファイルの変更（第\(latest!.number)版から）")
            return row
        }
    }
}
