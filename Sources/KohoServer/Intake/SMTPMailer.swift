import Foundation
import KohoCore
import NIOCore
import NIOPosix

/// Sends plain-text notices over SMTP (RFC 5321) to the server the feeds file names: no authentication, no TLS
/// (a relay on the city's own network or loopback). UTF-8 body in base64, the subject RFC 2047-encoded.
struct SMTPMailer: Sendable {
    let settings: IntakeSettings.SMTP
    var timeout: TimeAmount = .seconds(10)

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func send(subject: String, body: String, now: Date = Date()) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.converse(subject: subject, body: body, now: now) }
            group.addTask {
                try await Task.sleep(for: .seconds(Double(self.timeout.nanoseconds) / 1e9))
                throw Failure(description: "SMTP サーバー \(self.settings.host):\(self.settings.port) が時間内に答えませんでした")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func converse(subject: String, body: String, now: Date) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPLineDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            /// One reply (multi-line replies end with a line whose code is followed by a space).
            func expect(_ code: String) async throws {
                while true {
                    guard let buf = try await lines.next() else { throw Failure(description: "SMTP サーバーが接続を閉じました") }
                    let line = String(buffer: buf).trimmingCharacters(in: .newlines)
                    guard line.hasPrefix(code) else { throw Failure(description: "SMTP サーバーの答え: \(String(line.prefix(200)))") }
                    if line.count <= 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " { return }
                }
            }
            func say(_ s: String) async throws { try await outbound.write(ByteBuffer(string: s + "\r\n")) }
            try await expect("220")
            try await say("HELO \(settings.helo)"); try await expect("250")
            try await say("MAIL FROM:<\(settings.from)>"); try await expect("250")
            for to in settings.to { try await say("RCPT TO:<\(to)>"); try await expect("250") }
            try await say("DATA"); try await expect("354")
            try await outbound.write(ByteBuffer(string: message(subject: subject, body: body, now: now)))
            try await say("."); try await expect("250")
            try await say("QUIT")
        }
    }

    func message(subject: String, body: String, now: Date) -> String {
        let date = { () -> String in
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = JapaneseTime.tokyo
            f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
            return f.string(from: now)
        }()
        let encodedSubject = "=?UTF-8?B?" + Data(subject.utf8).base64EncodedString() + "?="
        let b64 = Data(body.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return [
            "From: \(settings.from)",
            "To: \(settings.to.joined(separator: ", "))",
            "Subject: \(encodedSubject)",
            "Date: \(date)",
            "Message-ID: <\(UUID().uuidString.lowercased())@\(settings.helo)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
            "",
            b64,
        ].joined(separator: "\r\n") + "\r\n"
    }
}

/// Splits what the server sends into lines (CRLF or LF).
struct SMTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let i = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 64 * 1024 { throw SMTPMailer.Failure(description: "SMTP サーバーの答えの行が長すぎます") }
            return .needMoreData
        }
        let length = i - buffer.readerIndex + 1
        guard let line = buffer.readSlice(length: length) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
