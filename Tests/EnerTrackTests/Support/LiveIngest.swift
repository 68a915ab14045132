import EnerTrackCore
import EnerTrackIngest
import EnerTrackRuntime
import EnerTrackSQLite
import Foundation
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real `enertrack` process (ingest, import, simulate) with its output in a log file, so a test
/// can signal it, wait for it and read what it said.
final class LiveProcess: @unchecked Sendable {
    let process = Subprocess()
    let logPath: String

    init(
        _ arguments: [String], environment: [String: String], logPath: String,
        executable: String = EndToEndTests.binary,
        appending: Bool = false
    ) throws {
        self.logPath = logPath
        // A new, empty log; or with `appending`, the existing file (its inode is what a test
        // may have named, as systemd names the journal's stream).
        if !appending || !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try log.seekToEnd()
        ChildProcess.prepare(process, executable: executable, arguments: arguments, environment: environment)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit { ChildProcess.stop(process, grace: 2) }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// The exit status, or nil when it did not end within `timeout` seconds.
    func waitForExit(timeout: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGTERM, then expects exit status 0 within 10 s (what systemd's stop needs).
    func expectCleanStop(_ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation) async {
        signal(SIGTERM)
        let status = await waitForExit(timeout: 10)
        #expect(
            status == 0,
            "\(comment) exit status \(status.map(String.init) ?? "none (still running)") (\(process.terminationReason == .uncaughtSignal ? "signal" : "exit")); log \(logPath):\n\(log)",
            sourceLocation: sourceLocation)
    }

    /// Waits until the log contains `text`; false after `timeout` seconds or when the process ended first.
    func waitForLog(_ text: String, timeout: Double = 20) async -> Bool {
        await eventually(timeout: timeout) { self.log.contains(text) || !self.process.isRunning } && log.contains(text)
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` seconds pass.
func eventually(timeout: Double, _ condition: @escaping @Sendable () async throws -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return (try? await condition()) == true
}

/// A test site: a data directory, the test broker, a topic prefix and client ids of its own,
/// so tests never see each other's messages.
struct IngestSite {
    let directory: String
    let broker: TestServers.Broker
    let prefix: String
    var extra: [String: String] = [:]

    init(extra: [String: String] = [:]) throws {
        directory = try temporaryDirectory("enertrack-ingest")
        broker = try TestServers.broker()
        prefix = "t" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
        self.extra = extra
        _ = FileManager.default.createFile(atPath: directory + "/empty.env", contents: nil)
    }

    var environment: [String: String] {
        var environment = broker.environment
        environment.merge([
            "ENERTRACK_DATA_DIR": directory, "ENERTRACK_CONFIG": directory + "/empty.env", "HOME": directory,
            "TZ": "UTC", "MQTT_TOPIC_PREFIX": prefix, "PATH": "/usr/bin:/bin",
        ]) { $1 }
        environment.merge(extra) { $1 }
        return environment
    }

    func ingest(_ arguments: [String] = [], clientID: String = "ingest", log: String = "ingest.log") throws
        -> LiveProcess
    {
        try LiveProcess(
            ["ingest", "--client-id", prefix + "-" + clientID] + arguments, environment: environment,
            logPath: directory + "/" + log)
    }

    /// Starts ingest and waits for its subscription.
    func startedIngest(_ arguments: [String] = [], clientID: String = "ingest", log: String = "ingest.log") async throws
        -> LiveProcess
    {
        let process = try ingest(arguments, clientID: clientID, log: log)
        let subscribed = await process.waitForLog("subscribed to")
        #expect(subscribed, "ingest did not subscribe: \(process.log)")
        return process
    }

    func series() throws -> SQLiteSeriesStore { try SQLiteSeriesStore(path: directory + "/series.sqlite") }

    /// Publishes with a real client (mosquitto_pub, as a meter's firmware would), one message per call.
    func publish(
        _ topic: String, _ payload: String, user: String = "meter", password: String = "test-meter-password-1",
        retain: Bool = false
    ) throws {
        try run(
            "/usr/bin/mosquitto_pub",
            ["-t", topic, "-m", payload] + (retain ? ["-r"] : []) + publisherArguments(user: user, password: password))
    }

    /// Publishes raw bytes (a payload that is not valid UTF-8, or holds NUL) from a file.
    func publish(_ topic: String, bytes: [UInt8], retain: Bool = false) throws {
        let file = directory + "/payload-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        try run(
            "/usr/bin/mosquitto_pub",
            ["-t", topic, "-f", file] + (retain ? ["-r"] : [])
                + publisherArguments(user: "meter", password: "test-meter-password-1"))
    }

    /// Publishes many messages on one topic at QoS 1 (chunks of 50,000: mosquitto_pub -l stops at 65,535).
    func publishLines(_ topic: String, _ lines: [String]) throws {
        for start in stride(from: 0, to: lines.count, by: 50_000) {
            let chunk = lines[start..<min(start + 50_000, lines.count)].joined(separator: "\n") + "\n"
            try run(
                "/usr/bin/mosquitto_pub",
                ["-t", topic, "-l"] + publisherArguments(user: "meter", password: "test-meter-password-1"), stdin: chunk
            )
        }
    }

    /// Publishes a whole list quickly through our own client (several topics within milliseconds).
    func publishFast(_ messages: [(topic: String, payload: String)]) async throws {
        let delegate = PublisherDelegate()
        var settings = MQTTSettings(
            host: broker.host, port: Int32(broker.port) ?? 0, username: "meter", password: "test-meter-password-1",
            caFile: broker.caFile, clientID: prefix + "-fast-publisher", cleanSession: true)
        settings.keepAlive = 10
        let client = try MQTTClient(settings: settings, subscriptions: [], delegate: delegate)
        client.start()
        defer { client.stop() }
        #expect(await eventually(timeout: 10) { delegate.ready.load(ordering: .relaxed) }, "publisher did not connect")
        for message in messages { client.publish(topic: message.topic, payload: Array(message.payload.utf8), qos: 1) }
        #expect(await eventually(timeout: 10) { client.published.load(ordering: .relaxed) == messages.count })
    }

    private func publisherArguments(user: String, password: String) -> [String] {
        [
            "-h", broker.host, "-p", environment["PUERTO_MQTTS"] ?? broker.port, "--cafile",
            environment["MQTT_CAFILE"] ?? broker.caFile,
            "-u", user, "-P", password, "-q", "1", "-i", prefix + "-pub",
        ]
    }

    func run(_ executable: String, _ arguments: [String], stdin: String? = nil) throws {
        _ = try shell(executable, arguments, stdin: stdin)
    }

    /// GET http://127.0.0.1:PORT/metrics as name{labels} → value.
    static func metrics(port: Int) async throws -> [String: Double] {
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/metrics"))
        let (data, _) = try await URLSession.shared.data(from: url)
        var values: [String: Double] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
        }
        return values
    }
}

final class PublisherDelegate: MQTTClientDelegate, @unchecked Sendable {
    let ready = Atomic<Bool>(false)
    func mqttMessage(topic: UnsafePointer<CChar>, payload: UnsafeRawBufferPointer) {}
    func mqttState(_ state: MQTTClient.State) {
        if case .subscribed = state { ready.store(true, ordering: .relaxed) }
    }
}

func freePort() -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            _ = bind(descriptor, socketAddress, length)
            return getsockname(descriptor, socketAddress, &length)
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs a program to the end, feeding `stdin`; returns its stdout, throws on a non-zero exit.
@discardableResult
func shell(_ executable: String, _ arguments: [String], stdin: String? = nil) throws -> String {
    let process = Subprocess()
    ChildProcess.prepare(process, executable: executable, arguments: arguments)
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw HarnessError("\(executable) \(arguments.prefix(2)) exited \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
}
