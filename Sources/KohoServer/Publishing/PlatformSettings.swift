import Foundation
import KohoPlatforms
import KohoSandbox

/// Where the platforms are and how Koho authenticates to them. Every address is configurable so that a
/// proxy, a test double or the local sandbox can stand in for X, Meta and Google.
public struct PlatformEndpoints: Sendable, Equatable {
    public var xAPI: String
    public var facebookGraph: String
    public var youtubeAPI: String
    public var xAuthorize: String
    public var xToken: String
    public var googleAuthorize: String
    public var googleToken: String
    public var xClientID: String?
    public var xClientSecret: String?
    public var googleClientID: String?
    public var googleClientSecret: String?

    /// The real platforms, with each address overridable from the environment (see README).
    public static func live(environment env: [String: String] = ProcessInfo.processInfo.environment) -> PlatformEndpoints {
        func value(_ key: String) -> String? { env[key].flatMap { $0.isEmpty ? nil : $0 } }
        let xAPI = value("KOHO_X_API_URL") ?? XClient.defaultBaseURL
        return PlatformEndpoints(
            xAPI: xAPI,
            facebookGraph: value("KOHO_FACEBOOK_GRAPH_URL") ?? FacebookClient.defaultBaseURL,
            youtubeAPI: value("KOHO_YOUTUBE_API_URL") ?? YouTubeClient.defaultBaseURL,
            xAuthorize: value("KOHO_X_AUTHORIZE_URL") ?? "https://x.com/i/oauth2/authorize",
            xToken: value("KOHO_X_TOKEN_URL") ?? xAPI + "/2/oauth2/token",
            googleAuthorize: value("KOHO_GOOGLE_AUTHORIZE_URL") ?? "https://accounts.google.com/o/oauth2/v2/auth",
            googleToken: value("KOHO_GOOGLE_TOKEN_URL") ?? "https://oauth2.googleapis.com/token",
            xClientID: value("KOHO_X_CLIENT_ID"), xClientSecret: value("KOHO_X_CLIENT_SECRET"),
            googleClientID: value("KOHO_GOOGLE_CLIENT_ID"), googleClientSecret: value("KOHO_GOOGLE_CLIENT_SECRET"))
    }

    /// Every platform at one sandbox (`koho sandbox`, or the one `koho serve` starts itself).
    public static func sandbox(_ baseURL: String) -> PlatformEndpoints {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        return PlatformEndpoints(
            xAPI: base, facebookGraph: base, youtubeAPI: base,
            xAuthorize: base + PlatformSandbox.xAuthorizePath, xToken: base + "/2/oauth2/token",
            googleAuthorize: base + PlatformSandbox.googleAuthorizePath, googleToken: base + "/token",
            xClientID: "koho-sandbox", xClientSecret: nil, googleClientID: "koho-sandbox", googleClientSecret: nil)
    }

    /// Whether anything identifies Koho to a real platform; without it `koho serve` uses a sandbox.
    public static func credentialsConfigured(environment env: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        ["KOHO_X_CLIENT_ID", "KOHO_GOOGLE_CLIENT_ID", "KOHO_PLATFORMS_LIVE"].contains { !(env[$0] ?? "").isEmpty }
    }
}

/// The local stand-in for the platforms that `koho serve` starts in its own process when no platform credentials are
/// set. The `koho` executable supplies it (KohoTools), so that the product library does not start a sandbox itself.
package struct EmbeddedSandbox: Sendable {
    package struct Running: Sendable {
        package let baseURL: String
        package let stop: @Sendable () async -> Void
        package init(baseURL: String, stop: @escaping @Sendable () async -> Void) {
            self.baseURL = baseURL
            self.stop = stop
        }
    }

    /// Starts one on `host`:`port` (0: any free port).
    package let start: @Sendable (_ host: String, _ port: Int) async throws -> Running
    package init(start: @escaping @Sendable (_ host: String, _ port: Int) async throws -> Running) { self.start = start }

    /// Set by the `koho` executable for `koho serve`.
    @TaskLocal package static var provided: EmbeddedSandbox?
}

/// Which platforms the server talks to.
public enum PlatformMode: Sendable, Equatable {
    /// Starts the embedded sandbox (`KohoConfig.embeddedSandbox`) inside the server and connects the policy's accounts to it.
    case embeddedSandbox
    /// A sandbox started separately (`koho sandbox --port N`).
    case sandbox(url: String)
    case live(PlatformEndpoints)

    var isSandbox: Bool {
        if case .live = self { return false }
        return true
    }
}

/// How the publisher runs. Tests shorten every interval; production keeps the defaults.
public struct PublisherSettings: Sendable {
    /// Everything but the final platform call.
    public var dryRun = false
    /// How often due posts are looked for (an approval also wakes the publisher at once).
    public var pollInterval: Duration = .seconds(1)
    /// How long a claim on a post holds; longer than one platform call, so that no other worker steps in mid-call.
    public var leaseSeconds: TimeInterval = 60
    public var callTimeoutSeconds: TimeInterval = 20
    /// Backoff after an unknown outcome: base × 2^(n-1), at most `retryMaxSeconds`, with jitter.
    public var retryBaseSeconds: TimeInterval = 2
    public var retryMaxSeconds: TimeInterval = 300
    /// Posts published at once.
    public var concurrency = 4
    /// Leases, retries and attempt times run on the wall clock, which the platforms' timestamps share;
    /// due times and windows on `KohoConfig.clock`.
    public var wallClock: @Sendable () -> Date = { Date() }
    /// This worker's name in leases and attempts.
    public var workerID = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
    /// Whether the publisher loop runs; off, the server still connects accounts and shows them.
    public var enabled = true

    public init() {}
}
