import Foundation

/// The areas whose agency messages concern the city: its municipality code (小平市 `1321100`), its earthquake
/// region (`東京都多摩東部`, code `351`) and, for a city on the coast, its tsunami forecast regions.
public struct JMAArea: Sendable, Equatable {
    public var municipality: String
    public var earthquakeRegion: String?
    public var earthquakeRegionCode: String?
    /// Names or codes of tsunami forecast regions (津波予報区); empty for an inland city.
    public var tsunamiRegions: [String]

    public init(municipality: String, earthquakeRegion: String? = nil, earthquakeRegionCode: String? = nil,
                tsunamiRegions: [String] = []) {
        self.municipality = municipality
        self.earthquakeRegion = earthquakeRegion
        self.earthquakeRegionCode = earthquakeRegionCode
        self.tsunamiRegions = tsunamiRegions
    }
}

public struct JMAWarning: Sendable, Equatable, Codable {
    /// As the message names it: `大雨警報`, `レベル４大雨危険警報`, `津波警報`.
    public var name: String
    /// As the message gives it: `発表`, `継続`, `解除`, `特別警報から警報`…
    public var status: String
    /// The warning level of the agency's levelled warnings (since 2026-05-29, 「気象警報・注意報（Ｒ０６）」): 5 特別警報,
    /// 4 危険警報, 3 警報, 2 注意報; nil for the hazards without one (波浪, 強風, …) and for the older messages.
    public var level: Int?

    public init(name: String, status: String) {
        self.name = name
        self.status = status
        level = Self.level(name: name)
    }

    private enum CodingKeys: String, CodingKey { case name, status, level }

    /// `level` is always written, `null` for a hazard without one, so that a reader need not guess what a missing key means.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(status, forKey: .status)
        try c.encode(level, forKey: .level)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), status: try c.decode(String.self, forKey: .status))
    }

    /// The level as the levelled messages name it: the `レベルN` at the head of the kind's name (`レベル４大雨危険警報`),
    /// full- or half-width. The name is what every R06 message carries whatever its code table; a name without it
    /// (a hazard without levels, an older message) has none.
    public static func level(name: String) -> Int? {
        guard let r = name.range(of: "レベル"), let u = name[r.upperBound...].unicodeScalars.first else { return nil }
        switch u.value {
        case 0x32...0x35: return Int(u.value - 0x30)
        case 0xFF12...0xFF15: return Int(u.value - 0xFF10)
        default: return nil
        }
    }

    /// A 警報 or 特別警報 (any level, the 2026 危険警報 included), not a 注意報 or a forecast, and not lifted.
    public var isWarningInForce: Bool {
        name.contains("警報") && !name.contains("注意報") && !name.contains("解除") && !status.contains("解除")
    }
}

/// One message of the agency's disaster XML (気象庁防災情報XML), read for one city.
public struct JMAReport: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, Codable {
        case weatherWarning, earthquakeIntensity, tsunami, other
    }

    /// Control/Title, e.g. `気象警報・注意報（Ｈ２７）`, `震度速報`.
    public var title: String
    /// 通常, 訓練 or 試験. Only 通常 is real.
    public var status: String
    /// 発表, 訂正 or 取消.
    public var infoType: String
    /// Head/ReportDateTime exactly as written.
    public var reportDateTime: String
    public var eventID: String?
    public var kind: Kind
    /// For warning messages, the kinds for the municipality (or, for tsunami, for the city's regions), in order.
    public var warnings: [JMAWarning]
    /// For intensity messages, in the agency's notation (`1`…`4`, `5-`, `5+`, `6-`, `6+`, `7`): for the
    /// municipality where the message lists municipalities, else for the earthquake region.
    public var maxIntensity: String?
    /// True when a 警報/特別警報 is in force for the city or the intensity is 3 or more (never for 取消).
    public var affects: Bool
    /// Head/Headline/Text: the whole message's, for the prefecture (or the whole event).
    public var headline: String
    /// What the message says for the city's own area, in the agency's words: the kinds of the headline's item for the
    /// municipality (else of the body's), 「小平市: 大雨特別警報（土砂災害）・洪水警報」; for an earthquake the headline's
    /// intensity for the city's region, 「東京都多摩東部（小平市）で震度２」. Head/Headline/Text follows only when it names
    /// the area: a prefecture's headline about other islands is not the city's. Empty when the message names no area of the city.
    public var areaHeadline: String

    public var isDrillOrTest: Bool { status != "通常" }
    public var isCancellation: Bool { infoType == "取消" }

    public init(title: String, status: String, infoType: String, reportDateTime: String, eventID: String?, kind: Kind,
                warnings: [JMAWarning], maxIntensity: String?, affects: Bool, headline: String, areaHeadline: String = "") {
        self.title = title
        self.status = status
        self.infoType = infoType
        self.reportDateTime = reportDateTime
        self.eventID = eventID
        self.kind = kind
        self.warnings = warnings
        self.maxIntensity = maxIntensity
        self.affects = affects
        self.headline = headline
        self.areaHeadline = areaHeadline
    }
}

public enum JMAParser {
    /// The largest messages (nationwide VPWW54, VXSE53 of a great earthquake) are under a megabyte.
    public static let maxBytes = 8 * 1024 * 1024

    /// The agency's intensity notation, lowest first.
    public static let intensityScale = ["0", "1", "2", "3", "4", "5-", "5+", "6-", "6+", "7"]

    public static func intensityRank(_ notation: String) -> Int? { intensityScale.firstIndex(of: notation) }

    public static func parse(_ data: Data, area: JMAArea) throws -> JMAReport {
        let root = try XMLTree.parse(data, limits: .init(maxBytes: maxBytes, maxElements: 500_000, maxDepth: 64))
        guard root.name == "Report", root.namespace.hasPrefix("http://xml.kishou.go.jp/jmaxml1") else {
            throw IntakeParseError("気象庁防災情報XMLではありません（ルート要素 <\(root.name)>）")
        }
        guard let control = root.child("Control"), let head = root.child("Head"),
              let title = control.value("Title"), let status = control.value("Status"),
              let infoType = head.value("InfoType"), let reportDateTime = head.child("ReportDateTime")?.text
        else {
            throw IntakeParseError("気象庁防災情報XMLの必須要素（Control/Title・Status、Head/InfoType・ReportDateTime）がありません")
        }
        guard ["通常", "訓練", "試験"].contains(status) else {
            throw IntakeParseError("Control/Status「\(status)」は通常・訓練・試験のどれでもありません")
        }
        guard ["発表", "訂正", "取消"].contains(infoType) else {
            throw IntakeParseError("Head/InfoType「\(infoType)」は発表・訂正・取消のどれでもありません")
        }
        let body = root.child("Body")
        let kind = classify(title: title, body: body)
        var warnings: [JMAWarning] = []
        var maxIntensity: String?
        if let body {
            switch kind {
            case .weatherWarning: warnings = weatherWarnings(body, municipality: area.municipality)
            case .earthquakeIntensity: maxIntensity = intensity(body, area: area)
            case .tsunami: warnings = tsunamiWarnings(body, regions: area.tsunamiRegions)
            case .other: break
            }
        }
        let cancelled = infoType == "取消"
        let affects = !cancelled && (warnings.contains { $0.isWarningInForce }
            || (maxIntensity.flatMap(intensityRank) ?? 0) >= 3)
        return JMAReport(
            title: title, status: status, infoType: infoType,
            reportDateTime: reportDateTime.trimmingCharacters(in: .whitespacesAndNewlines),
            eventID: head.value("EventID"), kind: kind, warnings: warnings, maxIntensity: maxIntensity,
            affects: affects, headline: head.value("Headline", "Text") ?? "",
            areaHeadline: cancelled ? "" : areaHeadline(kind: kind, head: head, body: body, area: area, warnings: warnings, intensity: maxIntensity))
    }

    /// See `JMAReport.areaHeadline`.
    static func areaHeadline(kind: JMAReport.Kind, head: XMLElement, body: XMLElement?, area: JMAArea, warnings: [JMAWarning],
                             intensity: String?) -> String {
        let headlineText = (head.value("Headline", "Text") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let information = head.child("Headline")?.children("Information") ?? []
        func items(_ typeSuffix: String) -> [XMLElement] {
            information.filter { $0.attributes["type"]?.hasSuffix(typeSuffix) == true }.flatMap { $0.children("Item") }
        }
        func areas(_ item: XMLElement) -> [XMLElement] { item.children("Area") + (item.child("Areas")?.children("Area") ?? []) }
        var names: [String] = []
        var line = ""
        switch kind {
        case .weatherWarning:
            let cityItems = (body?.children("Warning") ?? []).filter { $0.attributes["type"]?.hasSuffix("（市町村等）") == true }
                .flatMap { $0.children("Item") }
            guard let cityArea = (items("（市町村等）") + cityItems).lazy.flatMap(areas).first(where: { $0.value("Code") == area.municipality }),
                  let cityName = cityArea.value("Name") else { return "" }
            names = [cityName]
            // The headline's item for the municipality when the agency gives one; else the body's kinds in force.
            let headlineKinds = items("（市町村等）").filter { areas($0).contains { $0.value("Code") == area.municipality } }
                .flatMap { $0.children("Kind") }
            var kinds: [String] = []
            for k in headlineKinds {
                guard let name = k.value("Name") else { continue }
                let condition = k.value("Condition").map { "（\($0)）" } ?? ""
                if !kinds.contains(name + condition) { kinds.append(name + condition) }
            }
            if kinds.isEmpty {
                let conditions = Dictionary(cityItems.filter { areas($0).contains { $0.value("Code") == area.municipality } }
                    .flatMap { $0.children("Kind") }.compactMap { k in k.value("Name").map { ($0, k.value("Condition")) } },
                    uniquingKeysWith: { a, _ in a })
                kinds = warnings.filter { !$0.status.contains("解除") }.map { w in w.name + ((conditions[w.name] ?? nil).map { "（\($0)）" } ?? "") }
                let lifted = warnings.filter { $0.status.contains("解除") }.map(\.name)
                if kinds.isEmpty && !lifted.isEmpty { kinds = [lifted.joined(separator: "・") + "は解除"] }
            }
            line = kinds.isEmpty ? "" : "\(cityName): " + kinds.joined(separator: "・")
        case .earthquakeIntensity:
            guard let intensity else { return "" }
            let observation = body?.path("Intensity", "Observation")
            let regions = observation?.children("Pref").flatMap { $0.children("Area") } ?? []
            let region = regions.first { r in
                (area.earthquakeRegionCode.map { r.value("Code") == $0 } ?? false) || (area.earthquakeRegion.map { r.value("Name") == $0 } ?? false)
            }
            let city = regions.lazy.flatMap { $0.children("City") }.first { $0.value("Code") == area.municipality }?.value("Name")
            let regionName = region?.value("Name") ?? area.earthquakeRegion
            // The headline's intensity for the region, as the agency words it (震度５弱以上未入電 included).
            let headlineKind = items("（細分区域）").first { item in
                areas(item).contains { a in
                    (area.earthquakeRegionCode.map { a.value("Code") == $0 } ?? false) || (area.earthquakeRegion.map { a.value("Name") == $0 } ?? false)
                }
            }?.value("Kind", "Name")
            // The agency's own notation (震度５弱): full-width digits as its headlines write them.
            let fullWidth = String(intensity.unicodeScalars.map { ("0"..."9").contains($0) ? Character(Unicode.Scalar($0.value + 0xFEE0)!) : Character($0) })
            let spoken = headlineKind ?? "震度" + fullWidth.replacingOccurrences(of: "-", with: "弱").replacingOccurrences(of: "+", with: "強")
            names = [regionName, city].compactMap { $0 }
            switch (regionName, city) {
            case let (r?, c?): line = "\(r)（\(c)）で\(spoken)"
            case let (r?, nil): line = "\(r)で\(spoken)"
            case let (nil, c?): line = "\(c)で\(spoken)"
            default: line = spoken
            }
        case .tsunami:
            line = warnings.map { "\($0.name)（\($0.status)）" }.joined(separator: "・")
            names = area.tsunamiRegions
        case .other:
            return ""
        }
        if !headlineText.isEmpty, names.contains(where: { !$0.isEmpty && headlineText.contains($0) }) {
            line += line.isEmpty ? headlineText : " " + headlineText
        }
        return line
    }

    static func classify(title: String, body: XMLElement?) -> JMAReport.Kind {
        if let body {
            if body.child("Warning") != nil, title.contains("警報") { return .weatherWarning }
            if body.path("Intensity", "Observation") != nil { return .earthquakeIntensity }
            if body.path("Tsunami", "Forecast") != nil { return .tsunami }
        }
        // A cancellation carries no body; its title still says what it cancels.
        if title.hasPrefix("気象警報・注意報") || title.hasPrefix("気象特別警報") { return .weatherWarning }
        if title == "震度速報" || title.hasPrefix("震源・震度") { return .earthquakeIntensity }
        if title.hasPrefix("津波警報・注意報・予報") { return .tsunami }
        return .other
    }

    /// The kinds in Body/Warning[type=…（市町村等）] for the municipality, in order, each name once.
    static func weatherWarnings(_ body: XMLElement, municipality: String) -> [JMAWarning] {
        var result: [JMAWarning] = []
        for warning in body.children("Warning") {
            guard let type = warning.attributes["type"], type.hasSuffix("（市町村等）") else { continue }
            for item in warning.children("Item") {
                let areas = item.children("Area") + (item.child("Areas")?.children("Area") ?? [])
                guard areas.contains(where: { $0.value("Code") == municipality }) else { continue }
                for kind in item.children("Kind") {
                    // A kind without a name is "発表警報・注意報はなし": nothing in force.
                    guard let name = kind.value("Name") else { continue }
                    let w = JMAWarning(name: name, status: kind.value("Status") ?? "")
                    if !result.contains(where: { $0.name == w.name }) { result.append(w) }
                }
            }
        }
        return result
    }

    /// The municipality's intensity where the message lists municipalities (VXSE53), else the region's (VXSE51).
    static func intensity(_ body: XMLElement, area: JMAArea) -> String? {
        guard let observation = body.path("Intensity", "Observation") else { return nil }
        let regions = observation.children("Pref").flatMap { $0.children("Area") }
        let listsCities = regions.contains { $0.child("City") != nil }
        let region = regions.first { r in
            if let code = area.earthquakeRegionCode, r.value("Code") == code { return true }
            if let name = area.earthquakeRegion, r.value("Name") == name { return true }
            return false
        }
        if listsCities {
            for r in regions {
                if let city = r.children("City").first(where: { $0.value("Code") == area.municipality }) {
                    // A city whose stations have not reported ("震度５弱以上未入電") has no MaxInt; its region's
                    // intensity is the best the message says.
                    return normalisedIntensity(city.value("MaxInt")) ?? normalisedIntensity(r.value("MaxInt"))
                }
            }
            return nil
        }
        return normalisedIntensity(region?.value("MaxInt"))
    }

    private static func normalisedIntensity(_ s: String?) -> String? {
        guard let s else { return nil }
        return intensityRank(s) != nil ? s : nil
    }

    /// For a coastal city: the tsunami kinds for its forecast regions.
    static func tsunamiWarnings(_ body: XMLElement, regions: [String]) -> [JMAWarning] {
        guard !regions.isEmpty, let forecast = body.path("Tsunami", "Forecast") else { return [] }
        var result: [JMAWarning] = []
        for item in forecast.children("Item") {
            guard let areaName = item.value("Area", "Name"), let category = item.child("Category"),
                  let name = category.value("Kind", "Name") else { continue }
            let code = item.value("Area", "Code")
            guard regions.contains(areaName) || code.map(regions.contains) == true else { continue }
            let last = category.value("LastKind", "Name")
            let status: String
            if name.contains("解除") { status = "解除" }
            else if let last, last == name || name.hasPrefix(last) { status = "継続" }
            else { status = "発表" }
            if !result.contains(where: { $0.name == name }) { result.append(JMAWarning(name: name, status: status)) }
        }
        return result
    }
}
