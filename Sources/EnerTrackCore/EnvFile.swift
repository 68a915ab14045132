/// A parsed env file: `KEY=value` lines as the environment has them, as python-dotenv reads the
/// earlier deployment's `.env` (comments, blank lines, `export `, single or double quotes).
public struct EnvFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let value: String
        public let line: Int
    }

    public let path: String
    public let entries: [String: Entry]

    /// Parses `text`; a line that is not a comment, blank or `KEY=value` is a configuration error
    /// naming the file and the line.
    public init(path: String, text: String) throws {
        self.path = path
        var entries: [String: Entry] = [:]
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.drop(while: \.isWhitespace)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var body = trimmed
            if body.hasPrefix("export ") { body = body.dropFirst("export ".count).drop(while: \.isWhitespace) }
            guard let equals = body.firstIndex(of: "=") else {
                throw ConfigError("malformed line \(lineNumber) in \(path): expected KEY=value")
            }
            let key = String(body[..<equals].trimmingTrailingWhitespace())
            guard EnvFile.isValidKey(key) else {
                throw ConfigError("malformed line \(lineNumber) in \(path): '\(key)' is not a variable name")
            }
            let rawValue = body[body.index(after: equals)...].drop(while: { $0 == " " || $0 == "\t" })
            guard let value = EnvFile.unquote(rawValue) else {
                throw ConfigError("malformed line \(lineNumber) in \(path): unterminated quote in \(key)")
            }
            entries[key] = Entry(value: value, line: lineNumber)
        }
        self.entries = entries
    }

    static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else { return false }
        return key.unicodeScalars.allSatisfy {
            $0 == "_" || $0 == "." || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0)
        }
    }

    /// The value as the shell would see it; nil for an unterminated quote.
    static func unquote(_ raw: Substring) -> String? {
        guard let quote = raw.first, quote == "\"" || quote == "'" else {
            // Unquoted: an inline comment starts at " #".
            var value = raw
            if let hash = value.range(of: " #") { value = value[..<hash.lowerBound] }
            return String(value.trimmingTrailingWhitespace())
        }
        var result = ""
        var index = raw.index(after: raw.startIndex)
        while index < raw.endIndex {
            let character = raw[index]
            if character == quote {
                let rest = raw[raw.index(after: index)...].drop(while: \.isWhitespace)
                return rest.isEmpty || rest.hasPrefix("#") ? result : nil
            }
            if quote == "\"", character == "\\", raw.index(after: index) < raw.endIndex {
                index = raw.index(after: index)
                switch raw[index] {
                case "n": result.append("\n")
                case "t": result.append("\t")
                default: result.append(raw[index])
                }
            } else {
                result.append(character)
            }
            index = raw.index(after: index)
        }
        return nil
    }
}

extension Substring {
    func trimmingTrailingWhitespace() -> Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)].isWhitespace { end = index(before: end) }
        return self[startIndex..<end]
    }
}
