import Foundation
import Yams

/// Reads a composed YAML tree field by field, so that every error names the file, line and field path.
/// Unknown keys are refused: a misspelt rule must not be silently dropped from the policy.
struct YAMLFields {
    let file: String
    let node: Node
    let path: String

    var line: Int? { node.mark?.line }

    func error(_ message: String, field: String? = nil, at node: Node? = nil) -> PolicyFileError {
        PolicyFileError(file: file, line: (node ?? self.node).mark?.line, field: field ?? path, message: message)
    }

    private func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func mapping() throws -> Node.Mapping {
        guard case .mapping(let m) = node else { throw error("マッピング（キー: 値）が必要です") }
        return m
    }

    /// Fails on any key not in `allowed`.
    func checkKeys(_ allowed: Set<String>) throws {
        for (key, _) in try mapping() {
            guard let name = key.string, allowed.contains(name) else {
                throw error("不明な項目です（使える項目: \(allowed.sorted().joined(separator: ", "))）", field: child(key.string ?? "?"), at: key)
            }
        }
    }

    func optional(_ key: String) throws -> YAMLFields? {
        guard let value = try mapping()[key] else { return nil }
        if case .scalar(let s) = value, s.tag == .implicit, ["", "~", "null"].contains(s.string), s.style == .plain {
            return nil
        }
        return YAMLFields(file: file, node: value, path: child(key))
    }

    func required(_ key: String) throws -> YAMLFields {
        guard let f = try optional(key) else { throw error("必須の項目がありません", field: child(key)) }
        return f
    }

    func string() throws -> String {
        guard case .scalar(let s) = node else { throw error("文字列が必要です") }
        return s.string
    }

    func nonEmptyString() throws -> String {
        let s = try string().trimmingCharacters(in: .whitespacesAndNewlines)
        guard !s.isEmpty else { throw error("空にはできません") }
        return s
    }

    func bool() throws -> Bool {
        guard case .scalar(let s) = node, let b = Bool.construct(from: s) else { throw error("true または false が必要です") }
        return b
    }

    func int() throws -> Int {
        guard case .scalar(let s) = node, let i = Int(s.string) else { throw error("整数が必要です") }
        return i
    }

    func sequence() throws -> [YAMLFields] {
        guard case .sequence(let seq) = node else { throw error("リストが必要です") }
        return seq.enumerated().map { YAMLFields(file: file, node: $0.element, path: "\(path)[\($0.offset)]") }
    }

    func strings() throws -> [String] { try sequence().map { try $0.nonEmptyString() } }

    func string(_ key: String) throws -> String { try required(key).nonEmptyString() }
    func optionalString(_ key: String) throws -> String? { try optional(key)?.nonEmptyString() }
    func bool(_ key: String, default value: Bool) throws -> Bool { try optional(key)?.bool() ?? value }
    func strings(_ key: String) throws -> [String] { try optional(key)?.strings() ?? [] }

    func value<T: RawRepresentable>(_ key: String, as: T.Type) throws -> T where T.RawValue == String {
        let f = try required(key)
        let raw = try f.nonEmptyString()
        guard let v = T(rawValue: raw) else { throw f.error("値「\(raw)」は使えません") }
        return v
    }

    static func parse(yaml: String, file: String) throws -> YAMLFields {
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw PolicyFileError(file: file, line: nil, field: "", message: "ファイルが空です")
            }
            return YAMLFields(file: file, node: node, path: "")
        } catch let e as PolicyFileError {
            throw e
        } catch let e as YamlError {
            throw PolicyFileError(file: file, line: e.line(in: yaml), field: "", message: "YAMLとして読めません: \(e.problem)")
        } catch {
            throw PolicyFileError(file: file, line: nil, field: "", message: "YAMLとして読めません: \(String(describing: error).prefix(200))")
        }
    }
}

extension YamlError {
    func line(in yaml: String) -> Int? {
        switch self {
        case .reader(_, let offset?, _, _):
            // libyaml counts bytes of the UTF-8 text.
            return yaml.utf8.prefix(offset).reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        case .duplicatedKeysInMapping(_, let context): return context.mark.line
        default: return nil
        }
    }

    var problem: String {
        switch self {
        case .scanner(_, let p, _, _), .parser(_, let p, _, _), .composer(_, let p, _, _): return p
        case .reader(let p, _, let value, _):
            return value >= 0 ? "\(p)（文字 U+\(String(value, radix: 16, uppercase: true))）" : p
        case .duplicatedKeysInMapping(let d, _): return "同じキーが重複しています: \(d.joined(separator: ", "))"
        default: return String(describing: self)
        }
    }
}
