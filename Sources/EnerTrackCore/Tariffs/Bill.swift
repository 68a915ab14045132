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
    /// The lines; `total` is their sum, kept beside them (reports read it for every row).
    public private(set) var lines: [BillLine]
    public private(set) var total: Decimal
    public var kwh: Double
    /// kWh with no tariff in force (before the first assignment or version) or no dynamic price.
    public var unpricedKWh: Double
    /// The first bucket with energy but no dynamic price.
    public var missingPrice: Int64?
    /// Each line's amount in cents (every line is rounded to the cent), in `lines`' order: sums
    /// of many bills (a page's periods) in integers instead of `Decimal` arithmetic.
    public private(set) var lineCents: [Int128]

    /// `total`, when given, is the sum of the lines' amounts (the caller summed them already);
    /// `lineCents` the amounts in cents (worked out from the amounts when not given).
    public init(
        currency: String, lines: [BillLine], kwh: Double, unpricedKWh: Double, missingPrice: Int64?,
        total: Decimal? = nil, lineCents: [Int128]? = nil
    ) {
        self.currency = currency
        self.lines = lines
        self.total = total ?? lines.reduce(0) { $0 + $1.amount }
        self.kwh = kwh
        self.unpricedKWh = unpricedKWh
        self.missingPrice = missingPrice
        self.lineCents = lineCents ?? lines.map { ExactDecimal($0.amount).cents }
    }

    /// The total in cents.
    public var totalCents: Int128 { lineCents.reduce(0, +) }

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
            combined.total += bill.total
            combined.lineCents += bill.lineCents
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
    /// `printf("%.*f")` writes, which rounds the exact binary value (by binary scaling where that
    /// provably gives the same digits, `scaledFigure`).
    public init(figure: Double, scale: Int) {
        if let units = Decimal.scaledFigure(figure, scale: scale) {
            self = Decimal(
                sign: units < 0 ? .minus : .plus, exponent: -scale, significand: Decimal(units.magnitude))
            return
        }
        self = Decimal(string: String(format: "%.\(scale)f", figure), locale: Locale(identifier: "en_US_POSIX")) ?? 0
    }

    /// An amount of whole cents.
    public init(cents: Int128) {
        self = ExactDecimal(units: cents, scale: 2).decimal
    }

    /// The nearest double to the decimal as written (`2.64`, not NSDecimalNumber's 2.6399999…).
    public var double: Double { Double("\(self)") ?? NSDecimalNumber(decimal: self).doubleValue }
}
