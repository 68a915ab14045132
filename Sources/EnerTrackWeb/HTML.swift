import EnerTrackCore
import Foundation

/// HTML built by string interpolation that escapes every interpolated value unless it is HTML
/// already: `"<td>\(node.name)</td>"` is safe whatever the name holds.
public struct HTML: ExpressibleByStringInterpolation, Sendable, CustomStringConvertible {
    public var text: String

    public init(stringLiteral value: String) { text = value }
    public init(stringInterpolation: StringInterpolation) { text = stringInterpolation.text }
    public init(trusted text: String) { self.text = text }

    public var description: String { text }

    public struct StringInterpolation: StringInterpolationProtocol {
        var text = ""

        public init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + interpolationCount * 16)
        }
        public mutating func appendLiteral(_ literal: String) { text += literal }
        public mutating func appendInterpolation(_ value: String) { text += HTML.escape(value) }
        public mutating func appendInterpolation(_ value: String?) { text += HTML.escape(value ?? "") }
        public mutating func appendInterpolation(_ value: Int) { text += String(value) }
        public mutating func appendInterpolation(_ value: Int64) { text += String(value) }
        public mutating func appendInterpolation(_ html: HTML) { text += html.text }
        public mutating func appendInterpolation(_ parts: [HTML]) { for part in parts { text += part.text } }
    }

    /// Every special character of HTML text and attribute values, byte by byte.
    public static func escape(_ text: String) -> String { MarkupEscape.html(text, quotes: true) }

    /// A fragment only when `condition` holds.
    public static func when(_ condition: Bool, _ html: @autoclosure () -> HTML) -> HTML { condition ? html() : "" }
}
