import COpenSSL
import Foundation

/// Checksums of files (backups): SHA-256 on the system's libcrypto, read in 1 MiB pieces so a
/// store of gigabytes never sits in memory.
public enum FileDigest {
    /// Lowercase hex; nil when the file cannot be opened.
    public static func sha256(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let context = EVP_MD_CTX_new() else { return nil }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { return nil }
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            guard chunk.withUnsafeBytes({ EVP_DigestUpdate(context, $0.baseAddress, $0.count) }) == 1 else {
                return nil
            }
        }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1 else { return nil }
        digest.removeSubrange(Int(length)...)
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
