import EnerTrackKit
import Foundation
import Testing

@testable import EnerTrackCore

@Suite("bills: exact decimal arithmetic")
struct BillArithmeticTests {
    static let madrid = TimeZone(identifier: "Europe/Madrid")!

    static let tariffs = [
        """
        name = "hogar"
        currency = "EUR"
        [[version]]
        from = "2025-01-01"
        periods = "es-2.0TD"
        holidays = "es-national"
        energy = { P1 = 0.21, P2 = 0.15, P3 = 0.09 }
        power_periods = "es-2.0TD"
        power = { P1 = 0.0821, P2 = 0.0037 }
        contracted_kw = { P1 = 4.6, P2 = 3.45 }
        fixed_per_day = 0.0266
        fixed_per_month = 1.5
        export = 0.05
        taxes = [
          { name = "IEE", percent = 5.11269632, on = ["energy", "power"] },
          { name = "IVA", percent = 21, on = ["energy", "power", "fixed", "IEE"] },
        ]
        [[version]]
        from = "2026-06-10"
        periods = "flat"
        energy = { flat = 0.1234567 }
        fixed_per_day = 0.3333
        taxes = [{ name = "IVA", percent = 10, on = ["energy", "fixed"] }]
        """,
        """
        name = "dinamica"
        currency = "EUR"
        [[version]]
        from = "2025-01-01"
        periods = "flat"
        energy = "series"
        fixed_per_month = 3.99
        taxes = [{ name = "IVA", percent = 21, on = ["energy", "fixed"] }]
        """,
    ]

    @Test("random uses of two tariffs (a version change inside the range, dynamic prices): the same bill as Decimal's")
    func sameAsDecimal() throws {
        var generator = SystemRandomNumberGenerator()
        let from = ISO8601.parse("2026-06-01T00:00", localIn: Self.madrid)!.milliseconds
        let to = from + 20 * 86_400_000
        var prices: [PricePoint] = []
        for hour in stride(from: from, to: to, by: 3_600_000) {
            prices.append(
                PricePoint(time: hour, duration: 3_600_000, price: Double.random(in: -0.05...0.4, using: &generator)))
        }
        var checked = 0
        for text in Self.tariffs {
            let tariff = try TariffFile.parse(text)
            let timeline = TariffTimeline(assignments: [(CalendarDay(year: 2025, month: 1, day: 1), tariff)])
            let schedule = try CostSchedule(
                timeline: timeline, from: from, to: to, timeZone: Self.madrid, prices: [tariff.name: prices])
            for _ in 0..<400 {
                // Rows of random whole-bucket lengths, energy in random buckets.
                var rows: [Range<Int64>] = []
                var start = from
                while start < to {
                    let end = min(to, start + EnergyBuckets.bucket * Int64.random(in: 1...400, using: &generator))
                    rows.append(start..<end)
                    start = end
                }
                var energy: [BucketEnergy] = []
                for bucket in stride(from: from, to: to, by: Int(EnergyBuckets.bucket))
                where Int.random(in: 0..<3, using: &generator) == 0 {
                    energy.append(BucketEnergy(bucket: bucket, kwh: Double.random(in: 0...3, using: &generator)))
                }
                for var usage in schedule.usage(rows: rows, energy: energy) {
                    if Bool.random(using: &generator), !usage.exported.isEmpty {
                        usage.exported[0] = Double.random(in: 0...20, using: &generator)
                    }
                    let bill = schedule.bill(usage)
                    let reference = schedule.referenceBill(usage)
                    #expect(bill == reference, "\(bill.lines.map(\.label)) vs \(reference.lines.map(\.label))")
                    // The cents the bill keeps for sums are its amounts (made, and read back from the lines).
                    #expect(Decimal(cents: bill.totalCents) == bill.total && bill.lineCents == reference.lineCents)
                    #expect(
                        bill.lines.map { "\($0.quantity) \($0.price) \($0.amount)" }
                            == reference.lines.map {
                                "\($0.quantity) \($0.price) \($0.amount)"
                            })
                    checked += 1
                    if bill != reference { return }
                }
            }
        }
        #expect(checked > 1_000)
    }

    @Test("numbers on pages are printf's digits, with the language's decimal mark")
    func numbers() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = (0..<20_000).map { _ in Double.random(in: -5_000...50_000, using: &generator) }
        values += [0, -0.0, -0.001, 0.005, 0.015, 2.675, 1e12, -1e12, 0.5, 1.5, 123_456_789.125]
        var mismatches: [String] = []
        for value in values {
            for decimals in [0, 1, 2, 3] {
                let printed = String(format: "%.\(decimals)f", value)
                if Words(.en).number(value, decimals: decimals) != printed { mismatches.append("\(value) \(decimals)") }
                if Words(.es).number(value, decimals: decimals) != printed.replacingOccurrences(of: ".", with: ",") {
                    mismatches.append("es \(value) \(decimals)")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
        #expect(Words(.es).number(nil) == "–" && Words(.es).number(.nan) == "–")
    }

    @Test("exact decimals: parsing, products, sums and rounding half away from zero")
    func exact() {
        #expect(ExactDecimal.parse("-12.345") == ExactDecimal(units: -12_345, scale: 3))
        #expect(
            ExactDecimal.parse("1e-5") == nil && ExactDecimal.parse("") == nil && ExactDecimal.parse("1.2.3") == nil)
        #expect(ExactDecimal(Decimal(string: "0.0821")!) == ExactDecimal(units: 821, scale: 4))
        #expect((ExactDecimal(units: 125, scale: 3)).rounded(2) == ExactDecimal(units: 13, scale: 2))
        #expect((ExactDecimal(units: -125, scale: 3)).rounded(2) == ExactDecimal(units: -13, scale: 2))
        #expect((ExactDecimal(units: 2_675, scale: 3)).rounded(2).decimal == Decimal(string: "2.68")!)
        #expect(
            (ExactDecimal(units: 15, scale: 1) * ExactDecimal(units: 21, scale: 2)).decimal == Decimal(string: "0.315")!
        )
        #expect(
            (ExactDecimal(units: 1, scale: 2) + ExactDecimal(units: 5, scale: 0)).decimal == Decimal(string: "5.01")!)
        let large = ExactDecimal(units: Int128(UInt64.max) * 1000 + 7, scale: 5)
        #expect(large.decimal == Decimal(string: "184467440737095516.15007")!, "past UInt64: through text")
    }
}

extension CostSchedule {
    /// The bill as `Decimal` arithmetic computed it before `ExactDecimal`: the reference the
    /// exact arithmetic must equal, line for line.
    func referenceBill(_ usage: Usage) -> Bill {
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
            var segmentLines = referenceEnergyLines(usage, segment: index, suffix: suffix)
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

    /// The reference's energy lines of one segment, then its export compensation.
    func referenceEnergyLines(_ usage: Usage, segment index: Int, suffix: String) -> [BillLine] {
        let version = timeline.segments[index].version
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
        return segmentLines
    }
}
