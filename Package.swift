// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "koho",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "koho", targets: ["koho"]),
        .library(name: "KohoCore", targets: ["KohoCore"]),
        .library(name: "KohoPlatforms", targets: ["KohoPlatforms"]),
        .library(name: "KohoSandbox", targets: ["KohoSandbox"]),
        .library(name: "KohoServer", targets: ["KohoServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.20.0"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.100.0"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.6.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.8.0"),
        .package(url: "https://github.com/JohnSundell/Plot.git", from: "0.14.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
    ],
    targets: [
        // twitter-text's counting, and the holiday calendar with the Cabinet Office list: their own targets, so that
        // an edit of the policy or of the domain does not compile them again.
        .target(name: "KohoXText"),
        .target(name: "KohoHolidays", resources: [.embedInCode("Resources/syukujitsu.csv")]),
        .target(
            name: "KohoCore",
            dependencies: ["KohoXText", "KohoHolidays", .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto")],
            resources: [.embedInCode("Resources/kodaira-r5.yaml"), .embedInCode("Moderation/moderation-lexicon.json")]
        ),
        .target(
            name: "KohoPlatforms",
            dependencies: [
                "KohoCore",
                "KohoHolidays",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The platforms' local stand-in: a real HTTP server, for `koho serve` without credentials and for the tests.
        .target(
            name: "KohoSandbox",
            dependencies: [
                "KohoCore",
                "KohoPlatforms",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "KohoServer",
            dependencies: [
                "KohoCore",
                "KohoPlatforms",
                "KohoSandbox",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Plot", package: "Plot"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("Resources/openapi.yaml")]
        ),
        // Benchmarks, the fuzzer, the loopback feed server and the platforms' stand-in as a command: tools that ship
        // in `koho` but are not part of the product library.
        .target(
            name: "KohoTools",
            dependencies: [
                "KohoCore",
                "KohoPlatforms",
                "KohoSandbox",
                "KohoServer",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                // `koho bench server` makes a fresh database of its own on the PostgreSQL server it is given.
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "koho",
            dependencies: ["KohoTools"]
        ),
        .testTarget(name: "KohoCoreTests", dependencies: ["KohoCore", "KohoXText", "KohoHolidays"], resources: [.copy("Fixtures")]),
        // Helpers shared by the test targets.
        .target(
            name: "KohoTestSupport",
            dependencies: ["KohoCore", "KohoPlatforms", "KohoSandbox", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            path: "Tests/KohoTestSupport"
        ),
        .testTarget(name: "KohoPlatformsTests", dependencies: ["KohoPlatforms", "KohoSandbox", "KohoTestSupport"]),
        .testTarget(name: "KohoSandboxTests", dependencies: ["KohoSandbox", "KohoTestSupport"]),
        .testTarget(name: "KohoServerTests", dependencies: ["KohoServer", "KohoTools", "KohoTestSupport", .product(name: "XCTVapor", package: "vapor"), .product(name: "Yams", package: "Yams")]),
    ],
    swiftLanguageModes: [.v6]
)
