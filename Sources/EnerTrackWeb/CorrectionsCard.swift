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
                "\(CorrectionText.what(record))", "\(CorrectionText.span(record, timeZone))",
                "\(l.number(Double(record.readings), decimals: 0))", "\(l.number(record.beforeKWh, decimals: 3))",
                "\(l.number(record.afterKWh, decimals: 3))", "\(record.reason ?? "")",
            ]
        }
        return """
            <h2 class="h5 mt-4">\(l("Corrections of these readings"))</h2>
            <p class="small text-body-secondary">\(l("Made with 'enertrack readings delete' or 'enertrack readings correct'; consumption and costs follow them."))</p>
            \(table(columns, rows: rows))
            """
    }
}
