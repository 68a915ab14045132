import ArgumentParser
import EnerTrackCore
import EnerTrackKit
import Foundation

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Try EnerTrack on the embedded stores: a demo admin, five meters and their assignments.",
        discussion: """
            Creates everything in DIR (default: a new temporary directory), prints the demo \
            administrator's password once, and lists what it made. Nothing outside DIR is touched.

            Example:
              enertrack demo --dir /tmp/enertrack-demo
            """)

    @Option(help: ArgumentHelp("Data directory for the demo (must be empty or new).", valueName: "dir"))
    var dir: String?

    func run() async throws {
        let directory = try dir ?? Self.temporaryDirectory()
        let context = CommandContext.current
        var environment = context.environment
        environment[ConfigKey.dataDirectory.name] = directory
        for key in [ConfigKey.mysqlHost, .mysqlSocket, .influxURL] { environment[key.name] = nil }
        let configuration = try ConfigurationLoader(
            environment: environment, systemEnvFile: "/nonexistent", currentDirectory: context.currentDirectory
        ).load(configFile: nil)
        let store = try Stores.directory(configuration)
        guard try await store.users(includeRemoved: true).isEmpty else {
            throw Failure(.cannotCreate, "\(directory) already holds an EnerTrack directory; give an empty --dir")
        }
        let admin = DirectoryAdmin(store: store, hasher: context.passwordHasher)
        let password = Self.randomPassword()
        _ = try await admin.addUser(
            username: "demo", email: "demo@enertrack.invalid", name: "Demo", isAdmin: true, password: password)
        let meters = [
            ("ESP32_COCINA", "Cocina", "Planta baja"), ("ESP32_SALON", "Salón", "Planta baja"),
            ("ESP32_TALLER", "Taller", "Garaje"), ("ESP32_AULA1", "Aula 1", "Escuela, ala norte"),
            ("ESP32_SOLAR", "Inversor solar", "Tejado"),
        ]
        for (espID, name, location) in meters {
            _ = try await admin.addNode(espID: espID, name: name, description: "Simulated PZEM-004T meter")
            _ = try await admin.assign(username: "demo", espID: espID, location: location)
        }
        // Name the binary as it was run: after scripts/demo it is not on PATH yet.
        let program = CommandLine.arguments.first.flatMap { $0.hasSuffix("/enertrack") ? $0 : nil } ?? "enertrack"
        let renderer = RecordRenderer(timeZone: configuration.timeZone)
        let assignments = try await admin.assignments(AssignmentFilter(username: "demo"))
        Print.out("""
            EnerTrack demo in \(directory)

            Administrator: demo
            Password:      \(password)   (shown only this once)

            \(renderer.table(assignments.map(\.record), empty: "no assignments"))
            Try:
              \(program) --help
              \(program) user list --data-dir \(directory)
              \(program) node list --data-dir \(directory) --json

            """)
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("enertrack-demo-\(UUID().uuidString.prefix(8).lowercased())").path
        return try Stores.ensureDataDirectory(path)
    }

    static func randomPassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
