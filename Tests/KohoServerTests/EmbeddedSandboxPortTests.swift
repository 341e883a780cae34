import Foundation
import XCTVapor
import KohoCore
@testable import KohoServer
import KohoTools

/// The embedded sandbox of `koho serve` listens on a fixed port (issue 23: its address stays the same from one start
/// to the next), and another Koho holding that port leaves the second on any free one instead of failing to start.
final class EmbeddedSandboxPortTests: KohoTestCase {
    var port = 0

    override func adjust(_ config: inout KohoConfig) {
        port = (try? freePort()) ?? 0
        config.platforms = .embeddedSandbox
        config.embeddedSandbox = .inProcess
        config.embeddedSandboxPort = port
        config.publisher.enabled = false
        config.comments.enabled = false
        config.databaseURL = nil
    }

    func testWithoutTheToolsTheEmbeddedSandboxIsRefusedWithAWayOut() async throws {
        var config = KohoConfig(dataDirectory: dir.appendingPathComponent("bare"), databaseURL: nil, bcryptCost: 4,
                                loginDelayPerFailure: .zero, environment: .testing)
        config.platforms = .embeddedSandbox
        config.embeddedSandbox = nil
        config.mediaTools = .none
        do {
            let app = try await makeApp(config)
            try await app.asyncShutdown()
            XCTFail("started without a sandbox to start")
        } catch {
            XCTAssertTrue(String(describing: error).contains("--sandbox-url"), String(describing: error))
        }
    }

    func testTheEmbeddedSandboxKeepsItsPortAndFallsBackWhenTaken() async throws {
        let first = try XCTUnwrap(app.publishing?.endpoints.xAPI)
        XCTAssertTrue(first.contains(":\(port)"), first)

        var config = KohoConfig(dataDirectory: dir.appendingPathComponent("second"), databaseURL: nil, bcryptCost: 4,
                                loginDelayPerFailure: .zero, environment: .testing)
        config.platforms = .embeddedSandbox
        config.embeddedSandbox = .inProcess
        config.embeddedSandboxPort = port
        config.publisher.enabled = false
        config.comments.enabled = false
        config.mediaTools = .none
        let second = try await makeApp(config)
        let other = try XCTUnwrap(second.publishing?.endpoints.xAPI)
        XCTAssertFalse(other.contains(":\(port)"), "the port is taken: another one, not a failed start (\(other))")
        try await second.asyncShutdown()
    }
}
