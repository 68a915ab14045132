import EnerTrackCore
import EnerTrackRuntime
import EnerTrackSQLite
import Foundation

/// What `enertrack db backup` writes beside the store copies: which version made them, when,
/// and each copy's migrations, row counts, size and SHA-256.
public struct BackupManifest: Codable, Sendable, Equatable {
    public static let fileName = "manifest.json"
    public static let currentFormat = 1

    public var format: Int
    public var enertrack: String
    /// ISO 8601, UTC.
    public var createdAt: String
    public var stores: [SQLiteBackup.StoreCopy]
    /// The stores not in the backup (on MariaDB or InfluxDB) and the tool that backs each up.
    public var elsewhere: [String]

    enum CodingKeys: String, CodingKey {
        case format, enertrack, stores, elsewhere
        case createdAt = "created_at"
    }
}

/// Backups of the embedded stores, made while the services run, and their restore into an
/// empty data directory (README "Operating").
public enum Backups {
    /// A backup's directory name: `enertrack-backup-20261205T033000Z`.
    public static let namePrefix = "enertrack-backup-"

    public enum Problem: ExitStatusError, Equatable {
        case missing(String)
        case checksum(file: String)
        case newerSchema(store: String, migrations: [String])
        case newerFormat(Int)
        case targetNotEmpty(String)
        case targetElsewhere(store: String, where: String)
        case badManifest(String)

        public var exitStatus: ExitStatus {
            switch self {
            case .missing: .noInput
            case .targetNotEmpty: .cannotCreate
            case .targetElsewhere: .configuration
            default: .dataError
            }
        }

        public var description: String {
            switch self {
            case .missing(let path): "no backup at \(path) (a directory with \(BackupManifest.fileName))"
            case .checksum(let file):
                "\(file): its SHA-256 is not the manifest's; the backup is damaged, nothing was restored"
            case .newerSchema(let store, let migrations):
                "the \(store) store of this backup has migrations this version does not know (\(migrations.joined(separator: ", "))): restore it with a newer enertrack"
            case .newerFormat(let format): "the backup's manifest format \(format) is newer than this version's"
            case .targetNotEmpty(let path):
                "\(path) exists: restore only into a data directory without stores (move it away first)"
            case .targetElsewhere(let store, let location):
                "the configuration puts the \(store) store on \(location): restore into a data directory configured for the embedded store"
            case .badManifest(let why): "the backup's manifest cannot be read: \(why)"
            }
        }
    }

    /// The embedded stores of `settings` that exist, as (store, live file): a store nothing
    /// has written to yet has nothing to back up.
    static func embedded(_ settings: Settings) -> [(store: String, path: String)] {
        var stores: [(String, String)] = []
        if case .sqlite(let path) = settings.directory { stores.append(("directory", path)) }
        if case .sqlite(let path) = settings.series { stores.append(("series", path)) }
        return stores.filter { FileManager.default.fileExists(atPath: $0.1) }
    }

    /// What a sysadmin runs for the stores that are not embedded.
    static func elsewhere(_ settings: Settings) -> [String] {
        var notes: [String] = []
        if case .mariaDB(let maria) = settings.directory {
            notes.append(
                "directory on MariaDB: mariadb-dump --single-transaction --routines -h \(maria.host ?? "localhost") -P \(maria.port) -u \(maria.user) -p \(maria.database) > directory.sql"
            )
        }
        if case .influx(let influx) = settings.series {
            notes.append(
                "series on InfluxDB: influxd backup -portable -database \(influx.database) -host RPC_ADDRESS DIRECTORY (README \"Operating\")"
            )
        }
        return notes
    }

    /// Copies every embedded store into a new directory under `parent` (made complete under a
    /// temporary name, then renamed: a half-made backup never looks like one), writes its
    /// manifest, and with `keep` removes all but the newest `keep` backups there.
    public static func backup(
        settings: Settings, into parent: String, keep: Int?, version: String, now: Date = Date(), quiet: Bool = false
    ) throws -> (path: String, manifest: BackupManifest, removed: [String]) {
        let stamp = ISO8601.format(milliseconds: now.milliseconds, timeZone: .gmt)
            .replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
            .prefix(15)
        var name = namePrefix + stamp + "Z"
        // A second backup within the same second gets a suffix (names still sort by time).
        for number in 2...99 where FileManager.default.fileExists(atPath: parent + "/" + name) {
            name = namePrefix + stamp + "Z-\(number)"
        }
        let final = parent + "/" + name
        let partial = parent + "/." + name + ".partial"
        do {
            try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
        } catch {
            throw SQLiteBackup.Failure.cannotWrite(partial, error.localizedDescription)
        }
        var copies: [SQLiteBackup.StoreCopy] = []
        do {
            for (store, path) in embedded(settings) {
                let progress = ProgressLine("backing up the \(store) store", unit: "%", quiet: quiet)
                copies.append(
                    try SQLiteBackup.copy(store: store, from: path, to: partial + "/\(store).sqlite") { share in
                        progress.update(share * 100, of: 100)
                    })
                progress.finish()
            }
            let manifest = BackupManifest(
                format: BackupManifest.currentFormat, enertrack: version,
                createdAt: ISO8601.format(milliseconds: now.milliseconds, timeZone: .gmt), stores: copies,
                elsewhere: elsewhere(settings))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(manifest).write(to: URL(fileURLWithPath: partial + "/" + BackupManifest.fileName))
            try FileManager.default.moveItem(atPath: partial, toPath: final)
            return (final, manifest, keep.map { rotate(parent, keep: $0) } ?? [])
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            if let failure = error as? SQLiteBackup.Failure { throw failure }
            throw SQLiteBackup.Failure.cannotWrite(final, error.localizedDescription)
        }
    }

    /// Removes all but the newest `keep` complete backups under `parent` (names sort by time);
    /// nothing else there is touched.
    public static func rotate(_ parent: String, keep: Int) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [])
            .filter {
                $0.hasPrefix(namePrefix)
                    && FileManager.default.fileExists(atPath: "\(parent)/\($0)/\(BackupManifest.fileName)")
            }
            .sorted()
        let old = names.dropLast(max(keep, 1))
        for name in old { try? FileManager.default.removeItem(atPath: parent + "/" + name) }
        return old.map { parent + "/" + $0 }
    }

    /// Reads and checks a backup: its manifest, every copy's SHA-256 and readability, and that
    /// this version knows every migration.
    public static func verify(_ path: String) throws -> BackupManifest {
        let manifestPath = path + "/" + BackupManifest.fileName
        guard let data = FileManager.default.contents(atPath: manifestPath) else { throw Problem.missing(path) }
        let manifest: BackupManifest
        do { manifest = try JSONDecoder().decode(BackupManifest.self, from: data) } catch {
            throw Problem.badManifest("\(error)")
        }
        guard manifest.format <= BackupManifest.currentFormat else { throw Problem.newerFormat(manifest.format) }
        for copy in manifest.stores {
            guard ["directory", "series"].contains(copy.store), copy.file == "\(copy.store).sqlite" else {
                throw Problem.badManifest("unexpected store \(copy.store) in \(copy.file)")
            }
            let file = path + "/" + copy.file
            guard FileDigest.sha256(of: file) == copy.sha256 else { throw Problem.checksum(file: file) }
            let unknown = copy.migrations.filter { !SQLiteBackup.knownMigrations(store: copy.store).contains($0) }
            guard unknown.isEmpty else { throw Problem.newerSchema(store: copy.store, migrations: unknown) }
            _ = try SQLiteBackup.describe(store: copy.store, file: file)
        }
        return manifest
    }

    /// Verifies the backup at `path`, then copies its stores into the data directory of
    /// `settings`, which must hold none of them yet; each file lands complete (a temporary name,
    /// then a rename), owned as the data directory is.
    public static func restore(from path: String, settings: Settings, quiet: Bool = false) throws -> BackupManifest {
        let manifest = try verify(path)
        var targets: [(from: String, to: String)] = []
        for copy in manifest.stores {
            let live: String
            switch (copy.store, settings.directory, settings.series) {
            case ("directory", .sqlite(let file), _), ("series", _, .sqlite(let file)): live = file
            case ("directory", _, _): throw Problem.targetElsewhere(store: "directory", where: "MariaDB")
            default: throw Problem.targetElsewhere(store: "series", where: "InfluxDB")
            }
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: live + suffix) {
                throw Problem.targetNotEmpty(live + suffix)
            }
            targets.append((path + "/" + copy.file, live))
        }
        try Stores.ensureDataDirectory(settings.dataDirectory)
        for (index, target) in targets.enumerated() {
            let progress = ProgressLine("restoring \(manifest.stores[index].store)", unit: "%", quiet: quiet)
            let temporary = target.to + ".restoring"
            try? FileManager.default.removeItem(atPath: temporary)
            do {
                try FileManager.default.copyItem(atPath: target.from, toPath: temporary)
                try FileManager.default.moveItem(atPath: temporary, toPath: target.to)
            } catch {
                try? FileManager.default.removeItem(atPath: temporary)
                throw SQLiteBackup.Failure.cannotWrite(target.to, error.localizedDescription)
            }
            progress.update(100, of: 100)
            progress.finish()
            SQLiteBackup.keepOwner(target.to)
        }
        return manifest
    }
}
