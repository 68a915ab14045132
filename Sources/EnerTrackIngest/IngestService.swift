import CSupport
import EnerTrackCore
import EnerTrackRuntime
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What `enertrack ingest` was asked to do beyond the configuration.
public struct IngestOptions: Sendable {
    /// `$share/GROUP/...`: several workers split one stream.
    public var shareGroup: String?
    public var tasmota = false
    public var knownOnly = false
    /// Readings the spool may hold before consumption pauses.
    public var spoolCapacity = 1_000_000
    /// How long SIGTERM may spend draining the spool before exiting.
    public var drainDeadline: Duration = .seconds(9)
    public var statsInterval: Duration = .seconds(60)
    /// How far ahead of its arrival a message may date a reading (ms).
    public var maxClockAhead = ReadingRules.defaultMaxAhead
    /// Unknown ESP ids registered per hour at most.
    public var maxNewNodesPerHour = 100
    /// `ENERTRACK_RETENTION` (ms): once a day, while idle, readings older than this are pruned
    /// (the embedded store only).
    public var retention: Int64?

    public init() {}
}

/// The `ingest` service: MQTT messages → decoder → durable spool → series store.
///
/// The MQTT thread only decodes and appends to the spool (so an acknowledged message is on disk
/// before the callback returns); a drainer task moves whole spool segments into the store and
/// deletes them only after the store confirmed. SIGTERM stops consuming, drains for up to
/// `drainDeadline` and returns; what is left stays in the spool for the next start.
public final class IngestService: Service, MQTTClientDelegate, @unchecked Sendable {
    public let metrics: IngestMetrics
    /// Decoders and what they remember; only the MQTT thread decodes (uncontended), a reload
    /// of the sources swaps it.
    let router: Mutex<MessageRouter>
    let sourceStore: (any SourceStore)?
    let prefix: String
    private let spool: ReadingSpool
    let sink: ReadingSink
    private let mqttSettings: MQTTSettings
    let options: IngestOptions
    let logger: Logger
    private let notifier: SystemdNotifier
    private let events: AsyncStream<Event>
    private let emit: AsyncStream<Event>.Continuation
    private let rejectionLog = Mutex<[String: Date]>([:])
    private let stopping = Atomic<Bool>(false)
    private let drainerHeartbeat = Atomic<Int64>(0)

    enum Event: Sendable {
        case state(MQTTClient.State)
        case shutdown
    }

    public init(
        mqtt: MQTTSettings, series: any SeriesStore, directory: any NodeStore, spoolDirectory: String,
        options: IngestOptions, prefix: String, logger: Logger, metrics: IngestMetrics = IngestMetrics(),
        notifier: SystemdNotifier = SystemdNotifier(), sources: (any SourceStore)? = nil
    ) throws {
        self.mqttSettings = mqtt
        self.options = options
        self.logger = logger
        self.metrics = metrics
        self.notifier = notifier
        self.prefix = prefix
        sourceStore = sources
        router = Mutex(
            MessageRouter(sources: [], prefix: prefix, tasmota: options.tasmota, maxAhead: options.maxClockAhead))
        spool = try ReadingSpool(directory: spoolDirectory, capacity: options.spoolCapacity)
        sink = ReadingSink(
            series: series, directory: directory, knownOnly: options.knownOnly,
            maxNewNodesPerHour: options.maxNewNodesPerHour)
        (events, emit) = AsyncStream.makeStream(of: Event.self)
    }

    /// The filters `ingest` subscribes to, through `$share/GROUP/` when sharing.
    public var subscriptions: [String] {
        router.withLock { $0.topicFilters }.map { filter in
            options.shareGroup.map { "$share/\($0)/\(filter)" } ?? filter
        }
    }

    public func run() async throws {
        let leftover = spool.depth
        if leftover > 0 {
            logger.notice("spool holds \(leftover) readings from an earlier run; storing them first")
        }
        await reloadSources(client: nil)
        let client = try MQTTClient(settings: mqttSettings, subscriptions: subscriptions, delegate: self)
        logger.notice(
            "ingest starting: broker \(mqttSettings.host):\(mqttSettings.port) as '\(mqttSettings.clientID)', topics \(subscriptions.joined(separator: " ")), series \(sink.series.location)"
        )
        // The drainer is not a child of the group below: cancelling the stats and watchdog loops
        // at shutdown must not cut short a store write in flight or the final drain.
        let drainer = Task { [self] in await drain() }
        let helpers = Task { [self] in
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [self] in await logStats() }
                group.addTask { [self] in await favourNetworkThread(client) }
                if sourceStore != nil { group.addTask { [self] in await watchSources(client) } }
                if sink.series.refreshesBesideWrites { group.addTask { [self] in await refreshBesideWrites() } }
                if let interval = notifier.watchdogInterval {
                    group.addTask { [self] in await watchdog(interval: interval, client: client) }
                }
            }
        }
        client.start()
        var failure: MQTTError?
        await withGracefulShutdownHandler {
            var previous = ""
            events: for await event in events {
                switch event {
                case .shutdown:
                    break events
                case .state(.failed(let error)):
                    failure = error
                    break events
                case .state(let state):
                    handle(state, previous: &previous)
                }
            }
        } onGracefulShutdown: { [emit] in
            emit.yield(.shutdown)
        }
        if let failure {
            logger.critical("\(failure.description)")
        } else {
            logger.notice("stopping: no new messages; storing what the spool holds")
        }
        notifier.notify("STOPPING=1")
        spool.allowOverflow()
        client.stop()
        stopping.store(true, ordering: .sequentiallyConsistent)
        helpers.cancel()
        await drainer.value
        await helpers.value
        let left = spool.depth
        if left > 0 {
            logger.warning("\(left) readings stay in the spool \(spool.directory); the next start stores them")
        }
        if let failure { throw failure }
    }

    private func handle(_ state: MQTTClient.State, previous: inout String) {
        let text: String
        switch state {
        case .connecting: return
        case .connected(let version, let sessionPresent):
            metrics.setConnected(true)
            text =
                "connected to \(mqttSettings.host):\(mqttSettings.port) (MQTT \(version == 5 ? "5" : "3.1.1"), \(sessionPresent ? "persistent session resumed" : "new session"))"
        case .subscribed:
            logger.notice("subscribed to \(subscriptions.joined(separator: " ")) at QoS 1")
            notifier.notify("READY=1\nSTATUS=consuming")
            previous = "subscribed"
            return
        case .disconnected(let reason, let retry):
            metrics.setConnected(false)
            text = "broker unreachable: \(reason); retrying with backoff (next in \(Int(retry)) s)"
            let key = "disconnected: \(reason)"
            if key != previous { logger.warning("\(text)") }
            previous = key
            return
        case .failed: return
        }
        if text != previous { logger.notice("\(text)") }
        previous = text
    }

    // MARK: MQTT thread

    public func mqttState(_ state: MQTTClient.State) {
        emit.yield(.state(state))
    }

    public func mqttMessage(topic: UnsafePointer<CChar>, payload: UnsafeRawBufferPointer) {
        metrics.receive()
        var clock = timespec()
        clock_gettime(CLOCK_REALTIME, &clock)
        let now = Int64(clock.tv_sec) * 1000 + Int64(clock.tv_nsec) / 1_000_000
        do {
            try router.withLock { router throws(Rejection) in
                try router.decode(
                    topic: UnsafeRawBufferPointer(start: topic, count: strlen(topic)), payload: payload, receivedAt: now
                ) { reading in keep(reading) }
            }
        } catch {
            metrics.reject(error.reason)
            logRejection(error, topic: String(cString: topic))
        }
    }

    /// Appends one decoded reading to the spool, waiting while the disk refuses it.
    private func keep(_ reading: Reading) {
        while true {
            do {
                if try spool.append(reading) {
                    if metrics.setSpoolFull(true) {
                        logger.error(
                            "spool full (\(options.spoolCapacity) readings): consumption paused until the series store catches up; the broker keeps queueing"
                        )
                    }
                } else if metrics.spoolFull.load(ordering: .relaxed), metrics.setSpoolFull(false) {
                    logger.notice("spool has room again: consuming")
                }
                return
            } catch {
                // The message is acknowledged already: keep it in hand until the disk takes it.
                logger.critical("\(error); retrying in 1 s (consumption paused)")
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    /// At most one line per node per minute, whatever the flood.
    private func logRejection(_ rejection: Rejection, topic: String) {
        let key = rejection.node ?? "?"
        let now = Date()
        let due = rejectionLog.withLock { log in
            guard now.timeIntervalSince(log[key] ?? .distantPast) >= 60 else { return false }
            // Invented node names must not grow the map: entries older than the minute go.
            if log.count >= 1_000 { log = log.filter { now.timeIntervalSince($0.value) < 60 } }
            if log.count >= 10_000 { return false }
            log[key] = now
            return true
        }
        if due {
            logger.warning(
                "rejected message on \(LogText.quoted(topic, max: 120)): \(rejection.description) (further rejections of this node are counted, logged again in a minute)"
            )
        }
    }

    // MARK: Drainer

    private func drain() async {
        await drainSpool()
        await sink.flushLastSeen()
    }

    /// What the drainer does while the spool is empty, and when it last did it.
    private struct IdleWork {
        var lastRollupRefresh = ContinuousClock.now
        /// A refresh of every dirty meter is under way, a few at a time.
        var refreshing = false
        var lastPrune: ContinuousClock.Instant?
    }

    /// Idle: the daily prune, and (unless the store refreshes beside writes) the rollups brought
    /// up to date now and then, so reports never wait for it — a few meters at a time, for at
    /// most 100 ms, so a batch never waits for all of them (ten thousand meters take seconds);
    /// the rest on the next turns.
    private func idleTurn(_ idle: inout IdleWork) async {
        if let retention = options.retention,
            idle.lastPrune.map({ ContinuousClock.now - $0 >= .seconds(86_400) }) ?? true
        {
            idle.lastPrune = .now
            await prune(retention: retention)
        }
        guard !sink.series.refreshesBesideWrites,
            idle.refreshing || ContinuousClock.now - idle.lastRollupRefresh >= .seconds(60)
        else { return }
        if !idle.refreshing { idle.lastRollupRefresh = .now }
        let budget = ContinuousClock.now + .milliseconds(100)
        do {
            repeat {
                idle.refreshing = try await sink.series.refreshSomeRollups(nodes: 8)
            } while idle.refreshing && ContinuousClock.now < budget
        } catch {
            idle.refreshing = false
            logger.warning("cannot refresh rollups: \(error)")
        }
    }

    private func drainSpool() async {
        var idle = IdleWork()
        var deadline: ContinuousClock.Instant?
        var storeDown: String?
        var backoff = 0.25
        while true {
            drainerHeartbeat.store(Date().milliseconds, ordering: .relaxed)
            if stopping.load(ordering: .sequentiallyConsistent), deadline == nil {
                deadline = .now + options.drainDeadline
            }
            if let deadline, ContinuousClock.now >= deadline { return }
            metrics.setSpoolDepth(spool.depth)
            guard let segment = spool.nextSegment() else {
                if deadline != nil { return }
                await idleTurn(&idle)
                await Self.pause(0.05)
                continue
            }
            let readings: [Reading]
            do { readings = try spool.read(segment) } catch {
                logger.critical("\(error); the segment is kept for the next start")
                return
            }
            let started = ContinuousClock.now
            do {
                let outcome = try await sink.store(readings)
                metrics.recordWrite(ContinuousClock.now - started)
                metrics.recordDelays(readings, now: Date().milliseconds)
                metrics.store(outcome.stored)
                if outcome.unknown > 0 { metrics.reject(.unknownNode, count: outcome.unknown) }
                if outcome.overCap > 0 {
                    metrics.reject(.tooManyNewNodes, count: outcome.overCap)
                    logger.warning(
                        "dropped \(outcome.overCap) readings of new ESP ids: over ENERTRACK_MAX_NEW_NODES (\(options.maxNewNodesPerHour)) registered this hour"
                    )
                }
                for node in outcome.registered {
                    logger.notice("registered unknown node '\(node)' as inactive; see 'enertrack node list --all'")
                }
                if let error = outcome.lastSeenError { logger.warning("cannot update node last-seen: \(error)") }
                spool.remove(segment)
                if let was = storeDown {
                    logger.notice("series store is back (\(was)); spool depth \(spool.depth)")
                    storeDown = nil
                }
                backoff = 0.25
            } catch {
                metrics.storeFailed()
                let reason = "\(error)"
                if storeDown != reason {
                    logger.error(
                        "cannot store readings: \(reason); they stay in the spool (depth \(spool.depth)) and are retried"
                    )
                    storeDown = reason
                }
                if let deadline, ContinuousClock.now + .seconds(backoff) >= deadline { return }
                await Self.pause(backoff)
                backoff = min(backoff * 2, 10)
            }
        }
    }

    /// A sleep that the task group's cancellation at shutdown does not cut short (the drainer
    /// keeps its own deadline), so a retry loop never spins.
    private static func pause(_ seconds: Double) async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { continuation.resume() }
        }
    }

    // MARK: Stats and watchdog

    private func logStats() async {
        var last = (received: 0, stored: 0, rejected: 0)
        while !Task.isCancelled {
            try? await Task.sleep(for: options.statsInterval)
            if Task.isCancelled { return }
            let received = metrics.received.load(ordering: .relaxed)
            let stored = metrics.stored.load(ordering: .relaxed)
            let counts = metrics.rejectedCounts()
            let rejected = counts.values.reduce(0, +)
            let reasons = counts.filter { $0.value > 0 }.sorted { $0.key.rawValue < $1.key.rawValue }
                .map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: " ")
            let latency = metrics.takeMeanLatency().map { String(format: "%.1f ms", $0) } ?? "-"
            logger.info(
                "stats: received \(received - last.received), stored \(stored - last.stored), rejected \(rejected - last.rejected)\(reasons.isEmpty ? "" : " (total: \(reasons))"), spool depth \(spool.depth), store write \(latency)"
            )
            last = (received, stored, rejected)
        }
    }

    /// The MQTT thread holds the broker's in-flight window: every moment it waits for a core,
    /// the broker waits for acknowledgements. Every other thread of ingest (the drainer, SQLite,
    /// HTTP, metrics) does work that can wait a little, so it runs at nice 10 and takes the
    /// cores the network path leaves. Threads are created on demand, so this looks again every second.
    private func favourNetworkThread(_ client: MQTTClient) async {
        var niced: Set<Int32> = []
        while !Task.isCancelled {
            let network = client.threadID.load(ordering: .relaxed)
            if network != 0, let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") {
                for name in tasks {
                    guard let tid = Int32(name), tid != network, !niced.contains(tid) else { continue }
                    if setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(tid), 10) == 0 { niced.insert(tid) }
                }
            }
            try? await Task.sleep(for: network == 0 ? .milliseconds(20) : .seconds(1))
        }
    }

    /// WATCHDOG=1 only while both loops turn: a wedged MQTT thread or drainer gets us restarted.
    private func watchdog(interval: Duration, client: MQTTClient) async {
        let staleAfter = Int64(interval.seconds * 2000)
        while !Task.isCancelled {
            let now = Date().milliseconds
            // A full spool blocks the MQTT thread on purpose: that is waiting, not wedged.
            let mqttAlive =
                metrics.spoolFull.load(ordering: .relaxed)
                || now - client.heartbeat.load(ordering: .relaxed) < staleAfter
            if mqttAlive, now - drainerHeartbeat.load(ordering: .relaxed) < staleAfter {
                notifier.notify("WATCHDOG=1")
            }
            try? await Task.sleep(for: interval)
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension IngestService {
    /// glibc gives every thread that allocates its own arena, each keeping freed memory: two
    /// arenas hold ingest's working set with a fraction of the resident memory. Call once, first.
    public static func limitMallocArenas() {
        #if canImport(Glibc)
            _ = mallopt(M_ARENA_MAX, 2)
        #endif
    }
}
