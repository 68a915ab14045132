import EnerTrackCore

extension IngestService {
    /// The rollups of a store that refreshes beside writes (InfluxDB): a pass over the dirty
    /// meters a minute after the last one began, eight at a time, resting after each step as long
    /// as it took, so the refresh has at most half the time and writes never wait for it. Between
    /// batches, as the embedded store does, a refresh of ten thousand meters never got its turn at
    /// a thousand readings a second: the spool is never empty long.
    func refreshBesideWrites() async {
        var lastPass = ContinuousClock.now
        var refreshing = false
        while !Task.isCancelled {
            if !refreshing {
                let due = lastPass + .seconds(60)
                if ContinuousClock.now < due {
                    try? await Task.sleep(until: due, clock: .continuous)
                    continue
                }
                lastPass = .now
            }
            let started = ContinuousClock.now
            do {
                refreshing = try await sink.series.refreshSomeRollups(nodes: 8)
            } catch {
                refreshing = false
                logger.warning("cannot refresh rollups: \(error)")
            }
            try? await Task.sleep(for: ContinuousClock.now - started)
        }
    }
}
