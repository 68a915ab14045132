import EnerTrackCore
import EnerTrackSQLite
import Foundation
import Testing

@Suite("report status")
struct StatusReportTests {
    @Test("active / inactive / no_data, and --check's one line with 0, 1, 2 as monitoring expects")
    func statuses() async throws {
        let harness = try Harness()
        for node in ["A", "B", "C"] { #expect(await harness.run(["node", "add", node]).status == 0) }
        let directory = try SQLiteDirectoryStore(path: harness.dataDirectory + "/directory.sqlite")
        try await directory.recordLastSeen(["A": Date().addingTimeInterval(-60), "B": Date().addingTimeInterval(-3600)])

        let rows = try await harness.run(["report", "status", "--json"]).objects()
        #expect(rows.map { $0["status"] as? String } == ["active", "inactive", "no_data"])
        #expect((rows[1]["age_seconds"] as? Int ?? 0) >= 3600)

        let critical = await harness.run(["report", "status", "--check"])
        #expect(critical.status == 2 && critical.stdout == "CRITICAL: 1 of 3 meters never reported: C; 1 inactive: B\n", "\(critical.stdout)")
        #expect(await harness.run(["node", "remove", "C"]).status == 0)
        let warning = await harness.run(["report", "status", "--check"])
        #expect(warning.status == 1 && warning.stdout == "WARNING: 1 of 2 meters inactive: B\n")
        #expect(await harness.run(["report", "status", "--check", "--inactive-after", "2h"]).status == 0)
        try await directory.recordLastSeen(["B": Date()])
        let ok = await harness.run(["report", "status", "--check"])
        #expect(ok.status == 0 && ok.stdout == "OK: 2 meters reporting\n")
        #expect(try await harness.run(["report", "status", "--all", "--json"]).objects().last?["status"] as? String == "removed")
        #expect(await harness.run(["report", "status", "--inactive-after", "soon"]).status == 64)
    }
}
