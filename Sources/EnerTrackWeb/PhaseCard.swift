import EnerTrackCore
import EnerTrackKit
import Foundation

extension Component {
    /// A three-phase meter's lines now: each phase's voltage, current, power and power factor,
    /// and how unevenly they are loaded. Nothing for a meter without phases.
    static func phases(_ reading: Reading?, _ l: Words) -> HTML {
        guard let reading, reading.hasPhases else { return "" }
        let columns: [Column] = [
            .init(l("Line")), .init(l("Voltage") + " V", end: true), .init(l("Current") + " A", end: true),
            .init(l("Power") + " W", end: true), .init(l("Power factor"), end: true),
        ]
        let rows: [[HTML]] = (0..<3).map { phase in
            [
                "L\(phase + 1)", "\(l.number(reading[Quantity.voltage.phases[phase]], decimals: 1))",
                "\(l.number(reading[Quantity.current.phases[phase]], decimals: 3))",
                "\(l.number(reading[Quantity.power.phases[phase]], decimals: 1))",
                "\(l.number(reading[Quantity.pf.phases[phase]], decimals: 2))",
            ]
        }
        let imbalance = reading.phaseImbalancePct.map { l.number($0, decimals: 1) + " %" } ?? "–"
        return """
            <section class="mb-3" aria-labelledby="phases-title">
              <h2 class="h5" id="phases-title">\(l("Phases")) <span class="badge text-bg-light fw-normal">\(l("imbalance")) \(imbalance)</span></h2>
              \(table(columns, rows: rows))
            </section>
            """
    }

    /// The history buttons of a meter's per-phase power, for a meter with phases.
    static func phaseQuantities(_ reading: Reading?) -> [(Quantity, String)] {
        guard reading?.hasPhases == true else { return [] }
        return Quantity.power.phases.enumerated().map { index, quantity in (quantity, "L\(index + 1) W") }
    }
}
