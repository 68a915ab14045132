import EnerTrackCore
import EnerTrackKit
import Foundation
import Testing

@Suite("Configuration: precedence, env file, checks, masking")
struct ConfigurationTests {
    func writeFile(_ text: String) throws -> String {
        let path = try temporaryDirectory("enertrack-config") + "/enertrack.env"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("flag > environment > env file > default")
    func precedence() throws {
        let file = try writeFile(
            "MYSQL_PORT=3307\nMYSQL_USER=from_file\nMYSQL_DB=file_db\nENERTRACK_DATA_DIR=/tmp/file-dir\n")
        let loader = ConfigurationLoader(
            environment: ["MYSQL_USER": "from_env", "ENERTRACK_DATA_DIR": "/tmp/env-dir"], systemEnvFile: "/nonexistent"
        )
        let configuration = try loader.load(
            configFile: file, flags: [ConfigKey.dataDirectory.name: ("/tmp/flag-dir", "--data-dir")])
        #expect(configuration.dataDirectory == "/tmp/flag-dir")
        #expect(configuration.source(of: .dataDirectory) == .flag("--data-dir"))
        #expect(configuration[.mysqlUser] == "from_env")
        #expect(configuration.source(of: .mysqlUser) == .environment("MYSQL_USER"))
        #expect(configuration[.mysqlPort] == "3307")
        #expect(configuration.source(of: .mysqlPort) == .file(path: file, line: 1))
        #expect(configuration[.mqttPort] == "8883")
        #expect(configuration.source(of: .mqttPort) == .defaultValue)
    }

    @Test("$ENERTRACK_CONFIG names the env file when --config is absent")
    func configFromEnvironment() throws {
        let file = try writeFile("DOMINIO=mqtt.example.org\n")
        let configuration = try ConfigurationLoader(
            environment: ["ENERTRACK_CONFIG": file], systemEnvFile: "/nonexistent"
        ).load(configFile: nil)
        #expect(configuration[.mqttHost] == "mqtt.example.org")
        #expect(configuration.envFile == file)
    }

    @Test("the earlier deployment's .env reads unchanged: comments, export, quotes, inline comments")
    func legacyEnvFile() throws {
        let text = """
            # EnerTrack (Flask)
            MYSQL_HOST=localhost
            export MYSQL_PASSWORD="p@ss w#rd"
            MYSQL_DB='medidoresEnergia'
            FLASK_SECRET_KEY = s3cret   # session key

            enertrackBotToken=123456:ABC-DEF
            OTHER.THING=ignored
            """
        let file = try EnvFile(path: "/x/.env", text: text)
        #expect(file.entries["MYSQL_HOST"]?.value == "localhost")
        #expect(file.entries["MYSQL_PASSWORD"]?.value == "p@ss w#rd")
        #expect(file.entries["MYSQL_PASSWORD"]?.line == 3)
        #expect(file.entries["MYSQL_DB"]?.value == "medidoresEnergia")
        #expect(file.entries["FLASK_SECRET_KEY"]?.value == "s3cret")
        #expect(file.entries["enertrackBotToken"]?.value == "123456:ABC-DEF")
    }

    @Test(
        "a malformed line names the file and the line",
        arguments: [
            ("A=1\nthis is not an assignment\n", "malformed line 2 in"),
            ("A=1\nB=2\n9X=3\n", "malformed line 3 in"),
            ("A=\"unterminated\n", "malformed line 1 in"),
        ])
    func malformed(_ text: String, _ message: String) throws {
        let path = try writeFile(text)
        #expect {
            try ConfigurationLoader(environment: [:], systemEnvFile: "/nonexistent").load(configFile: path)
        } throws: { error in
            let error = error as? ConfigError
            return error?.exitStatus == .configuration && error?.description.contains("\(message) \(path)") == true
        }
    }

    @Test(
        "an invalid value names the key and where it came from, never a secret's value",
        arguments: [
            ("MYSQL_PORT=abc", "invalid MYSQL_PORT 'abc'"),
            ("PUERTO_MQTTS=70000", "invalid PUERTO_MQTTS '70000'"),
            ("INFLUX_URL=localhost:8086", "invalid INFLUX_URL"),
            ("TZ=Mars/Olympus", "invalid TZ 'Mars/Olympus'"),
            ("ENERTRACK_LANG=fr", "invalid ENERTRACK_LANG 'fr'"),
        ])
    func invalidValue(_ line: String, _ message: String) throws {
        let path = try writeFile(line + "\n")
        #expect {
            try ConfigurationLoader(environment: [:], systemEnvFile: "/nonexistent").load(configFile: path)
        } throws: { error in
            (error as? ConfigError)?.description.hasPrefix(message) == true
                && (error as? ConfigError)?.description.contains("file \(path):1") == true
        }
    }

    @Test("the secret key answers to its alias ENERTRACK_SECRET_KEY")
    func alias() throws {
        let configuration = try ConfigurationLoader(
            environment: ["ENERTRACK_SECRET_KEY": "abc"], systemEnvFile: "/nonexistent"
        ).load(configFile: nil)
        #expect(configuration[.secretKey] == "abc")
        #expect(configuration.source(of: .secretKey) == .environment("ENERTRACK_SECRET_KEY"))
    }

    @Test("STATE_DIRECTORY is the data directory under systemd")
    func stateDirectory() throws {
        let configuration = try ConfigurationLoader(
            environment: ["STATE_DIRECTORY": "/var/lib/enertrack-state:/other"], systemEnvFile: "/nonexistent"
        ).load(configFile: nil)
        #expect(configuration.dataDirectory == "/var/lib/enertrack-state")
        #expect(configuration.source(of: .dataDirectory) == .environment("STATE_DIRECTORY"))
    }

    @Test("config show masks every secret and says where each value came from")
    func configShowMasks() async throws {
        let harness = try Harness()
        let file = try writeFile("MYSQL_PASSWORD=file-secret-1\nMQTT_USR=meter\n")
        let secrets = [
            "INFLUX_TOKEN": "env-secret-2", "MQTT_PASS": "env-secret-3", "FLASK_SECRET_KEY": "env-secret-4",
            "enertrackBotToken": "123:env-secret-5", "INFLUX_PASSWORD": "env-secret-6",
        ]
        for json in [false, true] {
            let result = await harness.run(
                ["config", "show", "--config", file] + (json ? ["--json"] : []), environment: secrets)
            #expect(result.status == 0)
            for secret in ["file-secret-1"] + secrets.values {
                #expect(!result.stdout.contains(secret), "\(secret) leaked")
            }
            if json {
                let rows = try result.objects()
                let byKey = Dictionary(uniqueKeysWithValues: rows.map { ($0["key"] as? String ?? "", $0) })
                #expect(byKey["MYSQL_PASSWORD"]?["value"] as? String == "********")
                #expect(byKey["MYSQL_PASSWORD"]?["source"] as? String == "file \(file):1")
                #expect(byKey["MQTT_USR"]?["value"] as? String == "meter")
                #expect(byKey["enertrackBotToken"]?["source"] as? String == "environment enertrackBotToken")
                #expect(byKey["MYSQL_HOST"]?["value"] is NSNull)
                #expect(byKey["directory_store"]?["value"] as? String == "sqlite")
                #expect(Set(rows.flatMap { $0.keys }) == ["key", "value", "source", "secret", "summary"])
            }
        }
    }

    @Test("broken configuration exits 78 with one line naming key and file")
    func brokenConfigExit() async throws {
        let harness = try Harness()
        let file = try writeFile("MYSQL_PORT=abc\n")
        let result = await harness.run(["user", "list", "--config", file])
        #expect(result.status == 78)
        #expect(
            result.stderr == "enertrack: invalid MYSQL_PORT 'abc' (file \(file):1): expected a port number 1-65535\n")
        let missing = await harness.run(["node", "list", "--config", "/nonexistent/x.env"])
        #expect(missing.status == 78)
        #expect(missing.stderr.contains("/nonexistent/x.env does not exist"))
    }
}
