import AsyncHTTPClient
import Foundation
import KohoPlatforms
import KohoSandbox
import KohoTestSupport
import NIOCore
import Testing

/// Issue 22, finding 8: everything Koho fetches goes through the proxy the usual variables name, except what
/// `NO_PROXY` names.
@Suite struct OutboundProxyTests {
    @Test func theVariablesAreReadAsCurlReadsThem() throws {
        let p = try OutboundProxy(environment: ["HTTPS_PROXY": "http://user:p%40ss@proxy.city.local:8080",
                                                "http_proxy": "proxy.city.local:3128",
                                                "NO_PROXY": "localhost, .city.kodaira.tokyo.jp,10.0.0.5:8443,*.lg.jp"])
        #expect(p.https == .init(host: "proxy.city.local", port: 8080, user: "user", password: "p@ss"))
        #expect(p.http == .init(host: "proxy.city.local", port: 3128))
        #expect(p.server(for: "https://api.x.com/2/tweets")?.port == 8080)
        #expect(p.server(for: "http://www.data.jma.go.jp/developer/xml/feed/extra.xml")?.port == 3128)
        #expect(p.server(for: "https://www.city.kodaira.tokyo.jp/rss.xml") == nil, "a domain in NO_PROXY")
        #expect(p.server(for: "https://city.kodaira.tokyo.jp/") == nil)
        #expect(p.server(for: "https://notcity.kodaira.tokyo.jp.evil.example/") != nil)
        #expect(p.server(for: "http://localhost:8080/") == nil)
        #expect(p.server(for: "https://10.0.0.5:8443/") == nil && p.server(for: "https://10.0.0.5/") != nil, "a port narrows the entry")
        #expect(p.server(for: "https://www.city.example.lg.jp/") == nil)
        #expect(String(describing: p.https!).contains("p@ss") == false, "the password never shows")
        #expect(try OutboundProxy(environment: ["ALL_PROXY": "http://proxy:9000"]).https?.port == 9000)
        #expect(try OutboundProxy(environment: ["HTTPS_PROXY": "http://proxy:9000", "NO_PROXY": "*"]).server(for: "https://api.x.com/") == nil)
        #expect(try OutboundProxy(environment: [:]).server(for: "https://api.x.com/") == nil)
        #expect(throws: OutboundProxy.Invalid.self) { try OutboundProxy(environment: ["HTTPS_PROXY": "socks5://proxy:1080"]) }
        #expect(throws: OutboundProxy.Invalid.self) { try OutboundProxy(environment: ["HTTPS_PROXY": "http://proxy:99999"]) }
    }

    @Test func callsGoThroughALoopbackProxyUnlessNoProxyNamesTheHost() async throws {
        let proxy = try await LoopbackConnectProxy.start()
        try await Harness.run { h in
            let url = h.base + "/2/users/me"
            let through = OutboundHTTP(proxy: try OutboundProxy(environment: ["HTTP_PROXY": "http://127.0.0.1:\(proxy.port)"]))
            try await shuttingDown(through) {
                var req = HTTPClientRequest(url: url)
                req.headers.add(name: "Authorization", value: "Bearer \(SandboxAccounts.xKodaira.accessToken)")
                let res = try await through.client(for: url).execute(req, timeout: .seconds(10))
                _ = try await res.body.collect(upTo: 1 << 20)
                #expect(res.status.code < 500, "the sandbox answered through the tunnel")
                let port = URLComponents(string: h.base)?.port ?? 0
                #expect(proxy.seen == ["CONNECT 127.0.0.1:\(port) HTTP/1.1"])
            }

            let direct = OutboundHTTP(proxy: try OutboundProxy(environment: ["HTTP_PROXY": "http://127.0.0.1:\(proxy.port)", "NO_PROXY": "127.0.0.1"]))
            try await shuttingDown(direct) {
                let again = try await direct.client(for: url).execute(HTTPClientRequest(url: url), timeout: .seconds(10))
                _ = try await again.body.collect(upTo: 1 << 20)
                #expect(proxy.seen.count == 1, "NO_PROXY: reached directly")
            }
        }
        await proxy.shutdown()
    }
}

/// The clients are shut down also when a call fails (a timeout on a loaded machine): a client dropped without it
/// stops the whole test process.
func shuttingDown(_ http: OutboundHTTP, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        try? await http.shutdown()
        throw error
    }
    try await http.shutdown()
}
