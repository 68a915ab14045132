/// Process exit statuses, following sysexits(3) so that shell scripts and systemd can tell
/// a usage mistake from bad data, a missing record, an unreachable service or broken configuration.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case success = 0
    case usage = 64
    case dataError = 65
    case noInput = 66
    case noUser = 67
    case unavailable = 69
    case software = 70
    case cannotCreate = 73
    case ioError = 74
    case noPermission = 77
    case configuration = 78
}

/// An error that knows which exit status it means and how to say what went wrong in one line.
///
/// Every domain error type conforms, so the command layer maps any failure to a message on
/// stderr and a meaningful exit status without knowing the domain.
public protocol ExitStatusError: Error, CustomStringConvertible, Sendable {
    var exitStatus: ExitStatus { get }
}

/// A failure with a fixed status and message, for the places where a dedicated enum case would
/// add nothing (a missing TTY, an unreadable file).
public struct Failure: ExitStatusError, Equatable {
    public let exitStatus: ExitStatus
    public let description: String

    public init(_ exitStatus: ExitStatus, _ description: String) {
        self.exitStatus = exitStatus
        self.description = description
    }
}
