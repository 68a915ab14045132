import Foundation
import Testing

/// Rules about where code may live, checked over the source tree.
@Suite("Architecture")
struct ArchitectureTests {
    /// Modules that may speak SQL (or InfluxQL, the InfluxDB store's own language): the stores and
    /// the SQL they share.
    static let storeModules: Set<String> = ["EnerTrackSQL", "EnerTrackSQLite", "EnerTrackMariaDB", "EnerTrackInflux"]

    @Test("no SQL and no transaction handle outside the store modules")
    func sqlStaysInStores() throws {
        let sources = packageRoot.appendingPathComponent("Sources").path
        let pattern = try Regex(
            #"\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)|sqlTransaction|sqlRead|SQLTransaction\b|WebSQL|AlertSQL|TelegramSQL|DirectorySQL"#
        )
        var offenders: [String] = []
        for module in try FileManager.default.contentsOfDirectory(atPath: sources)
        where !Self.storeModules.contains(module) {
            guard let files = FileManager.default.enumerator(atPath: sources + "/" + module) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOfFile: "\(sources)/\(module)/\(file)", encoding: .utf8)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where line.contains(pattern) && !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                    offenders.append(
                        "\(module)/\(file):\(number + 1): \(line.trimmingCharacters(in: .whitespaces).prefix(120))")
                }
            }
        }
        #expect(offenders.isEmpty, "SQL outside the store modules:\n\(offenders.joined(separator: "\n"))")
    }
}
