import EnerTrackRuntime
import Foundation
import Synchronization
import Testing

/// A gate that blocking work waits at until the test opens it, and a count of the work running.
private final class Gate: Sendable {
    private let opened = DispatchSemaphore(value: 0)
    private let counts = Mutex((running: 0, most: 0, ran: 0))

    func pass() {
        counts.withLock {
            $0.running += 1
            $0.most = max($0.most, $0.running)
        }
        opened.wait()
        opened.signal()
        counts.withLock {
            $0.running -= 1
            $0.ran += 1
        }
    }

    func open() { opened.signal() }
    var running: Int { counts.withLock { $0.running } }
    var most: Int { counts.withLock { $0.most } }
    var ran: Int { counts.withLock { $0.ran } }
}

/// Waits (up to five minutes, for a loaded machine: one fresh-clone CI saw a minute pass with
/// none of the pool's new threads scheduled, while eighty suites ran at once) until
/// `condition` holds.
private func eventually(_ condition: () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(300)
    while !condition() {
        guard Date() < deadline else { return }
        try await Task.sleep(for: .milliseconds(10))
    }
}

@Suite struct BlockingPoolTests {
    @Test func neverRunsMoreThanItsThreadsAtOnce() async throws {
        let pool = BlockingPool(threads: 3, name: "test.bounded")
        let gate = Gate()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 { group.addTask { try await pool.run { gate.pass() } } }
            try await eventually { gate.running == 3 && pool.waiting == 9 }
            #expect(gate.running == 3)
            #expect(pool.waiting == 9)
            gate.open()
            try await group.waitForAll()
        }
        #expect(gate.ran == 12)
        #expect(gate.most == 3)
    }

    @Test func workCancelledInLineNeverRunsAndStartedWorkEnds() async throws {
        let pool = BlockingPool(threads: 1, name: "test.cancel")
        let gate = Gate()
        let started = Task { try await pool.run { gate.pass() } }
        try await eventually { gate.running == 1 }
        let ranLate = Mutex(false)
        let queued = Task { try await pool.run { ranLate.withLock { $0 = true } } }
        try await eventually { pool.waiting == 1 }
        queued.cancel()
        await #expect(throws: CancellationError.self) { try await queued.value }
        #expect(pool.waiting == 0)
        started.cancel()
        gate.open()
        try await started.value  // started before the cancellation: runs to its end
        #expect(gate.ran == 1)
        // The line goes on: later work runs, and the cancelled work never did.
        #expect(try await pool.run { 41 + 1 } == 42)
        #expect(!ranLate.withLock { $0 })
    }

    @Test func errorsAndValuesComeBack() async throws {
        struct Refused: Error {}
        let pool = BlockingPool(threads: 2, name: "test.errors")
        await #expect(throws: Refused.self) { try await pool.run { () throws -> Int in throw Refused() } }
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for value in 0..<100 { group.addTask { try await pool.run { value * 2 } } }
            return try await group.reduce(0, +)
        }
        #expect(values == 9_900)
    }
}

/// Async work through `Permits`: never more at once than its permits, first come first served,
/// and work cancelled while it waits never runs.
@Suite struct PermitsTests {
    /// An async gate: work waits on it until the test opens it.
    final class AsyncGate: Sendable {
        private let state = Mutex((open: false, running: 0, most: 0, started: [Int]()))

        func pass(_ id: Int) async throws {
            state.withLock {
                $0.started.append(id)
                $0.running += 1
                $0.most = max($0.most, $0.running)
            }
            while !state.withLock({ $0.open }) { try await Task.sleep(for: .milliseconds(5)) }
            state.withLock { $0.running -= 1 }
        }

        func open() { state.withLock { $0.open = true } }
        var running: Int { state.withLock { $0.running } }
        var most: Int { state.withLock { $0.most } }
        var started: [Int] { state.withLock { $0.started } }
    }

    @Test func atMostItsPermitsAndCancelledWaitersNeverRun() async throws {
        let permits = Permits(2)
        let gate = AsyncGate()
        var tasks: [Task<Void, any Error>] = []
        for id in 0..<6 {
            tasks.append(Task { try await permits.run { try await gate.pass(id) } })
            // In order: each waits before the next starts.
            try await eventually { gate.running + permits.waiting == id + 1 }
        }
        #expect(gate.running == 2 && permits.waiting == 4)
        tasks[4].cancel()
        let cancelled = await tasks[4].result
        #expect(throws: CancellationError.self) { try cancelled.get() }
        #expect(permits.waiting == 3)
        gate.open()
        for task in tasks { _ = await task.result }
        #expect(gate.most == 2 && gate.started == [0, 1, 2, 3, 5], "first come, first served: \(gate.started)")
    }
}
