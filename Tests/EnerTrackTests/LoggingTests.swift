import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Log lines as the journal reads them, and the log level.
@Suite("Logs: syslog priorities for the journal, and the level", .serialized)
struct LoggingTests {
    /// `device:inode` of a file, as systemd puts its stream's in JOURNAL_STREAM.
    static func journalStream(_ path: String) throws -> String {
        var status = stat()
        guard stat(path, &status) == 0 else { throw HarnessError("cannot stat \(path)") }
        return "\(status.st_dev):\(status.st_ino)"
    }

    @Test(
        "stderr that is the journal: every line carries its priority; elsewhere none; ENERTRACK_LOG_LEVEL and --log-level filter"
    )
    func priorities() async throws {
        let site = try IngestSite()
        let journal = site.directory + "/journal.log"
        _ = FileManager.default.createFile(atPath: journal, contents: nil)
        var environment = site.environment
        environment["JOURNAL_STREAM"] = try Self.journalStream(journal)
        let ingest = try LiveProcess(
            ["ingest", "--client-id", site.prefix + "-journal"], environment: environment, logPath: journal,
            appending: true)
        #expect(await ingest.waitForLog("subscribed to"), "\(ingest.log)")
        await ingest.expectCleanStop()
        let lines = ingest.log.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("<5>notice: ingest starting") }, "\(ingest.log)")
        #expect(!lines.isEmpty && lines.allSatisfy { $0.hasPrefix("<") }, "every line has a priority: \(ingest.log)")

        // Not the journal (a file of another inode): plain lines.
        let plain = try await site.startedIngest(clientID: "plain", log: "plain.log")
        await plain.expectCleanStop()
        #expect(plain.log.contains("notice: ingest starting") && !plain.log.contains("<5>"), "\(plain.log)")

        // Warnings only: the notices are gone.
        environment["ENERTRACK_LOG_LEVEL"] = "warning"
        let quiet = try LiveProcess(
            ["ingest", "--client-id", site.prefix + "-quiet"], environment: environment,
            logPath: site.directory + "/quiet.log")
        try await Task.sleep(for: .seconds(2))
        await quiet.expectCleanStop()
        #expect(!quiet.log.contains("notice:"), "\(quiet.log)")

        let harness = try Harness()
        let bad = await harness.run(["--log-level", "loud", "config", "show"])
        #expect(bad.status != 0, "\(bad.stderr)")
        let badEnvironment = await harness.run(["config", "show"], environment: ["ENERTRACK_LOG_LEVEL": "loud"])
        #expect(
            badEnvironment.status == 78 && badEnvironment.stderr.contains("ENERTRACK_LOG_LEVEL"),
            "\(badEnvironment.stderr)")
    }
}
