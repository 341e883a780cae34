import Foundation

/// The confusable skeleton of UTS #39 §4: skeleton(X) = NFD(map each code point of NFD(X) by confusables.txt).
/// Two strings that look alike to a reader have the same skeleton (`"раypal"` with a Cyrillic р and а → `"paypal"`).
/// The data is Unicode's own confusables.txt (see ConfusablesData), parsed once on first use.
public enum ConfusableSkeleton {
    /// The version of confusables.txt that Koho carries.
    public static var dataVersion: String { ConfusablesData.version }

    /// Source code point → prototype. Parsed lazily and once (a static let is initialised on first access,
    /// thread-safely).
    static let table: [UInt32: [Unicode.Scalar]] = parse(ConfusablesData.mappings)

    /// The prototypes as the scorer's fold uses them: lower-cased, each code point with its canonical combining
    /// class, and whether any of them decomposes (then the fold leaves the text to Foundation's normaliser).
    static let foldedTable: [UInt32: (scalars: [UInt32], classes: [UInt8], decomposes: Bool)] = table.mapValues { prototype in
        let scalars = prototype.flatMap { ImpersonationFolding.lower($0) }
        let decomposes = scalars.contains { s in
            !s.isASCII && !String(s).decomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual([s])
        }
        return (scalars.map(\.value), scalars.map { UInt8($0.properties.canonicalCombiningClass.rawValue) }, decomposes)
    }

    /// The number of mappings loaded (for tests and the benchmark's sanity line).
    public static var mappingCount: Int { table.count }

    public static func skeleton(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in nfd(text).unicodeScalars {
            if let prototype = table[scalar.value] {
                out.append(contentsOf: prototype)
            } else {
                out.append(scalar)
            }
        }
        return nfd(String(out))
    }

    /// The prototype of one code point, or nil when confusables.txt does not map it.
    public static func prototype(of scalar: Unicode.Scalar) -> [Unicode.Scalar]? { table[scalar.value] }

    static func nfd(_ text: String) -> String {
        // ASCII has no decomposition: skip Foundation's normaliser for it (most handles).
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        return text.decomposedStringWithCanonicalMapping
    }

    static func parse(_ data: String) -> [UInt32: [Unicode.Scalar]] {
        var table: [UInt32: [Unicode.Scalar]] = [:]
        table.reserveCapacity(7_000)
        for line in data.utf8.split(separator: UInt8(ascii: "\n")) {
            var fields: [UInt32] = []
            var value: UInt32 = 0
            var inNumber = false
            for byte in line {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    value = value << 4 | UInt32(byte - UInt8(ascii: "0")); inNumber = true
                case UInt8(ascii: "A")...UInt8(ascii: "F"):
                    value = value << 4 | UInt32(byte - UInt8(ascii: "A") + 10); inNumber = true
                default:
                    if inNumber { fields.append(value) }
                    value = 0; inNumber = false
                }
            }
            if inNumber { fields.append(value) }
            guard fields.count >= 2 else { continue }
            let prototype = fields.dropFirst().compactMap(Unicode.Scalar.init)
            table[fields[0]] = prototype
        }
        return table
    }
}
