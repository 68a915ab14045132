import EnerTrackCore
import EnerTrackRuntime
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A durable queue of readings between the MQTT callback and the series store.
///
/// Readings go into numbered segment files in the spool directory, written through a shared
/// memory mapping: once `append` returns, the reading is in the kernel's page cache and survives
/// a crash of the process, which is what a QoS 1 message that libmosquitto already acknowledged
/// needs — without a system call per message (the hot path is a copy). Like a plain `write(2)`
/// without `fsync`, it does not survive a power cut of the host.
///
/// The drainer takes whole segments, oldest first, stores them, and only then deletes them;
/// after a crash the leftover segments are drained again (writes are idempotent).
///
/// The spool holds at most `capacity` readings. When it is full, `append` waits: the MQTT loop
/// stops reading, so the broker keeps queueing instead of us dropping anything.
public final class ReadingSpool: Sendable {
    public struct Segment: Sendable {
        public let path: String
        public let sequence: UInt64
    }

    /// File layout: 8-byte magic, 8-byte committed length (bytes of records after the header),
    /// then records `mask u8 | time i64 | node length u8 | node | [phase mask u16] | one f64 per
    /// bit of the masks`, little-endian (the phase mask is there when the first mask's bit 7 is set). The committed length is stored after the record bytes, so a torn record
    /// is never counted.
    static let magic: UInt64 = 0x3130_4C4F_4F50_5345  // "ESPOOL01"
    static let headerSize = 16

    private struct Writer {
        var descriptor: Int32 = -1
        var mapping: UnsafeMutableRawPointer?
        var mappedBytes = 0
        var used = 0
        var path = ""
        var sequence: UInt64 = 0
        var currentCount = 0
        var closed: [Segment] = []
        var counts: [UInt64: Int] = [:]
        var depth = 0
        var full = false
        var overflowAllowed = false
        /// Drained segment files kept for reuse: allocated and in the page cache already, so a new
        /// segment costs a rename instead of an allocation and a page fault per 4 KiB.
        var spares: [String] = []
    }

    static let maxSpares = 3

    public let directory: String
    public let capacity: Int
    /// Bytes per segment file: small, because its pages count in the process's memory.
    public let segmentBytes: Int
    private let state: Mutex<Writer>
    private let space = DispatchSemaphore(value: 0)
    private let waiters = Atomic<Int>(0)

    /// Opens the spool, counting what a previous run left behind (to be drained first).
    public init(directory: String, capacity: Int, segmentBytes: Int = 1 << 19) throws {
        self.directory = directory
        self.capacity = capacity
        self.segmentBytes = max(segmentBytes, 4096)
        // Root running ingest on the service user's data directory must not write its segments
        // wherever that user pointed a link named like the spool.
        if let owner = OwnedFile.foreignLinkOwner(directory) {
            throw Failure(
                .noPermission,
                "the spool directory \(directory) is a link that another user (uid \(owner)) made: not followed; remove it, or run ingest as that user"
            )
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw Failure(
                .cannotCreate, "cannot create the spool directory \(directory): \(error.localizedDescription)")
        }
        var state = Writer()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasSuffix(".spare") {
            if state.spares.count < Self.maxSpares {
                state.spares.append(directory + "/" + name)
            } else {
                unlink(directory + "/" + name)
            }
        }
        for name in names where name.hasSuffix(".spool") {
            guard let sequence = UInt64(name.dropLast(6)) else { continue }
            let segment = Segment(path: directory + "/" + name, sequence: sequence)
            let count = (try? Self.records(in: segment.path).count) ?? 0
            state.closed.append(segment)
            state.counts[sequence] = count
            state.depth += count
            state.sequence = max(state.sequence, sequence)
        }
        state.closed.sort { $0.sequence < $1.sequence }
        self.state = Mutex(state)
    }

    deinit {
        state.withLock { Self.closeCurrent(&$0) }
    }

    /// Readings waiting to be stored (including leftovers of an earlier run).
    public var depth: Int { state.withLock { $0.depth } }
    public var isFull: Bool { state.withLock { $0.full } }

    /// Appends durably; blocks while the spool is full (unless overflow was allowed for shutdown).
    /// Returns true when it had to wait (the caller logs it).
    @discardableResult
    public func append(_ reading: Reading) throws -> Bool {
        var waited = false
        while true {
            let outcome: Result<Bool, Failure> = state.withLock { state in
                if state.depth >= capacity, !state.overflowAllowed {
                    state.full = true
                    return .success(false)
                }
                let size = Self.recordSize(reading)
                if state.mapping == nil || state.used + size > segmentBytes - Self.headerSize {
                    if state.mapping != nil { cut(&state) }
                    do throws(Failure) { try openSegment(&state) } catch { return .failure(error) }
                }
                guard let mapping = state.mapping else {
                    return .failure(Failure(.ioError, "spool segment is not mapped"))
                }
                let record = mapping + Self.headerSize + state.used
                Self.encode(reading, into: record)
                state.used += size
                mapping.storeBytes(of: UInt64(state.used).littleEndian, toByteOffset: 8, as: UInt64.self)
                state.currentCount += 1
                state.depth += 1
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

    /// The readings of a segment, in the order they were appended.
    public func read(_ segment: Segment) throws -> [Reading] {
        try Self.records(in: segment.path)
    }

    /// Retires a drained segment (its readings are in the store): kept as a spare, or deleted.
    public func remove(_ segment: Segment) {
        let spare = segment.path.dropLast(6) + ".spare"
        let keep = state.withLock { $0.spares.count < Self.maxSpares } && rename(segment.path, String(spare)) == 0
        if !keep { unlink(segment.path) }
        state.withLock { state in
            state.closed.removeAll { $0.sequence == segment.sequence }
            state.depth -= state.counts.removeValue(forKey: segment.sequence) ?? 0
            if state.depth < capacity { state.full = false }
            if keep { state.spares.append(String(spare)) }
        }
        if waiters.load(ordering: .sequentiallyConsistent) > 0 { space.signal() }
    }

    // MARK: Segments

    private func openSegment(_ state: inout Writer) throws(Failure) {
        state.sequence += 1
        let digits = String(state.sequence)
        let path = directory + "/" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".spool"
        var reused = false
        while let spare = state.spares.popLast() {
            if rename(spare, path) == 0 {
                reused = true
                break
            }
        }
        // Never through a link: root running ingest on the service user's spool must not truncate
        // or write whatever file that user pointed a segment name at.
        let descriptor = OwnedFile.openRegular(path, O_RDWR | O_CREAT | (reused ? 0 : O_TRUNC), mode: 0o640)
        guard descriptor >= 0 else {
            throw Failure(.cannotCreate, "cannot create spool segment \(path): \(String(cString: strerror(errno)))")
        }
        // posix_fallocate, not ftruncate: a full disk shows up here, not as SIGBUS on a later copy.
        // A reused spare has its blocks already.
        let allocated = reused ? 0 : posix_fallocate(descriptor, 0, off_t(segmentBytes))
        guard allocated == 0, let mapping = mmap(nil, segmentBytes, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0),
            mapping != MAP_FAILED
        else {
            let reason = String(cString: strerror(allocated != 0 ? allocated : errno))
            Glibc.close(descriptor)
            unlink(path)
            throw Failure(.ioError, "cannot prepare spool segment \(path): \(reason)")
        }
        mapping.storeBytes(of: Self.magic.littleEndian, toByteOffset: 0, as: UInt64.self)
        mapping.storeBytes(of: UInt64(0), toByteOffset: 8, as: UInt64.self)
        state.descriptor = descriptor
        state.mapping = mapping
        state.mappedBytes = segmentBytes
        state.used = 0
        state.path = path
        state.currentCount = 0
    }

    private func cut(_ state: inout Writer) {
        guard state.mapping != nil else { return }
        let count = state.currentCount
        let sequence = state.sequence
        let path = state.path
        Self.closeCurrent(&state)
        guard count > 0 else {
            let spare = String(path.dropLast(6)) + ".spare"
            if state.spares.count < Self.maxSpares, rename(path, spare) == 0 {
                state.spares.append(spare)
            } else {
                unlink(path)
            }
            return
        }
        state.closed.append(Segment(path: path, sequence: sequence))
        state.counts[sequence] = count
    }

    /// Unmaps and closes the current segment; the header's committed length says what it holds.
    private static func closeCurrent(_ state: inout Writer) {
        guard let mapping = state.mapping else { return }
        munmap(mapping, state.mappedBytes)
        Glibc.close(state.descriptor)
        state.mapping = nil
        state.descriptor = -1
        state.currentCount = 0
    }

    /// The header and the committed records of a segment file, not the unused rest.
    private static func committedBytes(of path: String) throws -> [UInt8] {
        let descriptor = OwnedFile.openRegular(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw Failure(.ioError, "cannot read spool segment \(path): \(String(cString: strerror(errno)))")
        }
        defer { Glibc.close(descriptor) }
        var header = [UInt8](repeating: 0, count: headerSize)
        guard pread(descriptor, &header, headerSize, 0) == headerSize else { return [] }
        // The header is bytes on disk: a corrupt length is clamped to the file, never trusted.
        let committed = header.withUnsafeBytes {
            Int(clamping: UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
        var size = 0
        var status = stat()
        if fstat(descriptor, &status) == 0 { size = Int(status.st_size) }
        let total = min(committed, size - headerSize) + headerSize
        var bytes = [UInt8](repeating: 0, count: max(total, headerSize))
        var offset = 0
        while offset < total {
            let count = bytes.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + offset, total - offset, off_t(offset))
            }
            guard count > 0 else { break }
            offset += count
        }
        if offset < bytes.count { bytes.removeSubrange(offset...) }
        return bytes
    }

    // MARK: Record format

    /// The first mask's bit 7 says that a second, 16-bit mask of the per-phase quantities
    /// follows the node: single-phase records keep the layout of earlier versions.
    static let phaseFlag: UInt8 = 0x80

    static func recordSize(_ reading: Reading) -> Int {
        var values = 0
        for quantity in reading.hasPhases ? Quantity.allCases : Quantity.totals where reading[quantity] != nil {
            values += 1
        }
        return 1 + 8 + 1 + min(reading.node.utf8.count, 255) + 8 * values + (reading.hasPhases ? 2 : 0)
    }

    static func encode(_ reading: Reading, into pointer: UnsafeMutableRawPointer) {
        var mask: UInt8 = 0
        var offset = 10
        let node = reading.node.utf8.prefix(255)
        pointer.storeBytes(of: UInt8(node.count), toByteOffset: 9, as: UInt8.self)
        for byte in node {
            pointer.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
            offset += 1
        }
        let phaseMaskOffset = offset
        if reading.hasPhases {
            mask |= phaseFlag
            offset += 2
        }
        var phaseMask: UInt16 = 0
        for (bit, quantity) in (reading.hasPhases ? Quantity.allCases : Quantity.totals).enumerated() {
            guard let value = reading[quantity] else { continue }
            if bit < 7 { mask |= 1 << bit } else { phaseMask |= 1 << (bit - 7) }
            pointer.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        if mask & phaseFlag != 0 {
            pointer.storeBytes(of: phaseMask.littleEndian, toByteOffset: phaseMaskOffset, as: UInt16.self)
        }
        pointer.storeBytes(of: mask, toByteOffset: 0, as: UInt8.self)
        pointer.storeBytes(of: reading.time.littleEndian, toByteOffset: 1, as: Int64.self)
    }

    /// Every committed record of a segment file.
    static func records(in path: String) throws -> [Reading] {
        let data = try committedBytes(of: path)
        return data.withUnsafeBytes { bytes -> [Reading] in
            guard bytes.count >= headerSize,
                bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian == magic
            else { return [] }
            let committed = min(
                Int(clamping: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian),
                bytes.count - headerSize)
            var readings: [Reading] = []
            var offset = headerSize
            let end = headerSize + committed
            // Every record is checked as a message would be: a damaged segment yields the
            // records before the damage, never a trap or a reading no meter could send.
            while offset + 10 <= end {
                let first = bytes[offset]
                guard first != 0 else { break }
                let time = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 1, as: Int64.self))
                let nodeLength = Int(bytes[offset + 9])
                var valuesStart = offset + 10 + nodeLength
                var mask = UInt32(first & ~phaseFlag)
                if first & phaseFlag != 0 {
                    guard valuesStart + 2 <= end else { break }
                    let phases = UInt16(
                        littleEndian: bytes.loadUnaligned(fromByteOffset: valuesStart, as: UInt16.self))
                    guard phases != 0, phases < 1 << 12 else { break }
                    mask |= UInt32(phases) << 7
                    valuesStart += 2
                }
                let size = valuesStart - offset + 8 * mask.nonzeroBitCount
                guard offset + size <= end else { break }
                let node = String(
                    decoding: UnsafeRawBufferPointer(rebasing: bytes[(offset + 10)..<(offset + 10 + nodeLength)]),
                    as: UTF8.self)
                guard DirectoryRules.isESPID(node), TimeArgument.range.contains(time) else { break }
                var reading = Reading(node: node, time: time)
                var valueOffset = valuesStart
                var valid = true
                for (bit, quantity) in Quantity.allCases.enumerated() where mask & (1 << bit) != 0 {
                    let value = Double(
                        bitPattern: UInt64(
                            littleEndian: bytes.loadUnaligned(fromByteOffset: valueOffset, as: UInt64.self)))
                    valid = valid && value.isFinite && quantity.plausibleRange.contains(value)
                    reading[quantity] = value
                    valueOffset += 8
                }
                guard valid else { break }
                readings.append(reading)
                offset += size
            }
            return readings
        }
    }
}
