import EnerTrackCLI
import EnerTrackCore
import EnerTrackKit
import EnerTrackRuntime
import Foundation
import Synchronization

/// The result of one in-process command run: what it printed and its exit status.
struct CommandResult: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String

    /// Standard output decoded as JSON.
    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(stdout.utf8)) }

    /// Standard output as a JSON array of objects (what every `--json` read command prints).
    func objects() throws -> [[String: Any]] {
        guard let array = try json() as? [[String: Any]] else {
            throw HarnessError("not a JSON array of objects: \(stdout)")
        }
        return array
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `enertrack` commands in-process against a temporary data directory with captured output.
///
/// Passwords are hashed with cheap scrypt parameters (still Werkzeug's format) where a test is
/// not about the hash, so a debug build does not spend a second per user.
final class Harness: Sendable {
    let dataDirectory: String
    let environment: [String: String]
    let hasher: PasswordHasher

    init(environment extra: [String: String] = [:], hasher: PasswordHasher = PasswordHasher(n: 16, r: 8, p: 1)) throws {
        dataDirectory = try temporaryDirectory("enertrack-test")
        var environment = ["ENERTRACK_DATA_DIR": dataDirectory, "TZ": "Europe/Madrid", "HOME": dataDirectory]
        environment.merge(extra) { _, new in new }
        self.environment = environment
        self.hasher = hasher
    }

    deinit { try? FileManager.default.removeItem(atPath: dataDirectory) }

    /// Runs one command. `stdin` lines are what `--password-stdin` reads; `terminal` answers prompts as a TTY would.
    func run(
        _ arguments: [String], stdin: [String] = [], terminal: [String]? = nil,
        environment extra: [String: String] = [:]
    ) async -> CommandResult {
        let out = Mutex("")
        let err = Mutex("")
        let input = Mutex(stdin)
        let prompts = Mutex(terminal ?? [])
        var environment = self.environment
        environment.merge(extra) { _, new in new }
        let context = CommandContext(
            environment: environment, currentDirectory: dataDirectory, systemEnvFile: "/nonexistent/enertrack.env",
            writeOutput: { text in out.withLock { $0 += text } },
            writeError: { text in err.withLock { $0 += text } },
            readInputLine: { input.withLock { $0.isEmpty ? nil : $0.removeFirst() } },
            inputIsTerminal: terminal != nil,
            promptSecret: { _ in prompts.withLock { $0.isEmpty ? nil : $0.removeFirst() } },
            passwordHasher: hasher, tariffParser: .testBinary)
        let status = await Enertrack.execute(arguments, context: context)
        return CommandResult(status: status, stdout: out.withLock { $0 }, stderr: err.withLock { $0 })
    }

    /// Adds a user with a valid password through the command line.
    @discardableResult
    func addUser(_ username: String, email: String? = nil, admin: Bool = false) async -> CommandResult {
        var arguments = ["user", "add", username, "--email", email ?? "\(username)@example.org", "--password-stdin"]
        if admin { arguments.append("--admin") }
        return await run(arguments, stdin: ["a-long-enough-password"])
    }

    /// Every user, node and assignment as JSON, to show that a rejected command changed nothing.
    func snapshot() async -> String {
        var text = ""
        for command in [
            ["user", "list", "--all", "--json"], ["node", "list", "--all", "--json"],
            ["assign", "list", "--all", "--json"],
        ] {
            text += await run(command).stdout
        }
        return text
    }
}

func temporaryDirectory(_ prefix: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

/// The package root, for locating the built binary and scripts.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// Every process a test starts goes through here: through `scripts/services/clean-exec`, so it
/// starts with an empty signal mask and default dispositions (the test process hands SIGTERM
/// down blocked or ignored, and a child that keeps that never stops), and with the run's marker
/// `ENERTRACK_TEST_RUN`, by which `scripts/test` finds any process a test left behind.
enum ChildProcess {
    static let cleanExec = packageRoot.appendingPathComponent("scripts/services/clean-exec").path
    /// python3 as the test process finds it (children may get a PATH without it).
    static let python: String = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(directory)/python3") {
            return "\(directory)/python3"
        }
        return "/usr/bin/python3"
    }()

    /// Sets `process` up to run `executable` (`environment` nil: the test process's own).
    static func prepare(
        _ process: Subprocess, executable: String, arguments: [String], environment: [String: String]? = nil
    ) {
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [cleanExec, executable] + arguments
        var environment = environment ?? ProcessInfo.processInfo.environment
        if let marker = ProcessInfo.processInfo.environment["ENERTRACK_TEST_RUN"] {
            environment["ENERTRACK_TEST_RUN"] = marker
        }
        process.environment = environment
    }

    /// SIGTERM, SIGKILL after `grace` seconds, and back only once the process is gone (reaped).
    static func stop(_ process: Subprocess, grace: Double = 5) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

extension TariffParser {
    /// Untrusted tariff files are parsed by a child enertrack, as the real binary does (in this
    /// process without `ENERTRACK_BIN`).
    static var testBinary: TariffParser {
        TariffParser(executable: ProcessInfo.processInfo.environment["ENERTRACK_BIN"])
    }
}
