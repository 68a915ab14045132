import Foundation

/// One line of a bill: `quantity` × `price` is `amount`, rounded to the cent.
public struct BillLine: Sendable, Equatable {
    public var label: String
    public var quantity: Decimal
    public var unit: String
    public var price: Decimal
    public var amount: Decimal
    /// `energy`, `power`, `fixed`, or the name of the tax the line is.
    public var part: String
    /// The energy period of an energy line.
    public var period: String?
    public var node: String?

    public init(
        label: String, quantity: Decimal, unit: String, price: Decimal, amount: Decimal, part: String,
        period: String? = nil, node: String? = nil
    ) {
        self.label = label
        self.quantity = quantity
        self.unit = unit
        self.price = price
        self.amount = amount
        self.part = part
        self.period = period
        self.node = node
    }
}

/// What a meter's use over a range costs, line by line, as DESIGN.md "Money" rounds it: each line
/// to the cent (half away from zero), each tax on the rounded lines it applies to, the total the
/// sum of the rounded lines.
public struct Bill: Sendable, Equatable {
    public var currency: String
    public var lines: [BillLine]
    public var kwh: Double
    /// kWh with no tariff in force (before the first assignment or version) or no dynamic price.
    public var unpricedKWh: Double
    /// The first bucket with energy but no dynamic price.
    public var missingPrice: Int64?

    public var total: Decimal { lines.reduce(0) { $0 + $1.amount } }

    public func sum(part: String) -> Decimal {
        lines.filter { $0.part == part }.reduce(0) { $0 + $1.amount }
    }

    /// Each tax's amount, in the order the taxes apply.
    public var taxes: [(name: String, amount: Decimal)] {
        var taxes: [(name: String, amount: Decimal)] = []
        for line in lines where !Tax.parts.contains(line.part) {
            if let index = taxes.firstIndex(where: { $0.name == line.part }) {
                taxes[index].amount += line.amount
            } else {
                taxes.append((line.part, line.amount))
            }
        }
        return taxes
    }

    /// kWh and energy cost per period name, in the order periods first appear.
    public var bands: [(period: String, kwh: Decimal, cost: Decimal)] {
        var bands: [(period: String, kwh: Decimal, cost: Decimal)] = []
        for line in lines where line.part == "energy" {
            guard let period = line.period else { continue }
            if let index = bands.firstIndex(where: { $0.period == period }) {
                bands[index].kwh += line.quantity
                bands[index].cost += line.amount
            } else {
                bands.append((period, line.quantity, line.amount))
            }
        }
        return bands
    }

    /// Several meters' bills as one (lines of each in turn, named by meter).
    public static func combined(_ bills: [(node: String, bill: Bill)], currency: String) -> Bill {
        var combined = Bill(currency: currency, lines: [], kwh: 0, unpricedKWh: 0, missingPrice: nil)
        for (node, bill) in bills {
            combined.lines += bill.lines.map { line in
                var line = line
                line.node = node
                if bills.count > 1 { line.label = "\(node) · \(line.label)" }
                return line
            }
            combined.kwh += bill.kwh
            combined.unpricedKWh += bill.unpricedKWh
            if let missing = bill.missingPrice {
                combined.missingPrice = min(combined.missingPrice ?? missing, missing)
            }
        }
        return combined
    }
}

extension Decimal {
    /// Rounded to `scale` decimals, half away from zero.
    public func rounded(_ scale: Int) -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, .plain)
        return result
    }

    /// A binary floating-point figure (a sum of kWh) as a decimal of `scale` places: what
    /// `printf("%.*f")` writes, which rounds the exact binary value.
    ///
    /// Bills make thousands of these, so the figure is scaled and rounded in binary when that
    /// gives the same digits: `figure × 10^scale` is off by at most 2^-53 of itself (under 1e-7
    /// below 1e9), so unless it lies within 1e-6 of a half, its nearest integer is printf's.
    /// Near a half, and for large figures, printf itself decides.
    public init(figure: Double, scale: Int) {
        if (0...9).contains(scale), figure.isFinite {
            let scaled = figure * Self.powersOfTen[scale]
            if abs(scaled) < 1e9 {
                let floor = scaled.rounded(.down)
                if abs(scaled - floor - 0.5) > 1e-6 {
                    let digits = UInt64(abs(scaled.rounded()))
                    self = Decimal(
                        sign: scaled < 0 && digits != 0 ? .minus : .plus, exponent: -scale,
                        significand: Decimal(digits))
                    return
                }
            }
        }
        self = Decimal(string: String(format: "%.\(scale)f", figure), locale: Locale(identifier: "en_US_POSIX")) ?? 0
    }

    private static let powersOfTen: [Double] = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]

    /// The nearest double to the decimal as written (`2.64`, not NSDecimalNumber's 2.6399999…).
    public var double: Double { Double("\(self)") ?? NSDecimalNumber(decimal: self).doubleValue }
}

extension CostSchedule {
    /// The bill of one meter's use in one row of the schedule.
    public func bill(_ usage: Usage) -> Bill {
        let shares = dayShares(usage.range)
        var involved = Set(shares.keys)
        for (band, kwh) in usage.kwh.enumerated() where kwh != 0 { involved.insert(bands[band].segment) }
        let segments = involved.sorted()
        let currency = segments.first.map { timeline.segments[$0].currency } ?? timeline.segments.first?.currency ?? ""
        var lines: [BillLine] = []
        let rowDay = days.first { $0.end > usage.range.lowerBound }?.day
        for index in segments {
            let segment = timeline.segments[index]
            let version = segment.version
            var suffix = ""
            if segments.count > 1 {
                let from = max(segment.from, rowDay ?? segment.from)
                let tariffs = Set(segments.map { timeline.segments[$0].tariff })
                suffix = tariffs.count > 1 ? " (\(segment.tariff) from \(from))" : " (from \(from))"
            }
            var segmentLines: [BillLine] = []
            // Energy, per period.
            for (band, info) in bands.enumerated() where info.segment == index {
                let quantity = Decimal(figure: usage.kwh[band], scale: 3)
                let amount: Decimal
                let price: Decimal
                switch version.energy {
                case .periods(let prices):
                    price = prices[info.period] ?? 0
                    amount = (quantity * price).rounded(2)
                case .series:
                    amount = Decimal(figure: usage.cost[band], scale: 6).rounded(2)
                    price = usage.kwh[band] != 0 ? Decimal(figure: usage.cost[band] / usage.kwh[band], scale: 6) : 0
                }
                segmentLines.append(
                    BillLine(
                        label: "Energy \(info.period)\(suffix)", quantity: quantity, unit: "kWh", price: price,
                        amount: amount, part: "energy", period: info.period))
            }
            // Export compensation: never more than the energy it offsets.
            let exported = bands.indices.filter { bands[$0].segment == index }.reduce(0.0) { $0 + usage.exported[$1] }
            if let price = version.export, exported > 0 {
                let quantity = Decimal(figure: exported, scale: 3)
                let energy = segmentLines.reduce(Decimal(0)) { $0 + $1.amount }
                let amount = min((quantity * price).rounded(2), max(energy, 0))
                segmentLines.append(
                    BillLine(
                        label: "Export compensation\(suffix)", quantity: quantity, unit: "kWh", price: -price,
                        amount: -amount, part: "energy"))
            }
            let share = shares[index] ?? (0, 0)
            let days = Decimal(figure: share.days, scale: 6)
            // Power, per power period: contracted kW × days × price per kW and day.
            for period in version.chargedPowerPeriods {
                guard let kw = version.contractedKW[period], let price = version.power[period], share.days > 0 else {
                    continue
                }
                let quantity = (kw * days).rounded(3)
                segmentLines.append(
                    BillLine(
                        label: "Power \(period) \(kw) kW\(suffix)", quantity: quantity, unit: "kW·day", price: price,
                        amount: (quantity * price).rounded(2), part: "power"))
            }
            if version.fixedPerDay != 0, share.days > 0 {
                let quantity = days.rounded(3)
                segmentLines.append(
                    BillLine(
                        label: "Fixed per day\(suffix)", quantity: quantity, unit: "day", price: version.fixedPerDay,
                        amount: (quantity * version.fixedPerDay).rounded(2), part: "fixed"))
            }
            if version.fixedPerMonth != 0, share.months > 0 {
                let quantity = Decimal(figure: share.months, scale: 4)
                segmentLines.append(
                    BillLine(
                        label: "Fixed per month\(suffix)", quantity: quantity, unit: "month",
                        price: version.fixedPerMonth, amount: (quantity * version.fixedPerMonth).rounded(2),
                        part: "fixed"))
            }
            // Taxes in order, each on the rounded lines of the parts it names.
            for tax in version.taxes {
                let base = segmentLines.filter { tax.on.contains($0.part) }.reduce(Decimal(0)) { $0 + $1.amount }
                segmentLines.append(
                    BillLine(
                        label: "\(tax.name) \(tax.percent) %\(suffix)", quantity: base, unit: currency,
                        price: tax.percent, amount: (base * tax.percent / 100).rounded(2), part: tax.name))
            }
            lines += segmentLines
        }
        return Bill(
            currency: currency, lines: lines, kwh: usage.kwh.reduce(0, +) + usage.unpricedKWh,
            unpricedKWh: usage.unpricedKWh, missingPrice: usage.missingPrice)
    }
}
