import Foundation

/// Why a feed, a mail or an agency message could not be read. The message is Japanese, for the status line
/// of a source and for `koho alerts parse`.
public struct IntakeParseError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
    public var errorDescription: String? { message }
}
