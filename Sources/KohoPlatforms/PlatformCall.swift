import Crypto
import Foundation
import NIOHTTP1

/// One HTTP call to a platform as it went out and as the platform answered, with the secrets removed: what a
/// records request asks ("what exactly did the platform receive and answer").
public struct PlatformCall: Sendable, Equatable, Codable {
    public struct Header: Sendable, Equatable, Codable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public var method: String
    /// The address with tokens in the query replaced by `PlatformCall.removed`.
    public var url: String
    public var requestHeaders: [Header]
    /// The body as sent, up to `maxBodyBytes`.
    public var requestBody: Data
    /// The length of the whole body as sent.
    public var requestBodyBytes: Int
    /// SHA-256 of the whole body as sent, when nothing was removed from it (a video's matches its file's name).
    public var requestBodySHA256: String?
    public var requestBodyCut: Bool
    /// Nil when no answer came (a timeout, a refused connection): `error` says what happened.
    public var status: Int?
    public var responseHeaders: [Header]
    public var responseBody: Data
    public var responseBodyBytes: Int
    public var responseBodyCut: Bool
    public var startedAt: Date
    public var finishedAt: Date
    public var error: String?
    /// Whether a secret was taken out of the address, a header or a body.
    public var redacted: Bool

    public init(
        method: String, url: String, requestHeaders: [Header], requestBody: Data, requestBodyBytes: Int, requestBodySHA256: String?,
        requestBodyCut: Bool, status: Int?, responseHeaders: [Header], responseBody: Data, responseBodyBytes: Int, responseBodyCut: Bool,
        startedAt: Date, finishedAt: Date, error: String?, redacted: Bool
    ) {
        self.method = method
        self.url = url
        self.requestHeaders = requestHeaders
        self.requestBody = requestBody
        self.requestBodyBytes = requestBodyBytes
        self.requestBodySHA256 = requestBodySHA256
        self.requestBodyCut = requestBodyCut
        self.status = status
        self.responseHeaders = responseHeaders
        self.responseBody = responseBody
        self.responseBodyBytes = responseBodyBytes
        self.responseBodyCut = responseBodyCut
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
        self.redacted = redacted
    }

    /// Each body is kept up to this size; a video's bytes are not (their SHA-256 is).
    public static let maxBodyBytes = 256 * 1024
    /// What stands where a secret was.
    public static let removed = "[削除]"
}

/// Collects the calls made while it is `current` (a task-local value, so every call of the task and its child
/// tasks is captured without the code in between knowing). Thread-safe.
public final class PlatformCallRecorder: @unchecked Sendable {
    @TaskLocal public static var current: PlatformCallRecorder?

    private let lock = NSLock()
    private var kept: [PlatformCall] = []
    /// At most this many calls are kept for one attempt (an X media upload makes one per megabyte).
    public static let maxCalls = 64

    public init() {}

    public var calls: [PlatformCall] { lock.withLock { kept } }

    func add(_ call: PlatformCall) {
        lock.withLock { if kept.count < Self.maxCalls { kept.append(call) } }
    }

    /// Runs `body` with this recorder current.
    public func recording<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        try await Self.$current.withValue(self) { try await body() }
    }
}

/// Takes the secrets out of a call before it is kept: credentials in headers, tokens in the address or a body,
/// cookies, signatures; and, wherever it appears, the access token itself.
public enum PlatformCallRedaction {
    static let secretHeaders: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-goog-api-key", "x-csrf-token",
    ]
    /// Response headers worth keeping: the kind of answer, where it points, and the platforms' limits and trace ids.
    static let keptResponseHeaders: Set<String> = [
        "content-type", "content-length", "date", "location", "retry-after", "range", "etag", "x-rate-limit-limit",
        "x-rate-limit-remaining", "x-rate-limit-reset", "x-fb-trace-id", "x-fb-request-id", "x-fb-rev", "x-app-usage",
        "x-business-use-case-usage", "x-page-usage", "x-request-id", "x-transaction-id", "www-authenticate",
    ]

    /// A parameter, header or JSON key whose value is a credential.
    public static func isSecretName(_ raw: String) -> Bool {
        let name = raw.lowercased()
        // A page cursor is not a credential, and the platforms' answers are full of them.
        if name.contains("pagetoken") || name.contains("page_token") { return false }
        if secretHeaders.contains(name) { return true }
        let parts = ["token", "secret", "signature", "password", "passwd", "apikey", "api_key", "upload_id", "appsecret", "session"]
        if parts.contains(where: { name.contains($0) }) { return true }
        return ["key", "sig", "code", "auth", "access_key", "client_assertion"].contains(name)
    }

    public static func url(_ url: String, secrets: [String]) -> (String, Bool) {
        var redacted = false
        var out = url
        if let q = url.firstIndex(of: "?") {
            let base = url[..<q]
            var rest = String(url[url.index(after: q)...])
            var fragment = ""
            if let hash = rest.firstIndex(of: "#") {
                fragment = String(rest[hash...])
                rest = String(rest[..<hash])
            }
            let pairs = rest.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = kv.first.map { String($0).removingPercentEncoding ?? String($0) } ?? ""
                guard isSecretName(name) else { return String(pair) }
                redacted = true
                return "\(kv[0])=\(percentEncode(PlatformCall.removed))"
            }
            out = base + "?" + pairs.joined(separator: "&") + fragment
        }
        let (cleaned, found) = replacing(secrets, in: out)
        return (cleaned, redacted || found)
    }

    /// A body's bytes with the credentials in it taken out: fields of a form, keys of a JSON object, and the secrets
    /// themselves wherever they are. Untouched (byte for byte) when it holds none.
    public static func body(_ data: Data, contentType: String?, secrets: [String]) -> (Data, Bool) {
        var data = data
        var redacted = false
        let type = (contentType ?? "").lowercased()
        if type.hasPrefix("application/x-www-form-urlencoded"), let text = String(data: data, encoding: .utf8) {
            var changed = false
            let fields = text.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = kv.first.map { String($0).removingPercentEncoding ?? String($0) } ?? ""
                guard isSecretName(name) else { return String(pair) }
                changed = true
                return "\(kv[0])=\(percentEncode(PlatformCall.removed))"
            }
            if changed {
                data = Data(fields.joined(separator: "&").utf8)
                redacted = true
            }
        } else if type.contains("json"), data.count <= PlatformCall.maxBodyBytes * 4,
                  let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) {
            var changed = false
            let cleaned = scrub(object, &changed)
            if changed, let encoded = try? JSONSerialization.data(withJSONObject: cleaned, options: [.sortedKeys, .fragmentsAllowed]) {
                data = encoded
                redacted = true
            }
        }
        for secret in secrets where !secret.isEmpty {
            let needle = Data(secret.utf8)
            if data.range(of: needle) != nil {
                data = replace(needle, in: data, with: Data(PlatformCall.removed.utf8))
                redacted = true
            }
        }
        return (data, redacted)
    }

    private static func scrub(_ value: Any, _ changed: inout Bool) -> Any {
        if let dict = value as? [String: Any] {
            var out: [String: Any] = [:]
            for (k, v) in dict {
                if isSecretName(k), !(v is [String: Any]), !(v is [Any]) {
                    out[k] = PlatformCall.removed
                    changed = true
                } else {
                    out[k] = scrub(v, &changed)
                }
            }
            return out
        }
        if let array = value as? [Any] { return array.map { scrub($0, &changed) } }
        return value
    }

    static func replacing(_ secrets: [String], in text: String) -> (String, Bool) {
        var text = text, found = false
        for s in secrets where !s.isEmpty {
            for form in Set([s, percentEncode(s)]) where text.contains(form) {
                text = text.replacingOccurrences(of: form, with: PlatformCall.removed)
                found = true
            }
        }
        return (text, found)
    }

    static func replace(_ needle: Data, in data: Data, with replacement: Data) -> Data {
        var out = Data()
        var from = data.startIndex
        while let r = data.range(of: needle, in: from..<data.endIndex) {
            out.append(data[from..<r.lowerBound])
            out.append(replacement)
            from = r.upperBound
        }
        out.append(data[from..<data.endIndex])
        return out
    }

    static func requestHeaders(_ headers: HTTPHeaders, secrets: [String]) -> ([PlatformCall.Header], Bool) {
        var redacted = false
        let kept = headers.map { name, value -> PlatformCall.Header in
            if isSecretName(name) {
                redacted = true
                return .init(name: name, value: PlatformCall.removed)
            }
            let (v, found) = replacing(secrets, in: value)
            if found { redacted = true }
            return .init(name: name, value: v)
        }
        return (kept, redacted)
    }

    static func responseHeaders(_ headers: HTTPHeaders, secrets: [String]) -> ([PlatformCall.Header], Bool) {
        var redacted = false
        var kept: [PlatformCall.Header] = []
        for (name, value) in headers where keptResponseHeaders.contains(name.lowercased()) {
            var (v, found) = name.lowercased() == "location" ? url(value, secrets: secrets) : replacing(secrets, in: value)
            if v.utf8.count > 2048 { v = String(v.prefix(2048)) }
            if found { redacted = true }
            kept.append(.init(name: name, value: v))
        }
        return (kept, redacted)
    }

    /// The call as it is kept: secrets out, each body cut at `PlatformCall.maxBodyBytes`.
    public static func call(
        method: String, url rawURL: String, headers: HTTPHeaders, body: Data, status: Int?, responseHeaders rawResponseHeaders: HTTPHeaders,
        responseBody: Data, startedAt: Date, finishedAt: Date, error: String?, secrets: [String]
    ) -> PlatformCall {
        let (url, r1) = url(rawURL, secrets: secrets)
        let (reqHeaders, r2) = requestHeaders(headers, secrets: secrets)
        let (reqBody, r3) = self.body(body, contentType: headers.first(name: "Content-Type"), secrets: secrets)
        let (resHeaders, r4) = responseHeaders(rawResponseHeaders, secrets: secrets)
        let (resBody, r5) = self.body(responseBody, contentType: rawResponseHeaders.first(name: "Content-Type"), secrets: secrets)
        // Copied out of the whole: a slice would keep a 512 MB video alive as long as the call is.
        let max = PlatformCall.maxBodyBytes
        let sha = r3 ? nil : SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        var err = error
        if let e = err { err = replacing(secrets, in: e).0 }
        return PlatformCall(
            method: method, url: url, requestHeaders: reqHeaders, requestBody: Data(reqBody.prefix(max)), requestBodyBytes: body.count,
            requestBodySHA256: sha, requestBodyCut: reqBody.count > max, status: status, responseHeaders: resHeaders,
            responseBody: Data(resBody.prefix(max)), responseBodyBytes: responseBody.count, responseBodyCut: resBody.count > max,
            startedAt: startedAt, finishedAt: finishedAt, error: err, redacted: r1 || r2 || r3 || r4 || r5)
    }
}
