import Foundation
import NIOCore
import NIOPosix

/// Where notices go by e-mail: the office's SMTP relay (plain SMTP on the city's network, as a relay for an
/// internal server usually is) and who to tell.
public struct MailSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// The envelope and `From:` address.
    public var from: String
    /// Who hears of an emergency waiting for approval: the chief, and whoever else the city names.
    public var notify: [String]
    public var timeout: Duration

    public init(host: String, port: Int = 25, from: String, notify: [String], timeout: Duration = .seconds(20)) {
        self.host = host
        self.port = port
        self.from = from
        self.notify = notify
        self.timeout = timeout
    }

    /// `HOST` or `HOST:PORT` with the addresses, each checked; a clear error for the command line otherwise.
    public static func parse(smtp: String, from: String, notify: [String]) throws -> MailSettings {
        let parts = smtp.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.count == 1 || Int(parts[1]).map({ (1...65535).contains($0) }) == true else {
            throw MailSettingsError(message: "--smtp は HOST または HOST:PORT で指定してください: \(smtp)")
        }
        for a in [from] + notify where !isPlainAddress(a) {
            throw MailSettingsError(message: "メールアドレスとして読めません: \(a)")
        }
        if notify.isEmpty { throw MailSettingsError(message: "--smtp には通知先（--notify）が1つ以上必要です") }
        return MailSettings(host: String(parts[0]), port: parts.count == 2 ? Int(parts[1])! : 25, from: from, notify: notify)
    }

    /// An address as the settings may hold it: one mailbox, no display name, no line breaks or angle brackets.
    static func isPlainAddress(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && !s.unicodeScalars.contains { $0.value < 0x21 || $0.value > 0x7E || "<>(),;:\"[]\\".unicodeScalars.contains($0) }
    }
}

public struct MailSettingsError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// One message: plain text in UTF-8.
public struct OutgoingMail: Sendable, Equatable {
    public var to: [String]
    public var subject: String
    public var body: String

    public init(to: [String], subject: String, body: String) {
        self.to = to
        self.subject = subject
        self.body = body
    }

    /// The RFC 5322 message: the subject as an RFC 2047 encoded word, the body in base64, so that no header can be
    /// split by a line break in a post's text and no body line starts with a dot.
    func rendered(from: String, date: Date, messageID: String) -> String {
        let oneLine = subject.unicodeScalars.map { CharacterSet.controlCharacters.contains($0) ? " " : String($0) }.joined()
        let subjectWords = encodedWords(oneLine)
        let body64 = Data(body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
            .base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Tokyo")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return [
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(subjectWords)",
            "Date: \(f.string(from: date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
            "",
            body64,
        ].joined(separator: "\r\n") + "\r\n"
    }

    /// RFC 2047 B words of at most 75 characters, split between characters, folded onto continuation lines.
    private func encodedWords(_ s: String) -> String {
        var words: [String] = []
        var chunk = ""
        for ch in s {
            let next = chunk + String(ch)
            if Data(next.utf8).base64EncodedString().count > 75 - 12, !chunk.isEmpty {
                words.append(chunk)
                chunk = String(ch)
            } else {
                chunk = next
            }
        }
        if !chunk.isEmpty || words.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }
}

public struct SMTPError: Error, CustomStringConvertible, Sendable {
    public let stage: String
    public let reply: String
    public var description: String { "SMTP \(stage): \(reply)" }
}

/// A small SMTP client (RFC 5321): EHLO, MAIL, RCPT, DATA, QUIT over one connection per message.
public struct SMTPClient: Sendable {
    public let settings: MailSettings
    let group: any EventLoopGroup

    public init(settings: MailSettings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.settings = settings
        self.group = group
    }

    public func send(_ mail: OutgoingMail, date: Date = Date()) async throws {
        let settings = self.settings
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await self.exchange(mail, date: date) }
            tasks.addTask {
                try await Task.sleep(for: settings.timeout)
                throw SMTPError(stage: "timeout", reply: "\(settings.host):\(settings.port) did not finish in \(settings.timeout)")
            }
            defer { tasks.cancelAll() }
            try await tasks.next()
        }
    }

    private func exchange(_ mail: OutgoingMail, date: Date) async throws {
        let s = settings
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .connect(host: s.host, port: s.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var replies = ReplyReader(inbound.makeAsyncIterator())
            func expect(_ stage: String, _ code: Int) async throws {
                let reply = try await replies.next()
                guard reply.code == code else { throw SMTPError(stage: stage, reply: reply.text) }
            }
            func command(_ line: String, _ stage: String, _ code: Int) async throws {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
                try await expect(stage, code)
            }
            try await expect("greeting", 220)
            try await command("EHLO koho.localdomain", "EHLO", 250)
            try await command("MAIL FROM:<\(s.from)>", "MAIL FROM", 250)
            for rcpt in mail.to { try await command("RCPT TO:<\(rcpt)>", "RCPT TO", 250) }
            try await command("DATA", "DATA", 354)
            let message = mail.rendered(from: s.from, date: date, messageID: "\(UUID().uuidString.lowercased())@koho")
            // Dot-stuffing: base64 never starts a line with a dot, the headers could.
            let stuffed = message.split(separator: "\r\n", omittingEmptySubsequences: false)
                .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
            try await outbound.write(ByteBuffer(string: stuffed + ".\r\n"))
            try await expect("end of data", 250)
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
        }
    }
}

/// Reads SMTP replies: lines `250-...` continue, `250 ...` ends one.
private struct ReplyReader {
    var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    var pending = ""

    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) { self.iterator = iterator }

    mutating func next() async throws -> (code: Int, text: String) {
        var lines: [String] = []
        while true {
            while let range = pending.range(of: "\r\n") {
                let line = String(pending[..<range.lowerBound])
                pending = String(pending[range.upperBound...])
                lines.append(line)
                let chars = Array(line)
                if chars.count < 4 || chars[3] == " " {
                    return (Int(String(chars.prefix(3))) ?? 0, lines.joined(separator: " / "))
                }
            }
            guard pending.utf8.count < 64 * 1024 else { throw SMTPError(stage: "reply", reply: "a reply longer than 64 kB") }
            guard var buffer = try await iterator.next() else {
                throw SMTPError(stage: "reply", reply: "the server closed the connection")
            }
            pending += buffer.readString(length: buffer.readableBytes) ?? ""
        }
    }
}
