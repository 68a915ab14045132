import EnerTrackCore
import EnerTrackRuntime
import Foundation
import TOMLKit

/// Tariff files: TOML read by TOMLKit (toml++), turned into plain values for `Tariff(document:)`,
/// which checks every key.
public enum TariffFile {
    /// The largest tariff file read (a real one is a few kB).
    public static let maxBytes = 1 << 20
    /// The largest answer read from the parser child (the plain values of a file as JSON).
    static let maxAnswerBytes = 16 << 20

    /// What the parser child (`tariff check-syntax`) may use; it sets these on itself first.
    public enum ParserLimits {
        public static let memoryBytes = 256 << 20
        public static let cpuSeconds = 10
    }

    /// Parses a tariff file's text; syntax errors name the line and column, content errors the key.
    public static func parse(_ text: String, source: String = "the tariff file") throws(TariffError) -> Tariff {
        let values = try syntax(text, source: source)
        do {
            return try Tariff(document: values)
        } catch {
            throw error.prefixed(source)
        }
    }

    /// The plain values of a file's text, or the error naming its line: what the child prints.
    public static func syntax(_ text: String, source: String) throws(TariffError) -> [String: DocumentValue] {
        guard text.utf8.count <= maxBytes else {
            throw TariffError("{0} is over {1} KiB", ["\(source)", "\(maxBytes / 1024)"])
        }
        guard !text.utf8.contains(0) else {
            throw TariffError("{0} contains a NUL byte: not a text file", ["\(source)"])
        }
        if let (line, problem) = screen(text) {
            throw TariffError("{0}: line {1}: {2}", ["\(source)", "\(line)", "\(problem)"])
        }
        do {
            return document(try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            throw TariffError(
                "{0}: line {1}, column {2}: {3}",
                ["\(source)", "\(error.source.begin.line)", "\(error.source.begin.column)", "\(error.description)"])
        } catch {
            throw TariffError("{0}: {1}", ["\(source)", "\(error)"])
        }
    }

    /// Parses text from outside (a file to import, a form) in a child process: toml++ asserts
    /// on some malformed input it does not report (see `screen`), and an abort there must end
    /// the child, never `serve`. The child has 10 s; its answer is the plain values as JSON.
    /// `executable` is the `enertrack` binary that parses in a child (`TariffParser`); nil parses
    /// in this process.
    public static func parseUntrusted(_ text: String, source: String, executable: String?) async throws -> Tariff {
        guard let executable else { return try parse(text, source: source) }
        let document = try await BlockingPool.shared.run { () throws -> [String: DocumentValue] in
            let process = Subprocess()
            process.executableURL = URL(fileURLWithPath: executable)
            // `--source=NAME` in one word: a name starting with `-` is then a value, never an option.
            process.arguments = ["tariff", "check-syntax", "--source=\(source)"]
            process.environment = ["PATH": "/usr/bin:/bin", "ENERTRACK_CONFIG": "/dev/null"]
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch {
                throw TariffError(
                    "cannot start the tariff parser {0}: {1}", ["\(executable)", "\(error)"], status: .software)
            }
            let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
            DispatchQueue.global().asyncAfter(deadline: .now() + 10, execute: timer)
            defer { timer.cancel() }
            // A child that exits without reading all of it must not end this process with SIGPIPE:
            // the write fails with EPIPE instead, and the child's own answer says why.
            signal(SIGPIPE, SIG_IGN)
            let writer = Thread {
                try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
                try? input.fileHandleForWriting.close()
            }
            writer.start()
            // The answer is read up to a bound: a child that writes more is ended, not buffered.
            var answer = Data()
            while true {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                answer.append(chunk)
                if answer.count > maxAnswerBytes {
                    process.terminate()
                    break
                }
            }
            process.waitUntilExit()
            guard answer.count <= maxAnswerBytes else {
                throw TariffError(
                    "{0}: the TOML parser's answer is over {1} MiB: the file is too large",
                    ["\(source)", "\(maxAnswerBytes >> 20)"])
            }
            guard process.terminationReason == .exit else {
                throw TariffError(
                    "{0}: the TOML parser stopped on this file (signal {1}) without saying where: it is malformed, or needs more than {2} MiB or {3} s; check what changed last",
                    [
                        "\(source)", "\(process.terminationStatus)", "\(ParserLimits.memoryBytes >> 20)",
                        "\(ParserLimits.cpuSeconds)",
                    ]
                )
            }
            if process.terminationStatus != 0 {
                let message = String(decoding: answer, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if let carried = try? JSONDecoder().decode(TariffError.Carried.self, from: Data(message.utf8)) {
                    throw TariffError(carried)
                }
                throw message.isEmpty ? TariffError("{0}: the TOML parser failed", [source]) : TariffError(message)
            }
            do {
                return try JSONDecoder().decode([String: DocumentValue].self, from: answer)
            } catch {
                throw TariffError(
                    "{0}: the TOML parser answered what cannot be read: {1}", ["\(source)", "\(error)"],
                    status: .software)
            }
        }
        do {
            return try Tariff(document: document)
        } catch {
            throw error.prefixed(source)
        }
    }

    /// Reads a file (`-` is standard input).
    public static func read(path: String) throws -> Tariff {
        try parse(try FileInput.text(path: path, maxBytes: maxBytes, what: "tariff file"), source: path)
    }

    /// What toml++ 3.4 (inside TOMLKit 0.6) must not see, with the line it is on: it checks
    /// these with assertions that a release build turns into assumptions, so they would be
    /// undefined behaviour rather than parse errors (found by fuzzing it, scripts/fuzz-toml):
    /// - a table header with no key after its brackets (`[[[`, `[[=`, `[ ]`: a precondition of
    ///   `parse_key`, marzer/tomlplusplus#301);
    /// - a non-ASCII character outside strings and comments (`is_non_ascii_horizontal_whitespace`
    ///   reaches `TOML_UNREACHABLE` for most of U+00A1…U+03F9, `×` and `é` among them).
    /// Strings and comments are tracked (basic, literal and multi-line), so text in them is free.
    static func screen(_ text: String) -> (line: Int, problem: String)? {
        let bytes = Array(text.utf8)
        enum State { case normal, comment, basic, literal, multiBasic, multiLiteral }
        let (quote, apostrophe, backslash, newline) = (
            UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\\"), UInt8(ascii: "\n")
        )
        var state = State.normal
        var line = 1
        var lineStart = true
        var index = 0
        func at(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        func isKeyStart(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), quote, apostrophe:
                return true
            default: return false
            }
        }
        /// After `[` (and a second `[`), blanks allowed, a key must start.
        func headerHasKey(from start: Int) -> Bool {
            var look = start + 1
            while look < bytes.count, isBlank(bytes[look]) { look += 1 }
            if look < bytes.count, bytes[look] == UInt8(ascii: "[") {
                look += 1
                while look < bytes.count, isBlank(bytes[look]) { look += 1 }
            }
            return look < bytes.count && isKeyStart(bytes[look])
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == newline {
                line += 1
                if state == .comment || state == .basic || state == .literal { state = .normal }
                lineStart = state == .normal
                index += 1
                continue
            }
            switch state {
            case .normal:
                if lineStart, !isBlank(byte) {
                    lineStart = false
                    if byte == UInt8(ascii: "["), !headerHasKey(from: index) {
                        return (line, Words.noop("a table header needs a name, like [[version]] or [[version.period]]"))
                    }
                }
                if byte >= 0x80 {
                    return (line, Words.noop("non-ASCII characters may only be in strings and comments"))
                } else if byte == UInt8(ascii: "#") {
                    state = .comment
                } else if byte == quote || byte == apostrophe {
                    let triple = at(1) == byte && at(2) == byte
                    state = byte == quote ? (triple ? .multiBasic : .basic) : (triple ? .multiLiteral : .literal)
                    if triple { index += 2 }
                }
            case .comment: break
            case .basic:
                if byte == backslash {
                    index += 1
                } else if byte == quote {
                    state = .normal
                }
            case .literal:
                if byte == apostrophe { state = .normal }
            case .multiBasic, .multiLiteral:
                let closing = state == .multiBasic ? quote : apostrophe
                if state == .multiBasic, byte == backslash, at(1) != newline {
                    index += 1
                } else if byte == closing, at(1) == closing, at(2) == closing {
                    state = .normal
                    index += 2
                }
            }
            index += 1
        }
        return nil
    }

    static func document(_ table: TOMLTable) -> [String: DocumentValue] {
        var values: [String: DocumentValue] = [:]
        for key in table.keys {
            if let value = table[key] { values[key] = convert(value) }
        }
        return values
    }

    static func convert(_ value: TOMLValueConvertible) -> DocumentValue {
        switch value.type {
        case .table: return value.table.map { .table(document($0)) } ?? .other("a table")
        case .array:
            guard let array = value.array else { return .other("an array") }
            return .array(array.map { convert($0) })
        case .string: return value.string.map(DocumentValue.string) ?? .other("a string")
        case .int: return value.int.map(DocumentValue.integer) ?? .other("an integer")
        case .double: return value.double.map(DocumentValue.number) ?? .other("a number")
        case .bool: return value.bool.map(DocumentValue.bool) ?? .other("a boolean")
        case .date:
            guard let date = value.date else { return .other("a date") }
            return .date(CalendarDay(year: date.year, month: date.month, day: date.day))
        case .time: return .other("a time")
        case .dateTime: return .other("a date-time")
        }
    }
}

/// Who parses tariff text from outside: a child `enertrack tariff check-syntax` (what the
/// binary does, `TariffParser.child(of:)`), or this process (`inProcess`, for tests of the rules).
/// The composition root chooses; nothing global is set.
public struct TariffParser: Sendable {
    /// The `enertrack` binary the child runs; nil parses in this process.
    public var executable: String?

    public static let inProcess = TariffParser(executable: nil)

    /// The running `enertrack` binary, as the kernel knows it.
    public static var thisBinary: TariffParser {
        TariffParser(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path)
    }

    public init(executable: String?) {
        self.executable = executable
    }

    public func parse(_ text: String, source: String) async throws -> Tariff {
        try await TariffFile.parseUntrusted(text, source: source, executable: executable)
    }
}
