import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A progress line for long work (`import`, `db rollup --rebuild`, `db backup`/`restore`, the
/// demo's backfill): rewritten in place on stderr at most 4 times a second with the done share
/// or count, the rate and an ETA, only when stderr is a terminal (a pipe, a log file or the
/// journal get nothing), and never with `--quiet`.
public final class ProgressLine: Sendable {
    private struct State {
        var started = ContinuousClock.now
        var lastDrawn: ContinuousClock.Instant?
        var width = 0
    }

    private let label: String
    private let unit: String
    private let enabled: Bool
    private let state = Mutex(State())

    /// `unit` names what is counted (`readings`, `MiB`).
    public init(_ label: String, unit: String, quiet: Bool = false, terminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.unit = unit
        enabled = terminal && !quiet
    }

    /// `done` of `total` (nil when the total is unknown: a count and a rate only).
    public func update(_ done: Double, of total: Double?) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let text: String? = state.withLock { state in
            if let last = state.lastDrawn, now - last < .milliseconds(250) { return nil }
            state.lastDrawn = now
            let elapsed = (now - state.started).components
            let seconds = max(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18, 0.001)
            let rate = done / seconds
            var text = "\(label): " + Self.format(done)
            if let total, total > 0 {
                text += " of \(Self.format(total)) \(unit) (\(Int((done / total * 100).rounded(.down))) %)"
                if rate > 0, done < total { text += ", ETA \(Self.duration((total - done) / rate))" }
            } else {
                text += " \(unit)"
            }
            text += ", \(Self.format(rate)) \(unit)/s"
            let padded = text.padding(toLength: max(text.count, state.width), withPad: " ", startingAt: 0)
            state.width = text.count
            return padded
        }
        if let text { FileHandle.standardError.write(Data(("\r" + text).utf8)) }
    }

    /// Ends the line (a newline after the last drawing, if any was drawn).
    public func finish() {
        guard enabled, state.withLock({ $0.lastDrawn != nil }) else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    static func format(_ value: Double) -> String {
        value >= 100 || value == value.rounded() ? String(Int(value.rounded())) : String(format: "%.1f", value)
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        return whole < 60
            ? "\(whole) s"
            : whole < 3600 ? "\(whole / 60) min \(whole % 60) s" : "\(whole / 3600) h \(whole % 3600 / 60) min"
    }
}
