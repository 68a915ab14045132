/// The rules of alert thresholds, the same for `alerts set` and the alerts page.
public enum AlertRules {
    /// Thresholds are mean power in kW: above 0, at most this.
    public static let maxThresholdKW = 10_000.0

    public static func isThreshold(_ kw: Double) -> Bool { kw.isFinite && kw > 0 && kw <= maxThresholdKW }
}
