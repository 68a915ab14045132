import EnerTrackCore
import EnerTrackRuntime
import Foundation

/// A bounded pool of connections; a task waits when all are checked out.
actor MariaDBPool {
    let settings: MariaDBSettings
    let capacity: Int
    private var idle: [MariaDBConnection] = []
    private var open = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(settings: MariaDBSettings, capacity: Int) {
        self.settings = settings
        self.capacity = max(1, capacity)
    }

    func acquire() async throws -> MariaDBConnection {
        while true {
            if let connection = idle.popLast() { return connection }
            if open < capacity {
                open += 1
                let settings = self.settings
                do {
                    return try await BlockingPool.shared.run { try MariaDBConnection(settings: settings) }
                } catch {
                    open -= 1
                    wakeOne()
                    throw error
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    /// Returns a healthy connection to the pool, or forgets a broken one (nil).
    func release(_ connection: MariaDBConnection?) {
        if let connection { idle.append(connection) } else { open -= 1 }
        wakeOne()
    }

    /// Drops every idle connection, e.g. after the server was found gone.
    func discardIdle() {
        open -= idle.count
        idle.removeAll()
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}
