import Foundation
import Testing

/// One run of admin commands gives the same output, errors and exit statuses on both directory stores.
@Suite("Same results on SQLite and MariaDB")
struct SameResultsTests {
    static let script: [[String]] =
        [
            ["user", "add", "ana", "--email", "ana@example.org", "--admin", "--password-stdin"],
            ["user", "add", "José", "--email", "jose@example.org", "--name", "José Pérez", "--password-stdin"],
            ["user", "add", "luis_2", "--email", "luis@example.org", "--password-stdin"],
            ["node", "add", "ESP32_A", "--name", "Cocina"],
            ["node", "add", "ESP32_1", "--name", "Salón ⚡", "--description", "<b>&amp;"],
            ["node", "add", "esp-b"],
            ["assign", "add", "ana", "ESP32_A", "--location", "Planta baja"],
            ["assign", "add", "jose", "esp32_a"],
            ["assign", "add", "JOSÉ", "ESP32_1", "--location", "Sótano"],
            ["assign", "add", "luis_2", "esp-b"],
        ] + CommandTests.rejections.map(\.0) + [
            ["node", "edit", "ESP32_A", "--description", "PZEM-004T"],
            ["assign", "set", "ana", "ESP32_A", "--location", "Cocina"],
            ["assign", "remove", "jose", "ESP32_A"],
            ["assign", "add", "jose", "ESP32_A"],
            ["node", "remove", "esp-b"],
            ["assign", "add", "ana", "esp-b"],
            ["node", "restore", "esp-b"],
            ["user", "disable", "luis_2"],
            ["user", "enable", "luis_2"],
            ["user", "remove", "luis_2"],
            ["user", "passwd", "ana", "--password-stdin"],
            ["user", "list"], ["user", "list", "--all", "--json"],
            ["node", "list"], ["node", "list", "--all", "--json"], ["node", "show", "esp32_1"],
            ["assign", "list"], ["assign", "list", "--all", "--json"], ["assign", "list", "--user", "jose"],
            ["assign", "list", "--node", "ESP32_A", "--json"],
        ]

    /// Outputs with times and store locations replaced, so only behaviour is compared.
    func transcript(_ harness: Harness) async -> [String] {
        var lines: [String] = []
        for command in Self.script {
            let result = await harness.run(command, stdin: ["a-long-enough-password"])
            let text = "\(command.joined(separator: " ")) => \(result.status)\n\(result.stdout)\(result.stderr)"
            lines.append(
                text.replacingOccurrences(
                    of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"#, with: "<time>", options: .regularExpression))
        }
        return lines
    }

    @Test("every command prints the same and exits the same on both stores")
    func sameTranscript() async throws {
        let sqlite = await transcript(try Harness())
        let database = TestServers.freshDatabaseName()
        let mariadbHarness = try Harness(environment: TestServers.mariaDBEnvironment(database: database))
        let migrated = await mariadbHarness.run(["db", "migrate"])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        let mariadb = await transcript(mariadbHarness)
        #expect(sqlite.count == mariadb.count)
        for (expected, actual) in zip(sqlite, mariadb) {
            #expect(actual == expected)
        }
    }
}
