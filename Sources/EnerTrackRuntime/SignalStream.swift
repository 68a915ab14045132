import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A signal a service reacts to without dying of it (SIGHUP: reload). The signal's default
/// action is turned off while the stream lives; `next(timeout:)` returns when it arrived or
/// when the timeout passed, whichever comes first. (The dispatch source is only set up in
/// `init` and cancelled in `cancel`; the counter is atomic.)
public final class SignalStream: @unchecked Sendable {
    private let source: DispatchSourceSignal
    private let count = Atomic<Int>(0)
    private let signalNumber: Int32

    public init(_ signalNumber: Int32) {
        self.signalNumber = signalNumber
        signal(signalNumber, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler { [unowned self] in count.add(1, ordering: .relaxed) }
        source.resume()
    }

    /// Waits for the signal or the timeout; true when the signal came.
    @discardableResult
    public func next(timeout: Duration) async -> Bool {
        let seen = count.load(ordering: .relaxed)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, !Task.isCancelled {
            if count.load(ordering: .relaxed) != seen { return true }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return count.load(ordering: .relaxed) != seen
    }

    /// Stops listening (before the stream goes: the handler refers to it).
    public func cancel() {
        source.cancel()
    }
}
