import AsyncHTTPClient
import Foundation
import KohoCore
import Logging
import NIOCore
import NIOHTTP1

/// A bearer token whose descriptions never show it, so that it cannot reach a log by accident.
public struct AccessToken: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "AccessToken(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: []) }
}

struct PlatformResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: Data

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            // The call was carried out but its answer is unreadable: treat like a lost answer.
            throw PlatformError.transient("unreadable \(T.self) answer (HTTP \(status))")
        }
    }
}

enum RequestBody: Sendable {
    case json(Data)
    case form([(String, String)])
    case bytes(Data, contentType: String)
}

/// The HTTP plumbing the three clients share: one call, its failures mapped to `PlatformError.transient`.
struct PlatformTransport: Sendable {
    let http: HTTPClient
    let baseURL: String
    let token: AccessToken
    let timeout: TimeAmount
    let logger: Logger

    init(http: HTTPClient, baseURL: String, token: AccessToken, timeout: TimeAmount, logger: Logger) {
        self.http = http
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.timeout = timeout
        self.logger = logger
    }

    /// A platform's JSON answer is kilobytes; a page of search results a few hundred.
    static let maxAnswerBytes = 16 << 20

    func url(_ path: String, _ query: [(String, String)] = []) -> String {
        baseURL + path + (query.isEmpty ? "" : "?" + formEncode(query))
    }

    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: RequestBody? = nil,
        headers extra: [(String, String)] = []
    ) async throws -> PlatformResponse {
        try await send(method, absoluteURL: url(path, query), body: body, headers: extra)
    }

    func send(
        _ method: HTTPMethod, absoluteURL: String, body: RequestBody? = nil, headers extra: [(String, String)] = []
    ) async throws -> PlatformResponse {
        var request = HTTPClientRequest(url: absoluteURL)
        request.method = method
        var sentBody = Data()
        request.headers.add(name: "Authorization", value: "Bearer \(token.value)")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Koho")
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        switch body {
        case .json(let data):
            request.headers.add(name: "Content-Type", value: "application/json; charset=UTF-8")
            request.body = .bytes(ByteBuffer(bytes: data))
            sentBody = data
        case .form(let fields):
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            sentBody = Data(formEncode(fields).utf8)
            request.body = .bytes(ByteBuffer(bytes: sentBody))
        case .bytes(let data, let contentType):
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: data))
            sentBody = data
        case nil:
            if method == .POST || method == .PUT { request.headers.add(name: "Content-Length", value: "0") }
        }
        // Only the method and path are logged: the query may carry ids but the token is only in a header.
        let pathForLog = absoluteURL.split(separator: "?", maxSplits: 1).first.map(String.init) ?? absoluteURL
        let recorder = PlatformCallRecorder.current, startedAt = Date(), headersSent = request.headers
        func keep(status: Int?, headers: HTTPHeaders, body: Data, error: String?) {
            guard let recorder else { return }
            recorder.add(PlatformCallRedaction.call(
                method: method.rawValue, url: absoluteURL, headers: headersSent, body: sentBody, status: status, responseHeaders: headers,
                responseBody: body, startedAt: startedAt, finishedAt: Date(), error: error, secrets: [token.value]))
        }
        do {
            // The whole call, body included, within the timeout: a platform (or a proxy) that dribbles its answer
            // would otherwise hold the publisher for ever.
            let limits = FetchLimits(headers: .nanoseconds(timeout.nanoseconds), whole: .nanoseconds(timeout.nanoseconds),
                                     maxBytes: Self.maxAnswerBytes)
            let response = try await BoundedFetch.fetch(request, limits: limits, using: http)
            let buffer = response.body
            let status = Int(response.status.code)
            logger.debug("platform call", metadata: ["method": "\(method.rawValue)", "url": "\(pathForLog)", "status": "\(status)"])
            let answer = PlatformResponse(status: status, headers: response.headers, body: Data(buffer.readableBytesView))
            keep(status: status, headers: answer.headers, body: answer.body, error: nil)
            return answer
        } catch let error as PlatformError {
            keep(status: nil, headers: [:], body: Data(), error: error.description)
            throw error
        } catch {
            keep(status: nil, headers: [:], body: Data(), error: "\(error)")
            logger.debug("platform call failed", metadata: ["method": "\(method.rawValue)", "url": "\(pathForLog)", "error": "\(error)"])
            throw PlatformError.transient("\(method.rawValue) \(pathForLog): \(error)")
        }
    }
}

private let unreserved: CharacterSet = {
    var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
    set.insert(charactersIn: "-._~")
    return set
}()

public func percentEncode(_ string: String) -> String {
    string.addingPercentEncoding(withAllowedCharacters: unreserved) ?? string
}

func formEncode(_ fields: [(String, String)]) -> String {
    fields.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
}

func jsonData(_ object: [String: Any?]) -> Data {
    let cleaned = object.compactMapValues { $0 }
    return (try? JSONSerialization.data(withJSONObject: cleaned, options: [.sortedKeys])) ?? Data("{}".utf8)
}

extension HTTPHeaders {
    /// `Retry-After` as seconds or an HTTP date, as a moment (see `plausibleReset`).
    func retryAfter(now: Date = Date()) -> Date? {
        guard let value = first(name: "Retry-After")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(value) {
            guard seconds.isFinite, seconds >= 0 else { return nil }
            return now.addingTimeInterval(Swift.min(seconds, maxResetWait))
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).flatMap { plausibleReset($0, now: now) }
    }
}

/// The longest a platform's "try again at" is believed: its windows are minutes (X) or hours (Meta, Google's daily quota).
let maxResetWait: TimeInterval = 86_400

/// A platform's reset moment as one Koho can schedule and show: none when not a finite time, at most `maxResetWait`
/// ahead. A header of `1e300` would otherwise overflow the date arithmetic of the retry and of the page showing it.
func plausibleReset(_ at: Date, now: Date) -> Date? {
    let t = at.timeIntervalSince1970
    guard t.isFinite else { return nil }
    return Swift.min(at, now.addingTimeInterval(maxResetWait))
}
