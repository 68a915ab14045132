import EnerTrackCore
import EnerTrackKit
import Testing

@Suite("alert state machine, without a store")
struct AlertEvaluatorTests {
    static let minute: Int64 = 60_000

    func rule(_ state: AlertState, since: Int64? = nil, notified: Int64? = nil, silent: Int64? = nil) -> AlertRule {
        AlertRule(
            userID: 1, username: "ana", nodeID: 1, espID: "ESP1", thresholdKW: 2, state: state, since: since,
            lastNotified: notified, silentSince: silent)
    }

    func step(_ rule: AlertRule, _ kw: Double?, at now: Int64, last: Int64? = nil, silentAfter: Int64? = nil)
        -> AlertEvaluator.Step
    {
        var settings = AlertEvaluator.Settings()
        settings.silentAfterMS = silentAfter
        return AlertEvaluator.step(rule, meanKW: kw, lastReading: last, now: now, settings: settings)
    }

    @Test("enter above the threshold, repeat only after the cooldown, resolve below 90 %, hold in between")
    func thresholds() {
        let now: Int64 = 1_000 * Self.minute
        #expect(step(rule(.ok), 2.0, at: now).action == .none, "at the threshold is not above it")
        let entered = step(rule(.ok), 2.1, at: now)
        #expect(entered == .init(state: .firing, since: now, lastNotified: now, silentSince: nil, action: .entered))
        let firing = rule(.firing, since: now, notified: now)
        #expect(step(firing, 3, at: now + 59 * Self.minute).action == .none, "within the cooldown")
        #expect(step(firing, 3, at: now + 60 * Self.minute).action == .repeated)
        #expect(step(firing, 3, at: now + 60 * Self.minute).since == now, "a repeat keeps the start")
        #expect(step(firing, 1.85, at: now + 90 * Self.minute).action == .none, "between 90 % and 100 %: holds")
        #expect(step(firing, 1.85, at: now + 90 * Self.minute).state == .firing)
        let resolved = step(firing, 1.79, at: now + 2 * Self.minute)
        #expect(resolved.action == .resolved && resolved.state == .ok && resolved.since == now + 2 * Self.minute)
        #expect(step(firing, nil, at: now + 120 * Self.minute).action == .none, "no readings: no breach, no change")
    }

    @Test("a silent node is reported once; readings again clear it")
    func silence() {
        let now: Int64 = 1_000 * Self.minute
        let quiet = step(rule(.ok), nil, at: now, last: now - 31 * Self.minute, silentAfter: 30 * Self.minute)
        #expect(quiet.action == .silent && quiet.silentSince == now)
        let reported = rule(.ok, silent: now)
        #expect(step(reported, nil, at: now + Self.minute, last: nil, silentAfter: 30 * Self.minute).action == .none)
        let back = step(reported, 0.5, at: now + 2 * Self.minute, silentAfter: 30 * Self.minute)
        #expect(back.action == .none && back.silentSince == nil && back.changes(reported), "stored, without a message")
        #expect(
            step(rule(.ok), nil, at: now, last: now - 29 * Self.minute, silentAfter: 30 * Self.minute).action == .none)
        #expect(step(rule(.ok), nil, at: now, last: nil, silentAfter: nil).action == .none, "silence not asked for")
        #expect(step(rule(.ok), nil, at: now, last: nil, silentAfter: 30 * Self.minute).action == .silent, "never read")
    }
}
