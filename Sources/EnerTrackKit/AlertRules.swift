import EnerTrackCore
import Foundation

/// The rules of alert thresholds, the same for `alerts set` and the alerts page.
public enum AlertRules {
    /// Thresholds are mean power in kW: above 0, at most this.
    public static let maxThresholdKW = 10_000.0

    public static func isThreshold(_ kw: Double) -> Bool { kw.isFinite && kw > 0 && kw <= maxThresholdKW }

    /// A rule's thresholds as people read them: `3.5 kW`, `2 kW per phase`, or both.
    public static func describe(_ rule: AlertRule) -> String {
        [rule.thresholdKW > 0 ? "\(rule.thresholdKW) kW" : nil, rule.phaseKW.map { "\($0) kW per phase" }]
            .compactMap { $0 }.joined(separator: ", ")
    }
}

/// The threshold alert's state machine, pure: a rule's stored state, the window's mean power and
/// the node's last reading in, the next state and what to tell the user out. `alerts run`
/// stores the step (conditionally, one transaction) and words the message; nothing here does I/O.
///
/// - `ok` → `firing` when the mean exceeds the threshold (`entered`);
/// - while firing and still above it, `repeated` once the cooldown has passed since the last
///   message;
/// - `firing` → `ok` when the mean falls below `resolveFraction` of the threshold (`resolved`):
///   between the two it stays as it is, so a mean hovering at the threshold does not flap;
/// - a window without readings is no breach; with `silentAfterMS`, a node whose last reading is
///   older than that is reported `silent` once, until readings come again.
public enum AlertEvaluator {
    /// Below this share of the threshold a firing rule resolves.
    public static let resolveFraction = 0.9

    public struct Settings: Sendable, Equatable {
        public var windowMS: Int64 = 15 * 60_000
        public var cooldownMS: Int64 = 60 * 60_000
        public var silentAfterMS: Int64?

        public init() {}
    }

    /// A rule after one evaluation.
    public struct Step: Sendable, Equatable {
        public var state: AlertState
        public var since: Int64?
        public var lastNotified: Int64?
        public var silentSince: Int64?
        public var action: AlertAction

        public init(
            state: AlertState, since: Int64?, lastNotified: Int64?, silentSince: Int64?, action: AlertAction
        ) {
            self.state = state
            self.since = since
            self.lastNotified = lastNotified
            self.silentSince = silentSince
            self.action = action
        }

        /// Whether anything must be stored: a message to send, or a silence that ended.
        public func changes(_ rule: AlertRule) -> Bool { action != .none || silentSince != rule.silentSince }
    }

    /// A rule's worst mean against its threshold: the total's, or one phase's (1…3).
    public struct Load: Sendable, Equatable {
        public var meanKW: Double
        public var thresholdKW: Double
        public var phase: Int?
        public var ratio: Double { meanKW / thresholdKW }
    }

    /// The largest of mean ÷ threshold over the total (when the rule has a total threshold)
    /// and each phase (when it has a per-phase one); nil without readings in the window.
    public static func load(_ rule: AlertRule, meanKW: Double?, phaseMeansKW: [Double] = []) -> Load? {
        var loads: [Load] = []
        if rule.thresholdKW > 0, let meanKW { loads.append(Load(meanKW: meanKW, thresholdKW: rule.thresholdKW)) }
        if let phaseKW = rule.phaseKW, phaseKW > 0 {
            for (index, mean) in phaseMeansKW.enumerated() {
                loads.append(Load(meanKW: mean, thresholdKW: phaseKW, phase: index + 1))
            }
        }
        return loads.max { $0.ratio < $1.ratio }
    }

    /// `meanKW`: the window's mean power (nil: no readings in it); `phaseMeansKW`: each phase's
    /// (a three-phase meter); `lastReading`: the node's newest reading time (only read with
    /// `silentAfterMS`). A rule breaches when its total or any phase is above its threshold, and
    /// resolves when all are below `resolveFraction` of theirs.
    public static func step(
        _ rule: AlertRule, meanKW: Double?, phaseMeansKW: [Double] = [], lastReading: Int64?, now: Int64,
        settings: Settings
    ) -> Step {
        var step = Step(
            state: rule.state, since: rule.since, lastNotified: rule.lastNotified, silentSince: rule.silentSince,
            action: .none)
        if let load = load(rule, meanKW: meanKW, phaseMeansKW: phaseMeansKW) {
            step.silentSince = nil  // readings again: a later silence is a new one
            if rule.state == .ok, load.ratio > 1 {
                (step.state, step.since, step.lastNotified, step.action) = (.firing, now, now, .entered)
            } else if rule.state == .firing, load.ratio < resolveFraction {
                (step.state, step.since, step.lastNotified, step.action) = (.ok, now, now, .resolved)
            } else if rule.state == .firing, load.ratio > 1,
                now - (rule.lastNotified ?? 0) >= settings.cooldownMS
            {
                (step.lastNotified, step.action) = (now, .repeated)
            }
        } else if let silentAfter = settings.silentAfterMS, rule.silentSince == nil,
            now - (lastReading ?? Int64.min / 2) > silentAfter
        {
            (step.silentSince, step.action) = (now, .silent)
        }
        return step
    }
}

/// An alert rule as every front end shows it (`alerts list`, `/api/v1/alerts`): its `CodingKeys`
/// are the keys of both.
public struct AlertRuleView: Codable, Sendable, Equatable {
    public var username: String
    public var espID: String
    /// Nil for a rule on the phases only.
    public var thresholdKW: Double?
    /// Any one phase's threshold (a three-phase meter), or nil.
    public var phaseKW: Double?
    public var state: String
    public var since: Date?
    public var lastNotified: Date?
    /// Whether the user has linked a Telegram chat (where alerts go).
    public var telegram: Bool

    enum CodingKeys: String, CodingKey {
        case username
        case espID = "esp_id"
        case thresholdKW = "threshold_kw"
        case phaseKW = "phase_kw"
        case state, since
        case lastNotified = "last_notified"
        case
            telegram
    }

    public init(_ rule: AlertRule) {
        username = rule.username
        espID = rule.espID
        thresholdKW = rule.thresholdKW > 0 ? rule.thresholdKW : nil
        phaseKW = rule.phaseKW
        state = rule.state.rawValue
        since = rule.since.map(Date.init(milliseconds:))
        lastNotified = rule.lastNotified.map(Date.init(milliseconds:))
        telegram = rule.chatID != nil
    }

    /// The rule as a row of `alerts list` (a table in local time, or the same JSON).
    public var record: Record {
        Record([
            CodingKeys.username.rawValue: .text(username), CodingKeys.espID.rawValue: .text(espID),
            CodingKeys.thresholdKW.rawValue: .number(thresholdKW, decimals: 3),
            CodingKeys.phaseKW.rawValue: .number(phaseKW, decimals: 3), CodingKeys.state.rawValue: .text(state),
            CodingKeys.since.rawValue: .time(since), CodingKeys.lastNotified.rawValue: .time(lastNotified),
            CodingKeys.telegram.rawValue: .flag(telegram),
        ])
    }
}
