import COpenSSL
import Foundation

/// Password hashes in Werkzeug's format, so the earlier Flask deployment's stored hashes verify
/// and the hashes written here verify with Werkzeug's `check_password_hash`.
///
/// Writes `scrypt:N:r:p$<salt>$<hex>` (64-byte key, 16 alphanumeric salt characters used as
/// UTF-8 bytes); verifies scrypt with any parameters and `pbkdf2:<hash>:<iterations>`.
public struct PasswordHasher: Sendable {
    public let n: Int
    public let r: Int
    public let p: Int

    /// Werkzeug's defaults: n=2^15, r=8, p=1.
    public static let standard = PasswordHasher(n: 32768, r: 8, p: 1)

    public init(n: Int, r: Int, p: Int) {
        self.n = n
        self.r = r
        self.p = p
    }

    private static let saltAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    public func hash(_ password: String) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = String(
            (0..<16).map { _ in Self.saltAlphabet[Int.random(in: 0..<Self.saltAlphabet.count, using: &generator)] })
        let key = try Self.scrypt(password, salt: salt, n: n, r: r, p: p)
        return "scrypt:\(n):\(r):\(p)$\(salt)$\(key)"
    }

    /// True when `password` matches `stored`; false for a wrong password and for any hash this
    /// cannot read (never throws, so a corrupt hash cannot be told apart from a wrong password).
    public func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return false }
        let method = parts[0].split(separator: ":").map(String.init)
        let salt = String(parts[1])
        let expected = String(parts[2]).lowercased()
        let computed: String?
        switch method.first {
        case "scrypt":
            let numbers = method.dropFirst().compactMap { Int($0) }
            let (n, r, p) = numbers.count == 3 ? (numbers[0], numbers[1], numbers[2]) : (32768, 8, 1)
            // Parameters come from a stored hash (bytes on disk): bounded, so a forged row cannot ask
            // for gigabytes of memory or hours of CPU.
            guard n > 1, n.nonzeroBitCount == 1, n <= 1 << 20, (1...32).contains(r), (1...16).contains(p) else {
                return false
            }
            computed = try? Self.scrypt(password, salt: salt, n: n, r: r, p: p)
        case "pbkdf2":
            guard method.count >= 2 else { return false }
            let iterations = method.count >= 3 ? Int(method[2]) ?? 0 : 600_000
            guard (1...10_000_000).contains(iterations) else { return false }
            computed = try? Self.pbkdf2(password, salt: salt, hashName: method[1], iterations: iterations)
        default:
            computed = nil
        }
        guard let computed else { return false }
        return RandomToken.constantTimeEqual(computed, expected)
    }

    /// Why a key derivation failed (libcrypto refused its parameters or ran out of memory).
    struct DerivationFailed: Error {}

    static func scrypt(_ password: String, salt: String, n: Int, r: Int, p: Int) throws -> String {
        // Python's hashlib.scrypt needs maxmem raised for n=2^15; give libcrypto the same headroom
        // (it needs 128·r·(n + p + 2) bytes).
        let memory = 128 * r * (n + p + 2) + 1024 * 1024
        let password = Array(password.utf8)
        let salt = Array(salt.utf8)
        var key = [UInt8](repeating: 0, count: 64)
        let status = password.withUnsafeBufferPointer { secret in
            secret.withMemoryRebound(to: CChar.self) { secret in
                EVP_PBE_scrypt(
                    secret.baseAddress, secret.count, salt, salt.count, UInt64(n), UInt64(r), UInt64(p),
                    UInt64(memory), &key, key.count)
            }
        }
        guard status == 1 else { throw DerivationFailed() }
        return RandomToken.hex(key)
    }

    static func pbkdf2(_ password: String, salt: String, hashName: String, iterations: Int) throws -> String? {
        let function: OpaquePointer?
        let length: Int
        switch hashName {
        case "sha256": (function, length) = (EVP_sha256(), 32)
        case "sha512": (function, length) = (EVP_sha512(), 64)
        case "sha384": (function, length) = (EVP_sha384(), 48)
        case "sha1": (function, length) = (EVP_sha1(), 20)
        default: return nil
        }
        guard iterations > 0, iterations <= Int(Int32.max) else { return nil }
        let password = Array(password.utf8)
        let salt = Array(salt.utf8)
        var key = [UInt8](repeating: 0, count: length)
        let status = password.withUnsafeBufferPointer { secret in
            secret.withMemoryRebound(to: CChar.self) { secret in
                PKCS5_PBKDF2_HMAC(
                    secret.baseAddress, Int32(secret.count), salt, Int32(salt.count), Int32(iterations), function,
                    Int32(length), &key)
            }
        }
        guard status == 1 else { throw DerivationFailed() }
        return RandomToken.hex(key)
    }
}
