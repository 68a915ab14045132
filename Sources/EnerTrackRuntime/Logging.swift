import Foundation
import Logging

/// One line per event on stderr, `LEVEL: message`: systemd's journal adds time and unit itself.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info

    public init() {}

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "\(event.level.rawValue): \(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        if !merged.isEmpty {
            line += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    public static func logger(label: String, level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: label) { _ in StderrLogHandler() }
        logger.logLevel = level
        return logger
    }

    /// `logger` at warning level, for libraries (ServiceLifecycle, Hummingbird) that narrate
    /// every start and stop at info level: we log our own story.
    public static func quiet(_ logger: Logger) -> Logger {
        var quiet = logger
        quiet.logLevel = .warning
        return quiet
    }
}
