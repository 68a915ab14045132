import EnerTrackCore
import Foundation

/// A node as one user sees it: their active assignment, the node, its status and, when asked,
/// its newest reading.
public struct NodeView: Sendable {
    public var assignment: Assignment
    public var node: Node
    public var status: NodeStatus
    public var latest: Reading?

    /// The node as users know it (`Node.label`).
    public var label: String { node.label }
}

/// Which nodes a user sees, and how: one rule for the dashboard, the API and the bot's /status
/// and /nodes (active assignments of active nodes, status from the last-seen time).
public enum NodeViews {
    public static func of(
        userID: Int64, username: String, directory: any AssignmentStore, series: any SeriesStore,
        inactiveAfter: TimeInterval, latest withLatest: Bool = false, now: Date = Date()
    ) async throws -> [NodeView] {
        let rows = try await directory.userNodes(userID: userID, username: username)
        guard !rows.isEmpty else { return [] }
        let latest = withLatest ? try await series.latest(nodes: rows.map(\.node.espID)) : [:]
        return of(rows: rows, inactiveAfter: inactiveAfter, latest: latest, now: now)
    }

    /// The views of rows already read (`DirectoryStore.userNodes`, `sessionUserNodes`).
    public static func of(
        rows: [(assignment: Assignment, node: Node)], inactiveAfter: TimeInterval, latest: [String: Reading] = [:],
        now: Date = Date()
    ) -> [NodeView] {
        rows.map { row in
            NodeView(
                assignment: row.assignment, node: row.node,
                status: NodeStatus(node: row.node, now: now, inactiveAfter: inactiveAfter),
                latest: latest[row.node.espID])
        }
    }
}

/// A reading as every front end writes it (the API's readings and a node's latest, `report
/// readings --format json`): node, time (ISO 8601 with the zone's offset), and every quantity,
/// null where the meter did not report it; the per-phase ones only in a reading with phases.
public struct ReadingJSON: Codable, Sendable, Equatable {
    public var node: String
    public var time: String
    public var values: [Quantity: Double]

    /// The quantities written: a three-phase reading's per-phase keys too.
    private var quantities: [Quantity] {
        values.keys.contains { $0.phase != nil } ? Quantity.allCases : Quantity.totals
    }

    public init(_ reading: Reading, timeZone: TimeZone) {
        node = reading.node
        time = ISO8601.format(milliseconds: reading.time, timeZone: timeZone)
        values = [:]
        for quantity in Quantity.allCases { values[quantity] = reading[quantity] }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        try container.encode(node, forKey: AnyKey("node"))
        try container.encode(time, forKey: AnyKey("time"))
        for quantity in quantities {
            try container.encodeIfPresent(values[quantity], forKey: AnyKey(quantity.rawValue))
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        node = try container.decode(String.self, forKey: AnyKey("node"))
        time = try container.decode(String.self, forKey: AnyKey("time"))
        values = [:]
        for quantity in Quantity.allCases {
            values[quantity] = try container.decodeIfPresent(Double.self, forKey: AnyKey(quantity.rawValue))
        }
    }
}

/// One of a user's meters as the API lists it (`/api/v1/nodes`).
public struct NodeSummary: Codable, Sendable, Equatable {
    public var espID: String
    public var name: String?
    public var location: String?
    public var status: NodeStatus
    /// ISO 8601 with the zone's offset.
    public var lastSeen: String?

    enum CodingKeys: String, CodingKey {
        case espID = "esp_id"
        case name, location, status
        case lastSeen = "last_seen"
    }

    public init(_ view: NodeView, timeZone: TimeZone) {
        espID = view.node.espID
        name = view.node.name
        location = view.assignment.location
        status = view.status
        lastSeen = view.node.lastSeen.map { ISO8601.format(milliseconds: $0.milliseconds, timeZone: timeZone) }
    }
}

extension NodeSummary: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.raw("{\"esp_id\":")
        writer.string(espID)
        writer.raw(",\"last_seen\":")
        writer.string(lastSeen)
        writer.raw(",\"location\":")
        writer.string(location)
        writer.raw(",\"name\":")
        writer.string(name)
        writer.raw(",\"status\":")
        writer.string(status.rawValue)
        writer.raw("}")
    }
}

/// One meter in full (`/api/v1/nodes/ESPID`): its summary's keys and its newest reading.
public struct NodeDetail: Codable, Sendable, Equatable {
    public var summary: NodeSummary
    public var latest: ReadingJSON?

    enum CodingKeys: String, CodingKey {
        case latest
    }

    public init(_ view: NodeView, timeZone: TimeZone) {
        summary = NodeSummary(view, timeZone: timeZone)
        latest = view.latest.map { ReadingJSON($0, timeZone: timeZone) }
    }

    public func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(latest, forKey: .latest)
    }

    public init(from decoder: any Decoder) throws {
        summary = try NodeSummary(from: decoder)
        latest = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(ReadingJSON.self, forKey: .latest)
    }
}
