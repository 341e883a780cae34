/// The built-in policy: `Resources/kodaira-r5.yaml` (also reachable as `policies/kodaira-r5.yaml`), embedded in the
/// binary by the build, so that an edit of the file is the whole change.
enum BuiltInPolicy {
    static let fileName = "kodaira-r5.yaml（組み込み）"
    /// The file's text without its final newline, as it was stored before the build embedded it: a policy version
    /// already in a database stays the same version.
    static let kodairaR5: String = {
        let text = String(decoding: PackageResources.kodaira_r5_yaml, as: UTF8.self)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }()
}
