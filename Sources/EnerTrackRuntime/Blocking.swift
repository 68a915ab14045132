import Foundation
import Synchronization

/// The one way to run blocking work (Connector/C calls, libcurl transfers, scrypt, file parsing)
/// from async code: on one of a fixed number of threads of its own, never on Swift's cooperative
/// threads or a NIO event loop. Work waits in line (first come, first served) when every thread
/// is busy, so a burst cannot grow the process's threads without bound; a task cancelled while
/// its work waits in line is answered with `CancellationError` at once and its work never runs.
/// Work that has started runs to its end (a blocking call cannot be interrupted from here).
///
/// Threads are started as work arrives, up to `threads`, and end after half a minute without
/// work; a pool of one thread is a serial line, for a handle that is not thread-safe.
public final class BlockingPool: Sendable {
    /// The pool for everything that has no pool of its own: twice the cores, at least eight.
    public static let shared = BlockingPool(
        threads: max(8, 2 * ProcessInfo.processInfo.activeProcessorCount), name: "enertrack.blocking")

    public let threads: Int
    private let name: String
    private let state = Mutex(Line())
    private let wake = DispatchSemaphore(value: 0)

    private struct Job {
        let id: UInt64
        let work: @Sendable (_ cancelled: Bool) -> Void
    }

    private struct Line {
        var jobs: [Job] = []
        var head = 0
        var started = 0
        var idle = 0
        var nextID: UInt64 = 0

        var waiting: Int { jobs.count - head }

        mutating func pop() -> Job? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            head += 1
            if head > 64, head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            return job
        }

        mutating func remove(_ id: UInt64) -> Job? {
            guard let index = jobs[head...].firstIndex(where: { $0.id == id }) else { return nil }
            return jobs.remove(at: index)
        }
    }

    public init(threads: Int, name: String) {
        self.threads = max(1, threads)
        self.name = name
    }

    /// Work waiting for a thread now (for metrics and tests).
    public var waiting: Int { state.withLock { $0.waiting } }

    /// `body` on one of the pool's threads; its value or error. Throws `CancellationError`,
    /// without running `body`, when the task is cancelled before a thread takes it.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try Task.checkCancellation()
        let id = state.withLock { line in
            line.nextID += 1
            return line.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
                enqueue(
                    Job(id: id) { cancelled in
                        if cancelled {
                            continuation.resume(throwing: CancellationError())
                        } else {
                            continuation.resume(with: Result { try body() })
                        }
                    })
            }
        } onCancel: {
            // Still in line: out of it, answered now. Taken already: it runs to its end.
            state.withLock { $0.remove(id) }?.work(true)
        }
    }

    private func enqueue(_ job: Job) {
        let spawn = state.withLock { line -> Bool in
            line.jobs.append(job)
            guard line.idle < line.waiting, line.started < threads else { return false }
            line.started += 1
            line.idle += 1
            return true
        }
        if spawn {
            let thread = Thread { [self] in work() }
            thread.name = name
            thread.start()
        }
        wake.signal()
    }

    /// A thread's life: wait for a signal, take the next job (a cancelled one may have left the
    /// line meanwhile: then there is none), run it. A thread idle for `idleLife` ends, so a pool
    /// that is no longer used (a closed store) takes no threads.
    private func work() {
        while true {
            let signalled = wake.wait(timeout: .now() + Self.idleLife) == .success
            let next = state.withLock { line -> (job: Job?, end: Bool) in
                guard let job = line.pop() else {
                    if signalled { return (nil, false) }
                    line.idle -= 1
                    line.started -= 1
                    return (nil, true)
                }
                line.idle -= 1
                return (job, false)
            }
            if next.end { return }
            guard let job = next.job else { continue }
            job.work(false)
            state.withLock { $0.idle += 1 }
        }
    }

    private static let idleLife: DispatchTimeInterval = .seconds(30)
}
