import EnerTrackRuntime
import Foundation
import Testing

/// Rules about where code may live, checked over the source tree.
@Suite("Architecture")
struct ArchitectureTests {
    /// Modules that may speak SQL (or InfluxQL, the InfluxDB store's own language): the stores and
    /// the SQL they share.
    static let storeModules: Set<String> = ["EnerTrackSQL", "EnerTrackSQLite", "EnerTrackMariaDB", "EnerTrackInflux"]

    /// `file:line: code` for each line of code (comments skipped) in the Swift files under
    /// `Sources` (paths relative to it) that `include` admits and `matches` holds for.
    static func lines(include: (String) -> Bool, matches: (_ file: String, _ code: Substring) -> Bool) throws
        -> [String]
    {
        let sources = packageRoot.appendingPathComponent("Sources").path
        var found: [String] = []
        guard let files = FileManager.default.enumerator(atPath: sources) else { return [] }
        for case let file as String in files where file.hasSuffix(".swift") && include(file) {
            let text = try String(contentsOfFile: "\(sources)/\(file)", encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.drop { $0 == " " }
                guard !code.hasPrefix("//"), matches(file, code) else { continue }
                found.append("\(file):\(number + 1): \(code.prefix(120))")
            }
        }
        return found
    }

    static func module(_ file: String) -> String { String(file.prefix { $0 != "/" }) }

    @Test("no SQL and no transaction handle outside the store modules")
    func sqlStaysInStores() throws {
        let pattern = try Regex(
            #"\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)|sqlTransaction|sqlRead|SQLTransaction\b|WebSQL|AlertSQL|TelegramSQL|DirectorySQL"#
        )
        let offenders = try Self.lines(
            include: { !Self.storeModules.contains(Self.module($0)) }, matches: { $1.contains(pattern) })
        #expect(offenders.isEmpty, "SQL outside the store modules:\n\(offenders.joined(separator: "\n"))")
    }

    /// The front ends: what they send is a view model's JSON (`JSONValue(encoding:)`, records),
    /// never an object or array put together by hand, so each fact has one key everywhere.
    static let frontEnds: Set<String> = ["EnerTrackWeb", "EnerTrackCLI", "EnerTrackTelegram"]

    @Test("no hand-built JSON in the front ends: they encode view models")
    func noHandBuiltJSON() throws {
        let pattern = try Regex(
            #"\.object\(\[|JSONValue\.(object|array|string|number|int|bool)\b|\[String: JSONValue\]"#)
        let offenders = try Self.lines(
            include: { Self.frontEnds.contains(Self.module($0)) }, matches: { $1.contains(pattern) })
        #expect(offenders.isEmpty, "JSON built by hand:\n\(offenders.joined(separator: "\n"))")
    }

    /// Where configuration text becomes typed settings: nothing else reads a key's string.
    static let compositionRoot: Set<String> = [
        "EnerTrackCore/Configuration.swift", "EnerTrackKit/ConfigurationLoader.swift", "EnerTrackKit/Settings.swift",
    ]

    @Test("settings are read as strings only in the composition root; no mutable globals")
    func typedSettings() throws {
        // `configuration[.key]`, `self[.key]` on a Configuration, or a `Configuration` passed on.
        let stringRead = try Regex(#"[cC]onfiguration\[\.|:\s*Configuration\b|-> Configuration\b"#)
        let global = try Regex(#"nonisolated\(unsafe\)\s+(public\s+)?static\s+var"#)
        var offenders = try Self.lines(
            include: { _ in true },
            matches: { file, code in
                code.contains(global) || (!Self.compositionRoot.contains(file) && code.contains(stringRead))
            })
        // The one place the command line turns flags into a Configuration, and hands on Settings.
        offenders.removeAll { $0.hasPrefix("EnerTrackCLI/Options.swift") && $0.contains("func configuration()") }
        #expect(offenders.isEmpty, "string settings or mutable globals:\n\(offenders.joined(separator: "\n"))")
    }

    @Test("the command line assembles stores and services in one place: Services.swift")
    func oneCompositionRoot() throws {
        let assembly = try Regex(
            #"Stores\.(directory|series)\(|\b(BotAPI|DirectoryAdmin|TariffAdmin|AlertRunner|WebApp|IngestService|TelegramBotService)\("#
        )
        let offenders = try Self.lines(
            include: { $0.hasPrefix("EnerTrackCLI/") && $0 != "EnerTrackCLI/Services.swift" },
            matches: { $1.contains(assembly) })
        #expect(offenders.isEmpty, "assembly outside Services.swift:\n\(offenders.joined(separator: "\n"))")
    }

    @Test("consumers take the directory's roles they need; only the composition roots hold the whole store")
    func narrowRoles() throws {
        // The command line assembles; WebApp hands each controller its roles; Stores opens it.
        let roots = ["EnerTrackCLI/", "EnerTrackKit/Stores.swift", "EnerTrackWeb/Routes.swift"]
        let offenders = try Self.lines(
            include: { file in !Self.storeModules.contains(Self.module(file)) && !roots.contains(where: file.hasPrefix)
            },
            matches: { $1.contains("any DirectoryStore") })
        #expect(offenders.isEmpty, "the whole directory store taken:\n\(offenders.joined(separator: "\n"))")
    }
}

extension ArchitectureTests {
    /// Edges the sources do not import but the build needs (GRDB's SQLite is linked, not imported).
    static let linkedOnly: Set<String> = ["EnerTrackSQLite → GRDBSQLite"]

    @Test("no dead target edges: every dependency Package.swift declares is imported by that target")
    func noDeadEdges() throws {
        let process = Subprocess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // A scratch path of its own: `swift test` holds the lock of the package's .build.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("enertrack-dump-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        process.arguments = [
            "swift", "package", "--package-path", packageRoot.path, "--scratch-path", scratch, "dump-package",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "swift package dump-package failed")
        struct Manifest: Decodable {
            struct Target: Decodable {
                var name: String
                var type: String
                var dependencies: [[String: [String?]]]
            }
            var targets: [Target]
        }
        let manifest = try JSONDecoder().decode(Manifest.self, from: data)
        var dead: [String] = []
        for target in manifest.targets where ["regular", "executable"].contains(target.type) {
            let folder = packageRoot.appendingPathComponent("Sources/\(target.name)").path
            var imports = ""
            for case let file as String in FileManager.default.enumerator(atPath: folder)?.allObjects ?? []
            where file.hasSuffix(".swift") {
                imports += try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            }
            for dependency in target.dependencies.compactMap({ $0.values.first?.first ?? nil }) {
                let edge = "\(target.name) → \(dependency)"
                guard !Self.linkedOnly.contains(edge) else { continue }
                if imports.range(of: "import \(dependency)\n") == nil { dead.append(edge) }
            }
        }
        #expect(dead.isEmpty, "declared but never imported:\n\(dead.joined(separator: "\n"))")

        // The README's table of targets says exactly what Package.swift declares (our targets
        // without their `EnerTrack` prefix, products and C modules by name).
        let readme = try String(
            contentsOfFile: packageRoot.appendingPathComponent("README.md").path, encoding: .utf8)
        var documented: [String: Set<String>] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("  | `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3 else { continue }
            let names = cells[1].split(separator: ",").map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: " `"))
            }
            let dependencies = Set(cells[2].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            for name in names { documented[name] = dependencies }
        }
        func short(_ name: String) -> String {
            name.hasPrefix("EnerTrack") && name != "EnerTrack" ? String(name.dropFirst("EnerTrack".count)) : name
        }
        var mismatches: [String] = []
        for target in manifest.targets where ["regular", "executable"].contains(target.type) {
            let declared = Set(target.dependencies.compactMap { $0.values.first?.first ?? nil }.map(short))
            if documented[target.name] != declared {
                mismatches.append(
                    "\(target.name): Package.swift \(declared.sorted()), README \(documented[target.name]?.sorted() ?? [])"
                )
            }
        }
        #expect(mismatches.isEmpty, "README's target table is stale:\n\(mismatches.joined(separator: "\n"))")
    }
}

extension ArchitectureTests {
    static let maxFileLines = 450
    static let maxFunctionLines = 80

    @Test(
        "no source file over 450 lines, no function, initialiser or computed property over 80 (in the tests too)")
    func shortPaths() throws {
        var offenders: [String] = []
        for (directory, limitFiles) in [("Sources", true), ("Tests", false)] {
            let root = packageRoot.appendingPathComponent(directory).path
            guard let files = FileManager.default.enumerator(atPath: root) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let lines = try String(contentsOfFile: "\(root)/\(file)", encoding: .utf8)
                    .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if limitFiles, lines.count > Self.maxFileLines { offenders.append("\(file): \(lines.count) lines") }
                for body in try Self.bodies(lines) where body.lines > Self.maxFunctionLines {
                    offenders.append("\(file):\(body.start + 1): \(body.lines) lines: \(body.declaration.prefix(80))")
                }
            }
        }
        #expect(offenders.isEmpty, "too long:\n\(offenders.joined(separator: "\n"))")
    }

    /// Each declaration with a body (`func`, `init`, a computed `var`) and its length in lines,
    /// counting braces outside strings and comments.
    static func bodies(_ lines: [String]) throws -> [(start: Int, lines: Int, declaration: String)] {
        let declaration = try Regex(
            #"^\s*(@\w+(\([^)]*\))?\s+)*((public|private|fileprivate|internal|package|static|final|override|mutating|nonisolated|convenience|required)\s+)*(func\s|init[?!]?[(<]|var\s+\w+\s*:[^=]*\{\s*$)"#
        )
        // Code with string literals (one-line and multi-line) and `//` comments taken out.
        var code: [String] = []
        var inMultiline = false
        for line in lines {
            if line.components(separatedBy: "\"\"\"").count == 2 {
                inMultiline.toggle()
                code.append("")
                continue
            }
            guard !inMultiline else {
                code.append("")
                continue
            }
            var kept = ""
            var inString = false
            var escaped = false
            var previous: Character = " "
            for character in line {
                if inString {
                    if escaped {
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        inString = false
                    }
                } else if character == "\"" {
                    inString = true
                } else if character == "/" && previous == "/" {
                    kept.removeLast()
                    break
                } else {
                    kept.append(character)
                }
                previous = character
            }
            code.append(kept)
        }
        var found: [(start: Int, lines: Int, declaration: String)] = []
        for (start, line) in lines.enumerated() where line.contains(declaration) && !line.contains("protocol ") {
            var depth = 0
            var opened = false
            for end in start..<lines.count {
                depth += code[end].filter { $0 == "{" }.count - code[end].filter { $0 == "}" }.count
                if code[end].contains("{") { opened = true }
                if opened && depth <= 0 {
                    found.append((start, end - start + 1, line.trimmingCharacters(in: .whitespaces)))
                    break
                }
                if !opened && end > start + 6 { break }  // a requirement without a body
            }
        }
        return found
    }
}
