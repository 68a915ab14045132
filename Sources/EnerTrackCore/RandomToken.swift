import COpenSSL
import Foundation

/// Random tokens (session ids, CSRF tokens, API tokens): 256 bits, base64url. Stored only as
/// SHA-256 hashes where they grant access.
public enum RandomToken {
    public static func make(bytes count: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return base64url(Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    /// Base64 with the URL- and cookie-safe alphabet, no padding.
    public static func base64url(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
                of: "=", with: "")
    }

    public static func hash(_ token: String) -> String { hash(bytes: Array(token.utf8)) }

    /// Lower-case hex SHA-256 of bytes (a token, a page's or a file's content tag).
    public static func hash(bytes: some ContiguousBytes) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        bytes.withUnsafeBytes { buffer in _ = SHA256(buffer.baseAddress, buffer.count, &digest) }
        return hex(digest)
    }

    /// Lower-case hex of a digest (String(format:) per byte is slow on the request path).
    public static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares without an early exit, so timing tells nothing about where two strings differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}
