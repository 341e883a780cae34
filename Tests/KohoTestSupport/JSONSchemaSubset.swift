import Foundation

/// A JSON document as a value: what the contract checker walks (the API descriptions and each call's JSON).
public indirect enum JSONValue: Equatable, Sendable, Decodable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let i = try? c.decode(Int64.self) { self = .int(i); return }
        if let d = try? c.decode(Double.self) { self = .double(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        self = .object(try c.decode([String: JSONValue].self))
    }

    public static func parse(_ data: Data) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: data) }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var object: [String: JSONValue]? { if case .object(let o) = self { return o }; return nil }
    public var array: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }

    /// Numbers as the descriptions write them: JSON numbers, or strings (Google's `"maximum": "100"`).
    public var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .string(let s): return Double(s)
        default: return nil
        }
    }

    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    var brief: String {
        switch self {
        case .string(let s): return "\"\(s.prefix(60))\""
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return String(b)
        case .null: return "null"
        case .array(let a): return "[\(a.count) items]"
        case .object(let o): return "{\(o.keys.sorted().prefix(6).joined(separator: ","))}"
        }
    }
}

/// The part of JSON Schema the platforms' descriptions use: OpenAPI 3.0 (X) with `#/…` references, or Google's
/// discovery dialect (YouTube) with references by schema id, `int64` written as strings and closed objects.
public struct SchemaValidator: Sendable {
    public enum Dialect: Sendable { case openAPI, discovery }

    let document: JSONValue
    let dialect: Dialect

    public init(document: JSONValue, dialect: Dialect) {
        self.document = document
        self.dialect = dialect
    }

    /// The problems of `value` against `schema`, each naming where (`$.data.id`) and why.
    public func problems(_ value: JSONValue, against schema: JSONValue, at path: String = "$") -> [String] {
        var out: [String] = []
        validate(value, schema, path, &out, depth: 0)
        return out
    }

    public func resolve(_ schema: JSONValue) -> JSONValue {
        var current = schema
        for _ in 0..<32 {
            guard let ref = current["$ref"]?.string else { return current }
            guard let target = lookup(ref) else { return .object([:]) }
            current = target
        }
        return current
    }

    func lookup(_ ref: String) -> JSONValue? {
        switch dialect {
        case .discovery:
            return document["schemas"]?[ref]
        case .openAPI:
            guard ref.hasPrefix("#/") else { return nil }
            var node: JSONValue? = document
            for part in ref.dropFirst(2).split(separator: "/") {
                let key = String(part).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                node = node?[key]
            }
            return node
        }
    }

    private func validate(_ value: JSONValue, _ rawSchema: JSONValue, _ path: String, _ out: inout [String], depth: Int) {
        guard depth < 64 else { return }
        let schema = resolve(rawSchema)
        if value == .null, schema["nullable"]?.bool == true { return }

        if let all = schema["allOf"]?.array {
            for s in all { validate(value, s, path, &out, depth: depth + 1) }
        }
        if let any = schema["anyOf"]?.array {
            if !any.contains(where: { problems(value, against: $0, at: path).isEmpty }) {
                out.append("\(path): \(value.brief) matches none of anyOf")
            }
        }
        if let one = schema["oneOf"]?.array {
            if let property = schema["discriminator"]?["propertyName"]?.string, let tag = value[property]?.string,
               let target = schema["discriminator"]?["mapping"]?[tag]?.string {
                validate(value, .object(["$ref": .string(target)]), path, &out, depth: depth + 1)
            } else {
                let results = one.map { problems(value, against: $0, at: path) }
                if !results.contains(where: \.isEmpty) {
                    let first = results.min { $0.count < $1.count } ?? []
                    out.append("\(path): \(value.brief) matches none of oneOf (nearest: \(first.prefix(3).joined(separator: "; ")))")
                }
            }
        }

        if let type = schema["type"]?.string, !typeMatches(value, type, format: schema["format"]?.string) {
            out.append("\(path): expected \(type), got \(value.kind) \(value.brief)")
            return
        }
        if let options = schema["enum"]?.array, !options.contains(where: { enumEqual($0, value) }) {
            out.append("\(path): \(value.brief) is not one of \(options.map(\.brief).joined(separator: ", "))")
        }

        switch value {
        case .string(let s):
            if let pattern = schema["pattern"]?.string,
               s.range(of: pattern, options: .regularExpression) == nil {
                out.append("\(path): \(value.brief) does not match \(pattern)")
            }
            let length = s.unicodeScalars.count
            if let min = schema["minLength"]?.number, Double(length) < min { out.append("\(path): shorter than \(Int(min))") }
            if let max = schema["maxLength"]?.number, Double(length) > max { out.append("\(path): longer than \(Int(max))") }
            if schema["format"]?.string == "date-time", !Self.isDateTime(s) {
                out.append("\(path): \(value.brief) is not an RFC 3339 date-time")
            }
            if dialect == .discovery, schema["type"]?.string == "integer" || schema["type"]?.string == "number" {
                checkRange(Double(s), schema, path, &out)
            }
        case .int, .double:
            checkRange(value.number, schema, path, &out)
        case .array(let items):
            if let min = schema["minItems"]?.number, Double(items.count) < min { out.append("\(path): fewer than \(Int(min)) items") }
            if let max = schema["maxItems"]?.number, Double(items.count) > max { out.append("\(path): more than \(Int(max)) items") }
            if schema["uniqueItems"]?.bool == true, Set(items.map(\.brief)).count < items.count, items.allSatisfy({ $0.string != nil }) {
                out.append("\(path): items are not unique")
            }
            if let itemSchema = schema["items"] {
                for (i, item) in items.enumerated() { validate(item, itemSchema, "\(path)[\(i)]", &out, depth: depth + 1) }
            }
        case .object(let members):
            for name in schema["required"]?.array?.compactMap(\.string) ?? [] where members[name] == nil {
                out.append("\(path): required property \"\(name)\" is missing")
            }
            let properties = schema["properties"]?.object ?? [:]
            let additional = schema["additionalProperties"]
            // Discovery objects list every property they have; OpenAPI's are open unless they say otherwise.
            let closed = additional == .bool(false) || (dialect == .discovery && additional == nil && schema["properties"] != nil)
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let p = properties[name] {
                    validate(member, p, "\(path).\(name)", &out, depth: depth + 1)
                } else if let additional, additional.object != nil {
                    validate(member, additional, "\(path).\(name)", &out, depth: depth + 1)
                } else if closed {
                    out.append("\(path): unknown property \"\(name)\"")
                }
            }
        default:
            break
        }
    }

    private func checkRange(_ number: Double?, _ schema: JSONValue, _ path: String, _ out: inout [String]) {
        guard let number else { return }
        if let min = schema["minimum"]?.number, number < min { out.append("\(path): \(number) is less than \(min)") }
        if let max = schema["maximum"]?.number, number > max { out.append("\(path): \(number) is more than \(max)") }
    }

    private func typeMatches(_ value: JSONValue, _ type: String, format: String?) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("array", .array), ("object", .object), ("any", _): return true
        case ("integer", .int): return true
        case ("integer", .double(let d)): return d.rounded() == d
        case ("number", .int), ("number", .double): return true
        // Google writes 64-bit integers as JSON strings.
        case ("integer", .string(let s)), ("number", .string(let s)):
            return dialect == .discovery && (format == "int64" || format == "uint64" || format == "double") && Double(s) != nil
        default: return false
        }
    }

    private func enumEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if a == b { return true }
        if let x = a.number, let y = b.number, a.string == nil, b.string == nil { return x == y }
        return false
    }

    static func isDateTime(_ s: String) -> Bool {
        s.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#, options: .regularExpression) != nil
    }
}
