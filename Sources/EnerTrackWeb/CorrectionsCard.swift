import EnerTrackCore
import EnerTrackKit
import Foundation

extension Component {
    /// The corrections made to a meter's readings (`enertrack readings`), for admins on its
    /// page: when, who, what, the range, how many readings, and the kWh of the affected days
    /// before and after. Nothing when there are none.
    static func corrections(_ records: [CorrectionRecord], _ l: Words, timeZone: TimeZone) -> HTML {
        guard !records.isEmpty else { return "" }
        let columns = [
            Column(l("When")), Column(l("Who"), from: "md"), Column(l("Correction")), Column(l("Range"), from: "md"),
            Column(l("Readings"), end: true), Column(l("kWh before"), end: true), Column(l("kWh after"), end: true),
            Column(l("Reason"), from: "lg"),
        ]
        let rows: [[HTML]] = records.map { record in
            [
                "\(l.time(Date(milliseconds: record.at), timeZone))", "\(record.actor)",
                "\(what(record, l))", "\(CorrectionText.span(record, timeZone))",
                "\(l.number(Double(record.readings), decimals: 0))", "\(l.number(record.beforeKWh, decimals: 3))",
                "\(l.number(record.afterKWh, decimals: 3))", "\(record.reason ?? "")",
            ]
        }
        return """
            <h2 class="h5 mt-4">\(l("Corrections of these readings"))</h2>
            <p class="small text-body-secondary">\(l("An administrator corrected these readings on the server; consumption and costs follow the corrections."))</p>
            \(table(columns, rows: rows))
            """
    }

    /// What a correction did, in the viewer's language (the record keeps the command line's words).
    static func what(_ record: CorrectionRecord, _ l: Words) -> String {
        switch ReadingCorrection(action: record.action, detail: record.detail) {
        case .delete: l("Readings deleted")
        case .scale(let factor): l("Scaled by {0}", l.number(factor, decimals: 3))
        case .energyOffset(let kwh): l("Energy counter moved by {0} kWh", l.number(kwh, decimals: 3))
        case .set(let quantity, let value): l("{0} set to {1}", quantityName(quantity, l), l.number(value, decimals: 3))
        case nil: l("Readings changed")
        }
    }

    /// A quantity's name on pages; a phase's with its line.
    static func quantityName(_ quantity: Quantity, _ l: Words) -> String {
        let name =
            switch quantity.base {
            case .voltage: l("Voltage")
            case .current: l("Current")
            case .power: l("Power")
            case .energy: l("Energy (counter)")
            case .energyExport: l("Export counter")
            case .pf: l("Power factor")
            default: l("Frequency")
            }
        return quantity.phase.map { "\(name) L\($0)" } ?? name
    }
}
