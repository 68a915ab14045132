import Foundation

/// Whether a meter reports (DESIGN.md): data within the last few minutes, older data, none at all,
/// or a meter that was removed (or registered automatically and never enabled).
public enum NodeStatus: String, Sendable, CaseIterable, Codable {
    case active
    case inactive
    case noData = "no_data"
    case removed

    public init(node: Node, now: Date, inactiveAfter: TimeInterval) {
        if !node.isActive {
            self = .removed
        } else if let lastSeen = node.lastSeen {
            self = now.timeIntervalSince(lastSeen) <= inactiveAfter ? .active : .inactive
        } else {
            self = .noData
        }
    }
}

/// The one-line verdict of `report status --check`, with the exit status monitoring systems
/// (Nagios, Icinga) read: 0 OK, 1 WARNING, 2 CRITICAL.
public struct StatusCheck: Sendable, Equatable {
    public var status: Int32
    public var line: String

    public init(_ statuses: [(espID: String, status: NodeStatus)]) {
        let considered = statuses.filter { $0.status != .removed }
        let inactive = considered.filter { $0.status == .inactive }.map(\.espID)
        let silent = considered.filter { $0.status == .noData }.map(\.espID)
        let count = considered.count
        if !silent.isEmpty {
            status = 2
            line =
                "CRITICAL: \(silent.count) of \(count) meters never reported: \(silent.joined(separator: ", "))"
                + (inactive.isEmpty ? "" : "; \(inactive.count) inactive: \(inactive.joined(separator: ", "))")
        } else if !inactive.isEmpty {
            status = 1
            line = "WARNING: \(inactive.count) of \(count) meters inactive: \(inactive.joined(separator: ", "))"
        } else {
            status = 0
            line = "OK: \(count) meters reporting"
        }
    }
}
