import EnerTrackCore

/// Every identifier EnerTrack puts into SQL goes through here. MariaDB and SQLite both read
/// backticks, and a backtick inside a name is doubled, so no name can end its quotes early.
/// Names read from a database EnerTrack did not create (tables, constraints, indexes and columns
/// in `information_schema`, a recorded column mapping) are checked first with `checked`: a name
/// outside the plain set is refused before any statement runs.
public enum SQLName {
    /// `name` quoted as an identifier.
    public static func quote(_ name: String) -> String {
        guard name.utf8.contains(UInt8(ascii: "`")) else { return "`" + name + "`" }
        return "`" + name.replacingOccurrences(of: "`", with: "``") + "`"
    }

    /// Letters (any script), digits, `_` and `$`, 1 to 64 characters: what MariaDB takes unquoted.
    public static func isPlain(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64
            && name.unicodeScalars.allSatisfy {
                $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "$"
            }
    }

    /// `name` quoted, when it is plain; else a schema error that names it (escaped for the
    /// terminal) and says that nothing was changed.
    public static func checked(_ name: String, _ what: String) throws(DirectoryError) -> String {
        guard isPlain(name) else {
            throw DirectoryError.schema(
                "the \(what) \(LogText.quoted(name)) is not a plain name (letters, digits, _ and $, at most 64); EnerTrack will not put it into SQL: rename it by hand first (nothing was changed)"
            )
        }
        return quote(name)
    }
}
