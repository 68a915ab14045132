import Foundation

/// A message language: every text EnerTrack sends is in Spanish and English.
public enum Language: String, Sendable, CaseIterable {
    case es, en
}

public enum AlertState: String, Sendable {
    case ok, firing
}

/// A threshold rule of one user on one node, with its stored state and the user's Telegram chat.
public struct AlertRule: Sendable, Equatable {
    public var userID: Int64
    public var username: String
    public var nodeID: Int64
    public var espID: String
    public var nodeName: String?
    /// The total mean's threshold; 0 for a rule on the phases only.
    public var thresholdKW: Double
    /// Any one phase's mean threshold, for a three-phase meter.
    public var phaseKW: Double?
    public var state: AlertState
    /// When the rule entered its state.
    public var since: Int64?
    public var lastNotified: Int64?
    /// When the node was reported silent (one message per silence).
    public var silentSince: Int64?
    public var chatID: Int64?
    public var language: Language?

    /// The node as users know it: its name, else its ESP id.
    public var nodeLabel: String { nodeName.map { "\($0) (\(espID))" } ?? espID }

    public init(
        userID: Int64, username: String, nodeID: Int64, espID: String, nodeName: String? = nil, thresholdKW: Double,
        phaseKW: Double? = nil, state: AlertState,
        since: Int64? = nil, lastNotified: Int64? = nil, silentSince: Int64? = nil, chatID: Int64? = nil,
        language: Language? = nil
    ) {
        self.userID = userID
        self.username = username
        self.nodeID = nodeID
        self.espID = espID
        self.nodeName = nodeName
        self.thresholdKW = thresholdKW
        self.phaseKW = phaseKW
        self.state = state
        self.since = since
        self.lastNotified = lastNotified
        self.silentSince = silentSince
        self.chatID = chatID
        self.language = language
    }
}

/// What `alerts run` decided for a rule.
public enum AlertAction: String, Sendable {
    case none, entered, repeated, resolved, silent
}

/// A notification waiting for delivery.
public struct OutboxMessage: Sendable, Equatable {
    public var id: Int64
    public var userID: Int64
    public var username: String
    public var chatID: Int64?
    public var text: String
    public var attempts: Int64
    /// When it was queued (ms).
    public var queuedAt: Int64?

    public init(
        id: Int64, userID: Int64, username: String, chatID: Int64? = nil, text: String, attempts: Int64,
        queuedAt: Int64? = nil
    ) {
        self.id = id
        self.userID = userID
        self.username = username
        self.chatID = chatID
        self.text = text
        self.attempts = attempts
        self.queuedAt = queuedAt
    }
}
