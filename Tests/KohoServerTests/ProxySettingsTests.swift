import AsyncHTTPClient
import Foundation
import KohoCore
import KohoPlatforms
import KohoSandbox
import KohoTestSupport
import NIOCore
import Testing

/// Issue 22: the city's proxy in the settings file `koho serve --feeds` reads, under the usual environment variables.
@Suite struct ProxySettingsTests {
    static let yaml = """
    # 庁内のプロキシ
    proxy:
      https: http://koho:p%40ss@proxy.city.local:8080
      http: proxy.city.local:3128
      noProxy: [localhost, .city.kodaira.tokyo.jp, "10.0.0.5:8443"]
    """

    @Test func theFilesProxyIsUsedAndEachVariableSetWins() throws {
        let settings = try IntakeSettings.load(yaml: Self.yaml, file: "feeds.yaml")
        let fromFile = try OutboundProxy(environment: [:], settings: try #require(settings.proxy).variables)
        #expect(fromFile.https == .init(host: "proxy.city.local", port: 8080, user: "koho", password: "p@ss"))
        #expect(fromFile.server(for: "https://api.x.com/2/tweets")?.port == 8080)
        #expect(fromFile.server(for: "http://www.data.jma.go.jp/developer/xml/feed/extra.xml")?.port == 3128)
        #expect(fromFile.server(for: "https://www.city.kodaira.tokyo.jp/rss.xml") == nil, "noProxy from the file")
        #expect(fromFile.server(for: "https://10.0.0.5:8443/") == nil)

        let overridden = try OutboundProxy(environment: ["https_proxy": "http://other.proxy:9000", "NO_PROXY": "api.x.com"],
                                           settings: try #require(settings.proxy).variables)
        #expect(overridden.server(for: "https://graph.facebook.com/")?.host == "other.proxy", "the variable wins over the file")
        #expect(overridden.server(for: "http://www.data.jma.go.jp/")?.port == 3128, "the file's http stays")
        #expect(overridden.server(for: "https://api.x.com/") == nil, "NO_PROXY from the environment")
        #expect(overridden.server(for: "https://www.city.kodaira.tokyo.jp/") != nil, "replaced, not added to")

        let all = try IntakeSettings.load(yaml: "proxy:\n  all: http://proxy:3128\n", file: "f.yaml")
        #expect(try OutboundProxy(environment: [:], settings: all.proxy!.variables).server(for: "https://api.x.com/")?.port == 3128)
        #expect(try IntakeSettings.load(yaml: "website: []\n", file: "f.yaml").proxy == nil)
    }

    @Test func theExampleSettingsFilesProxyReads() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/feeds.example.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(try IntakeSettings.load(yaml: text, file: file.path).proxy == nil, "commented out")
        let uncommented = text.replacingOccurrences(of: "# proxy:", with: "proxy:").replacingOccurrences(of: "#   ", with: "  ")
        let proxy = try #require(try IntakeSettings.load(yaml: uncommented, file: file.path).proxy)
        #expect(proxy.https == "http://proxy.city.kodaira.tokyo.jp:8080")
        #expect(proxy.noProxy == ["localhost", ".city.kodaira.tokyo.jp"])
    }

    @Test func aProxyThatCannotBeUsedIsRefusedWithItsLine() throws {
        for (value, message) in [("socks5://proxy:1080", "http:// で指定"), ("http://proxy:99999", "ポートが正しくありません"),
                                 ("http://", "URL（http://host:port）として読めません")] {
            let yaml = "limits:\n  headers: 15\nproxy:\n  https: \"\(value)\"\n"
            #expect {
                _ = try IntakeSettings.load(yaml: yaml, file: "feeds.yaml")
            } throws: { error in
                let text = String(describing: error)
                return text.contains("feeds.yaml:4") && text.contains("https") && text.contains(message)
            }
        }
        #expect(throws: (any Error).self) { _ = try IntakeSettings.load(yaml: "proxy:\n  htps: http://p:1\n", file: "f.yaml") }
    }

    @Test func callsGoThroughTheFilesProxy() async throws {
        let proxy = try await LoopbackConnectProxy.start()
        try await Harness.run { h in
            let settings = try IntakeSettings.load(yaml: "proxy:\n  http: http://127.0.0.1:\(proxy.port)\n", file: "feeds.yaml")
            let outbound = OutboundHTTP(proxy: try OutboundProxy(environment: [:], settings: settings.proxy!.variables))
            let url = h.base + "/2/users/me"
            do {
                var req = HTTPClientRequest(url: url)
                req.headers.add(name: "Authorization", value: "Bearer \(SandboxAccounts.xKodaira.accessToken)")
                let res = try await outbound.client(for: url).execute(req, timeout: .seconds(10))
                let body = try await res.body.collect(upTo: 1 << 20)
                #expect(res.status.code == 200, "the sandbox answered through the tunnel")
                #expect(String(buffer: body).contains("\"username\":\"kodaira_tokyo\""))
                let port = URLComponents(string: h.base)?.port ?? 0
                #expect(proxy.seen == ["CONNECT 127.0.0.1:\(port) HTTP/1.1"])
            } catch {
                // Shut down also when the call fails (a timeout on a loaded machine): a dropped client stops the process.
                try? await outbound.shutdown()
                throw error
            }
            try await outbound.shutdown()
        }
        await proxy.shutdown()
    }
}
