// swift-tools-version:6.2
import PackageDescription

// Layers, dependencies pointing down only (README "Development" draws the graph):
//   enertrack (executable) -> EnerTrackCLI (commands; the one place that reads configuration and builds stores and
//   services) -> EnerTrackWeb, EnerTrackIngest, EnerTrackTelegram (front ends and services) -> EnerTrackKit (the
//   services every front end calls, store selection, output) -> store implementations (EnerTrackSQLite,
//   EnerTrackMariaDB, EnerTrackInflux) -> EnerTrackSQL (the directory SQL both drivers share) -> EnerTrackCore
//   (domain, rules, words, errors, store protocols; no I/O, no SQL). EnerTrackRuntime (systemd notify, logging,
//   running services, blocking calls) and EnerTrackHTTP (libcurl) sit beside, used where needed.
// Our own targets build with warnings as errors (dependencies keep their warnings).
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

let package = Package(
    name: "enertrack",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "enertrack", targets: ["enertrack"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // The system's libcrypto for hashing (SHA-256, scrypt, PBKDF2): no second crypto library to compile.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "EnerTrackCore", dependencies: ["COpenSSL"], swiftSettings: strict),
        // The directory SQL both drivers share, written once over their transactions.
        .target(name: "EnerTrackSQL", dependencies: ["EnerTrackCore"], swiftSettings: strict),
        .target(
            name: "EnerTrackSQLite",
            dependencies: [
                "EnerTrackCore", "EnerTrackSQL", "EnerTrackRuntime", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .systemLibrary(
            name: "CMariaDB",
            pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"])]
        ),
        .target(
            name: "EnerTrackMariaDB",
            dependencies: ["EnerTrackCore", "EnerTrackSQL", "EnerTrackRuntime", "CMariaDB"],
            swiftSettings: strict
        ),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlienc", providers: [.apt(["libbrotli-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "EnerTrackHTTP", dependencies: ["CCurl", "EnerTrackRuntime"], swiftSettings: strict),
        .target(
            name: "EnerTrackInflux",
            dependencies: ["EnerTrackCore", "EnerTrackHTTP", "EnerTrackRuntime"],
            swiftSettings: strict
        ),
        .target(
            name: "EnerTrackKit",
            dependencies: [
                "EnerTrackCore", "EnerTrackSQLite", "EnerTrackMariaDB", "EnerTrackInflux", "EnerTrackRuntime",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strict
        ),
        // What every process needs around its work: systemd notify, journald-friendly logging, running
        // services until SIGTERM, and the one way to run blocking calls.
        .target(
            name: "EnerTrackRuntime",
            dependencies: [
                "CZlib", "CBrotli", "CSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "CSupport"),
        .target(
            name: "EnerTrackIngest",
            dependencies: [
                "EnerTrackCore", "EnerTrackKit", "EnerTrackRuntime", "CMosquitto", "CSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "EnerTrackTelegram",
            dependencies: [
                "EnerTrackCore", "EnerTrackHTTP", "EnerTrackKit", "EnerTrackRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "EnerTrackWeb",
            dependencies: [
                "EnerTrackCore", "EnerTrackKit", "EnerTrackRuntime", "EnerTrackTelegram",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "EnerTrackCLI",
            dependencies: [
                "EnerTrackKit", "EnerTrackIngest", "EnerTrackRuntime", "EnerTrackSQLite", "EnerTrackTelegram",
                "EnerTrackWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "enertrack", dependencies: ["EnerTrackCLI"], swiftSettings: strict),
        .testTarget(
            name: "EnerTrackTests",
            dependencies: [
                "EnerTrackCLI", "EnerTrackKit", "EnerTrackSQL", "EnerTrackSQLite", "EnerTrackMariaDB", "EnerTrackCore",
                "EnerTrackHTTP", "EnerTrackInflux", "EnerTrackIngest", "EnerTrackTelegram", "EnerTrackWeb",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
