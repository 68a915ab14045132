/// What can go wrong when reading or changing users, nodes and assignments: facts (which user,
/// which field, which rule), not sentences. Each front end says them its own way: `message(_:)`
/// in the reader's language for pages and the bot, the command line adds what to type next.
public enum DirectoryError: ExitStatusError, Equatable {
    /// The input breaks a rule of `field`.
    case invalid(field: DirectoryField, problem: FieldProblem)
    case duplicate(what: DirectoryEntity, value: String)
    case unknownUser(String)
    case unknownNode(String)
    case unknownAssignment(username: String, espID: String)
    /// A node with this ESP id exists but is inactive (restore it rather than add it).
    case nodeExistsInactive(String)
    /// The user is removed: nothing can be given to them until they are enabled again.
    case userRemoved(String)
    /// The node is inactive: it cannot be assigned until restored.
    case nodeInactive(String)
    /// The store refused the change (a constraint); the store's own words.
    case conflict(String)
    /// The store cannot be reached or answered with a transient failure.
    case unavailable(String)
    case permissionDenied(String)
    case cannotCreate(String)
    case io(String)
    /// The store is reachable but its schema is missing or older than this binary needs.
    case schema(String)

    public var exitStatus: ExitStatus {
        switch self {
        case .invalid, .duplicate, .conflict, .nodeExistsInactive, .userRemoved, .nodeInactive: .dataError
        case .unknownUser, .unknownNode, .unknownAssignment: .noUser
        case .unavailable: .unavailable
        case .permissionDenied: .noPermission
        case .cannotCreate: .cannotCreate
        case .io: .ioError
        case .schema: .configuration
        }
    }

    /// The error in English.
    public var description: String { message(Words(.en)) }

    /// The error in `words`' language.
    public func message(_ words: Words) -> String {
        switch self {
        case .invalid(let field, let problem): words("invalid {0}: {1}", field.name(words), problem.message(words))
        case .duplicate(.user, let value): words("user '{0}' already exists", value)
        case .duplicate(.email, let value): words("email '{0}' already exists", value)
        case .duplicate(.node, let value): words("node '{0}' already exists", value)
        case .duplicate(.assignment, let value): words("assignment '{0}' already exists", value)
        case .unknownUser(let name): words("unknown user '{0}'", name)
        case .unknownNode(let espID): words("unknown node '{0}'", espID)
        case .unknownAssignment(let username, let espID):
            words("node '{0}' is not assigned to user '{1}'", espID, username)
        case .nodeExistsInactive(let espID): words("node '{0}' already exists but is inactive", espID)
        case .userRemoved(let username): words("user '{0}' is removed", username)
        case .nodeInactive(let espID): words("node '{0}' is inactive", espID)
        case .conflict(let text), .unavailable(let text), .permissionDenied(let text), .cannotCreate(let text),
            .io(let text), .schema(let text):
            text
        }
    }
}

/// The fields the directory's rules check (their English names).
public enum DirectoryField: String, Sendable {
    case username, email, name, description, location, password
    case espID = "ESP id"

    public func name(_ words: Words) -> String {
        switch self {
        case .username: words("username")
        case .email: words("email")
        case .name: words("name")
        case .description: words("description")
        case .location: words("location")
        case .password: words("password")
        case .espID: words("ESP id")
        }
    }
}

/// The things a directory store holds, as errors name them.
public enum DirectoryEntity: String, Sendable {
    case user, email, node, assignment
}

/// Which rule a field's value breaks.
public enum FieldProblem: Equatable, Sendable {
    case empty
    case tooLong(max: Int)
    case tooShort(min: Int)
    case controlCharacters
    /// A username holding something other than letters, digits, `.`, `_`, `-`, `@`.
    case usernameCharacters(String)
    case notAnEmail(String)
    /// An ESP id outside `[A-Za-z0-9_-]{1,64}`.
    case espIDCharacters(String)

    public func message(_ words: Words) -> String {
        switch self {
        case .empty: words("must not be empty")
        case .tooLong(let max): words("longer than {0} characters", String(max))
        case .tooShort(let min): words("must be at least {0} characters long", String(min))
        case .controlCharacters: words("must not contain control characters")
        case .usernameCharacters(let value): words("'{0}' may hold only letters, digits, '.', '_', '-' and '@'", value)
        case .notAnEmail(let value): words("'{0}' is not an email address", value)
        case .espIDCharacters(let value): words("'{0}' must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'", value)
        }
    }
}
