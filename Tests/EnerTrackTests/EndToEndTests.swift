import EnerTrackRuntime
import Foundation
import Testing

/// Runs the built `enertrack` binary as a user would: real process, real stdin/stdout/stderr, exit status.
@Suite("The built binary, end to end")
struct EndToEndTests {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var binary: String {
        ProcessInfo.processInfo.environment["ENERTRACK_BIN"]
            ?? packageRoot.appendingPathComponent(".build/debug/enertrack").path
    }

    func run(_ arguments: [String], stdin: String = "", environment: [String: String]) throws -> Run {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build first: \(Self.binary) is missing")
        let process = Subprocess()
        ChildProcess.prepare(process, executable: Self.binary, arguments: arguments, environment: environment)
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }

    @Test("a sysadmin's first hour: user, node, assignment, JSON on stdout, errors on stderr")
    func firstHour() throws {
        let directory = try temporaryDirectory("enertrack-e2e")
        let environment = ["ENERTRACK_DATA_DIR": directory, "TZ": "UTC", "PATH": "/usr/bin:/bin"]
        let added = try run(
            ["user", "add", "ana", "--email", "ana@example.org", "--admin", "--password-stdin", "--json"],
            stdin: "a-long-enough-password\n", environment: environment)
        #expect(added.status == 0, "\(added.stderr)")
        let user = try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [[String: Any]]
        #expect(user?.first?["username"] as? String == "ana")
        #expect(user?.first?["created_at"] as? String != nil)
        #expect(try run(["node", "add", "ESP32_A", "--name", "Cocina"], environment: environment).status == 0)
        #expect(
            try run(["assign", "add", "ana", "ESP32_A", "--location", "Planta baja"], environment: environment).status
                == 0)
        let listed = try run(["assign", "list", "--json"], environment: environment)
        let rows = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.count == 1 && rows?.first?["location"] as? String == "Planta baja")
        #expect(listed.stderr.isEmpty)

        let unknown = try run(["node", "show", "NOPE"], environment: environment)
        #expect(unknown.status == 67)
        #expect(unknown.stdout.isEmpty)
        #expect(unknown.stderr == "enertrack: unknown node 'NOPE' (see 'enertrack node list --all')\n")

        let usage = try run(["node", "add"], environment: environment)
        #expect(usage.status == 64 && usage.stderr.contains("Missing expected argument"))

        let noTTY = try run(["user", "add", "luis", "--email", "luis@example.org"], environment: environment)
        #expect(noTTY.status == 64 && noTTY.stderr.contains("--password-stdin"))
    }

    @Test("the password is never accepted on the command line, and secrets never printed")
    func secrets() throws {
        let directory = try temporaryDirectory("enertrack-e2e")
        let environment = [
            "ENERTRACK_DATA_DIR": directory, "MYSQL_PASSWORD": "hunter2-secret", "PATH": "/usr/bin:/bin",
        ]
        let shown = try run(["config", "show"], environment: environment)
        #expect(shown.status == 0 && !shown.stdout.contains("hunter2-secret") && shown.stdout.contains("********"))
        let help = try run(["user", "add", "--help"], environment: environment)
        #expect(!help.stdout.contains("--password ") && !help.stdout.contains("--password="))
    }

    @Test("a broken env file exits 78 with one line")
    func brokenConfig() throws {
        let directory = try temporaryDirectory("enertrack-e2e")
        try "PUERTO_MQTTS=abc\n".write(toFile: directory + "/bad.env", atomically: true, encoding: .utf8)
        let result = try run(
            ["node", "list"],
            environment: ["ENERTRACK_CONFIG": directory + "/bad.env", "ENERTRACK_DATA_DIR": directory])
        #expect(result.status == 78)
        #expect(
            result.stderr
                == "enertrack: invalid PUERTO_MQTTS 'abc' (file \(directory)/bad.env:1): expected a port number 1-65535\n"
        )
    }
}
