import Foundation
import Testing

/// Progress lines of long work: on a terminal only, never with --quiet.
@Suite("Progress on a terminal")
struct ProgressTests {
    @Test(
        "import, db rollup --rebuild and db backup draw a progress line on a terminal; nothing through a pipe or with --quiet"
    )
    func progress() async throws {
        let directory = try temporaryDirectory("enertrack-progress")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/readings.csv"
        let lines = (0..<60_000).map { "\(1_780_000_000 + $0 * 5),ESP_PROGRESS,\($0 % 3000)" }
        try (["time,node,power"] + lines).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let binary = EndToEndTests.binary
        let environment = "ENERTRACK_DATA_DIR=\(directory)/data ENERTRACK_CONFIG=/dev/null HOME=\(directory)"
        /// Under `script`, whose pseudo-terminal is the command's stdout and stderr.
        func onTerminal(_ command: String) throws -> String {
            try shell("/usr/bin/script", ["-q", "-e", "-c", "env \(environment) \(binary) \(command)", "/dev/null"])
        }
        let imported = try onTerminal("import \(file)")
        #expect(
            imported.contains("importing \(file): ") && imported.contains("MiB") && imported.contains("MiB/s"),
            "\(imported)")
        let quiet = try onTerminal("db rollup --rebuild --quiet")
        #expect(!quiet.contains("rebuilding rollups:"), "\(quiet)")
        let rebuilt = try onTerminal("db rollup --rebuild")
        #expect(rebuilt.contains("rebuilding rollups: 1 of 1 meters (100 %)"), "\(rebuilt)")
        let backup = try onTerminal("db backup \(directory)/backups")
        #expect(backup.contains("backing up the series store: "), "\(backup)")
        // Through a pipe (a log, the journal, cron's mail): the summary only.
        let piped = try shell(
            "/usr/bin/env",
            environment.split(separator: " ").map(String.init) + [binary, "db", "backup", directory + "/backups"])
        #expect(!piped.contains("backing up"), "\(piped)")
    }
}
