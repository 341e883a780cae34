import Foundation
import KohoSandbox

/// The platforms' own descriptions of their APIs as the sandbox's contract: each call Koho makes is held against
/// X's OpenAPI document, YouTube's discovery document (both in `../shared/platform-specs/`) and the Graph API
/// parameters named in that folder's README (from Meta's `facebook_business` 26.0.3), and each X answer against
/// X's response schemas. A call the platform would refuse is a problem.
public struct PlatformContract: Sendable {
    public let specsDirectory: URL
    let x: JSONValue
    let youtube: JSONValue
    let xSchemas: SchemaValidator
    let youtubeSchemas: SchemaValidator

    public struct MissingSpecs: Error, CustomStringConvertible {
        public let description: String
    }

    /// `../shared/platform-specs` beside the package (as CI clones it), or `KOHO_PLATFORM_SPECS`.
    public static var defaultDirectory: URL {
        if let given = ProcessInfo.processInfo.environment["KOHO_PLATFORM_SPECS"], !given.isEmpty {
            return URL(fileURLWithPath: given)
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/platform-specs")
    }

    public static let xFile = "x-api-v2-openapi.json"
    public static let youtubeFile = "youtube-data-api-v3-discovery.json"

    /// Throws (never skips) when the descriptions are not there: without them the contract checks nothing.
    public static func load(from directory: URL = defaultDirectory) throws -> PlatformContract {
        func read(_ name: String) throws -> JSONValue {
            let file = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: file.path) else {
                throw MissingSpecs(description: "プラットフォームの API 記述が見つかりません: \(file.path)（CI はリポジトリの隣に ../shared を置きます。KOHO_PLATFORM_SPECS でフォルダを指定できます）")
            }
            do { return try JSONValue.parse(data) } catch {
                throw MissingSpecs(description: "プラットフォームの API 記述を JSON として読めません: \(file.path): \(error)")
            }
        }
        let x = try read(xFile), youtube = try read(youtubeFile)
        return PlatformContract(specsDirectory: directory, x: x, youtube: youtube,
                                xSchemas: SchemaValidator(document: x, dialect: .openAPI),
                                youtubeSchemas: SchemaValidator(document: youtube, dialect: .discovery))
    }

    private static let loaded = Result { try load() }

    /// The default folder's descriptions, read once per test process (the X document is 800 KB).
    public static func shared() throws -> PlatformContract { try loaded.get() }

    /// Every problem of every call, each line starting with the call.
    public func problems(_ calls: [SandboxCall]) -> [String] {
        calls.flatMap { call in problems(call).map { "\(call.summary): \($0)" } }
    }

    public enum Target: String, Sendable { case x, youtube, facebook, oauth, control }

    public static func target(of path: String) -> Target? {
        if path.hasPrefix("/_sandbox") || path == "/i/oauth2/authorize" || path == "/o/oauth2/v2/auth" { return .control }
        if path == "/2/oauth2/token" || path == "/token" { return .oauth }
        if path.hasPrefix("/2/") { return .x }
        if path.hasPrefix("/youtube/v3/") || path.hasPrefix("/upload/youtube/v3/") || path.hasPrefix("/resumable/upload/youtube/v3/") {
            return .youtube
        }
        if path.range(of: #"^/v\d+\.\d+/"#, options: .regularExpression) != nil { return .facebook }
        return nil
    }

    public func problems(_ call: SandboxCall) -> [String] {
        switch Self.target(of: call.path) {
        case .control: return []
        case .oauth: return oauthProblems(call)
        case .x: return xProblems(call)
        case .youtube: return youtubeProblems(call)
        case .facebook: return GraphContract.problems(call)
        case nil: return ["no platform has the path \(call.path)"]
        }
    }

    // MARK: X (OpenAPI 3)

    func xOperation(_ method: String, _ path: String) -> (template: String, operation: JSONValue, pathItem: JSONValue)? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var best: (String, JSONValue, JSONValue, Int)?
        for (template, item) in x["paths"]?.object ?? [:] {
            let parts = template.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == segments.count else { continue }
            var literal = 0, matches = true
            for (p, s) in zip(parts, segments) {
                if p.hasPrefix("{") && p.hasSuffix("}") { if s.isEmpty { matches = false; break } }
                else if p == s { literal += 1 } else { matches = false; break }
            }
            guard matches, let op = item[method.lowercased()] else { continue }
            if best == nil || literal > best!.3 { best = (template, op, item, literal) }
        }
        return best.map { ($0.0, $0.1, $0.2) }
    }

    func xProblems(_ call: SandboxCall) -> [String] {
        guard let (template, op, item) = xOperation(call.method, call.path) else {
            return ["X has no operation \(call.method) \(call.path)"]
        }
        var out: [String] = []
        let parameters = ((item["parameters"]?.array ?? []) + (op["parameters"]?.array ?? [])).map(xSchemas.resolve)
        let query = QueryString.parse(call.query)
        // Path parameters.
        let templateParts = template.split(separator: "/", omittingEmptySubsequences: false)
        let pathParts = call.path.split(separator: "/", omittingEmptySubsequences: false)
        for (t, v) in zip(templateParts, pathParts) where t.hasPrefix("{") {
            let name = String(t.dropFirst().dropLast())
            if let p = parameters.first(where: { $0["in"]?.string == "path" && $0["name"]?.string == name }), let schema = p["schema"] {
                out += xSchemas.problems(Self.parameterValue(String(v), schema: xSchemas.resolve(schema), explode: true),
                                         against: schema, at: "path {\(name)}")
            }
        }
        // Query parameters: required present, none unknown, each value valid.
        let declared = parameters.filter { $0["in"]?.string == "query" }
        for p in declared where p["required"]?.bool == true {
            if let name = p["name"]?.string, query[name] == nil { out.append("required query parameter \(name) is missing") }
        }
        for (name, values) in query.fields {
            guard let p = declared.first(where: { $0["name"]?.string == name }) else {
                out.append("unknown query parameter \(name)")
                continue
            }
            if values.count > 1 { out.append("query parameter \(name) given \(values.count) times") }
            guard let schema = p["schema"] else { continue }
            let explode = p["explode"]?.bool ?? true
            out += xSchemas.problems(Self.parameterValue(values[0], schema: xSchemas.resolve(schema), explode: explode),
                                     against: schema, at: "query \(name)")
        }
        // The body.
        let body = op["requestBody"]
        if let body {
            let content = body["content"]?.object ?? [:]
            let type = Self.mediaType(call.requestHeader("Content-Type"))
            if call.requestBody.isEmpty {
                if body["required"]?.bool == true { out.append("the request body is required (\(content.keys.sorted().joined(separator: ", ")))") }
            } else if let media = content[type] {
                if type.hasSuffix("json"), let schema = media["schema"] {
                    if let json = try? JSONValue.parse(call.requestBody) {
                        out += xSchemas.problems(json, against: schema, at: "body $")
                    } else {
                        out.append("the request body is not JSON")
                    }
                }
            } else {
                out.append("X does not take a \(type) body here (\(content.keys.sorted().joined(separator: ", ")))")
            }
        } else if !call.requestBody.isEmpty {
            out.append("X takes no request body for \(call.method) \(template)")
        }
        out += xAnswerProblems(call, op)
        return out
    }

    func xAnswerProblems(_ call: SandboxCall, _ op: JSONValue) -> [String] {
        guard let response = op["responses"]?[String(call.status)] ?? op["responses"]?["default"] else {
            return ["X documents no answer \(call.status) here"]
        }
        guard let content = response["content"]?.object, !content.isEmpty else { return [] }
        let type = Self.mediaType(call.responseHeader("Content-Type"))
        guard let media = content[type] else {
            return ["X answers \(call.status) as \(content.keys.sorted().joined(separator: " or ")), the sandbox as \(type)"]
        }
        guard let schema = media["schema"] else { return [] }
        guard let json = try? JSONValue.parse(call.responseBody) else { return ["the answer is not JSON"] }
        return xSchemas.problems(json, against: schema, at: "answer $")
    }

    /// A query or path value as the JSON its schema describes (form style: `explode: false` arrays are comma-separated).
    static func parameterValue(_ raw: String, schema: JSONValue, explode: Bool) -> JSONValue {
        switch schema["type"]?.string {
        case "integer": return Int64(raw).map(JSONValue.int) ?? .string(raw)
        case "number": return Double(raw).map(JSONValue.double) ?? .string(raw)
        case "boolean": return raw == "true" ? .bool(true) : raw == "false" ? .bool(false) : .string(raw)
        case "array":
            let items = explode ? [raw] : raw.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let itemSchema = schema["items"] ?? .object([:])
            return .array(items.map { parameterValue($0, schema: itemSchema, explode: true) })
        default: return .string(raw)
        }
    }

    static func mediaType(_ header: String?) -> String {
        (header ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    // MARK: YouTube (discovery document)

    struct GoogleMethod {
        var id: String
        var method: JSONValue
        /// Reached through one of the method's media upload paths.
        var upload: Bool
    }

    func youtubeMethod(_ httpMethod: String, _ path: String) -> GoogleMethod? {
        var found: GoogleMethod?
        func visit(_ resources: [String: JSONValue]) {
            for (_, resource) in resources {
                for (_, m) in resource["methods"]?.object ?? [:] {
                    let id = m["id"]?.string ?? ""
                    let mediaPaths = (m["mediaUpload"]?["protocols"]?.object ?? [:]).values.compactMap { $0["path"]?.string }
                    // A resumable session continues with PUT on the upload path (Google's resumable upload protocol).
                    if mediaPaths.contains(path), httpMethod == m["httpMethod"]?.string || (httpMethod == "PUT" && m["httpMethod"]?.string == "POST") {
                        found = GoogleMethod(id: id, method: m, upload: true)
                    }
                    guard m["httpMethod"]?.string == httpMethod, let template = m["path"]?.string else { continue }
                    if Self.templateMatches("/" + template, path) { found = found ?? GoogleMethod(id: id, method: m, upload: false) }
                }
                if let nested = resource["resources"]?.object { visit(nested) }
            }
        }
        visit(youtube["resources"]?.object ?? [:])
        return found
    }

    static func templateMatches(_ template: String, _ path: String) -> Bool {
        let t = template.split(separator: "/"), p = path.split(separator: "/")
        guard t.count == p.count else { return false }
        return zip(t, p).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }

    func youtubeProblems(_ call: SandboxCall) -> [String] {
        guard let found = youtubeMethod(call.method, call.path) else {
            return ["YouTube has no method \(call.method) \(call.path)"]
        }
        var out: [String] = []
        let m = found.method
        let query = QueryString.parse(call.query)
        let own = m["parameters"]?.object ?? [:]
        let global = youtube["parameters"]?.object ?? [:]
        let session = found.upload && call.method == "PUT"
        if !session {
            for (name, p) in own where p["required"]?.bool == true && p["location"]?.string == "query" && query[name] == nil {
                out.append("required parameter \(name) is missing (\(found.id))")
            }
        }
        for (name, values) in query.fields {
            if session && name == "upload_id" { continue }
            guard let p = own[name] ?? global[name] else {
                out.append("unknown parameter \(name) for \(found.id)")
                continue
            }
            if values.count > 1 && p["repeated"]?.bool != true { out.append("parameter \(name) given \(values.count) times") }
            for value in values {
                let items = p["repeated"]?.bool == true ? value.split(separator: ",").map(String.init) : [value]
                for item in items { out += Self.googleParameterProblems(name, item, p) }
            }
        }
        if found.upload {
            if call.method == "POST" {
                guard let uploadType = query["uploadType"] else { return out + ["an upload needs uploadType"] }
                if !["media", "multipart", "resumable"].contains(uploadType) { out.append("uploadType \(uploadType) is not media, multipart or resumable") }
                if uploadType == "resumable" {
                    let accepted = m["mediaUpload"]?["accept"]?.array?.compactMap(\.string) ?? []
                    let type = call.requestHeader("X-Upload-Content-Type") ?? ""
                    if !accepted.contains(where: { Self.mimeMatches(type, $0) }) {
                        out.append("X-Upload-Content-Type \"\(type)\" is not one of \(accepted.joined(separator: ", "))")
                    }
                    if let length = call.requestHeader("X-Upload-Content-Length"), Int(length) == nil {
                        out.append("X-Upload-Content-Length \"\(length)\" is not a number")
                    }
                }
            } else {
                if query["upload_id"] == nil { out.append("a resumable session's PUT needs its upload_id") }
                if let range = call.requestHeader("Content-Range"),
                   range.range(of: #"^bytes (\*|\d+-\d+)/(\d+|\*)$"#, options: .regularExpression) == nil {
                    out.append("Content-Range \"\(range)\" is not bytes a-b/total or bytes */total")
                }
                return out
            }
        }
        // The JSON body, against the method's request schema.
        if !call.requestBody.isEmpty {
            if let request = m["request"] {
                if let json = try? JSONValue.parse(call.requestBody) {
                    out += youtubeSchemas.problems(json, against: request, at: "body $")
                } else {
                    out.append("the request body is not JSON")
                }
            } else {
                out.append("\(found.id) takes no request body")
            }
        }
        // The answer, against the method's response schema.
        if (200..<300).contains(call.status), let response = m["response"], !call.responseBody.isEmpty {
            if let json = try? JSONValue.parse(call.responseBody) {
                out += youtubeSchemas.problems(json, against: response, at: "answer $")
            } else {
                out.append("the answer is not JSON")
            }
        }
        return out
    }

    static func googleParameterProblems(_ name: String, _ value: String, _ p: JSONValue) -> [String] {
        var out: [String] = []
        if let options = p["enum"]?.array?.compactMap(\.string), !options.contains(value) {
            out.append("parameter \(name)=\(value) is not one of \(options.joined(separator: ", "))")
        }
        switch p["type"]?.string {
        case "integer":
            guard let n = Int64(value) else { out.append("parameter \(name)=\(value) is not an integer"); break }
            if let min = p["minimum"]?.number, Double(n) < min { out.append("parameter \(name)=\(value) is less than \(Int(min))") }
            if let max = p["maximum"]?.number, Double(n) > max { out.append("parameter \(name)=\(value) is more than \(Int(max))") }
        case "boolean":
            if value != "true" && value != "false" { out.append("parameter \(name)=\(value) is not true or false") }
        default: break
        }
        return out
    }

    static func mimeMatches(_ type: String, _ pattern: String) -> Bool {
        let t = mediaType(type)
        if pattern.hasSuffix("/*") { return t.hasPrefix(String(pattern.dropLast(1))) && t.count > pattern.count - 1 }
        return t == pattern
    }

    // MARK: OAuth token endpoints

    func oauthProblems(_ call: SandboxCall) -> [String] {
        var out: [String] = []
        if call.method != "POST" { out.append("a token endpoint takes POST") }
        if call.path == "/2/oauth2/token" {
            let declared = x["components"]?["securitySchemes"]?["OAuth2UserToken"]?["flows"]?["authorizationCode"]?["tokenUrl"]?.string
            if let declared, URL(string: declared)?.path != call.path { out.append("X's token URL is \(declared)") }
        }
        guard Self.mediaType(call.requestHeader("Content-Type")) == "application/x-www-form-urlencoded" else {
            return out + ["a token request is a form (application/x-www-form-urlencoded)"]
        }
        let form = QueryString.parse(String(decoding: call.requestBody, as: UTF8.self))
        let needed: [String]
        switch form["grant_type"] {
        case "authorization_code": needed = ["code", "redirect_uri", "code_verifier", "client_id"]
        case "refresh_token": needed = ["refresh_token", "client_id"]
        default: return out + ["grant_type \(form["grant_type"] ?? "(none)") is not authorization_code or refresh_token"]
        }
        for name in needed where form[name] == nil { out.append("the token request has no \(name)") }
        return out
    }
}

/// A query string or form body, decoded (`+` as a space, as forms write it).
public struct QueryString: Sendable {
    public var fields: [(String, [String])] = []

    public subscript(name: String) -> String? { fields.first { $0.0 == name }?.1.first }

    public static func parse(_ raw: String?) -> QueryString {
        var result = QueryString()
        for pair in (raw ?? "").split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            let name = decode(parts[0]), value = parts.count > 1 ? decode(parts[1]) : ""
            if let i = result.fields.firstIndex(where: { $0.0 == name }) { result.fields[i].1.append(value) }
            else { result.fields.append((name, [value])) }
        }
        return result
    }
}
