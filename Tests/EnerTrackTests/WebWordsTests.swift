import EnerTrackCore
import Foundation
import Testing

/// Every page speaks its viewer's language: no English word on a Spanish page, and no command
/// line wording (`enertrack …`, `--flags`, ISO 8601) on any page.
@Suite("web: pages in their language")
struct WebWordsTests {
    /// English words that are not Spanish ones (`scripts/english-words.txt`, which the browser
    /// check reads too): any of them on a Spanish page is a text that missed the string tables.
    static let english: Set<String> = {
        let path = packageRoot.appendingPathComponent("scripts/english-words.txt").path
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init))
    }()

    /// The text a reader meets: the markup's text and the attributes read aloud or shown.
    static func readable(_ page: String) -> String {
        var text = page.replacing(/<script[^>]*>[\s\S]*?<\/script>/, with: " ")
        var said: [String] = []
        for match in text.matches(of: /(?:aria-label|title|placeholder|alt|data-confirm)="([^"]*)"/) {
            said.append(String(match.output.1))
        }
        for match in text.matches(of: /data-words="([^"]*)"/) {
            said.append(String(match.output.1).replacing(/&quot;[A-Za-z0-9 -]+&quot;:/, with: " "))
        }
        for match in text.matches(of: /data-(?:expired|unreachable|login)="([^"]*)"/) {
            said.append(String(match.output.1))
        }
        text = text.replacing(/<[^>]*>/, with: " ")
        return (text + " " + said.joined(separator: " "))
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">")
    }

    /// The English words of a Spanish page's text, and its command line wording.
    static func problems(_ page: String, spanish: Bool) -> [String] {
        let text = readable(page)
        var found: [String] = []
        if spanish {
            // File paths (examples/tariff-2.0TD.toml) are names, not words.
            let words = text.replacing(/\S+\/\S+/, with: " ").lowercased().split { !$0.isLetter }.map(String.init)
            found += Set(words.filter { english.contains($0) }).sorted()
        }
        for pattern in [/enertrack [a-z]+ [a-z]+/, /(?:^|\s)--[a-z]{2,}/, /ISO 8601/] {
            found += text.matches(of: pattern).map { "CLI wording: " + String(text[$0.range]) }
        }
        return found
    }

    @Test("the checker finds English and command line wording, and passes Spanish")
    func checker() {
        #expect(Self.english.count > 80 && Self.english.contains("rollups") && !Self.english.contains("no"))
        #expect(
            Self.problems("<p>Coste por periodo</p><button aria-label=\"Ampliar\">+</button>", spanish: true).isEmpty)
        #expect(Self.problems("<p>periodos de un hora</p>", spanish: true) == [])
        #expect(Self.problems("<p>Fuente: rollups (15 min)</p>", spanish: true) == ["rollups"])
        #expect(Self.problems("<p title=\"Earlier\">◀</p>", spanish: true) == ["earlier"])
        #expect(Self.problems("<p>usa now, today o ISO 8601</p>", spanish: true).count == 3)
        #expect(Self.problems("<p>run enertrack tariff prices import</p>", spanish: false).count == 1)
    }

    @Test("every page of a user and an administrator, in Spanish and in English")
    func everyPage() async throws {
        let site = try await WebCostTests.site()
        try await site.importAnaReadings(days: 3, every: 900)
        try await site.test { client in
            for (user, language) in [("ana", "es"), ("root", "es"), ("ana", "en"), ("root", "en")] {
                let browser = Browser(client)
                _ = try await browser.login(user)
                let profile = String(buffer: try await browser.get("/profile").body)
                let csrf = profile.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.output.1) } ?? ""
                _ = try await browser.post("/profile", ["csrf": csrf, "language": language, "name": user])
                var pages = [
                    "/", "/?period=week", "/?period=month", "/?period=year", "/nodes/\(WebSite.anaOnly)",
                    "/consumption", "/consumption?by=hour", "/consumption?by=month", "/consumption?by=year",
                    "/consumption?by=day&from=yesterday-ish", "/consumption?by=hour&from=2000-01-01",
                    "/alerts", "/telegram", "/profile", "/no-such-page", "/tariff",
                ]
                if user == "root" {
                    pages += ["/admin/users", "/admin/nodes", "/admin/assignments", "/admin/tariffs"]
                }
                for path in pages {
                    let page = String(buffer: try await browser.get(path).body)
                    #expect(page.contains("lang=\"\(language)\""), "\(user) \(path): the page is in \(language)")
                    let problems = Self.problems(page, spanish: language == "es")
                    #expect(
                        problems.isEmpty,
                        "\(user) (\(language)) \(path): \(problems)\n\(Self.readable(page).prefix(3000))")
                }
            }
            // The login page in the browser's language.
            let anonymous = try await client.execute(uri: "/login", headers: [.acceptLanguage: "es-ES,es;q=0.9"])
            #expect(Self.problems(String(buffer: anonymous.body), spanish: true).isEmpty)
        }
    }
}
