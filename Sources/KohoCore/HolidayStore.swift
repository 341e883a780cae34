import Foundation

/// Where an imported Cabinet Office holiday list is kept, so that its dates win from then on.
public struct HolidayStore: Sendable {
    public let dataDirectory: URL
    public var fileURL: URL { dataDirectory.appendingPathComponent("holidays.csv") }

    public init(dataDirectory: URL) { self.dataDirectory = dataDirectory }

    /// The built-in list and rules, with an imported list merged over them when there is one.
    public func calendar() throws -> JapaneseHolidayCalendar {
        guard let data = FileManager.default.contents(atPath: fileURL.path) else { return .shared }
        do {
            return JapaneseHolidayCalendar.shared.merging(imported: try JapaneseHolidayCalendar.parseCSV(data))
        } catch {
            throw HolidayStoreError(message: "\(fileURL.path): 取り込み済みの祝日ファイルが壊れています: \(error)")
        }
    }

    /// Checks the file and keeps it (as UTF-8) only when all of it is good; returns what it holds.
    @discardableResult
    public func importCSV(_ data: Data) throws -> [Holiday] {
        let holidays = try JapaneseHolidayCalendar.parseCSV(data)
        var csv = "国民の祝日・休日月日,国民の祝日・休日名称\n"
        for h in holidays { csv += "\(h.date.year)/\(h.date.month)/\(h.date.day),\(h.name)\n" }
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        // Written aside and moved, so that a crash never leaves half a list.
        let temporary = dataDirectory.appendingPathComponent(".holidays.csv.tmp")
        try Data(csv.utf8).write(to: temporary)
        _ = try? FileManager.default.removeItem(at: fileURL)
        try FileManager.default.moveItem(at: temporary, to: fileURL)
        return holidays
    }
}

public struct HolidayStoreError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
