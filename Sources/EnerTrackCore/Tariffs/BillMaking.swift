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
        var total = ExactDecimal.zero
        let rowDay = days.first { $0.end > usage.range.lowerBound }?.day
        for index in segments {
            let segment = timeline.segments[index]
            let version = segment.version
            let terms = self.terms[index]
            var suffix = ""
            if segments.count > 1 {
                let from = max(segment.from, rowDay ?? segment.from)
                let tariffs = Set(segments.map { timeline.segments[$0].tariff })
                suffix = tariffs.count > 1 ? " (\(segment.tariff) from \(from))" : " (from \(from))"
            }
            var segmentLines: [(line: BillLine, amount: ExactDecimal)] = []
            func add(
                _ label: String, _ quantity: ExactDecimal, _ unit: String, _ price: Decimal, _ amount: ExactDecimal,
                _ part: String, period: String? = nil
            ) {
                segmentLines.append(
                    (
                        BillLine(
                            label: suffix.isEmpty ? label : label + suffix, quantity: quantity.decimal, unit: unit,
                            price: price, amount: amount.decimal, part: part, period: period),
                        amount
                    ))
            }
            // Energy, per period.
            for (band, info) in bands.enumerated() where info.segment == index {
                switch version.energy {
                case .periods(let prices):
                    let quantity = ExactDecimal(figure: usage.kwh[band], scale: 3)
                    let amount = (quantity * (terms.energy[info.period] ?? .zero)).rounded(2)
                    add(
                        "Energy \(info.period)", quantity, "kWh", prices[info.period] ?? 0, amount, "energy",
                        period: info.period)
                case .series:
                    let quantity = ExactDecimal(figure: usage.kwh[band], scale: 3)
                    let amount = ExactDecimal(figure: usage.cost[band], scale: 6).rounded(2)
                    let price = usage.kwh[band] != 0 ? Decimal(figure: usage.cost[band] / usage.kwh[band], scale: 6) : 0
                    add("Energy \(info.period)", quantity, "kWh", price, amount, "energy", period: info.period)
                }
            }
            // Export compensation: never more than the energy it offsets.
            let exported = bands.indices.filter { bands[$0].segment == index }.reduce(0.0) { $0 + usage.exported[$1] }
            if let price = terms.export, let written = version.export, exported > 0 {
                let quantity = ExactDecimal(figure: exported, scale: 3)
                let energy = segmentLines.reduce(ExactDecimal.zero) { $0 + $1.amount }
                let offset = (quantity * price).rounded(2)
                let cap = energy < .zero ? .zero : energy
                let amount = offset < cap ? offset : cap
                add("Export compensation", quantity, "kWh", -written, -amount, "energy")
            }
            let share = shares[index] ?? (0, 0)
            let days = ExactDecimal(figure: share.days, scale: 6)
            // Power, per power period: contracted kW × days × price per kW and day.
            for period in version.chargedPowerPeriods {
                guard let kw = terms.contractedKW[period], let price = terms.power[period],
                    let written = version.power[period], share.days > 0
                else { continue }
                let quantity = (kw * days).rounded(3)
                add(
                    terms.powerLabels[period] ?? "Power \(period)", quantity, "kW·day", written,
                    (quantity * price).rounded(2), "power")
            }
            if version.fixedPerDay != 0, share.days > 0 {
                let quantity = days.rounded(3)
                add(
                    "Fixed per day", quantity, "day", version.fixedPerDay, (quantity * terms.fixedPerDay).rounded(2),
                    "fixed")
            }
            if version.fixedPerMonth != 0, share.months > 0 {
                let quantity = ExactDecimal(figure: share.months, scale: 4)
                add(
                    "Fixed per month", quantity, "month", version.fixedPerMonth,
                    (quantity * terms.fixedPerMonth).rounded(2), "fixed")
            }
            // Taxes in order, each on the rounded lines of the parts it names.
            for (position, tax) in terms.taxes.enumerated() {
                let base = segmentLines.filter { tax.on.contains($0.line.part) }.reduce(ExactDecimal.zero) {
                    $0 + $1.amount
                }
                add(
                    tax.label, base, currency, version.taxes[position].percent,
                    (base * tax.percent).shifted(2).rounded(2),
                    tax.name)
            }
            lines += segmentLines.map(\.line)
            total = segmentLines.reduce(total) { $0 + $1.amount }
        }
        return Bill(
            currency: currency, lines: lines, kwh: usage.kwh.reduce(0, +) + usage.unpricedKWh,
            unpricedKWh: usage.unpricedKWh, missingPrice: usage.missingPrice, total: total.decimal)
    }
}
