// swift-tools-version:6.2
import PackageDescription

// Project targets only: a warning here is an error (one once hid a deadlock:
// `try await pool.read { … }` that resolved to GRDB's blocking overload).
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "mami",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mami-gateway", targets: ["MamiGateway"]),
        .executable(name: "mami-image-worker", targets: ["MamiImageWorker"]),
        .executable(name: "mami-memory", targets: ["MamiMemory"]),
        .executable(name: "mamictl", targets: ["MamiCtl"]),
        .executable(name: "mami-bench", targets: ["MamiBench"]),
        .executable(name: "mami-sim", targets: ["MamiSim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System libraries (Debian: libsystemd-dev, libcurl4-openssl-dev; libsqlite3-dev comes through GRDB's GRDBSQLite).
        .systemLibrary(name: "CSystemd", path: "Shared/CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CCurl", path: "Shared/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CZlib", path: "Shared/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The sentence encoder's arithmetic (Q4 matrix products, attention, LayerNorm, GELU; and its threads' priority), with
        // AVX-512/AVX2 paths picked at run time. Optimized in every configuration: unoptimized it
        // makes one embedding take seconds (Shared/Encoder runs them).
        .target(
            name: "CMamiKernels",
            path: "Shared/CKernels",
            cSettings: [.unsafeFlags(["-O3", "-Wall", "-Werror"])]
        ),

        // Shared: what two or more executables use.
        .target(
            name: "MamiCore",
            dependencies: [.product(name: "Logging", package: "swift-log"), .product(name: "NIOPosix", package: "swift-nio")],
            path: "Shared/Core",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MamiWire",
            dependencies: [
                "MamiCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/Wire",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MamiSupervision",
            dependencies: ["CSystemd", "MamiCore", .product(name: "Logging", package: "swift-log")],
            path: "Shared/Supervision",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MamiHTTP",
            dependencies: ["CCurl", "MamiCore", .product(name: "NIOPosix", package: "swift-nio")],
            path: "Shared/HTTP",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MamiService",
            dependencies: [
                "MamiCore", "MamiWire", "MamiSupervision",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/Service",
            swiftSettings: swiftSettings
        ),

        .target(
            name: "MamiEncoder",
            dependencies: ["CMamiKernels"],
            path: "Shared/Encoder",
            exclude: ["centering-texts.json"],
            // Optimized in debug builds too, like its kernels: the debug test suite runs the real model.
            swiftSettings: swiftSettings + [.unsafeFlags(["-O"])]
        ),

        // Services: one executable each.
        .executableTarget(
            name: "MamiGateway",
            dependencies: [
                "MamiService", "MamiWire", "MamiCore", "MamiHTTP", "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Services/gateway",
            // The web client (plain HTML, CSS and ES modules, no build step), served at `/` (Web/WebRoutes.swift).
            resources: [.copy("Web/client")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "MamiImageWorker",
            dependencies: [
                "MamiService", "MamiWire", "MamiCore", "MamiHTTP",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Services/image-worker",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "MamiMemory",
            dependencies: [
                "MamiService", "MamiWire", "MamiCore", "MamiHTTP", "MamiEncoder", "CMamiKernels",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Services/memory",
            swiftSettings: swiftSettings
        ),

        // Tools.
        .executableTarget(
            name: "MamiCtl",
            dependencies: [
                "MamiCore", "MamiWire", "MamiHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/mamictl",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "MamiBench",
            dependencies: [
                "MamiCore", "MamiWire", "MamiHTTP", "MamiEncoder",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/mami-bench",
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "MamiSim",
            dependencies: [
                "MamiCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/mami-sim",
            swiftSettings: swiftSettings
        ),

        // Tests.
        .testTarget(
            name: "WireTests",
            dependencies: [
                "MamiWire", "MamiCore", "ServiceTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/WireTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MemoryTests",
            dependencies: [
                "MamiMemory", "MamiEncoder", "MamiWire", "MamiCore", "ServiceTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Tests/MemoryTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "MamiWire", "MamiCore", "MamiHTTP", "ServiceTestSupport",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/GatewayTests",
            exclude: ["python"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "MamiWire", "MamiCore", "MamiHTTP", "ServiceTestSupport",
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/EndToEndTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayUnitTests",
            dependencies: [
                "MamiGateway", "MamiService", "MamiCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Tests/GatewayUnitTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ImageWorkerTests",
            dependencies: ["MamiWire", "MamiCore", "MamiHTTP", "ServiceTestSupport"],
            path: "Tests/ImageWorkerTests",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceTestSupport",
            dependencies: [
                "MamiWire", "MamiCore", "MamiHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/ServiceTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServiceTests",
            dependencies: ["MamiWire", "MamiCore", "MamiSupervision", "MamiService", "MamiHTTP", "ServiceTestSupport"],
            path: "Tests/ServiceTests",
            swiftSettings: swiftSettings
        ),
    ]
)
