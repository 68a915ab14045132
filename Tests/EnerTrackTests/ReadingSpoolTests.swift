import EnerTrackCore
import EnerTrackIngest
import Foundation
import Testing

@Suite("Reading spool")
struct ReadingSpoolTests {
    @Test("appended readings come back exactly, in order, segment by segment, until removed")
    func roundTrip() throws {
        let directory = try temporaryDirectory("enertrack-spool")
        let spool = try ReadingSpool(directory: directory, capacity: 10_000, segmentBytes: 4096)
        let readings = (0..<10).map {
            Reading(
                node: "N\($0 % 3)", time: 1_795_773_600_000 + Int64($0), voltage: 230.1,
                power: $0 % 2 == 0 ? 0.1 + 0.2 : nil, energy: 1e-7)
        }
        for (index, reading) in readings.enumerated() {
            try spool.append(reading)
            if index == 3 { _ = spool.nextSegment() }  // the drainer cuts the current segment
        }
        #expect(spool.depth == 10)
        var drained: [Reading] = []
        while let segment = spool.nextSegment() {
            drained += try spool.read(segment)
            spool.remove(segment)
        }
        #expect(drained == readings)
        #expect(spool.depth == 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(
            !left.contains { $0.hasSuffix(".spool") },
            "drained segments are gone (a few stay as .spare files for reuse)")
        #expect(left.count <= 3)
    }

    @Test("a reopened spool finds what a crashed run left, skips a torn last line, and numbers on")
    func leftovers() throws {
        let directory = try temporaryDirectory("enertrack-spool")
        do {
            let spool = try ReadingSpool(directory: directory, capacity: 10_000)
            for index in 0..<3 {
                try spool.append(Reading(node: "A", time: 1_795_773_600_000 + Int64(index), power: 1))
            }
            _ = spool.nextSegment()
            for index in 3..<5 {
                try spool.append(Reading(node: "A", time: 1_795_773_600_000 + Int64(index), power: 1))
            }
        }
        // A crash in the middle of a copy leaves bytes past the committed length: they are not counted.
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".spool") }
            .sorted()
        #expect(files.count == 2)
        let handle = try #require(FileHandle(forWritingAtPath: directory + "/" + files.last!))
        handle.seekToEndOfFile()
        handle.write(Data([0x10, 1, 2, 3]))
        try handle.close()

        let reopened = try ReadingSpool(directory: directory, capacity: 10_000)
        #expect(reopened.depth == 5)
        try reopened.append(Reading(node: "B", time: 1_795_773_600_000, power: 2))
        var drained: [Reading] = []
        while let segment = reopened.nextSegment() {
            drained += try reopened.read(segment)
            reopened.remove(segment)
        }
        #expect(drained.map(\.node) == ["A", "A", "A", "A", "A", "B"], "leftovers first, the torn record skipped")
        #expect(Array(drained.map(\.time).prefix(5)) == [Int64](0..<5).map { 1_795_773_600_000 + $0 })
    }

    @Test("a full spool makes append wait until the drainer frees room")
    func backpressure() async throws {
        let spool = try ReadingSpool(directory: try temporaryDirectory("enertrack-spool"), capacity: 2)
        try spool.append(Reading(node: "A", time: 1, power: 1))
        _ = spool.nextSegment()
        try spool.append(Reading(node: "A", time: 2, power: 1))
        let waited = Task.detached { try spool.append(Reading(node: "A", time: 3, power: 1)) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(spool.isFull && spool.depth == 2)
        let segment = try #require(spool.nextSegment())
        spool.remove(segment)
        #expect(try await waited.value == true, "append reports that it had to wait")
        #expect(spool.depth == 2)
        // Segments fill up and roll over on their own too.
        let small = try ReadingSpool(
            directory: try temporaryDirectory("enertrack-spool"), capacity: 10_000, segmentBytes: 4096)
        for index in 0..<500 { try small.append(Reading(node: "NODE", time: Int64(index), voltage: 1, power: 2)) }
        var total = 0
        while let next = small.nextSegment() {
            total += try small.read(next).count
            small.remove(next)
        }
        #expect(total == 500)
        #expect(spool.depth == 2)
    }
}
