import EnerTrackCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What `enertrack import` did.
public struct ImportSummary: Sendable {
    public var format: ImportParser.Format
    public var lines = 0
    public var stored = 0
    public var rejectedCount = 0
    /// The first rejections with their line numbers (the count has them all).
    public var rejected: [(line: Int, rejection: Rejection)] = []
    public var registered: [String] = []
    public var unknown = 0
    /// Seconds spent bringing the rollups up to date at the end.
    public var rollupSeconds = 0.0

    public init(format: ImportParser.Format) { self.format = format }
}

/// Backfills readings from a file through the same checks, node registration and store as `ingest`.
public struct ReadingImporter: Sendable {
    public static let maxListedRejections = 100
    public let sink: ReadingSink
    public let batchSize: Int
    /// How far ahead of the import's time a line may date a reading (ms).
    public let maxAhead: Int64

    public init(sink: ReadingSink, batchSize: Int = 5_000, maxAhead: Int64 = ReadingRules.defaultMaxAhead) {
        self.sink = sink
        self.batchSize = batchSize
        self.maxAhead = maxAhead
    }

    /// `nextLine` returns lines without their newline, nil at the end; `format` nil = detect.
    public func run(format: ImportParser.Format?, nextLine: () throws -> String?) async throws -> ImportSummary {
        var parser: ImportParser?
        var summary = ImportSummary(format: format ?? .lineProtocol)
        var batch: [Reading] = []
        var number = 0
        while let line = try nextLine() {
            number += 1
            if parser == nil {
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                let chosen = format ?? ImportParser.detect(firstLine: line[...])
                parser = ImportParser(format: chosen, maxAhead: maxAhead)
                summary.format = chosen
            }
            do {
                if let reading = try parser?.parse(line[...]) { batch.append(reading) }
            } catch {
                summary.rejectedCount += 1
                if summary.rejected.count < Self.maxListedRejections { summary.rejected.append((number, error)) }
            }
            if batch.count >= batchSize { try await flush(&batch, into: &summary) }
        }
        try await flush(&batch, into: &summary)
        await sink.flushLastSeen()
        let started = ContinuousClock.now
        try await sink.series.refreshRollups()  // the first report after a backfill stays quick
        let elapsed = ContinuousClock.now - started
        summary.rollupSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        summary.lines = number
        return summary
    }

    private func flush(_ batch: inout [Reading], into summary: inout ImportSummary) async throws {
        guard !batch.isEmpty else { return }
        let outcome = try await sink.store(batch)
        summary.stored += outcome.stored
        summary.unknown += outcome.unknown
        summary.registered += outcome.registered
        batch.removeAll(keepingCapacity: true)
    }
}

/// Reads a file line by line with getline(3): any size, bounded memory.
public final class LineReader {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: UnsafeMutablePointer<CChar>?
    private var capacity = 0

    public init(path: String) throws {
        guard let file = fopen(path, "r") else {
            let code = errno
            let status: ExitStatus = code == EACCES ? .noPermission : .noInput
            throw Failure(status, "cannot read \(path): \(String(cString: strerror(code)))")
        }
        self.file = file
    }

    deinit {
        free(buffer)
        fclose(file)
    }

    /// Bytes read so far, and the file's size (nil for a pipe), for a progress line.
    public private(set) var bytesRead = 0
    public var size: Int? {
        var status = stat()
        guard fstat(fileno(file), &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(status.st_size)
    }

    public func next() -> String? {
        let length = getline(&buffer, &capacity, file)
        if length > 0 { bytesRead += length }
        guard length >= 0, let buffer else { return nil }
        var count = length
        if count > 0, buffer[count - 1] == 0x0A { count -= 1 }
        return buffer.withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }
    }
}
