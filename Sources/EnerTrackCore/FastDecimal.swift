/// Decimal text to Double without going through strtod for the numbers meters send.
///
/// Clinger's fast path: when the digits form an integer below 2^53 and the decimal exponent is
/// within ±22, both are exact doubles and one IEEE multiplication or division gives the
/// correctly rounded result — the same bits strtod returns. Anything else returns nil, and the
/// caller uses the standard library.
public enum FastDecimal {
    private static let powers: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// `bytes` must be a JSON number (`-?digits[.digits][(e|E)[+-]digits]`); nil when the fast
    /// path does not apply.
    public static func parse<C: Collection>(_ bytes: C) -> Double? where C.Element == UInt8 {
        var iterator = bytes.makeIterator()
        var next = iterator.next()
        var negative = false
        if next == 0x2D {
            negative = true
            next = iterator.next()
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var sawDigit = false
        while let byte = next, byte >= 0x30, byte <= 0x39 {
            sawDigit = true
            if mantissa != 0 || byte != 0x30 { digits += 1 }
            guard digits <= 18 else { return nil }
            mantissa = mantissa * 10 + UInt64(byte - 0x30)
            next = iterator.next()
        }
        if next == 0x2E {
            next = iterator.next()
            while let byte = next, byte >= 0x30, byte <= 0x39 {
                sawDigit = true
                if mantissa != 0 || byte != 0x30 { digits += 1 }
                guard digits <= 18 else { return nil }
                mantissa = mantissa * 10 + UInt64(byte - 0x30)
                exponent -= 1
                next = iterator.next()
            }
        }
        guard sawDigit else { return nil }
        if next == 0x65 || next == 0x45 {
            next = iterator.next()
            var negativeExponent = false
            if next == 0x2B || next == 0x2D {
                negativeExponent = next == 0x2D
                next = iterator.next()
            }
            var value = 0
            var any = false
            while let byte = next, byte >= 0x30, byte <= 0x39 {
                any = true
                value = value * 10 + Int(byte - 0x30)
                guard value < 1000 else { return nil }
                next = iterator.next()
            }
            guard any else { return nil }
            exponent += negativeExponent ? -value : value
        }
        guard next == nil, mantissa < (1 << 53), (-22...22).contains(exponent) else { return nil }
        var result = Double(mantissa)
        result = exponent < 0 ? result / powers[-exponent] : result * powers[exponent]
        return negative ? -result : result
    }
}
