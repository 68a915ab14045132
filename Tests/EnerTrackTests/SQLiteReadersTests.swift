import EnerTrackCore
import EnerTrackSQL
import Foundation
import Testing

@testable import EnerTrackSQLite

/// The directory's reads on SQLite's C interface (`SQLiteReaders`): they see every committed
/// write at once, one snapshot per read, never write, and fail as the store's other errors do.
@Suite("SQLite: the read connections")
struct SQLiteReadersTests {
    @Test("reads see each commit at once, run beside a writer, take one snapshot, and cannot write")
    func readsBesideWrites() async throws {
        let path = try temporaryDirectory("enertrack-sqlite-readers") + "/directory.sqlite"
        let store = try SQLiteDirectoryStore(path: path)
        func count() async throws -> Int64 {
            try await store.sqlRead { sql in try sql.rows("SELECT count(*) AS n FROM Usuarios").first?.int("n") ?? -1 }
        }
        #expect(try await count() == 0)
        // Forty users written one by one while sixty reads run: every read sees a count that only grows.
        try await withThrowingTaskGroup(of: [Int64].self) { group in
            group.addTask {
                for index in 0..<40 {
                    _ = try await store.addUser(
                        NewUser(
                            username: "u\(index)", email: "u\(index)@example.org", name: nil, isAdmin: false,
                            passwordHash: "x"))
                }
                return []
            }
            for _ in 0..<4 {
                group.addTask {
                    var seen: [Int64] = []
                    for _ in 0..<15 { seen.append(try await count()) }
                    return seen
                }
            }
            for try await seen in group {
                #expect(seen == seen.sorted(), "a read went back in time: \(seen)")
                #expect(seen.allSatisfy { (0...40).contains($0) })
            }
        }
        #expect(try await count() == 40, "a committed write is seen by the next read")
        // Two statements in one read see the same state.
        let pair = try await store.sqlRead { sql in
            (
                try sql.rows("SELECT count(*) AS n FROM Usuarios").first?.int("n"),
                try sql.rows("SELECT max(id) AS m FROM Usuarios").first?.int("m")
            )
        }
        #expect(pair.0 == 40 && pair.1 == 40)
        // Text, integers, NULL and a name with capitals come back as the store holds them.
        let row = try await store.sqlRead { sql in
            try sql.rows("SELECT 'añ' AS Text, 7 AS n, 2.5 AS d, NULL AS none", []).first
        }
        #expect(row?.string("text") == "añ" && row?.int("n") == 7 && row?.double("d") == 2.5)
        #expect(row?.value("none") == nil)
        // A read that tries to write is refused, and the refusal is the store's error.
        await #expect(throws: DirectoryError.self) {
            try await store.sqlRead { sql in try sql.run("DELETE FROM Usuarios", []) }
        }
        #expect(try await count() == 40)
        // A statement SQLite cannot prepare is an error of that read only.
        await #expect(throws: DirectoryError.self) {
            try await store.sqlRead { sql in try sql.rows("SELECT nothing FROM nowhere", []) }
        }
        #expect(try await count() == 40)
    }
}
