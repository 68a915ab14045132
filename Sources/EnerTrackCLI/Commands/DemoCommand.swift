import ArgumentParser
import EnerTrackCore
import EnerTrackIngest
import EnerTrackKit
import EnerTrackRuntime
import EnerTrackTelegram
import EnerTrackWeb
import Foundation
import Logging

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Try EnerTrack in one command: simulated meters with 90 days of history, then the dashboard.",
        discussion: """
            Creates everything in DIR (default: a new temporary directory) on the embedded stores: \
            a demo administrator with a random password (printed once), five simulated meters with \
            90 days of readings every 5 minutes on a 2.0TD tariff, thresholds set so that one alert fires, then \
            serves the dashboard on http://127.0.0.1:PORT while the meters keep sending a reading \
            every 5 seconds and the alert check runs every minute. Ctrl-C stops it; nothing \
            outside DIR is touched. The demo's cookies work over plain HTTP.

            Examples:
              enertrack demo
              enertrack demo --port 8080 --dir /tmp/enertrack-demo
              enertrack demo --setup-only --dir /tmp/enertrack-demo
            """)

    @Option(help: ArgumentHelp("Data directory for the demo (must be empty or new).", valueName: "dir"))
    var dir: String?
    @Option(help: "TCP port of the dashboard.") var port = 8006
    @Option(help: ArgumentHelp("Address to listen on.", valueName: "ADDR")) var listen = "127.0.0.1"
    @Option(help: ArgumentHelp("Days of backfilled history.", valueName: "DAYS")) var days = 90
    @Flag(help: "Create the data and exit, without serving.") var setupOnly = false
    @Flag(help: "No progress line, even on a terminal.") var quiet = false

    /// The simulated consumers: the house's three circuits, then two meters of their own.
    static let meters = [
        ("ESP32_COCINA", "Cocina", "Planta baja"), ("ESP32_CLIMA", "Climatización", "Planta alta"),
        ("ESP32_SALON", "Salón y resto", "Planta baja"), ("ESP32_TALLER", "Taller", "Garaje"),
        ("ESP32_AULA1", "Aula 1", "Escuela, ala norte"),
    ]
    /// The house's circuits (the first three meters).
    static let circuits = 3
    /// The house's connection and its inverter, computed from the circuits and the sun.
    static let household = [
        ("ESP32_RED", "Red eléctrica", "Acometida", MeterRole.grid),
        ("ESP32_SOLAR", "Inversor solar", "Tejado", MeterRole.production),
    ]
    static var allMeters: [(String, String, String)] { meters + household.map { ($0.0, $0.1, $0.2) } }

    /// examples/tariff-2.0TD.toml's current prices.
    static let tariff = """
        name = "demo-2.0TD"
        currency = "EUR"

        [[version]]
        from = 2000-01-01
        periods = "es-2.0TD"
        energy = { P1 = 0.2250, P2 = 0.1590, P3 = 0.1050 }
        power_periods = "es-2.0TD"
        power = { P1 = 0.0821, P2 = 0.0037 }
        contracted_kw = { P1 = 4.6, P2 = 4.6 }
        fixed_per_day = 0.0266
        export = 0.05
        taxes = [
          { name = "IEE", percent = 5.11269632, on = ["energy", "power"] },
          { name = "IVA", percent = 21, on = ["energy", "power", "fixed", "IEE"] },
        ]
        """

    func validate() throws {
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1 to 65535") }
        guard (0...3_650).contains(days) else { throw ValidationError("--days must be 0 to 3650") }
    }

    func run() async throws {
        let directory = try dir ?? Self.temporaryDirectory()
        let services = try Self.services(dataDirectory: directory)
        let store = try services.directory()
        guard try await store.users(includeRemoved: true).isEmpty else {
            throw Failure(.cannotCreate, "\(directory) already holds an EnerTrack directory; give an empty --dir")
        }
        let password = try await Self.setUp(services, store: store)
        let series = try services.series()
        var simulator = Simulators()
        Print.err("backfilling \(days) days of readings for \(Self.allMeters.count) meters…\n")
        try await Self.backfill(
            &simulator, into: series, days: days, timeZone: services.settings.timeZone, quiet: quiet)
        try await store.recordLastSeen(Dictionary(uniqueKeysWithValues: Self.allMeters.map { ($0.0, Date()) }))

        let url = "http://\(listen == "0.0.0.0" ? "127.0.0.1" : listen):\(port)/"
        Print.out(
            """

            EnerTrack demo in \(directory)

              Dashboard:      \(url)
              User:           demo
              Password:       \(password)   (shown only this once)

            Seven simulated meters send a reading every 5 s: a house with solar panels (grid, inverter,
            three circuits; site 'casa'), a workshop and a classroom. The workshop's threshold (0.1 kW)
            fires an alert.
            Ctrl-C stops the demo; the data stays in \(directory).

            """)
        guard !setupOnly else { return }

        let logger = StderrLogHandler.logger(label: "demo", level: .info)
        let app = try services.buildApplication(trustedProxies: [], insecure: true, logger: logger)
        let runner = try services.alertRunner(bot: nil, logger: logger, directory: store, series: series)
        let live = Task { [simulator] in
            await Self.live(simulator, series: series, store: store, alerts: runner, services: services, logger: logger)
        }
        defer { live.cancel() }
        logger.notice("serving on http://\(listen.contains(":") ? "[\(listen)]" : listen):\(port)")
        try await ServiceRunner.run(
            [WebServer.service(app: app, host: listen, port: port, logger: logger)], logger: logger)
    }

    /// The demo's own configuration: the embedded stores in `dataDirectory`, whatever else is set.
    static func services(dataDirectory: String) throws -> Services {
        let context = CommandContext.current
        var environment = context.environment
        environment[ConfigKey.dataDirectory.name] = dataDirectory
        for key in [ConfigKey.mysqlHost, .mysqlSocket, .influxURL] { environment[key.name] = nil }
        let settings = try Settings(
            ConfigurationLoader(
                environment: environment, systemEnvFile: "/nonexistent", currentDirectory: context.currentDirectory
            ).load(configFile: nil))
        return Services(settings, context: context)
    }

    /// The demo user (an administrator, with a random password, returned), its five meters, two
    /// thresholds and a Spanish 2.0TD tariff.
    static func setUp(_ services: Services, store: any DirectoryStore) async throws -> String {
        let admin = try services.admin(store)
        let password = randomPassword()
        let user = try await admin.addUser(
            username: "demo", email: "demo@enertrack.invalid", name: "Demo", isAdmin: true, password: password)
        for (espID, name, location) in allMeters {
            _ = try await admin.addNode(espID: espID, name: name, description: "PZEM-004T simulado")
            _ = try await admin.assign(username: "demo", espID: espID, location: location)
        }
        // The house: grid and inverter, and its three circuits.
        let sites = try services.siteAdmin(store)
        _ = try await sites.add(name: "casa", displayName: "Casa", timeZone: nil)
        for (espID, _, _, role) in household {
            _ = try await sites.place(espID: espID, site: "casa", role: role, parent: nil)
        }
        for (espID, _, _) in meters.prefix(circuits) {
            _ = try await sites.place(espID: espID, site: "casa", role: .consumption, parent: nil)
        }
        // One threshold the workshop exceeds all day, one the kitchen never reaches.
        let now = Date().milliseconds
        for node in try await store.nodes(includeInactive: false)
        where node.espID == "ESP32_TALLER" || node.espID == "ESP32_COCINA" {
            try await store.setThreshold(
                userID: user.id, nodeID: node.id, kw: node.espID == "ESP32_TALLER" ? 0.1 : 20, now: now)
        }
        // The demo user's meters on a Spanish 2.0TD household tariff, so costs show everywhere.
        let tariffs = try services.tariffAdmin(store)
        _ = try await tariffs.importTariff(text: tariff, source: "the demo tariff")
        _ = try await tariffs.assign(tariff: "demo-2.0TD", to: .user("demo"), from: nil)
        return password
    }

    /// `days` of readings every 5 minutes for every meter, up to now, and their rollups.
    static func backfill(
        _ simulator: inout Simulators, into series: any SeriesStore, days: Int, timeZone: TimeZone, quiet: Bool = false
    ) async throws {
        let now = Date().milliseconds
        let start = now - Int64(days) * 86_400_000
        var time = start
        var batch: [Reading] = []
        let progress = ProgressLine("backfilling", unit: "days", quiet: quiet)
        defer { progress.finish() }
        while time <= now {
            progress.update(Double(time - start) / 86_400_000, of: Double(days))
            batch += simulator.readings(time: time, timeZone: timeZone)
            if batch.count >= 5_000 {
                try await series.write(batch)
                batch.removeAll(keepingCapacity: true)
            }
            time += 300_000
        }
        try await series.write(batch)
        try await series.refreshRollups()
    }

    /// The meters' readings every 5 s, and the alert rules every minute, until cancelled.
    static func live(
        _ simulator: Simulators, series: any SeriesStore, store: any NodeStore, alerts: AlertRunner,
        services: Services, logger: Logger
    ) async {
        var simulator = simulator
        var lastCheck = Date.distantPast
        let timeZone = services.settings.timeZone
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(5))
            let now = Date()
            let readings = simulator.readings(time: now.milliseconds, timeZone: timeZone)
            do {
                try await series.write(readings)
                try await store.recordLastSeen(Dictionary(uniqueKeysWithValues: allMeters.map { ($0.0, now) }))
                if now.timeIntervalSince(lastCheck) >= 60 {
                    lastCheck = now
                    var options = AlertRunner.Options()
                    options.timeZone = timeZone
                    _ = try await alerts.run(options)
                }
            } catch {
                logger.warning("demo meters: \(error)")
            }
        }
    }

    /// The demo's meters: the consumers from `MeterSimulator`, the house's grid and inverter
    /// from `HouseholdSimulator` over its circuits.
    struct Simulators: Sendable {
        /// The house (its circuits, inverter and grid meter); the other meters are whole premises.
        var house = HouseSimulation(
            gridID: DemoCommand.household[0].0, solarID: DemoCommand.household[1].0,
            circuitIDs: DemoCommand.meters.prefix(DemoCommand.circuits).map(\.0))
        var others = MeterSimulator(count: DemoCommand.meters.count - DemoCommand.circuits, prefix: "DEMO", seed: 2027)

        mutating func readings(time: Int64, timeZone: TimeZone) -> [Reading] {
            var readings = house.readings(time: time, timeZone: timeZone)
            for (index, meter) in DemoCommand.meters.dropFirst(DemoCommand.circuits).enumerated() {
                var reading = others.reading(meter: index, time: time, timeZone: timeZone)
                reading.node = meter.0
                // The workshop is three-phase (a Shelly Pro 3EM's shape), its machines on one line.
                readings.append(meter.0 == "ESP32_TALLER" ? MeterSimulator.threePhase(reading) : reading)
            }
            return readings
        }
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
