import ArgumentParser
import EnerTrackCore
import EnerTrackKit
import EnerTrackRuntime
import EnerTrackSQLite
import Foundation

struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Create or upgrade the database schema, show its state, back it up and restore it.",
        subcommands: [Migrate.self, Status.self, Rollup.self, Backup.self, Restore.self, Prune.self])

    struct Rollup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild the consumption rollups of the series store from its raw readings.",
            discussion: """
                Both series stores keep energy and a summary of the readings per meter and 15-minute \
                bucket up to date on every write, so reports over long ranges need not read every \
                reading. Rebuild them after restoring readings from a backup, editing the store by \
                hand, or pointing EnerTrack at an InfluxDB database filled by the earlier Flask \
                deployment (until then, reports on such a meter compute from its raw readings).

                Examples:
                  enertrack db rollup --rebuild
                  enertrack db rollup --rebuild --from 2026-01-01
                """)

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Recompute the rollups (required: the only action).") var rebuild = false
        @Option(help: ArgumentHelp("Only from this time on: \(TimeArgument.help).", valueName: "TIME")) var from:
            String?
        @Flag(help: "No progress line, even on a terminal.") var quiet = false

        func validate() throws {
            guard rebuild else { throw ValidationError("say --rebuild to recompute the rollups") }
        }

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            let start = try from.map {
                try TimeArgument.option($0, flag: "--from", fallback: Date(), timeZone: settings.timeZone)
                    .milliseconds
            }
            let series = try services.series()
            try await series.check()
            let started = Date()
            let progress = ProgressLine("rebuilding rollups", unit: "meters", quiet: quiet)
            try await series.rebuildRollups(from: start) { done, total in
                progress.update(Double(done), of: Double(total))
            }
            progress.finish()
            Print.out(
                String(
                    format: "rebuilt the rollups of %@ in %.1f s\n", series.location, Date().timeIntervalSince(started))
            )
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending schema migrations to the directory store.",
            discussion: """
                Migrations are numbered and append-only; running this twice is harmless, and two runs \
                at once are serialised. The embedded store also migrates itself on first use; MariaDB \
                is changed only by this command (the database is created when missing).

                An earlier deployment's database is adopted as it is: each column EnerTrack needs in \
                Usuarios and Nodos is found by its name (see 'enertrack db status' for the mapping, and \
                MYSQL_COLUMN_MAP="Usuarios.username=login" to name one yourself); only columns with no \
                match are added, and nothing is renamed, dropped or retyped. The whole migration is \
                planned and checked before its first statement: one that cannot complete (a needed \
                column with no match: exit 78; duplicate usernames: exit 65) changes nothing.

                --to-original-ddl converts a database created by EnerTrack 0.1 (Usuarios and Nodos keyed \
                by usuario_id and nodo_id INT, UsuariosNodos with TIMESTAMPs) to the original layout: \
                keys named id of type INT(10) UNSIGNED and UsuariosNodos exactly the original DDL. Each \
                table changes in one ALTER, which MariaDB applies atomically; an interrupted conversion \
                is completed by running it again. Take a backup first (mariadb-dump), and stop serve, \
                ingest and the bot while it runs: they read the new key names when started again.

                Examples:
                  enertrack db migrate --dry-run
                  enertrack db migrate
                  enertrack db migrate --to-original-ddl --dry-run
                """)

        @OptionGroup var global: GlobalOptions
        @Flag(
            name: .long,
            help: "Report what would be applied (with --to-original-ddl: the statements) and change nothing.")
        var dryRun = false
        @Flag(
            name: .customLong("to-original-ddl"),
            help: "Convert a 0.1 database to the original keys and UsuariosNodos DDL.")
        var toOriginalDDL = false

        func run() async throws {
            let services = try global.services()
            let store = try services.directory(migrate: false)
            if toOriginalDDL {
                let status = try await store.convertToOriginalLayout(dryRun: dryRun)
                Print.out("\(status.store) \(status.location): \(dryRun ? "would run" : "converted"):\n")
                for note in status.notes { Print.out("  \(note)\n") }
                return
            }
            let status = try await store.migrate(dryRun: dryRun)
            let verb = dryRun ? "would apply" : "applied"
            let pending =
                status.pending.isEmpty ? "nothing pending" : "\(verb): \(status.pending.joined(separator: ", "))"
            Print.out("\(status.store) \(status.location): schema \(status.applied.last ?? "empty"); \(pending)\n")
            for note in status.notes { Print.out("  \(note)\n") }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the schema version, applied and pending migrations, and the column mapping.",
            discussion: """
                The mapping says which column of Usuarios and Nodos holds each thing EnerTrack reads, \
                and where that came from: created (a table this tool made), detected (found by its \
                name on an earlier table), recorded (by an earlier 'db migrate'), setting \
                (MYSQL_COLUMN_MAP), or added (missing: 'db migrate' adds it).

                On InfluxDB it also lists the measurements with their tags and fields, and which \
                tag and fields readings are read from and written to: a measurement the earlier \
                deployment filled is read where it is (INFLUX_MEASUREMENT, INFLUX_NODE_TAG and \
                INFLUX_FIELDS name them when detection does not).

                Example:
                  enertrack db status --json
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            let status = try await services.directory(migrate: false).schemaStatus()
            let series = try services.series()
            let layout: [String]
            do { layout = try await series.layoutReport() } catch { layout = ["not reachable: \(error)"] }
            let record = Record([
                "series": .text(series.location), "series_layout": .list(layout),
                "store": .text(status.store), "location": .text(status.location),
                "version": .text(status.applied.last), "applied": .list(status.applied),
                "pending": .list(status.pending), "notes": .list(status.notes), "mapping": .list(status.mapping),
                "current": .flag(status.isCurrent),
            ])
            Print.record(record, json: output.json, settings: settings)
        }
    }
}
