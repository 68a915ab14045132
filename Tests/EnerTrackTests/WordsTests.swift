import EnerTrackCore
import Foundation
import Testing

/// Every text the code shows exists in every language's table, with the same placeholders.
@Suite("Words")
struct WordsTests {
    /// The English keys the sources look up: `l("…")`, `words("…")`, `viewer.l("…")`, `self("…")` in
    /// `Words`, texts marked `Words.noop("…")`, and tariff errors' templates.
    static func keysInSources() throws -> [String: String] {
        let sources = packageRoot.appendingPathComponent("Sources")
        let call = try Regex(#"(?:^|[^A-Za-z0-9_])(?:l|words|self|Words\.noop)\(\s*"((?:[^"\\\n]|\\.)*)""#)
        // A tariff error's template: `TariffError("… {0} …", [arguments])`.
        let template = try Regex(#"TariffError\(\s*"((?:[^"\\\n]|\\.)*)",\s*\["#)
        var keys: [String: String] = [:]
        guard let files = FileManager.default.enumerator(atPath: sources.path) else { return keys }
        for case let file as String in files where file.hasSuffix(".swift") && !file.contains("Languages/") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: call) + text.matches(of: template) {
                guard let key = match.output[1].substring else { continue }
                let unescaped = String(key).replacingOccurrences(of: #"\""#, with: "\"")
                    .replacingOccurrences(of: #"\n"#, with: "\n")
                keys[unescaped] = file
            }
        }
        return keys
    }

    static func placeholders(_ text: String) -> Set<String> {
        Set(text.matches(of: /\{[0-9]+\}/).map { String($0.output) })
    }

    @Test("every text the code uses is translated, with the same placeholders; no table holds a stale text")
    func tablesAreComplete() throws {
        let keys = try Self.keysInSources()
        #expect(keys.count > 100, "the scan found \(keys.count) texts: is the pattern still right?")
        for language in Language.allCases where language != .en {
            let table = language.table
            let missing = keys.filter { table[$0.key] == nil }.map { "\($0.value): \($0.key)" }.sorted()
            #expect(missing.isEmpty, "\(language) lacks:\n\(missing.joined(separator: "\n"))")
            let stale = table.keys.filter { keys[$0] == nil }.sorted()
            #expect(stale.isEmpty, "\(language) has texts no code uses:\n\(stale.joined(separator: "\n"))")
            for (english, translated) in table {
                #expect(
                    Self.placeholders(english) == Self.placeholders(translated),
                    "\(language): \(english) → \(translated)")
            }
        }
    }

    @Test("placeholders are filled after the lookup, in the translation's order; unknown ones stay")
    func filling() {
        let es = Words(.es)
        #expect(es("{0} assigned to {1}.", "ESP1", "ana") == "ESP1 asignado a ana.")
        #expect(Words(.en)("{0} assigned to {1}.", "ESP1", "ana") == "ESP1 assigned to ana.")
        #expect(es("not in any table {0} {7} {x", "a") == "not in any table a {7} {x")
        #expect(es.number(1.5) == "1,50" && Words(.en).number(1.5) == "1.50" && es.number(.nan) == "–")
    }

    @Test("a tariff error in the viewer's language: its template, its known arguments, its context; across a child")
    func tariffErrors() throws {
        let missing = TariffError("{0} is missing", ["currency"]).prefixed("la tarifa")
        #expect(missing.description == "la tarifa: currency is missing", "the command line's English")
        #expect(missing.message(Words(.es)) == "la tarifa: falta currency")
        let wrong = TariffError("{0} is {1}: expected {2}", ["version[0].energy.P1", "a string", "a number"])
        #expect(wrong.message(Words(.es)) == "version[0].energy.P1 es un texto: se esperaba un número")
        // As `tariff check-syntax` hands it to its parent.
        let carried = try #require(missing.carried)
        let decoded = try JSONDecoder().decode(TariffError.Carried.self, from: try JSONEncoder().encode(carried))
        #expect(TariffError(decoded).message(Words(.es)) == "la tarifa: falta currency")
        // A text with no template (a parser's own words) stays as it is.
        #expect(TariffError("toml++ said so").message(Words(.es)) == "toml++ said so")
    }
}
