import ArgumentParser
import EnerTrackCore
import EnerTrackKit

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the effective configuration.",
        subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every setting, its effective value and where it came from.",
            discussion: """
                Secrets (passwords, tokens, the secret key) are shown as ******** when set, and \
                credentials inside URLs (INFLUX_URL=https://user:pass@host) as ***. Sources: \
                flag, environment, file PATH:LINE, or default.

                Example:
                  enertrack config show --config /etc/enertrack/enertrack.env
                  enertrack config show --json | jq -r '.[] | select(.key == "MYSQL_HOST") | .value'
                """)

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let settings = try global.settings()
            var records = ConfigKey.all.map { key in
                let value = settings.configuration.values[key.name]
                let shown = value.map { key.isSecret ? "********" : key.kind == .url ? Redact.url($0.value) : $0.value }
                return Record([
                    "key": .text(key.name), "value": .text(shown),
                    "source": .text(value.map { "\($0.source)" } ?? "unset"),
                    "secret": .flag(key.isSecret), "summary": .text(key.summary),
                ])
            }
            let directory = settings.usesMariaDB ? "mariadb" : "sqlite"
            let series = settings.usesInflux ? "influxdb" : "sqlite"
            records.append(
                Record([
                    "key": .text("directory_store"), "value": .text(directory),
                    "source": .text("derived from MYSQL_HOST/MYSQL_SOCKET"), "secret": .flag(false),
                    "summary": .text("Where users, nodes and assignments are kept"),
                ]))
            records.append(
                Record([
                    "key": .text("series_store"), "value": .text(series), "source": .text("derived from INFLUX_URL"),
                    "secret": .flag(false), "summary": .text("Where readings are kept"),
                ]))
            if !output.json {
                // The summaries are for scripts and the man page; the table stays narrow.
                records = records.map { record in
                    var narrow = record
                    narrow.fields.removeAll { $0.key == "summary" }
                    return narrow
                }
            }
            Print.records(records, json: output.json, settings: settings, empty: "")
        }
    }
}
