import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// An HTTP proxy on 127.0.0.1 that answers `CONNECT host:port` by tunnelling to it (what AsyncHTTPClient sends to a
/// proxy for http and https alike), and keeps the request lines it saw: the stand-in for a city's outbound proxy.
public final class LoopbackConnectProxy: Sendable {
    public let port: Int
    private let seenBox: NIOLockedValueBox<[String]>
    private let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let task: Task<Void, Never>

    public var seen: [String] { seenBox.withLockedValue { $0 } }

    private init(port: Int, seen: NIOLockedValueBox<[String]>, server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>,
                 task: Task<Void, Never>) {
        self.port = port
        seenBox = seen
        self.server = server
        self.task = task
    }

    public static func start() async throws -> LoopbackConnectProxy {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child) }
            }
        let seen = NIOLockedValueBox<[String]>([])
        let task = Task<Void, Never> {
            _ = try? await server.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        group.addTask { try? await tunnel(connection, seen) }
                    }
                }
            }
        }
        return LoopbackConnectProxy(port: server.channel.localAddress?.port ?? 0, seen: seen, server: server, task: task)
    }

    public func shutdown() async {
        try? await server.channel.close()
        task.cancel()
        _ = await task.value
    }

    private static func tunnel(_ client: NIOAsyncChannel<ByteBuffer, ByteBuffer>, _ seen: NIOLockedValueBox<[String]>) async throws {
        try await client.executeThenClose { inbound, outbound in
            var reading = inbound.makeAsyncIterator()
            var head = ByteBuffer()
            var end: Int?
            while end == nil {
                guard var chunk = try await reading.next() else { return }
                head.writeBuffer(&chunk)
                let bytes = Array(head.readableBytesView)
                end = (0..<max(0, bytes.count - 3)).first { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }
            }
            let bytes = Array(head.readableBytesView)
            let headText = String(decoding: bytes[..<end!], as: UTF8.self)
            let line = headText.components(separatedBy: "\r\n").first ?? ""
            seen.withLockedValue { $0.append(line) }
            let parts = line.split(separator: " ")
            guard parts.count >= 2, parts[0] == "CONNECT", let colon = parts[1].lastIndex(of: ":"),
                  let port = Int(parts[1][parts[1].index(after: colon)...]) else {
                try await outbound.write(ByteBuffer(string: "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"))
                return
            }
            let host = String(parts[1][..<colon])
            let upstream = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: host, port: port) { ch in
                    ch.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch) }
                }
            try await outbound.write(ByteBuffer(string: "HTTP/1.1 200 Connection Established\r\n\r\n"))
            let rest = ByteBuffer(bytes: bytes[(end! + 4)...])
            try await upstream.executeThenClose { upIn, upOut in
                if rest.readableBytes > 0 { try await upOut.write(rest) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { for try await b in upIn { try await outbound.write(b) } }
                    while let b = try await reading.next() { try await upOut.write(b) }
                    group.cancelAll()
                }
            }
        }
    }
}
