import EnerTrackCore
import EnerTrackIngest
import Foundation
import Testing

@Suite("Reading spool")
struct ReadingSpoolTests {
    @Test("appended readings come back exactly, in order, segment by segment, until removed")
    func roundTrip() throws {
        let directory = try temporaryDirectory("enertrack-spool")
        let spool = try ReadingSpool(directory: directory, capacity: 10_000, segmentSize: 4)
        let readings = (0..<10).map {
            Reading(node: "N\($0 % 3)", time: 1_795_773_600_000 + Int64($0), voltage: 230.1, power: $0 % 2 == 0 ? 0.1 + 0.2 : nil, energy: 1e-7)
        }
        for reading in readings { try spool.append(reading) }
        #expect(spool.depth == 10)
        var drained: [Reading] = []
        while let segment = spool.nextSegment() {
            drained += try spool.read(segment)
            spool.remove(segment)
        }
        #expect(drained == readings)
        #expect(spool.depth == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test("a reopened spool finds what a crashed run left, skips a torn last line, and numbers on")
    func leftovers() throws {
        let directory = try temporaryDirectory("enertrack-spool")
        do {
            let spool = try ReadingSpool(directory: directory, capacity: 10_000, segmentSize: 3)
            for index in 0..<5 { try spool.append(Reading(node: "A", time: 1_795_773_600_000 + Int64(index), power: 1)) }
        }
        // A crash in the middle of a write leaves half a line.
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        let handle = try #require(FileHandle(forWritingAtPath: directory + "/" + files.last!))
        handle.seekToEndOfFile()
        handle.write(Data("A\t17957736".utf8))
        try handle.close()

        let reopened = try ReadingSpool(directory: directory, capacity: 10_000, segmentSize: 3)
        #expect(reopened.depth == 5)
        try reopened.append(Reading(node: "B", time: 1_795_773_600_000, power: 2))
        var drained: [Reading] = []
        while let segment = reopened.nextSegment() {
            drained += try reopened.read(segment)
            reopened.remove(segment)
        }
        #expect(drained.map(\.node) == ["A", "A", "A", "A", "A", "B"], "leftovers first, the torn line skipped")
    }

    @Test("a full spool makes append wait until the drainer frees room")
    func backpressure() async throws {
        let spool = try ReadingSpool(directory: try temporaryDirectory("enertrack-spool"), capacity: 2, segmentSize: 1)
        try spool.append(Reading(node: "A", time: 1, power: 1))
        try spool.append(Reading(node: "A", time: 2, power: 1))
        let waited = Task.detached { try spool.append(Reading(node: "A", time: 3, power: 1)) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(spool.isFull && spool.depth == 2)
        let segment = try #require(spool.nextSegment())
        spool.remove(segment)
        #expect(try await waited.value == true, "append reports that it had to wait")
        #expect(spool.depth == 2)
    }
}
