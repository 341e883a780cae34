import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// An SMTP server on loopback for the tests: takes messages and keeps them; can refuse the first transactions with a
/// temporary error (451), as a busy relay would.
final class LoopbackSMTPServer: Sendable {
    struct Message: Sendable {
        var from: String
        var to: [String]
        var data: String

        /// The header's value with RFC 2047 B words decoded.
        func header(_ name: String) -> String? {
            let head = data.components(separatedBy: "\r\n\r\n").first ?? ""
            let unfolded = head.replacingOccurrences(of: "\r\n ", with: " ")
            guard let line = unfolded.components(separatedBy: "\r\n").first(where: { $0.lowercased().hasPrefix(name.lowercased() + ":") }) else { return nil }
            let value = line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
            return value.split(separator: " ").map { word -> String in
                guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
                      let d = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) else { return String(word) }
                return String(decoding: d, as: UTF8.self)
            }.joined()
        }

        /// The body, base64 decoded.
        var text: String {
            let body = data.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
            return Data(base64Encoded: body, options: .ignoreUnknownCharacters).map { String(decoding: $0, as: UTF8.self) } ?? body
        }
    }

    let port: Int
    private let received: NIOLockedValueBox<[Message]>
    private let server: any Channel

    var messages: [Message] { received.withLockedValue { $0 } }

    private init(port: Int, server: any Channel, received: NIOLockedValueBox<[Message]>) {
        self.port = port
        self.server = server
        self.received = received
    }

    /// `port`: a given one (a relay that comes back where it was), or any free one.
    static func start(refusingFirst n: Int = 0, port: Int = 0) async throws -> LoopbackSMTPServer {
        let refusals = NIOLockedValueBox(n)
        let received = NIOLockedValueBox<[Message]>([])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: port) { child in
                child.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child) }
            }
        let port = channel.channel.localAddress?.port ?? 0
        let server = channel.channel
        Task {
            try? await channel.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask { try? await serve(connection, refusals: refusals, received: received) }
                    }
                }
            }
        }
        return LoopbackSMTPServer(port: port, server: server, received: received)
    }

    func stop() async throws { try await server.close() }

    private static func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, refusals: NIOLockedValueBox<Int>,
                              received: NIOLockedValueBox<[Message]>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            func say(_ s: String) async throws { try await outbound.write(ByteBuffer(string: s + "\r\n")) }
            try await say("220 loopback ESMTP")
            var pending = ""
            var from = "", to: [String] = [], data: [String] = [], inData = false, refuse = false
            for try await var buffer in inbound {
                pending += buffer.readString(length: buffer.readableBytes) ?? ""
                while let r = pending.range(of: "\r\n") {
                    let line = String(pending[..<r.lowerBound])
                    pending = String(pending[r.upperBound...])
                    if inData {
                        if line == "." {
                            inData = false
                            received.withLockedValue { $0.append(Message(from: from, to: to, data: data.joined(separator: "\r\n"))) }
                            try await say("250 queued")
                        } else {
                            data.append(line.hasPrefix("..") ? String(line.dropFirst()) : line)
                        }
                        continue
                    }
                    let verb = line.prefix(4).uppercased()
                    switch verb {
                    case "EHLO", "HELO": try await say("250-loopback\r\n250 8BITMIME")
                    case "MAIL":
                        from = line; to = []; data = []
                        refuse = refusals.withLockedValue { n in if n > 0 { n -= 1; return true }; return false }
                        try await say("250 ok")
                    case "RCPT": if refuse { try await say("451 4.3.0 try again later") } else { to.append(line); try await say("250 ok") }
                    case "DATA": inData = true; try await say("354 go ahead")
                    case "QUIT": try await say("221 bye"); return
                    default: try await say("502 unknown")
                    }
                }
            }
        }
    }
}
