import Foundation

/// A decimal as an integer count of 10^-scale: the bill's arithmetic (products, sums, rounding
/// to the cent, half away from zero), exact as `Decimal` is for the sizes bills have (products
/// of a few dozen digits), and without its cost: a bill of a month by day for five meters makes
/// thousands of them. Tariff amounts have at most 17 significant digits and 1e9 (`TariffDocument`),
/// figures 1e9 units: their products stay far inside `Int128`.
struct ExactDecimal: Sendable, Equatable {
    var units: Int128
    var scale: Int

    init(units: Int128, scale: Int) {
        self.units = units
        self.scale = scale
    }

    static let zero = ExactDecimal(units: 0, scale: 0)

    /// The decimal exactly (a tariff's price, as written in its file).
    init(_ decimal: Decimal) {
        self = Self.parse("\(decimal)") ?? .zero
    }

    /// `Decimal(figure:scale:)`'s value: what printf writes for the binary figure.
    init(figure: Double, scale: Int) {
        if let units = Decimal.scaledFigure(figure, scale: scale) {
            self.init(units: Int128(units), scale: scale)
        } else {
            self = Self.parse(String(format: "%.\(scale)f", figure)) ?? .zero
        }
    }

    /// `-12.345` → (-12345, 3); nil for anything else (an exponent, NaN).
    static func parse(_ text: String) -> ExactDecimal? {
        var units: Int128 = 0
        var scale = 0
        var negative = false
        var seenPoint = false
        var digits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "-") where digits == 0 && !negative: negative = true
            case UInt8(ascii: "."), UInt8(ascii: ","):
                guard !seenPoint else { return nil }
                seenPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                guard digits <= 36 else { return nil }
                units = units * 10 + Int128(byte - UInt8(ascii: "0"))
                if seenPoint { scale += 1 }
            default: return nil
            }
        }
        guard digits > 0 else { return nil }
        return ExactDecimal(units: negative ? -units : units, scale: scale)
    }

    static func * (left: ExactDecimal, right: ExactDecimal) -> ExactDecimal {
        ExactDecimal(units: left.units * right.units, scale: left.scale + right.scale)
    }

    static func + (left: ExactDecimal, right: ExactDecimal) -> ExactDecimal {
        let scale = max(left.scale, right.scale)
        return ExactDecimal(units: left.scaled(to: scale) + right.scaled(to: scale), scale: scale)
    }

    static prefix func - (value: ExactDecimal) -> ExactDecimal {
        ExactDecimal(units: -value.units, scale: value.scale)
    }

    /// The units at a larger scale.
    private func scaled(to target: Int) -> Int128 {
        var units = units
        for _ in scale..<target { units *= 10 }
        return units
    }

    /// Divided by 10^`places` (exact: the scale grows).
    func shifted(_ places: Int) -> ExactDecimal {
        ExactDecimal(units: units, scale: scale + places)
    }

    /// Rounded to `places` decimals, half away from zero (`NSDecimalRound`'s `.plain`).
    func rounded(_ places: Int) -> ExactDecimal {
        guard scale > places else { return self }
        var divisor: Int128 = 1
        for _ in places..<scale { divisor *= 10 }
        let magnitude = units.magnitude
        let quotient = magnitude / UInt128(divisor)
        let remainder = magnitude % UInt128(divisor)
        let up = remainder * 2 >= UInt128(divisor)
        let rounded = Int128(quotient + (up ? 1 : 0))
        return ExactDecimal(units: units < 0 ? -rounded : rounded, scale: places)
    }

    /// The value in whole cents, rounded as a bill line is (half away from zero; every line is
    /// already to the cent). 128 bits: no tariff's amounts come near its limits.
    var cents: Int128 {
        let cents = rounded(2)
        var units = cents.units
        for _ in min(max(cents.scale, 0), 2)..<2 { units *= 10 }
        return units
    }

    static func < (left: ExactDecimal, right: ExactDecimal) -> Bool {
        let scale = max(left.scale, right.scale)
        return left.scaled(to: scale) < right.scaled(to: scale)
    }

    /// As a `Decimal`, for the bill's lines.
    var decimal: Decimal {
        let magnitude = units.magnitude
        if magnitude <= UInt128(UInt64.max), scale <= 127 {
            return Decimal(
                sign: units < 0 ? .minus : .plus, exponent: -scale, significand: Decimal(UInt64(magnitude)))
        }
        var text = String(magnitude)
        if scale > 0 {
            if text.count <= scale { text = String(repeating: "0", count: scale - text.count + 1) + text }
            text.insert(".", at: text.index(text.endIndex, offsetBy: -scale))
        }
        return Decimal(string: (units < 0 ? "-" : "") + text, locale: Locale(identifier: "en_US_POSIX")) ?? 0
    }
}

extension Decimal {
    /// `figure × 10^scale` as printf rounds it, when binary arithmetic provably gives that:
    /// the product is off by at most 2^-53 of itself (under 1e-7 below 1e9), so unless it lies
    /// within 1e-6 of a half its nearest integer is printf's. Nil where printf must decide.
    static func scaledFigure(_ figure: Double, scale: Int) -> Int64? {
        guard (0...9).contains(scale), figure.isFinite else { return nil }
        let scaled = figure * powersOfTen[scale]
        guard abs(scaled) < 1e9 else { return nil }
        let floor = scaled.rounded(.down)
        guard abs(scaled - floor - 0.5) > 1e-6 else { return nil }
        return Int64(scaled.rounded())
    }

    private static let powersOfTen: [Double] = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]
}
