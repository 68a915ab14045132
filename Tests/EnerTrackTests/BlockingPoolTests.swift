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

/// Waits (up to a minute, for a loaded machine) until `condition` holds.
private func eventually(_ condition: () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(60)
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
