import Foundation
import KohoCore
import KohoPlatforms

/// When an outbox item (a post, a comment decision, a notice by mail) that could not go out is tried again, and what
/// its page says meanwhile: the one backoff of every outbox.
struct RetryPolicy: Sendable {
    var baseSeconds: TimeInterval
    var maxSeconds: TimeInterval
    /// Picks the jitter factor in 0.5...1; tests pin it.
    var jitter: @Sendable () -> Double = { Double.random(in: 0.5...1.0) }

    init(baseSeconds: TimeInterval, maxSeconds: TimeInterval, jitter: @escaping @Sendable () -> Double = { Double.random(in: 0.5...1.0) }) {
        self.baseSeconds = baseSeconds
        self.maxSeconds = maxSeconds
        self.jitter = jitter
    }

    init(_ settings: PublisherSettings) {
        self.init(baseSeconds: settings.retryBaseSeconds, maxSeconds: settings.retryMaxSeconds)
    }

    /// The wait before the `n`th retry: base × 2^(n-1), at most the maximum, with jitter so that workers spread out.
    func backoff(_ n: Int) -> TimeInterval {
        let raw = baseSeconds * pow(2, Double(min(max(n, 1), 20) - 1))
        return min(raw, maxSeconds) * jitter()
    }

    /// After a transient error or a rate limit, with `attempts` attempts made so far: when to try again, and why.
    func retry(after e: PlatformError, attempts: Int, now: Date) -> (at: Date, message: String) {
        switch e {
        case .rateLimited(let reset):
            // The platform's reset time, but never a busy loop on a reset already past.
            let at = max(reset ?? now.addingTimeInterval(60), now.addingTimeInterval(0.2))
            return (at, "プラットフォームの回数制限のため、\(JapaneseTime.display(at)) 以降に再試行します")
        default:
            return (now.addingTimeInterval(backoff(max(attempts, 1))), "一時的な障害のため再試行します（\(e.explanation)）")
        }
    }
}

extension PlatformError {
    /// In Japanese, for an attempt's record and the post's page.
    var explanation: String {
        switch self {
        case .rateLimited(let reset): return "回数制限" + (reset.map { "（解除 \(JapaneseTime.display($0))）" } ?? "")
        case .tokenExpiredOrRevoked: return "アクセストークンが期限切れまたは無効"
        case .invalid(let m): return "拒否: \(m)"
        case .transient(let m): return "一時的な障害（応答なし・5xx）: \(m)"
        }
    }
}
