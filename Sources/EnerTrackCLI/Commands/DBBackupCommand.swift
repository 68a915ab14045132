import ArgumentParser
import EnerTrackCore
import EnerTrackKit
import EnerTrackRuntime
import EnerTrackSQLite
import Foundation

extension DBCommand {
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Back up the embedded stores, consistently, while ingest and serve run.",
            discussion: """
                Writes DEST/enertrack-backup-<UTC time>/ with a copy of each embedded store \
                (directory.sqlite, series.sqlite) and manifest.json: this version, the time, and \
                each copy's migrations, rows per table, size and SHA-256. Each copy is the store at \
                one instant (SQLite's online backup inside one read transaction): writers are never \
                blocked and nothing is half-copied. The backup appears under its name only when \
                complete. --keep N then removes all but the newest N backups in DEST.

                A directory on MariaDB or a series store on InfluxDB is not copied: the command \
                names their own tools (mariadb-dump --single-transaction, influxd backup), as the \
                README's "Operating" section does. The package's enertrack-backup.timer runs \
                'enertrack db backup /var/backups/enertrack --keep 7' every night.

                Exit status: 0 done, 73 DEST cannot be written, 65 a store cannot be read.

                Examples:
                  enertrack db backup /var/backups/enertrack
                  enertrack db backup /var/backups/enertrack --keep 7 --quiet
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Directory the backup is made in (created when missing).") var destination: String
        @Option(help: ArgumentHelp("Keep only the newest N backups in the directory.", valueName: "N")) var keep: Int?
        @Flag(help: "No progress line, even on a terminal.") var quiet = false
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let keep, keep < 1 { throw ValidationError("--keep must be at least 1") }
        }

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            let made = try Backups.backup(
                settings: settings, into: destination, keep: keep, version: Enertrack.version, quiet: quiet)
            for note in made.manifest.elsewhere { Print.err("not in this backup: \(note)\n") }
            if output.json {
                try Print.json(made.manifest, settings: settings)
            } else {
                for copy in made.manifest.stores {
                    let rows = copy.rows.values.reduce(0, +)
                    Print.out(
                        "\(made.path)/\(copy.file): \(copy.bytes) bytes, \(rows) rows, sha256 \(copy.sha256.prefix(16))…\n"
                    )
                }
                if made.manifest.stores.isEmpty { Print.out("\(made.path): no embedded store to copy\n") }
                for old in made.removed { Print.out("removed \(old) (--keep \(keep ?? 0))\n") }
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a backup of the embedded stores into an empty data directory.",
            discussion: """
                Checks the backup first — its manifest, every copy's SHA-256, that SQLite reads it, \
                and that this version knows every migration it has — and refuses, naming why, \
                before anything is written. The data directory (ENERTRACK_DATA_DIR or --data-dir) \
                must hold none of the stores yet: stop the services and move the old files away. \
                Each file is copied under a temporary name and renamed when complete.

                Exit status: 0 restored, 66 no backup there, 65 damaged, newer or unreadable, \
                73 the target holds a store already, 78 the configuration puts that store on \
                MariaDB or InfluxDB.

                Example:
                  systemctl stop enertrack-ingest enertrack-serve
                  mv /var/lib/enertrack /var/lib/enertrack.old && install -d -o enertrack -g enertrack /var/lib/enertrack
                  sudo -u enertrack enertrack db restore /var/backups/enertrack/enertrack-backup-20261205T033000Z
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The backup's directory (with manifest.json).") var source: String
        @Flag(help: "No progress line, even on a terminal.") var quiet = false

        func run() async throws {
            let services = try global.services()
            let manifest = try Backups.restore(from: source, settings: services.settings, quiet: quiet)
            for copy in manifest.stores {
                Print.out(
                    "restored the \(copy.store) store (\(copy.rows.values.reduce(0, +)) rows, made \(manifest.createdAt) by enertrack \(manifest.enertrack))\n"
                )
            }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete raw readings older than ENERTRACK_RETENTION (the rollups stay).",
            discussion: """
                With ENERTRACK_RETENTION set (at least 7d, e.g. 400d), readings older than that are \
                deleted a meter and a day at a time, so ingest's writes wait a moment at most. The \
                15-minute rollups stay: consumption, cost, bills, KPIs and charts over the pruned \
                range give the same figures as before; 'report readings' there says the readings \
                are gone. The file shrinks (incremental vacuum; a store made before this version \
                is converted once with a full VACUUM). Without ENERTRACK_RETENTION nothing is \
                deleted. On InfluxDB the same happens with DELETE per meter (InfluxDB frees the \
                space when it compacts its shards); never give the database a finite retention \
                policy, which would drop the rollups too.

                The package's enertrack-backup.service runs it after the nightly backup, the cron \
                line at 04:30, and ingest once a day while idle.

                Examples:
                  ENERTRACK_RETENTION=400d enertrack db prune
                  enertrack db prune --dry-run
                """)

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Say what would be deleted, delete nothing.") var dryRun = false
        @Flag(help: "No progress line, even on a terminal.") var quiet = false

        func run() async throws {
            let services = try global.services()
            let settings = services.settings
            guard let retention = settings.readings.retention else {
                Print.out("ENERTRACK_RETENTION is not set: every reading is kept\n")
                return
            }
            let store = try services.series()
            guard let series = store as? any Prunable else {
                Print.out("series store \(store.location) does not prune its readings\n")
                return
            }
            let horizon = EnergyBuckets.floor(Date().milliseconds - retention)
            let when = ISO8601.format(milliseconds: horizon, timeZone: settings.timeZone)
            if dryRun {
                let count = try await series.countReadings(before: horizon)
                Print.out("would delete about \(count) readings before \(when) (the rollups stay)\n")
                return
            }
            let progress = ProgressLine("pruning", unit: "meters", quiet: quiet)
            let summary = try await series.prune(before: horizon) { done, total in
                progress.update(Double(done), of: Double(total))
            }
            progress.finish()
            let freed = summary.freedBytes.map { "; the file shrank by \($0 / 1_048_576) MiB" } ?? ""
            Print.out(
                "deleted \(summary.deleted) readings before \(when) of \(summary.meters) meters; the rollups stay\(freed)\n"
            )
        }
    }
}
