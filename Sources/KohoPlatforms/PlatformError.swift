import Foundation

/// The one set of errors every platform client maps its platform's failures to.
public enum PlatformError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The platform throttled the call; `resetAt` is when it says it will accept calls again, if it said.
    case rateLimited(resetAt: Date?)
    /// The access token expired or was revoked: the account needs reconnecting.
    case tokenExpiredOrRevoked
    /// The platform refused the call as invalid; `message` is the platform's own wording.
    case invalid(message: String)
    /// A 5xx, a dropped connection or a timeout: the call may or may not have been carried out.
    case transient(String)

    public var description: String {
        switch self {
        case .rateLimited(let resetAt):
            if let resetAt { return "rate limited until \(ISO8601DateFormatter().string(from: resetAt))" }
            return "rate limited"
        case .tokenExpiredOrRevoked: return "access token expired or revoked"
        case .invalid(let message): return "refused as invalid: \(message)"
        case .transient(let message): return "transient failure: \(message)"
        }
    }

    /// Whether the call might have been carried out even though no answer said so.
    public var outcomeUnknown: Bool {
        if case .transient = self { return true }
        return false
    }
}
