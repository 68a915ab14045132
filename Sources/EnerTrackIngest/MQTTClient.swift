import CMosquitto
import CSupport
import EnerTrackCore
import Foundation
import Synchronization

/// Where and how to reach the broker (`DOMINIO`, `PUERTO_MQTTS`, `MQTT_USR`, `MQTT_PASS`, `MQTT_CAFILE`).
public struct MQTTSettings: Sendable {
    public var host: String
    public var port: Int32
    public var username: String?
    public var password: String?
    /// nil: the system trust store.
    public var caFile: String?
    public var clientID: String
    /// false for a persistent session: the broker queues QoS 1 messages while we are away.
    public var cleanSession: Bool
    public var keepAlive: Int32 = 30
    /// How long the broker keeps an MQTT 5 persistent session after we disconnect.
    public var sessionExpiry: UInt32 = 7 * 24 * 3600

    public init(
        host: String, port: Int32, username: String?, password: String?, caFile: String?, clientID: String,
        cleanSession: Bool
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.caFile = caFile
        self.clientID = clientID
        self.cleanSession = cleanSession
    }

    /// `enertrack-<purpose>-<hostname>`: stable across restarts, so the persistent session is found again.
    public static func defaultClientID(purpose: String) -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let safe = host.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" ? String($0) : "-" }
            .joined()
        return String("enertrack-\(purpose)-\(safe)".prefix(64))
    }
}

/// Why the MQTT client gave up; each case carries the exit status it means.
public enum MQTTError: ExitStatusError, Equatable {
    case tls(String)
    case unauthorized(String)
    case refused(String)
    case setup(String)

    public var exitStatus: ExitStatus {
        switch self {
        case .tls, .refused: .unavailable
        case .unauthorized: .noPermission
        case .setup: .configuration
        }
    }

    public var description: String {
        switch self {
        case .tls(let reason): "TLS to the MQTT broker failed: \(reason)"
        case .unauthorized(let reason): "the MQTT broker refused the login: \(reason)"
        case .refused(let reason): "the MQTT broker refused the connection: \(reason)"
        case .setup(let reason): "MQTT setup failed: \(reason)"
        }
    }
}

/// What the client tells its owner, from its own thread.
public protocol MQTTClientDelegate: AnyObject, Sendable {
    /// Called on the client's thread for every message; the QoS 1 acknowledgement has already gone
    /// out (libmosquitto sends it first), so the message must be made durable before returning.
    func mqttMessage(topic: UnsafePointer<CChar>, payload: UnsafeRawBufferPointer)
    /// A change of connection state, once per change.
    func mqttState(_ state: MQTTClient.State)
}

/// Owns one libmosquitto handle and a thread that runs its network loop: connects over TLS
/// (MQTT 5, falling back to 3.1.1 when the broker does not speak it), subscribes, and reconnects
/// with exponential backoff forever. Certificate and login failures are not retried: they need
/// a person, and `failure` says which.
public final class MQTTClient: @unchecked Sendable {
    public enum State: Sendable, Equatable {
        case connecting
        case connected(protocolVersion: Int, sessionPresent: Bool)
        case subscribed
        case disconnected(reason: String, retryIn: Double)
        case failed(MQTTError)
    }

    public let settings: MQTTSettings
    /// What the client subscribes to (again at every reconnect); `update(subscriptions:)` changes it.
    public var subscriptions: [String] { subscriptionList.withLock { $0 } }
    private let subscriptionList: Mutex<[String]>
    private let handle: OpaquePointer
    /// Strong: the delegate (the ingest service) does not keep the client, so there is no cycle,
    /// and a weak load per message costs more than the rest of the callback's bookkeeping.
    private let delegate: any MQTTClientDelegate
    // Touched by the loop thread and by stop()/publish(); libmosquitto is built thread-safe.
    private let stopping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private var protocolVersion: Int32 = MQTT_PROTOCOL_V5
    private var lastError: String?
    private var fatal: MQTTError?
    private var pendingSubscribe: Int32 = -1
    /// Messages the broker acknowledged (QoS 1) or that went out (QoS 0).
    public let published = Atomic<Int>(0)
    /// Milliseconds since the epoch of the loop's last turn (for the systemd watchdog).
    public let heartbeat = Atomic<Int64>(0)
    /// The kernel thread id of the network loop, once it runs (0 before).
    public let threadID = Atomic<Int32>(0)

    private static let libraryReady: Bool = { mosquitto_lib_init() == 0 }()

    public init(settings: MQTTSettings, subscriptions: [String], delegate: any MQTTClientDelegate) throws(MQTTError) {
        _ = Self.libraryReady
        self.settings = settings
        subscriptionList = Mutex(subscriptions)
        self.delegate = delegate
        guard let handle = mosquitto_new(settings.clientID, settings.cleanSession, nil) else {
            throw .setup("cannot create a libmosquitto client (client id '\(settings.clientID)')")
        }
        self.handle = handle
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        try configure()
    }

    private let destroyed = Atomic<Bool>(false)

    deinit { destroy() }

    /// Frees the libmosquitto handle (its TLS state included) now, on this thread. The last
    /// reference to a client can be dropped on any worker thread; freeing OpenSSL objects there
    /// raced with OpenSSL's own clean-up at process exit and crashed ingest's shutdown.
    private func destroy() {
        guard !destroyed.exchange(true, ordering: .sequentiallyConsistent) else { return }
        mosquitto_destroy(handle)
    }

    private static func client(_ userdata: UnsafeMutableRawPointer?) -> MQTTClient? {
        userdata.map { Unmanaged<MQTTClient>.fromOpaque($0).takeUnretainedValue() }
    }

    private func configure() throws(MQTTError) {
        if let username = settings.username {
            guard mosquitto_username_pw_set(handle, username, settings.password) == 0 else {
                throw .setup("cannot set the MQTT user")
            }
        }
        // Certificate and host name are verified; without MQTT_CAFILE, against the system trust store.
        let caPath = settings.caFile == nil ? "/etc/ssl/certs" : nil
        let rc = mosquitto_tls_set(handle, settings.caFile, caPath, nil, nil, nil)
        guard rc == 0 else {
            throw .setup("cannot use CA file '\(settings.caFile ?? caPath ?? "")': \(Self.describe(rc))")
        }
        _ = mosquitto_tls_opts_set(handle, 1, nil, nil)
        _ = mosquitto_tls_insecure_set(handle, false)
        // Only the loop thread touches the socket: other threads (publish) just queue. Without
        // this, libmosquitto writes from the calling thread, and OpenSSL does not allow a write
        // on one thread while the loop thread reads the same connection.
        _ = mosquitto_threaded_set(handle, true)
        _ = mosquitto_max_inflight_messages_set(handle, 100)
        // MQTT 5 clients announce how many QoS 1 messages may be in flight towards them;
        // libmosquitto's default of 20 throttles a backlog to 20 round trips' worth. We acknowledge
        // at once (libmosquitto does, before the callback), so let the broker's own limit decide.
        _ = mosquitto_int_option(handle, MOSQ_OPT_RECEIVE_MAXIMUM, 1000)
        mosquitto_connect_with_flags_callback_set(handle) { _, userdata, rc, flags in
            MQTTClient.client(userdata)?.connected(rc: rc, sessionPresent: flags & 1 != 0)
        }
        mosquitto_subscribe_callback_set(handle) { _, userdata, mid, _, _ in
            guard let client = MQTTClient.client(userdata), mid == client.pendingSubscribe else { return }
            client.delegate.mqttState(.subscribed)
        }
        mosquitto_publish_callback_set(handle) { _, userdata, _ in
            MQTTClient.client(userdata)?.published.add(1, ordering: .relaxed)
        }
        mosquitto_message_callback_set(handle) { _, userdata, message in
            guard let client = MQTTClient.client(userdata), let message = message?.pointee, let topic = message.topic
            else { return }
            let payload = UnsafeRawBufferPointer(start: message.payload, count: Int(message.payloadlen))
            client.delivered += 1
            client.delegate.mqttMessage(topic: topic, payload: payload)
        }
    }

    private func connected(rc: Int32, sessionPresent: Bool) {
        switch rc {
        case 0:
            // libmosquitto formats every log line (two per message) once a log callback is set:
            // listen only while connecting, where its words explain a TLS failure.
            mosquitto_log_callback_set(handle, nil)
            delegate.mqttState(
                .connected(protocolVersion: protocolVersion == MQTT_PROTOCOL_V5 ? 5 : 4, sessionPresent: sessionPresent)
            )
            subscribe()
        case 1 where protocolVersion == MQTT_PROTOCOL_V5, 132 where protocolVersion == MQTT_PROTOCOL_V5:
            protocolVersion = MQTT_PROTOCOL_V311  // the broker does not speak MQTT 5
        case 4, 5, 134, 135:
            fatal = .unauthorized("\(Self.connackReason(rc)) (user '\(settings.username ?? "")')")
        default:
            lastError = Self.connackReason(rc)
        }
    }

    private func subscribe() {
        let subscriptions = self.subscriptions
        guard !subscriptions.isEmpty else {
            delegate.mqttState(.subscribed)  // a publisher: ready as soon as connected
            return
        }
        let (rc, mid) = Self.withCStrings(subscriptions) { count, topics in
            var mid: Int32 = 0
            return (mosquitto_subscribe_multiple(handle, &mid, count, topics, 1, 0, nil), mid)
        }
        if rc == 0 { pendingSubscribe = mid } else { lastError = "subscribe failed: \(Self.describe(rc))" }
    }

    /// Changes what the client is subscribed to, now if connected (libmosquitto is thread-safe)
    /// and at every reconnect; false when the broker could not be told now (the next connection
    /// subscribes to the new list anyway).
    @discardableResult
    public func update(subscriptions new: [String]) -> Bool {
        let old = subscriptionList.withLock { list in
            defer { list = new }
            return list
        }
        let removed = old.filter { !new.contains($0) }
        let added = new.filter { !old.contains($0) }
        var ok = true
        if !removed.isEmpty {
            ok = Self.withCStrings(removed) { count, topics in
                mosquitto_unsubscribe_multiple(handle, nil, count, topics, nil) == 0
            }
        }
        if !added.isEmpty {
            ok =
                Self.withCStrings(added) { count, topics in
                    mosquitto_subscribe_multiple(handle, nil, count, topics, 1, 0, nil) == 0
                } && ok
        }
        return ok
    }

    private static func withCStrings<T>(
        _ strings: [String], _ body: (Int32, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> T
    ) -> T {
        var pointers = strings.map { strdup($0) }
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeMutableBufferPointer { body(Int32($0.count), $0.baseAddress) }
    }

    // MARK: Running

    private let started = Atomic<Bool>(false)

    /// Starts the network loop on its own thread.
    public func start() {
        guard !started.exchange(true, ordering: .sequentiallyConsistent) else { return }
        let thread = Thread { [self] in runLoop() }
        thread.name = "mqtt"
        thread.start()
    }

    /// Disconnects, waits for the loop thread to end and frees the handle; the client is done then.
    public func stop() {
        guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        wake.signal()
        if started.load(ordering: .sequentiallyConsistent) { finished.wait() }
        destroy()
    }

    /// Publishes (QoS 0 or 1); false when the message could not be queued (not connected).
    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool = false) -> Bool {
        guard !stopping.load(ordering: .relaxed) else { return false }
        return payload.withUnsafeBytes { bytes in
            mosquitto_publish(handle, nil, topic, Int32(bytes.count), bytes.baseAddress, qos, retain) == 0
        }
    }

    private func runLoop() {
        defer { finished.signal() }
        threadID.store(Int32(enertrack_gettid()), ordering: .relaxed)
        var backoff = 1.0
        var connected = false
        while !stopping.load(ordering: .relaxed) {
            heartbeat.store(Date().milliseconds, ordering: .relaxed)
            if !connected {
                delegate.mqttState(.connecting)
                lastError = nil
                let rc = connect()
                if rc == 0 {
                    connected = true
                } else {
                    let reason = lastError ?? Self.describe(rc)
                    if rc == Int32(MOSQ_ERR_TLS.rawValue) || Self.isTLSFailure(lastError) {
                        delegate.mqttState(.failed(.tls(Self.tlsReason(reason, settings: settings))))
                        return
                    }
                    delegate.mqttState(.disconnected(reason: reason, retryIn: backoff))
                    pause(&backoff)
                    continue
                }
            }
            let rc = turn()
            if let fatal {
                delegate.mqttState(.failed(fatal))
                return
            }
            if rc != 0 {
                connected = false
                if stopping.load(ordering: .relaxed) { break }
                if Self.isTLSFailure(lastError) {
                    delegate.mqttState(.failed(.tls(Self.tlsReason(lastError ?? "", settings: settings))))
                    return
                }
                // protocol fallback: retry at once
                if rc == Int32(MOSQ_ERR_CONN_REFUSED.rawValue), lastError == nil { continue }
                delegate.mqttState(.disconnected(reason: lastError ?? Self.describe(rc), retryIn: backoff))
                pause(&backoff)
            } else if pendingSubscribe >= 0 {
                backoff = 1
            }
        }
        // The loop thread says goodbye itself and lets the DISCONNECT (and queued PUBACKs) go out.
        if connected {
            _ = mosquitto_disconnect(handle)
            for _ in 0..<3 where mosquitto_want_write(handle) {
                guard mosquitto_loop_write(handle, 1) == 0 else { break }
            }
        }
    }

    /// Messages delivered to the delegate so far (touched only on the loop thread).
    private var delivered = 0

    /// One turn of the network loop. Like `mosquitto_loop`, but after a wake-up it keeps reading
    /// while messages keep coming: `mosquitto_loop` handles one packet per select(2) plus a
    /// wake-up byte on its internal socket pair, three system calls per message of a backlog.
    private func turn() -> Int32 {
        let socket = mosquitto_socket(handle)
        guard socket >= 0 else { return Int32(MOSQ_ERR_NO_CONN.rawValue) }
        var descriptor = pollfd(
            fd: socket, events: Int16(POLLIN) | (mosquitto_want_write(handle) ? Int16(POLLOUT) : 0), revents: 0)
        // A publisher's messages are queued by other threads: look at the queue often.
        let ready = poll(&descriptor, 1, subscriptions.isEmpty ? 5 : 500)
        if ready < 0, errno != EINTR { return Int32(MOSQ_ERR_ERRNO.rawValue) }
        if ready > 0, descriptor.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 {
            var reads = 0
            while true {
                let before = delivered
                let rc = mosquitto_loop_read(handle, 1)
                if rc != 0 { return rc }
                reads += 1
                // PUBACKs are queued (threaded mode): send them every few messages, so the broker's
                // in-flight window keeps moving while a backlog is read.
                if reads % 4 == 0, mosquitto_want_write(handle) {
                    let written = mosquitto_loop_write(handle, 1)
                    if written != 0 { return written }
                }
                // Stop when a read produced no message (the socket ran dry, or it was another packet).
                if delivered == before || reads >= 1_000 || stopping.load(ordering: .relaxed) { break }
            }
        }
        if mosquitto_want_write(handle) {
            let rc = mosquitto_loop_write(handle, 1)
            if rc != 0 { return rc }
        }
        return mosquitto_loop_misc(handle)  // keep-alive pings and time-outs
    }

    private func connect() -> Int32 {
        mosquitto_log_callback_set(handle) { _, userdata, level, message in
            guard let client = MQTTClient.client(userdata), let message, level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING) != 0
            else { return }
            client.lastError = String(cString: message)
        }
        _ = mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, protocolVersion)
        pendingSubscribe = -1
        guard protocolVersion == MQTT_PROTOCOL_V5, !settings.cleanSession else {
            return mosquitto_connect(handle, settings.host, settings.port, settings.keepAlive)
        }
        // MQTT 5 ends a session at disconnect unless CONNECT asks for an expiry interval.
        var properties: OpaquePointer?
        _ = mosquitto_property_add_int32(
            &properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), settings.sessionExpiry)
        defer { mosquitto_property_free_all(&properties) }
        return mosquitto_connect_bind_v5(handle, settings.host, settings.port, settings.keepAlive, nil, properties)
    }

    /// Waits `backoff` seconds in 1-second slices (the watchdog heartbeat keeps beating; stop() wakes it).
    private func pause(_ backoff: inout Double) {
        var left = backoff
        while left > 0, !stopping.load(ordering: .relaxed) {
            heartbeat.store(Date().milliseconds, ordering: .relaxed)
            _ = wake.wait(timeout: .now() + min(left, 1))
            left -= 1
        }
        backoff = min(backoff * 2, 60)
    }

    // MARK: Messages

    static func describe(_ rc: Int32) -> String {
        if rc == Int32(MOSQ_ERR_ERRNO.rawValue) { return String(cString: strerror(errno)) }
        return String(cString: mosquitto_strerror(rc))
    }

    static func connackReason(_ rc: Int32) -> String {
        rc < 128 ? String(cString: mosquitto_connack_string(rc)) : String(cString: mosquitto_reason_string(rc))
    }

    /// A handshake that failed on the certificate: retrying cannot help, a person must fix it.
    static func isTLSFailure(_ message: String?) -> Bool {
        guard let message else { return false }
        return message.contains("certificate verify failed") || message.contains("wrong version number")
            || message.contains("unknown ca") || message.contains("hostname mismatch")
    }

    static func tlsReason(_ message: String, settings: MQTTSettings) -> String {
        let ca = settings.caFile.map { "MQTT_CAFILE \($0)" } ?? "the system trust store"
        if message.contains("certificate verify failed") {
            return
                "the certificate of \(settings.host):\(settings.port) does not verify against \(ca) or does not name \(settings.host) (\(message))"
        }
        return "\(message) (\(settings.host):\(settings.port), CA: \(ca))"
    }
}
