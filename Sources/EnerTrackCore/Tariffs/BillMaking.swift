import Foundation

/// A segment's prices as exact decimals, and the words of its lines, worked out once per
/// schedule: a report bills every row and meter with them.
struct SegmentTerms: Sendable {
    struct TaxTerm: Sendable {
        var name: String
        var percent: ExactDecimal
        var on: Set<String>
        var label: String
    }

    var energy: [String: ExactDecimal] = [:]
    var power: [String: ExactDecimal] = [:]
    var contractedKW: [String: ExactDecimal] = [:]
    var powerLabels: [String: String] = [:]
    var fixedPerDay: ExactDecimal
    var fixedPerMonth: ExactDecimal
    var export: ExactDecimal?
    var taxes: [TaxTerm]

    init(_ version: TariffVersion) {
        if case .periods(let prices) = version.energy { energy = prices.mapValues(ExactDecimal.init) }
        power = version.power.mapValues(ExactDecimal.init)
        contractedKW = version.contractedKW.mapValues(ExactDecimal.init)
        for (period, kw) in version.contractedKW { powerLabels[period] = "Power \(period) \(kw) kW" }
        fixedPerDay = ExactDecimal(version.fixedPerDay)
        fixedPerMonth = ExactDecimal(version.fixedPerMonth)
        export = version.export.map(ExactDecimal.init)
        taxes = version.taxes.map {
            TaxTerm(
                name: $0.name, percent: ExactDecimal($0.percent), on: Set($0.on), label: "\($0.name) \($0.percent) %")
        }
    }
}

/// The lines of one segment of a bill as they are made: each with its exact amount.
struct SegmentLines {
    var suffix: String
    var lines: [(line: BillLine, amount: ExactDecimal)] = []

    var total: ExactDecimal { lines.reduce(ExactDecimal.zero) { $0 + $1.amount } }

    mutating func add(
        _ label: String, _ quantity: ExactDecimal, _ unit: String, _ price: Decimal, _ amount: ExactDecimal,
        _ part: String, period: String? = nil
    ) {
        let line = BillLine(
            label: suffix.isEmpty ? label : label + suffix, quantity: quantity.decimal, unit: unit, price: price,
            amount: amount.decimal, part: part, period: period)
        lines.append((line, amount))
    }
}

extension CostSchedule {
    /// The bill of one meter's use in one row of the schedule: DESIGN.md's money rules (each line
    /// to the cent, half away from zero; taxes on the rounded lines they name), in exact decimal
    /// arithmetic (`ExactDecimal`).
    public func bill(_ usage: Usage) -> Bill {
        let shares = dayShares(usage.range)
        var involved = Set(shares.keys)
        for (band, kwh) in usage.kwh.enumerated() where kwh != 0 { involved.insert(bands[band].segment) }
        let segments = involved.sorted()
        let currency = segments.first.map { timeline.segments[$0].currency } ?? timeline.segments.first?.currency ?? ""
        var lines: [BillLine] = []
        var cents: [Int128] = []
        var total = ExactDecimal.zero
        let rowDay = days.first { $0.end > usage.range.lowerBound }?.day
        for index in segments {
            let segment = timeline.segments[index]
            var suffix = ""
            if segments.count > 1 {
                let from = max(segment.from, rowDay ?? segment.from)
                let tariffs = Set(segments.map { timeline.segments[$0].tariff })
                suffix = tariffs.count > 1 ? " (\(segment.tariff) from \(from))" : " (from \(from))"
            }
            var made = SegmentLines(suffix: suffix)
            energyLines(usage, segment: index, into: &made)
            chargeLines(share: shares[index] ?? (0, 0), segment: index, into: &made)
            taxLines(segment: index, currency: currency, into: &made)
            lines += made.lines.map(\.line)
            cents += made.lines.map(\.amount.cents)
            total = total + made.total
        }
        return Bill(
            currency: currency, lines: lines, kwh: usage.kwh.reduce(0, +) + usage.unpricedKWh,
            unpricedKWh: usage.unpricedKWh, missingPrice: usage.missingPrice, total: total.decimal, lineCents: cents)
    }

    /// Energy per period, then the export compensation: the exported kWh at the export price,
    /// never more than the energy term it offsets unless the version says `export_cap = "none"`.
    private func energyLines(_ usage: Usage, segment index: Int, into made: inout SegmentLines) {
        let version = timeline.segments[index].version
        let terms = self.terms[index]
        for (band, info) in bands.enumerated() where info.segment == index {
            let quantity = ExactDecimal(figure: usage.kwh[band], scale: 3)
            switch version.energy {
            case .periods(let prices):
                let amount = (quantity * (terms.energy[info.period] ?? .zero)).rounded(2)
                made.add(
                    "Energy \(info.period)", quantity, "kWh", prices[info.period] ?? 0, amount, "energy",
                    period: info.period)
            case .series:
                let amount = ExactDecimal(figure: usage.cost[band], scale: 6).rounded(2)
                let price = usage.kwh[band] != 0 ? Decimal(figure: usage.cost[band] / usage.kwh[band], scale: 6) : 0
                made.add("Energy \(info.period)", quantity, "kWh", price, amount, "energy", period: info.period)
            }
        }
        let mine = bands.indices.filter { bands[$0].segment == index }
        let exported = mine.reduce(0.0) { $0 + usage.exported[$1] }
        let offset: (amount: ExactDecimal, price: Decimal)?
        if let price = terms.export, let written = version.export {
            offset = ((ExactDecimal(figure: exported, scale: 3) * price).rounded(2), written)
        } else if version.exportSeries != nil {
            let cost = mine.reduce(0.0) { $0 + usage.exportCost[$1] }
            offset = (
                ExactDecimal(figure: cost, scale: 6).rounded(2), Decimal(figure: cost / max(exported, 1e-9), scale: 6)
            )
        } else {
            offset = nil
        }
        if let (offset, written) = offset, exported > 0 {
            let quantity = ExactDecimal(figure: exported, scale: 3)
            let energy = made.total
            let cap = energy < .zero ? .zero : energy
            let amount = version.exportCapped && cap < offset ? cap : offset
            made.add("Export compensation", quantity, "kWh", -written, -amount, "energy")
        }
    }

    /// Power per power period (contracted kW × days × price per kW and day), fixed charges per
    /// day and per month (by the days of the row in the segment).
    private func chargeLines(share: (days: Double, months: Double), segment index: Int, into made: inout SegmentLines) {
        let version = timeline.segments[index].version
        let terms = self.terms[index]
        let days = ExactDecimal(figure: share.days, scale: 6)
        for period in version.chargedPowerPeriods {
            guard let kw = terms.contractedKW[period], let price = terms.power[period],
                let written = version.power[period], share.days > 0
            else { continue }
            let quantity = (kw * days).rounded(3)
            made.add(
                terms.powerLabels[period] ?? "Power \(period)", quantity, "kW·day", written,
                (quantity * price).rounded(2), "power")
        }
        if version.fixedPerDay != 0, share.days > 0 {
            let quantity = days.rounded(3)
            made.add(
                "Fixed per day", quantity, "day", version.fixedPerDay, (quantity * terms.fixedPerDay).rounded(2),
                "fixed")
        }
        if version.fixedPerMonth != 0, share.months > 0 {
            let quantity = ExactDecimal(figure: share.months, scale: 4)
            made.add(
                "Fixed per month", quantity, "month", version.fixedPerMonth,
                (quantity * terms.fixedPerMonth).rounded(2), "fixed")
        }
    }

    /// Taxes in order, each on the rounded lines of the parts it names (earlier taxes included).
    private func taxLines(segment index: Int, currency: String, into made: inout SegmentLines) {
        let version = timeline.segments[index].version
        for (position, tax) in terms[index].taxes.enumerated() {
            let base = made.lines.filter { tax.on.contains($0.line.part) }.reduce(ExactDecimal.zero) { $0 + $1.amount }
            made.add(
                tax.label, base, currency, version.taxes[position].percent, (base * tax.percent).shifted(2).rounded(2),
                tax.name)
        }
    }
}
