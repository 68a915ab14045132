import EnerTrackCore
import EnerTrackMariaDB
import EnerTrackRuntime
import EnerTrackSQL
import Foundation
import Testing

/// The three-node Galera cluster `scripts/test` starts on loopback (`scripts/services/galera`).
enum GaleraCluster {
    static var ports: [UInt32] {
        get throws {
            guard let text = TestServers.environment["ENERTRACK_TEST_GALERA_PORTS"] else {
                throw TestServers.Missing(
                    description: "no test Galera cluster: run scripts/test, or start one with "
                        + "'eval $(scripts/services/galera start /tmp/et-galera)' before swift test")
            }
            let ports = text.split(separator: ",").compactMap { UInt32($0) }
            guard ports.count == 3 else {
                throw TestServers.Missing(description: "ENERTRACK_TEST_GALERA_PORTS=\(text)")
            }
            return ports
        }
    }

    static var directory: String {
        get throws {
            guard let dir = TestServers.environment["ENERTRACK_TEST_GALERA_DIR"] else {
                throw TestServers.Missing(description: "ENERTRACK_TEST_GALERA_DIR is not set")
            }
            return dir
        }
    }

    /// Settings for a database on node `node` (1 to 3).
    static func settings(node: Int, database: String) throws -> MariaDBSettings {
        MariaDBSettings(
            host: "127.0.0.1", port: try ports[node - 1], socket: nil, user: "enertrack",
            password: "test-password-1", database: database, sslCA: nil)
    }

    /// The `MYSQL_*` variables that point a command at node `node`.
    static func environment(node: Int, database: String) throws -> [String: String] {
        [
            "MYSQL_HOST": "127.0.0.1", "MYSQL_PORT": String(try ports[node - 1]), "MYSQL_USER": "enertrack",
            "MYSQL_PASSWORD": "test-password-1", "MYSQL_DB": database,
        ]
    }

    /// scripts/services/galera ACTION DIR NODE (kill, rejoin, size), on a thread of the blocking
    /// pool: a rejoin takes seconds, which a thread of the cooperative pool must not wait out.
    @discardableResult
    static func service(_ action: String, node: Int) async throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../scripts/services/galera").standardized.path
        let arguments = [action, try directory, String(node)]
        return try await BlockingPool.shared.run { try shell(script, arguments) }
    }

    static func query(node: Int, database: String, _ sql: String) throws -> [SQLResultRow] {
        try MariaDBConnection(settings: settings(node: node, database: database)).query(sql)
    }
}
