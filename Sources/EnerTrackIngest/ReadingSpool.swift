import EnerTrackCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A durable queue of readings between the MQTT callback and the series store.
///
/// Readings are appended, one `write(2)` each, to numbered segment files in the spool
/// directory: once `append` returns, the reading survives a crash of the process (the kernel
/// has it), which is what a QoS 1 message that libmosquitto already acknowledged needs. The
/// drainer takes whole segments, oldest first, stores them and only then deletes them; after
/// a crash the leftover segments are simply drained again (writes are idempotent).
///
/// The spool holds at most `capacity` readings. When it is full, `append` waits: the MQTT
/// loop stops reading, so the broker keeps queueing instead of us dropping anything.
public final class ReadingSpool: Sendable {
    public struct Segment: Sendable {
        public let path: String
        public let sequence: UInt64
    }

    private struct State {
        var descriptor: Int32 = -1
        var sequence: UInt64 = 0
        var currentCount = 0
        var closed: [Segment] = []
        var counts: [UInt64: Int] = [:]
        var depth = 0
        var full = false
        var overflowAllowed = false
    }

    public let directory: String
    public let capacity: Int
    /// Segments are cut at this many readings so the drainer works in bounded chunks.
    public let segmentSize: Int
    private let state: Mutex<State>
    private let space = DispatchSemaphore(value: 0)
    private let waiters = Atomic<Int>(0)

    /// Opens the spool, counting what a previous run left behind (to be drained first).
    public init(directory: String, capacity: Int, segmentSize: Int = 5_000) throws {
        self.directory = directory
        self.capacity = capacity
        self.segmentSize = segmentSize
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw Failure(.cannotCreate, "cannot create the spool directory \(directory): \(error.localizedDescription)")
        }
        var state = State()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasSuffix(".spool") {
            guard let sequence = UInt64(name.dropLast(6)) else { continue }
            let segment = Segment(path: directory + "/" + name, sequence: sequence)
            let count = Self.countLines(segment.path)
            state.closed.append(segment)
            state.counts[sequence] = count
            state.depth += count
            state.sequence = max(state.sequence, sequence)
        }
        state.closed.sort { $0.sequence < $1.sequence }
        self.state = Mutex(state)
    }

    deinit {
        state.withLock { state in
            if state.descriptor >= 0 { close(state.descriptor) }
        }
    }

    /// Readings waiting to be stored (including leftovers of an earlier run).
    public var depth: Int { state.withLock { $0.depth } }
    public var isFull: Bool { state.withLock { $0.full } }
    /// Segments left by an earlier run when the spool was opened, or cut since.
    public var pendingSegments: Int { state.withLock { $0.closed.count } }

    /// Appends durably; blocks while the spool is full (unless overflow was allowed for shutdown).
    /// Returns true when it had to wait (the caller logs it).
    @discardableResult
    public func append(_ reading: Reading) throws -> Bool {
        var line = Self.encode(reading)
        var waited = false
        while true {
            let outcome: Result<Bool, Error> = state.withLock { state in
                if state.depth >= capacity, !state.overflowAllowed {
                    state.full = true
                    return .success(false)
                }
                do {
                    try openCurrentIfNeeded(&state)
                    try line.withUnsafeMutableBytes { bytes in
                        try Self.writeAll(state.descriptor, bytes, path: currentPath(state))
                    }
                } catch {
                    return .failure(error)
                }
                state.currentCount += 1
                state.depth += 1
                if state.currentCount >= segmentSize { cut(&state) }
                return .success(true)
            }
            switch outcome {
            case .success(true): return waited
            case .success(false):
                waited = true
                waiters.add(1, ordering: .sequentiallyConsistent)
                _ = space.wait(timeout: .now() + 0.5)
                waiters.subtract(1, ordering: .sequentiallyConsistent)
            case .failure(let error): throw error
            }
        }
    }

    /// Lets `append` exceed the capacity: at shutdown a message already acknowledged must not wait.
    public func allowOverflow() {
        state.withLock { $0.overflowAllowed = true }
        space.signal()
    }

    /// The oldest segment to drain: a closed one, or the current one cut now if it has readings.
    public func nextSegment() -> Segment? {
        state.withLock { state in
            if state.closed.isEmpty, state.currentCount > 0 { cut(&state) }
            return state.closed.first
        }
    }

    /// The readings of a segment; lines a crash cut short are skipped.
    public func read(_ segment: Segment) throws -> [Reading] {
        guard let data = FileManager.default.contents(atPath: segment.path) else {
            throw Failure(.ioError, "cannot read spool segment \(segment.path)")
        }
        var readings: [Reading] = []
        data.withUnsafeBytes { bytes in
            var start = 0
            for index in 0..<bytes.count where bytes[index] == 0x0A {
                if let reading = Self.decode(UnsafeRawBufferPointer(rebasing: bytes[start..<index])) { readings.append(reading) }
                start = index + 1
            }
        }
        return readings
    }

    /// Deletes a drained segment: its readings are in the store.
    public func remove(_ segment: Segment) {
        unlink(segment.path)
        state.withLock { state in
            state.closed.removeAll { $0.sequence == segment.sequence }
            state.depth -= state.counts.removeValue(forKey: segment.sequence) ?? 0
            if state.depth < capacity { state.full = false }
        }
        if waiters.load(ordering: .sequentiallyConsistent) > 0 { space.signal() }
    }

    // MARK: Segments

    private func currentPath(_ state: State) -> String {
        String(format: "%@/%020llu.spool", directory, state.sequence)
    }

    private func openCurrentIfNeeded(_ state: inout State) throws {
        guard state.descriptor < 0 else { return }
        state.sequence += 1
        state.currentCount = 0
        let path = currentPath(state)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw Failure(.cannotCreate, "cannot create spool segment \(path): \(String(cString: strerror(errno)))")
        }
        state.descriptor = descriptor
    }

    private func cut(_ state: inout State) {
        guard state.descriptor >= 0 else { return }
        close(state.descriptor)
        state.descriptor = -1
        state.closed.append(Segment(path: currentPath(state), sequence: state.sequence))
        state.counts[state.sequence] = state.currentCount
        state.currentCount = 0
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: UnsafeMutableRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(.ioError, "cannot append to spool segment \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    private static func countLines(_ path: String) -> Int {
        guard let data = FileManager.default.contents(atPath: path) else { return 0 }
        return data.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
    }

    // MARK: Record format

    /// `node TAB time TAB voltage TAB current TAB power TAB energy TAB pf TAB frequency LF`,
    /// absent quantities empty; Swift's shortest round-trip form keeps every double exact.
    static func encode(_ reading: Reading) -> [UInt8] {
        var line = reading.node + "\t" + String(reading.time)
        for quantity in Quantity.allCases {
            line += "\t"
            if let value = reading[quantity] { line += value.description }
        }
        line += "\n"
        return Array(line.utf8)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) -> Reading? {
        let fields = bytes.split(separator: 0x09, omittingEmptySubsequences: false)
        guard fields.count == 8, let time = Int64(String(decoding: fields[1], as: UTF8.self)) else { return nil }
        var reading = Reading(node: String(decoding: fields[0], as: UTF8.self), time: time)
        guard DirectoryRules.isESPID(reading.node) else { return nil }
        for (index, quantity) in Quantity.allCases.enumerated() where !fields[index + 2].isEmpty {
            guard let value = Double(String(decoding: fields[index + 2], as: UTF8.self)) else { return nil }
            reading[quantity] = value
        }
        return reading
    }
}
