import EnerTrackCore
import Foundation

/// A whole small input file (tariffs, price series) as text: `-` is standard input. A missing
/// file is exit 66, an unreadable one 74, one too large or not UTF-8 65.
public enum FileInput {
    public static func text(path: String, maxBytes: Int, what: String) throws(Failure) -> String {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readData(ofLength: maxBytes + 1)
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw Failure(.noInput, "\(what) \(path) does not exist")
            }
            guard !isDirectory.boolValue else { throw Failure(.noInput, "\(what) \(path) is a directory") }
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw Failure(.ioError, "cannot read \(what) \(path): permission denied or unreadable")
            }
            defer { try? handle.close() }
            data = handle.readData(ofLength: maxBytes + 1)
        }
        let name = path == "-" ? "standard input" : path
        guard data.count <= maxBytes else {
            throw Failure(.dataError, "\(what) \(name) is over \(maxBytes / 1024) KiB")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Failure(.dataError, "\(what) \(name) is not UTF-8 text")
        }
        return text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
    }
}
