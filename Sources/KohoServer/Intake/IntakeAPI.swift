import Fluent
import Vapor
import KohoCore

/// `GET /api/v1/alerts` and `GET /api/v1/intake/sources`.
enum IntakeAPI {
    struct AlertDTO: Content {
        let id: String
        let source: String
        let messageId: String
        let title: String
        let reportDateTime: String
        let eventId: String?
        let area: String
        let kind: String
        let status: String
        let infoType: String
        let summary: String
        /// The warnings for the city, each with its `level` (2–5, or null for a hazard without one).
        let warnings: [JMAWarning]
        /// The highest level among the warnings in force, or null.
        let level: Int?
        let draftIds: [String]
        let createdAt: String
        let updatedAt: String

        init(_ a: Alert) {
            id = a.id!.uuidString.lowercased()
            source = a.source
            messageId = a.messageID
            title = a.title
            reportDateTime = a.reportTime
            eventId = a.eventID
            area = a.area
            kind = a.kind
            status = a.status
            infoType = a.infoType
            summary = a.summary
            warnings = (try? JSONDecoder().decode([JMAWarning].self, from: Data(a.warningsJSON.utf8))) ?? []
            level = warnings.filter(\.isWarningInForce).compactMap(\.level).max()
            draftIds = IntakeItem.decode(a.draftIDs).map { $0.uuidString.lowercased() }
            createdAt = JapaneseTime.iso8601(a.createdAt)
            updatedAt = JapaneseTime.iso8601(a.updatedAt)
        }
    }

    static func alerts(_ req: Request) async throws -> [AlertDTO] {
        _ = try req.requireUser()
        var q = Alert.query(on: req.db)
        if let s = req.query[String.self, at: "status"] {
            guard ["active", "withdrawn", "lifted"].contains(s) else { throw AppError.badRequest("status は active・withdrawn・lifted のどれかです") }
            q = q.filter(\.$status == s)
        }
        return try await q.sort(\.$createdAt, .descending).limit(200).all().map(AlertDTO.init)
    }

    struct SourceDTO: Content {
        let name: String
        let kind: String
        let lastFetchAt: String?
        let lastItemAt: String?
        let lastItem: String?
        let lastError: String?
        let lastErrorAt: String?
    }

    static func sources(_ req: Request) async throws -> [SourceDTO] {
        _ = try req.requireUser()
        return try await IntakeSourceState.query(on: req.db).sort(\.$name).all().map { s in
            SourceDTO(name: s.name, kind: s.kind, lastFetchAt: s.lastFetchAt.map { JapaneseTime.iso8601($0) },
                      lastItemAt: s.lastItemAt.map { JapaneseTime.iso8601($0) }, lastItem: s.lastItemTitle, lastError: s.lastError,
                      lastErrorAt: s.lastErrorAt.map { JapaneseTime.iso8601($0) })
        }
    }
}
