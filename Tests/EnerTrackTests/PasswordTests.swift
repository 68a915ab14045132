import EnerTrackCore
import EnerTrackRuntime
import Foundation
import Testing

@Suite("Werkzeug-compatible password hashes")
struct PasswordTests {
    struct Fixture: Decodable, Sendable, CustomTestStringConvertible {
        let password: String
        let method: String
        let hash: String
        var testDescription: String { method }
    }

    struct Fixtures: Decodable { let cases: [Fixture] }

    static let fixtures: [Fixture] = {
        guard
            let url = Bundle.module.url(
                forResource: "werkzeug-hashes", withExtension: "json", subdirectory: "Fixtures"),
            let data = try? Data(contentsOf: url), let decoded = try? JSONDecoder().decode(Fixtures.self, from: data)
        else { return [] }
        return decoded.cases
    }()

    @Test("fixtures were found") func fixturesPresent() {
        #expect(Self.fixtures.count == 6)
    }

    @Test("hashes made by Werkzeug verify with their password and not another", arguments: fixtures)
    func werkzeugHashesVerify(_ fixture: Fixture) {
        let hasher = PasswordHasher.standard
        #expect(hasher.verify(fixture.password, against: fixture.hash))
        #expect(!hasher.verify(fixture.password + "x", against: fixture.hash))
    }

    @Test("a new hash has Werkzeug's scrypt format and verifies")
    func newHashFormat() throws {
        let hasher = PasswordHasher(n: 1024, r: 8, p: 1)
        let hash = try hasher.hash("correct horse battery")
        let parts = hash.split(separator: "$")
        #expect(parts.count == 3)
        #expect(parts[0] == "scrypt:1024:8:1")
        #expect(parts[1].count == 16 && parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(parts[2].count == 128 && parts[2].allSatisfy(\.isHexDigit))
        #expect(hasher.verify("correct horse battery", against: hash))
        #expect(!hasher.verify("correct horse batterY", against: hash))
        #expect(try hasher.hash("correct horse battery") != hash, "salts must differ")
    }

    @Test("the default parameters are Werkzeug's: scrypt:32768:8:1")
    func defaultParameters() throws {
        #expect(try PasswordHasher.standard.hash("0123456789").hasPrefix("scrypt:32768:8:1$"))
    }

    @Test(
        "unreadable hashes never verify",
        arguments: [
            "", "plain", "scrypt:32768:8:1$salt", "md5$salt$abc", "scrypt:3:8:1$salt$00", "pbkdf2:sha999:1$s$00",
            "scrypt:x:y:z$salt$00",
        ])
    func garbageNeverVerifies(_ stored: String) {
        #expect(!PasswordHasher.standard.verify("anything-at-all", against: stored))
    }

    @Test("Werkzeug's check_password_hash accepts a hash written here")
    func werkzeugAcceptsOurHash() throws {
        let hash = try PasswordHasher.standard.hash("contraseña-de-prueba")
        let script = """
            import sys
            from werkzeug.security import check_password_hash
            ok = check_password_hash(sys.argv[1], sys.argv[2]) and not check_password_hash(sys.argv[1], sys.argv[2] + "x")
            sys.exit(0 if ok else 1)
            """
        let process = Subprocess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, hash, "contraseña-de-prueba"]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(
            !stderr.contains("ModuleNotFoundError"), "Werkzeug is not installed: run scripts/test, which installs it")
        #expect(process.terminationStatus == 0, "Werkzeug rejected \(hash): \(stderr)")
    }
}
