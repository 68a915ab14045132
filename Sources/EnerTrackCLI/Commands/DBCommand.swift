import ArgumentParser
import EnerTrackCore
import EnerTrackKit

struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Create or upgrade the database schema and show its state.",
        subcommands: [Migrate.self, Status.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending schema migrations to the directory store.",
            discussion: """
                Migrations are numbered and append-only; running this twice is harmless, and two runs \
                at once are serialised. The embedded store also migrates itself on first use; MariaDB \
                is changed only by this command (the database is created when missing).

                Example:
                  enertrack db migrate --dry-run
                  enertrack db migrate
                """)

        @OptionGroup var global: GlobalOptions
        @Flag(name: .long, help: "Report what would be applied without changing anything.")
        var dryRun = false

        func run() async throws {
            let configuration = try global.configuration()
            let store = try Stores.directory(configuration, migrate: false)
            let status = try await store.migrate(dryRun: dryRun)
            let verb = dryRun ? "would apply" : "applied"
            let pending = status.pending.isEmpty ? "nothing pending" : "\(verb): \(status.pending.joined(separator: ", "))"
            Print.out("\(status.store) \(status.location): schema \(status.applied.last ?? "empty"); \(pending)\n")
            for note in status.notes { Print.out("  \(note)\n") }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the schema version, applied and pending migrations.",
            discussion: """
                Example:
                  enertrack db status --json
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let configuration = try global.configuration()
            let status = try await Stores.directory(configuration, migrate: false).schemaStatus()
            let record = Record([
                "store": .text(status.store), "location": .text(status.location),
                "version": .text(status.applied.last), "applied": .list(status.applied), "pending": .list(status.pending), "notes": .list(status.notes),
                "current": .flag(status.isCurrent),
            ])
            Print.record(record, json: output.json, configuration: configuration)
        }
    }
}
