import Foundation

/// A person who logs in to the dashboard and receives alerts.
public struct User: Sendable, Equatable {
    public var id: Int64
    public var username: String
    public var email: String?
    public var name: String?
    public var isAdmin: Bool
    public var isActive: Bool
    /// Set when the user was removed (logically); removed users are listed only with `--all`.
    public var removedAt: Date?
    public var createdAt: Date
    /// Werkzeug-format password hash; empty when no password was ever set.
    public var passwordHash: String

    public init(
        id: Int64, username: String, email: String?, name: String?, isAdmin: Bool, isActive: Bool,
        removedAt: Date?, createdAt: Date, passwordHash: String
    ) {
        self.id = id
        self.username = username
        self.email = email
        self.name = name
        self.isAdmin = isAdmin
        self.isActive = isActive
        self.removedAt = removedAt
        self.createdAt = createdAt
        self.passwordHash = passwordHash
    }
}

/// An ESP32 meter, identified by its ESP id (the MQTT topic segment).
public struct Node: Sendable, Equatable {
    public var id: Int64
    public var espID: String
    public var name: String?
    public var description: String?
    /// False for a logically removed node and for one registered automatically by `ingest`.
    public var isActive: Bool
    public var createdAt: Date
    public var lastSeen: Date?

    public init(
        id: Int64, espID: String, name: String?, description: String?, isActive: Bool, createdAt: Date,
        lastSeen: Date?
    ) {
        self.id = id
        self.espID = espID
        self.name = name
        self.description = description
        self.isActive = isActive
        self.createdAt = createdAt
        self.lastSeen = lastSeen
    }
}

extension Node {
    /// The one way people see a meter named: its name, else its ESP id (pages, charts, tables).
    public var label: String { name ?? espID }

    /// The label with the ESP id beside it, where the id is what people type next (the bot's
    /// commands, a tariff's target): `Cocina (ESP32_COCINA)`, or the id alone.
    public var labelWithID: String { name.map { "\($0) (\(espID))" } ?? espID }
}

/// A row of `UsuariosNodos`: a node assigned to a user, with where it is and when it was last opened.
public struct Assignment: Sendable, Equatable {
    public var username: String
    public var espID: String
    public var nodeName: String?
    public var isActive: Bool
    public var location: String?
    public var assignedAt: Date
    public var lastAccess: Date?

    public init(
        username: String, espID: String, nodeName: String?, isActive: Bool, location: String?,
        assignedAt: Date, lastAccess: Date?
    ) {
        self.username = username
        self.espID = espID
        self.nodeName = nodeName
        self.isActive = isActive
        self.location = location
        self.assignedAt = assignedAt
        self.lastAccess = lastAccess
    }
}

/// A user to create; the password is already hashed.
public struct NewUser: Sendable, Equatable {
    public var username: String
    public var email: String
    public var name: String?
    public var isAdmin: Bool
    public var passwordHash: String

    public init(username: String, email: String, name: String?, isAdmin: Bool, passwordHash: String) {
        self.username = username
        self.email = email
        self.name = name
        self.isAdmin = isAdmin
        self.passwordHash = passwordHash
    }
}

/// Which assignments to list.
public struct AssignmentFilter: Sendable, Equatable {
    public var username: String?
    public var espID: String?
    public var includeInactive: Bool

    public init(username: String? = nil, espID: String? = nil, includeInactive: Bool = false) {
        self.username = username
        self.espID = espID
        self.includeInactive = includeInactive
    }
}

/// A change to a node's descriptive fields; nil leaves a field as it is.
public struct NodeChanges: Sendable, Equatable {
    public var name: String?
    public var description: String?

    public init(name: String? = nil, description: String? = nil) {
        self.name = name
        self.description = description
    }
}

/// The rules every directory store enforces the same way, checked before anything is written.
public enum DirectoryRules {
    public static let maxUsernameLength = 64
    public static let maxEmailLength = 254
    public static let maxNameLength = 100
    public static let maxDescriptionLength = 255
    public static let maxLocationLength = 100
    public static let minPasswordLength = 10

    /// Usernames: 1–64 letters (any script), digits, `.`, `_`, `-`, `@`; no spaces.
    public static func checkUsername(_ username: String) throws {
        guard !username.isEmpty else { throw DirectoryError.invalid(field: .username, problem: .empty) }
        guard username.count <= maxUsernameLength else {
            throw DirectoryError.invalid(field: .username, problem: .tooLong(max: maxUsernameLength))
        }
        let allowed = username.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-@".unicodeScalars.contains($0)
        }
        guard allowed else {
            throw DirectoryError.invalid(field: .username, problem: .usernameCharacters(username))
        }
    }

    public static func checkEmail(_ email: String) throws {
        guard !email.isEmpty else { throw DirectoryError.invalid(field: .email, problem: .empty) }
        guard email.count <= maxEmailLength else {
            throw DirectoryError.invalid(field: .email, problem: .tooLong(max: maxEmailLength))
        }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let valid =
            parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".") && !email.contains(where: \.isWhitespace)
        guard valid else { throw DirectoryError.invalid(field: .email, problem: .notAnEmail(email)) }
    }

    /// ESP ids appear in MQTT topics and URLs: `[A-Za-z0-9_-]{1,64}`.
    public static func isESPID(_ espID: String) -> Bool {
        (1...64).contains(espID.utf8.count)
            && espID.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F
                    || $0 == 0x2D
            }
    }

    public static func checkESPID(_ espID: String) throws {
        guard isESPID(espID) else {
            throw DirectoryError.invalid(field: .espID, problem: .espIDCharacters(espID))
        }
    }

    /// Optional free text: when given it must not be blank, too long or hold control characters.
    public static func checkText(_ text: String?, field: DirectoryField, maxLength: Int) throws {
        guard let text else { return }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DirectoryError.invalid(field: field, problem: .empty)
        }
        guard text.count <= maxLength else {
            throw DirectoryError.invalid(field: field, problem: .tooLong(max: maxLength))
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw DirectoryError.invalid(field: field, problem: .controlCharacters)
        }
    }

    /// Whether a name typed at a login (a username or an email) can be looked up at all: at most
    /// `maxEmailLength` characters, none of them a control, format, default-ignorable or space
    /// character. MariaDB's collation ignores U+00AD, U+2060 or U+FEFF, so `ana` padded with
    /// hundreds of them would match `ana` under another throttle key: such names are refused
    /// before any lookup.
    public static func isLoginName(_ name: String) -> Bool {
        guard !name.isEmpty, name.unicodeScalars.count <= maxEmailLength else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            let properties = scalar.properties
            switch properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .spaceSeparator, .surrogate, .privateUse,
                .unassigned:
                return false
            default:
                return !properties.isDefaultIgnorableCodePoint && !properties.isWhitespace
            }
        }
    }

    public static func checkPassword(_ password: String) throws {
        guard password.count >= minPasswordLength else {
            throw DirectoryError.invalid(field: .password, problem: .tooShort(min: minPasswordLength))
        }
    }

    /// The form under which names compare equal: case- and accent-insensitive, as MariaDB's
    /// `utf8mb4_uca1400_ai_ci` compares them (`José` = `jose`).
    public static func lookupKey(_ text: String) -> String {
        text.precomposedStringWithCanonicalMapping
            .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
    }
}

extension DirectoryRules {
    /// Why a node cannot be added when `existing` already holds its ESP id.
    public static func checkNewNode(existing: Node?) throws {
        guard let existing else { return }
        if existing.isActive { throw DirectoryError.duplicate(what: .node, value: existing.espID) }
        throw DirectoryError.nodeExistsInactive(existing.espID)
    }

    /// Why `user` cannot be given `node`; `existing` is their assignment row, if any.
    public static func checkAssignable(user: User, node: Node, existing: Assignment?) throws {
        guard user.removedAt == nil else {
            throw DirectoryError.userRemoved(user.username)
        }
        guard node.isActive else {
            throw DirectoryError.nodeInactive(node.espID)
        }
        if let existing, existing.isActive {
            throw DirectoryError.duplicate(what: .assignment, value: "\(user.username) → \(node.espID)")
        }
    }

    /// An assignment can be changed only while it is active.
    public static func checkChangeable(_ existing: Assignment?, user: User, node: Node) throws {
        guard let existing, existing.isActive else {
            throw DirectoryError.unknownAssignment(username: user.username, espID: node.espID)
        }
    }
}
