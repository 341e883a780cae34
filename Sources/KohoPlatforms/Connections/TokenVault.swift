import Crypto
import Foundation

/// Seals platform tokens for storage with AES-GCM. The key comes from `KOHO_SECRET_KEY`
/// (32 bytes, base64) or from a key file that Koho creates readable by its owner alone.
public struct TokenVault: Sendable {
    public static let environmentVariable = "KOHO_SECRET_KEY"
    private static let prefix = "v1:"
    private let keyBytes: Data
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public init(key: SymmetricKey) {
        keyBytes = key.withUnsafeBytes { Data($0) }
    }

    /// The key from the environment if set, else from `keyFile` (created with mode 0600 on first use).
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment, keyFile: URL) throws -> TokenVault {
        if let encoded = environment[environmentVariable], !encoded.isEmpty {
            guard let data = Data(base64Encoded: encoded), data.count == 32 else {
                throw TokenVaultError.badKey("\(environmentVariable) は 32 バイトの鍵を base64 で書いたものでなければなりません")
            }
            return TokenVault(key: SymmetricKey(data: data))
        }
        return TokenVault(key: SymmetricKey(data: try readOrCreateKeyFile(keyFile)))
    }

    private static func readOrCreateKeyFile(_ url: URL) throws -> Data {
        let path = url.path
        if FileManager.default.fileExists(atPath: path) {
            let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? 0
            guard mode & 0o077 == 0 else {
                throw TokenVaultError.badKey("\(path) はほかの利用者も読めます（chmod 600 にしてください）")
            }
            guard let encoded = FileManager.default.contents(atPath: path),
                  let data = Data(base64Encoded: String(decoding: encoded, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
                  data.count == 32 else {
                throw TokenVaultError.badKey("\(path) の鍵が読めません")
            }
            return data
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let data = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        // Created with O_EXCL and 0600 so that the key is never readable by others, not even for a moment.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw TokenVaultError.badKey("\(path) を作れません（errno \(errno)）") }
        defer { close(fd) }
        let text = Array((data.base64EncodedString() + "\n").utf8)
        guard write(fd, text, text.count) == text.count else { throw TokenVaultError.badKey("\(path) に書けません") }
        return data
    }

    /// Writes `key` (32 bytes) beside the key file as `secret.key.new`, mode 0600, synced: staged before the
    /// secrets are sealed again, so that the new key is on disk whatever happens next.
    public static func stageKeyFile(_ url: URL, with key: Data) throws -> URL {
        guard key.count == 32 else { throw TokenVaultError.badKey("鍵は32バイトです") }
        let staged = URL(fileURLWithPath: url.path + ".new")
        unlink(staged.path)
        let fd = open(staged.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw TokenVaultError.badKey("\(staged.path) を作れません（errno \(errno)）") }
        let text = Array((key.base64EncodedString() + "\n").utf8)
        let written = write(fd, text, text.count)
        fsync(fd)
        close(fd)
        guard written == text.count else {
            unlink(staged.path)
            throw TokenVaultError.badKey("\(staged.path) に書けません")
        }
        return staged
    }

    /// Puts a staged key in the key file's place in one rename.
    public static func commitKeyFile(_ staged: URL, to url: URL) throws {
        guard rename(staged.path, url.path) == 0 else {
            throw TokenVaultError.badKey("\(staged.path) を \(url.path) にできません（errno \(errno)）。手で置き換えてください")
        }
    }

    /// `context` (the account id) is bound into the seal, so that a token cannot be moved to another account's row.
    public func seal(_ secret: String, context: String) throws -> String {
        let box = try AES.GCM.seal(Data(secret.utf8), using: key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw TokenVaultError.cannotOpen }
        return Self.prefix + combined.base64EncodedString()
    }

    public func unseal(_ sealed: String, context: String) throws -> String {
        guard sealed.hasPrefix(Self.prefix), let data = Data(base64Encoded: String(sealed.dropFirst(Self.prefix.count))) else {
            throw TokenVaultError.cannotOpen
        }
        do {
            let box = try AES.GCM.SealedBox(combined: data)
            return String(decoding: try AES.GCM.open(box, using: key, authenticating: Data(context.utf8)), as: UTF8.self)
        } catch {
            throw TokenVaultError.cannotOpen
        }
    }
}

public enum TokenVaultError: Error, CustomStringConvertible, Equatable {
    case badKey(String)
    case cannotOpen

    public var description: String {
        switch self {
        case .badKey(let why): return "秘密鍵: \(why)"
        case .cannotOpen: return "保存されたトークンを復号できません（鍵が違うか、データが壊れています）"
        }
    }
}
