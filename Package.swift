// swift-tools-version:6.2
import PackageDescription

// Layers, dependencies pointing down only:
//   enertrack (executable) -> EnerTrackCLI (commands) -> EnerTrackKit (services, store selection, output)
//   -> store implementations (EnerTrackSQLite, ...) -> EnerTrackCore (domain, configuration, errors; no I/O)
// Our own targets build with warnings as errors (dependencies keep their warnings).
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

let package = Package(
    name: "enertrack",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "enertrack", targets: ["enertrack"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .target(
            name: "EnerTrackCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "EnerTrackSQLite",
            dependencies: ["EnerTrackCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .systemLibrary(
            name: "CMariaDB",
            pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"])]
        ),
        .target(
            name: "EnerTrackMariaDB",
            dependencies: ["EnerTrackCore", "CMariaDB"],
            swiftSettings: strict
        ),
        .target(
            name: "EnerTrackKit",
            dependencies: ["EnerTrackCore", "EnerTrackSQLite", "EnerTrackMariaDB"],
            swiftSettings: strict
        ),
        .target(
            name: "EnerTrackCLI",
            dependencies: ["EnerTrackKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(name: "enertrack", dependencies: ["EnerTrackCLI"], swiftSettings: strict),
        .testTarget(
            name: "EnerTrackTests",
            dependencies: ["EnerTrackCLI", "EnerTrackKit", "EnerTrackSQLite", "EnerTrackMariaDB", "EnerTrackCore"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
