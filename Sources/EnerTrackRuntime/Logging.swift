import Foundation
import Logging

/// One line per event on stderr, `LEVEL: message`: systemd's journal adds time and unit itself.
/// When stderr is the journal (`JOURNAL_STREAM` names it), each line starts with its syslog
/// priority (`<3>` error … `<7>` debug), so `journalctl -p warning` selects by level; a message
/// of several lines keeps every line, each with the priority.
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
        if Self.toJournal {
            let priority = "<\(Self.priority(event.level))>"
            line = line.split(separator: "\n", omittingEmptySubsequences: false).map { priority + $0 }
                .joined(separator: "\n")
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// syslog priorities, as sd-daemon(3) reads them from a line's start.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Whether stderr is the journal: `JOURNAL_STREAM` is `device:inode` of the stream systemd
    /// connected, and stderr is that stream (not redirected since).
    static let toJournal: Bool = {
        guard let stream = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] else { return false }
        let parts = stream.split(separator: ":").compactMap { UInt64($0) }
        var status = stat()
        guard parts.count == 2, fstat(2, &status) == 0 else { return false }
        return UInt64(status.st_dev) == parts[0] && UInt64(status.st_ino) == parts[1]
    }()

    /// `level` unless `configured` (`ENERTRACK_LOG_LEVEL`, `--log-level`) names another.
    public static func logger(label: String, level: Logger.Level = .info, configured: String? = nil) -> Logger {
        var logger = Logger(label: label) { _ in StderrLogHandler() }
        logger.logLevel = configured.flatMap(Logger.Level.init(rawValue:)) ?? level
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
