import EnerTrackCore
import Foundation

/// Sources of readings (`enertrack source`) in portable SQL, shared by both directory stores:
/// table `meter_sources`, one row per source; an ESPHome source's map as JSON text.
public enum SourceSQL {
    static let select = "SELECT name, topic_filter, decoder, sensor_map, discovery_prefix FROM meter_sources"

    static func source(_ row: SQLResultRow) -> MeterSource? {
        guard let name = row.string("name"), let filter = row.string("topic_filter"),
            let decoder = row.string("decoder").flatMap(DecoderKind.init(rawValue:))
        else { return nil }  // a row written by a newer version: skipped, not guessed
        let map = row.string("sensor_map").flatMap { text in
            try? JSONDecoder().decode([String: SensorMapping].self, from: Data(text.utf8))
        }
        return MeterSource(
            name: name, filter: filter, decoder: decoder, map: map ?? [:],
            discoveryPrefix: row.string("discovery_prefix"))
    }

    public static func all(_ sql: any SQLTransaction) throws -> [MeterSource] {
        try sql.rows(select + " ORDER BY name").compactMap(source)
    }

    public static func add(_ sql: any SQLTransaction, _ source: MeterSource, now: Int64) throws {
        guard try sql.rows(select + " WHERE name = ?", .text(source.name)).isEmpty else {
            throw SourceError.exists(source.name)
        }
        let map = source.map.isEmpty ? nil : try JSONEncoder().encode(source.map)
        try sql.run(
            "INSERT INTO meter_sources (name, topic_filter, decoder, sensor_map, discovery_prefix, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            .text(source.name), .text(source.filter), .text(source.decoder.rawValue),
            map.map { .text(String(decoding: $0, as: UTF8.self)) } ?? .null,
            source.discoveryPrefix.map(SQLArgument.text) ?? .null, .int(now))
    }

    public static func remove(_ sql: any SQLTransaction, name: String) throws {
        guard try sql.run("DELETE FROM meter_sources WHERE name = ?", .text(name)) > 0 else {
            throw SourceError.notFound(name)
        }
    }
}

extension SQLDirectoryBackend {
    public func sources() async throws -> [MeterSource] {
        try await sqlRead { sql in try SourceSQL.all(sql) }
    }

    public func addSource(_ source: MeterSource) async throws {
        try await sqlTransaction { sql in try SourceSQL.add(sql, source, now: Date().milliseconds) }
    }

    public func removeSource(name: String) async throws {
        try await sqlTransaction { sql in try SourceSQL.remove(sql, name: name) }
    }
}
