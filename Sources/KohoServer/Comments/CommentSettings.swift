import Foundation

/// How Koho reads and watches comments. Tests shorten the intervals; production keeps the defaults.
public struct CommentSettings: Sendable {
    /// Whether the poller and the action jobs run (the webhook and the inbox work either way).
    public var enabled = true
    /// How often the poller job looks for an account whose turn has come.
    public var tick: Duration = .seconds(15)
    /// Facebook: each round reads the Page's recent posts and the comments of each (1 + posts calls), well inside
    /// the Pages rate limit at this interval.
    public var facebookInterval: TimeInterval = 180
    /// YouTube: each round costs 3 units (published, held for review, likely spam) of the 10,000 a day.
    public var youtubeInterval: TimeInterval = 600
    /// Posts per Facebook round whose comments are read (the newest), besides Koho's own of the last 30 days.
    public var facebookPostsPerRound = 25
    /// How often decisions waiting to be carried out are looked for (a decision also wakes the job at once).
    public var actionInterval: Duration = .seconds(5)
    public var actionRetryBaseSeconds: TimeInterval = 5
    public var actionRetryMaxSeconds: TimeInterval = 600
    /// The Facebook webhook (`/webhooks/facebook`): the token Meta echoes when subscribing, and the app secret its
    /// deliveries are signed with. Without both the webhook answers 404.
    public var facebookVerifyToken: String?
    public var facebookAppSecret: String?
    /// The flood alarm: comments in the last `floodWindowMinutes` on an account above `floodFactor` times its usual
    /// rate (the average over the past 7 days) and at least `floodMinimum`; or at least `misleadingMinimum`
    /// comments flagged misleading in the window.
    public var floodWindowMinutes = 60
    public var floodFactor = 5.0
    public var floodMinimum = 30
    public var misleadingMinimum = 10

    public init(environment env: [String: String] = ProcessInfo.processInfo.environment) {
        func value(_ key: String) -> String? { env[key].flatMap { $0.isEmpty ? nil : $0 } }
        facebookVerifyToken = value("KOHO_FACEBOOK_VERIFY_TOKEN")
        facebookAppSecret = value("KOHO_FACEBOOK_APP_SECRET")
        if let v = value("KOHO_FLOOD_FACTOR").flatMap(Double.init), v > 1 { floodFactor = v }
        if let v = value("KOHO_FLOOD_MINIMUM").flatMap(Int.init), v > 0 { floodMinimum = v }
        if let v = value("KOHO_FLOOD_MISLEADING_MINIMUM").flatMap(Int.init), v > 0 { misleadingMinimum = v }
        if let v = value("KOHO_FLOOD_WINDOW_MINUTES").flatMap(Int.init), v > 0 { floodWindowMinutes = v }
    }
}
