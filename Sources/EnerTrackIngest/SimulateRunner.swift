import EnerTrackCore
import EnerTrackKit
import Foundation
import Synchronization

/// `enertrack simulate`: publishes simulated meters' readings to the configured broker.
public enum SimulateRunner {
    public struct Options: Sendable {
        public var nodes = 5
        /// Readings per second, all meters together.
        public var rate = 0.5
        public var duration: Double?
        public var json = true
        /// Publish as a device of this kind would (three-phase readings), instead of EnerTrack's topics.
        public var device: DeviceFormat?
        /// A level the device topics are published under (a shared or bridged broker).
        public var topicRoot: String?
        public var qos: Int32 = 1
        public var nodePrefix = "SIM"
        /// One house with solar panels instead of independent meters: `<prefix>-RED` (grid, with
        /// export), `<prefix>-SOLAR` and three circuits, all read at each tick.
        public var household = false
        public var clientID: String?
        public init() {}
    }

    public struct Summary: Sendable {
        public var readings = 0
        public var messages = 0
        public var acknowledged = 0
        public var seconds = 0.0
    }

    /// Publishes until `duration` passes (or forever); `progress` gets a line now and then.
    public static func run(
        settings: MQTTSettings, prefix: String, timeZone: TimeZone, options: Options,
        progress: @Sendable (String) -> Void
    ) async throws -> Summary {
        let watcher = ConnectionWatcher()
        let client = try MQTTClient(settings: settings, subscriptions: [], delegate: watcher)
        client.start()
        defer { client.stop() }
        try await watcher.waitUntilReady(timeout: 15)
        progress(
            "publishing \(options.device.map { "\($0.rawValue) three-phase" } ?? (options.json ? "JSON" : "per-quantity")) readings of \(options.nodes) meters (\(options.nodePrefix)-…) to \(settings.host):\(settings.port) at \(options.rate)/s"
        )

        var simulator = MeterSimulator(count: options.nodes, prefix: options.nodePrefix)
        var house =
            options.household
            ? HouseSimulation(
                gridID: "\(options.nodePrefix)-RED", solarID: "\(options.nodePrefix)-SOLAR",
                circuitIDs: ["COCINA", "CLIMA", "RESTO"].map { "\(options.nodePrefix)-\($0)" }) : nil
        var summary = Summary()
        var announced: Set<String> = []
        let start = ContinuousClock.now
        let interval = 1 / max(options.rate, 0.001)
        var next = 0
        var lastReport = start
        while true {
            let elapsed = (ContinuousClock.now - start).seconds
            if let duration = options.duration, elapsed >= duration { break }
            if let failure = watcher.failure { throw failure }
            let due = Int(elapsed / interval) + 1
            while summary.readings < due {
                let now = Date().milliseconds
                let readings: [Reading]
                if var household = house {
                    readings = household.readings(time: now, timeZone: timeZone)
                    house = household
                } else {
                    readings = [simulator.reading(meter: next % options.nodes, time: now, timeZone: timeZone)]
                    next += 1
                }
                for reading in readings {
                    var messages: [(topic: String, payload: String)]
                    if let device = options.device {
                        let threePhase = MeterSimulator.threePhase(reading)
                        // ESPHome's discovery, retained as ESPHome does, with each meter's first reading.
                        messages =
                            announced.insert(reading.node).inserted
                            ? device.discovery(threePhase, root: options.topicRoot) : []
                        messages += device.messages(threePhase, root: options.topicRoot)
                    } else {
                        messages = MeterSimulator.messages(reading, prefix: prefix, json: options.json)
                    }
                    for message in messages {
                        client.publish(
                            topic: message.topic, payload: Array(message.payload.utf8), qos: options.qos,
                            retain: message.topic.hasSuffix("/config"))
                        summary.messages += 1
                    }
                    summary.readings += 1
                }
            }
            if ContinuousClock.now - lastReport >= .seconds(10) {
                lastReport = ContinuousClock.now
                progress("published \(summary.readings) readings (\(summary.messages) messages)")
            }
            let sleep = min(interval, 0.05)
            try await Task.sleep(for: .seconds(sleep))
        }
        // QoS 1: wait (up to 10 s) until the broker acknowledged everything.
        let deadline = ContinuousClock.now + .seconds(10)
        while client.published.load(ordering: .relaxed) < summary.messages, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        summary.acknowledged = client.published.load(ordering: .relaxed)
        summary.seconds = (ContinuousClock.now - start).seconds
        return summary
    }
}

/// Turns the client's state changes into "ready" or a failure for a short-lived publisher.
final class ConnectionWatcher: MQTTClientDelegate, @unchecked Sendable {
    private let state = Mutex<(ready: Bool, failure: MQTTError?, last: String?)>((false, nil, nil))

    var failure: MQTTError? { state.withLock { $0.failure } }

    func mqttMessage(topic: UnsafePointer<CChar>, payload: UnsafeRawBufferPointer) {}

    func mqttState(_ change: MQTTClient.State) {
        state.withLock { state in
            switch change {
            case .subscribed: state.ready = true
            case .failed(let error): state.failure = error
            case .disconnected(let reason, _): state.last = reason
            default: break
            }
        }
    }

    func waitUntilReady(timeout: Double) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            let (ready, failure, _) = state.withLock { $0 }
            if let failure { throw failure }
            if ready { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        let last = state.withLock { $0.last } ?? "no answer"
        throw Failure(.unavailable, "cannot reach the MQTT broker within \(Int(timeout)) s: \(last)")
    }
}
