/// User-supplied text in a log line or message: quoted, control and format characters escaped,
/// cut to a length, so a username or topic holding a newline cannot forge a line of its own.
public enum LogText {
    public static func quoted<S: StringProtocol>(_ text: S, max: Int = 80) -> String {
        var out = "'"
        var count = 0
        for scalar in text.unicodeScalars {
            if count == max {
                out += "…"
                break
            }
            count += 1
            switch scalar {
            case "'": out += "\\'"
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let category = scalar.properties.generalCategory
                if category == .control || category == .format || category == .lineSeparator
                    || category == .paragraphSeparator
                    || category == .surrogate || category == .privateUse || category == .unassigned
                {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "'"
    }
}

/// URLs as they may appear in messages and `config show`: credentials masked.
public enum Redact {
    /// `https://user:pass@host:8086/?p=x` → `https://***@host:8086/?p=***`: the userinfo, and
    /// the query values InfluxDB 1.x takes credentials in (`u`, `p`, `password`, `token`).
    public static func url(_ text: String) -> String {
        var out = text
        if let scheme = out.range(of: "://") {
            let authorityEnd =
                out[scheme.upperBound...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? out.endIndex
            if let at = out[scheme.upperBound..<authorityEnd].lastIndex(of: "@") {
                out.replaceSubrange(scheme.upperBound..<at, with: "***")
            }
        }
        guard let question = out.firstIndex(of: "?") else { return out }
        let fragment = out[question...].firstIndex(of: "#") ?? out.endIndex
        let query = out[out.index(after: question)..<fragment].split(separator: "&", omittingEmptySubsequences: false)
            .map { pair -> String in
                let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                return ["u", "p", "password", "token"].contains(name.lowercased()) && pair.contains("=")
                    ? name + "=***" : String(pair)
            }
        out.replaceSubrange(out.index(after: question)..<fragment, with: query.joined(separator: "&"))
        return out
    }

    /// `text` with every occurrence of each secret (at least 4 characters long) masked.
    public static func secrets(_ secrets: [String?], in text: String) -> String {
        var out = text
        for case let secret? in secrets where secret.count >= 4 {
            out = out.replacingOccurrences(of: secret, with: "***")
        }
        return out
    }
}

/// HTML escaping over UTF-8 bytes, not Characters: `"` or `<` followed by a combining mark is
/// one grapheme cluster, which a loop over Characters would let through unescaped.
public enum MarkupEscape {
    /// `&`, `<`, `>` always; `"` and `'` too with `quotes` (attribute values).
    public static func html(_ text: String, quotes: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            switch byte {
            case 0x26: out.append(contentsOf: "&amp;".utf8)
            case 0x3C: out.append(contentsOf: "&lt;".utf8)
            case 0x3E: out.append(contentsOf: "&gt;".utf8)
            case 0x22 where quotes: out.append(contentsOf: "&quot;".utf8)
            case 0x27 where quotes: out.append(contentsOf: "&#39;".utf8)
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
