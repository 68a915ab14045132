/// What can go wrong when reading or changing users, nodes and assignments.
public enum DirectoryError: ExitStatusError, Equatable {
    /// The input breaks a rule (field, format, duplicate); `field` names what to fix.
    case invalid(field: String, reason: String)
    case duplicate(what: String, value: String)
    case unknownUser(String)
    case unknownNode(String)
    case unknownAssignment(username: String, espID: String)
    /// The request conflicts with the record's current state (a removed node, an inactive assignment).
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
        case .invalid, .duplicate, .conflict: .dataError
        case .unknownUser, .unknownNode, .unknownAssignment: .noUser
        case .unavailable: .unavailable
        case .permissionDenied: .noPermission
        case .cannotCreate: .cannotCreate
        case .io: .ioError
        case .schema: .configuration
        }
    }

    public var description: String {
        switch self {
        case .invalid(let field, let reason): "invalid \(field): \(reason)"
        case .duplicate(let what, let value): "\(what) '\(value)' already exists"
        case .unknownUser(let name): "unknown user '\(name)' (see 'enertrack user list --all')"
        case .unknownNode(let esp): "unknown node '\(esp)' (see 'enertrack node list --all')"
        case .unknownAssignment(let user, let esp):
            "node '\(esp)' is not assigned to user '\(user)' (see 'enertrack assign list --all')"
        case .conflict(let text), .unavailable(let text), .permissionDenied(let text),
            .cannotCreate(let text), .io(let text), .schema(let text):
            text
        }
    }
}
