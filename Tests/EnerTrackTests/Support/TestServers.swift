import EnerTrackCore
import EnerTrackMariaDB
import Foundation

/// The private servers `scripts/test` starts on loopback, found through the environment it exports.
/// A test that needs one and does not find it fails and says how to get it; it never passes silently.
enum TestServers {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Connection settings of the test MariaDB, for a database of this name.
    static func mariaDB(database: String) throws -> MariaDBSettings {
        guard let host = environment["ENERTRACK_TEST_MYSQL_HOST"],
            let port = environment["ENERTRACK_TEST_MYSQL_PORT"].flatMap(UInt32.init)
        else {
            throw Missing(
                description: "no test MariaDB: run scripts/test, or start one with "
                    + "'eval $(scripts/services/mariadb start /tmp/et-mariadb)' before swift test")
        }
        return MariaDBSettings(
            host: host, port: port, socket: nil, user: environment["ENERTRACK_TEST_MYSQL_USER"] ?? "root",
            password: environment["ENERTRACK_TEST_MYSQL_PASSWORD"], database: database, sslCA: nil)
    }

    /// A fresh database name, so tests never see each other's rows.
    static func freshDatabaseName() -> String {
        "et_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
    }

    /// The `MYSQL_*` variables that point a command at a database of the test MariaDB.
    static func mariaDBEnvironment(database: String) throws -> [String: String] {
        let settings = try mariaDB(database: database)
        return [
            "MYSQL_HOST": settings.host ?? "127.0.0.1", "MYSQL_PORT": String(settings.port),
            "MYSQL_USER": settings.user, "MYSQL_PASSWORD": settings.password ?? "", "MYSQL_DB": database,
        ]
    }

    /// A connection with full rights on the test server, for setting up scenarios (legacy tables).
    static func adminConnection(database: String) throws -> MariaDBConnection {
        try MariaDBConnection(settings: mariaDB(database: database), useDatabase: false)
    }

    /// The test broker: TLS listener, throwaway CA, password auth.
    struct Broker {
        let host: String
        let port: String
        let user: String
        let password: String
        let caFile: String
        /// A CA that did not sign the broker's certificate.
        let otherCAFile: String

        /// What `ingest` and `simulate` read to reach this broker.
        var environment: [String: String] {
            ["DOMINIO": host, "PUERTO_MQTTS": port, "MQTT_USR": user, "MQTT_PASS": password, "MQTT_CAFILE": caFile]
        }
    }

    static func broker() throws -> Broker {
        guard let host = environment["ENERTRACK_TEST_MQTT_HOST"], let port = environment["ENERTRACK_TEST_MQTT_PORT"],
            let ca = environment["ENERTRACK_TEST_MQTT_CA"]
        else {
            throw Missing(
                description: "no test broker: run scripts/test, or start one with "
                    + "'eval $(scripts/services/mosquitto start /tmp/et-mqtt)' before swift test")
        }
        return Broker(
            host: host, port: port, user: environment["ENERTRACK_TEST_MQTT_USER"] ?? "enertrack",
            password: environment["ENERTRACK_TEST_MQTT_PASSWORD"] ?? "", caFile: ca,
            otherCAFile: environment["ENERTRACK_TEST_MQTT_OTHER_CA"] ?? ca)
    }

    /// The test InfluxDB's URL (1.x API).
    static func influxURL() throws -> String {
        guard let url = environment["ENERTRACK_TEST_INFLUX_URL"] else {
            throw Missing(
                description: "no test InfluxDB: run scripts/test, or start one with "
                    + "'eval $(scripts/services/influxdb start /tmp/et-influx)' before swift test")
        }
        return url
    }

    /// A fresh InfluxDB database name (created by the store on first use).
    static func freshInfluxDatabase() -> String {
        "et_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
    }
}
