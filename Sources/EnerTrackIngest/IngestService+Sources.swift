import EnerTrackCore
import EnerTrackRuntime
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What `ingest` does beside consuming: following the configured sources, and pruning old
/// readings once a day while idle.
extension IngestService {
    /// Loads the sources from the directory and, when they changed, decodes by them from the
    /// next message on (carrying what the decoders learned) and tells the broker.
    func reloadSources(client: MQTTClient?) async {
        guard let sourceStore else { return }
        let sources: [MeterSource]
        do { sources = try await sourceStore.sources() } catch {
            logger.warning(
                "cannot read the sources from the directory: \(error); keeping \(subscriptions.joined(separator: " "))")
            return
        }
        let changed = router.withLock { router in
            guard router.sources != sources else { return false }
            var next = MessageRouter(
                sources: sources, prefix: prefix, tasmota: options.tasmota, maxAhead: options.maxClockAhead)
            next.adoptState(of: router)
            router = next
            return true
        }
        guard changed else { return }
        let names = sources.map { "\($0.name) (\($0.decoder.rawValue))" }.joined(separator: ", ")
        logger.notice(
            "sources: \(sources.isEmpty ? "none, EnerTrack's topics" : names); topics \(subscriptions.joined(separator: " "))"
        )
        if let client, !client.update(subscriptions: subscriptions) {
            logger.warning("cannot change the subscriptions now; the next connection subscribes to them")
        }
    }

    /// Reloads the sources every minute and on SIGHUP.
    func watchSources(_ client: MQTTClient) async {
        let hangups = SignalStream(SIGHUP)
        defer { hangups.cancel() }
        while !Task.isCancelled {
            await hangups.next(timeout: .seconds(60))
            guard !Task.isCancelled else { return }
            await reloadSources(client: client)
        }
    }

    /// Prunes readings older than `retention` (ms) from a store that prunes (`Prunable`).
    func prune(retention: Int64) async {
        guard let store = sink.series as? any Prunable else { return }
        do {
            let deleted = try await store.pruneReadings(before: Date().milliseconds - retention)
            if deleted > 0 {
                logger.notice("pruned \(deleted) readings older than ENERTRACK_RETENTION; the rollups stay")
            }
        } catch {
            logger.warning("cannot prune old readings: \(error); the next idle day tries again")
        }
    }
}
