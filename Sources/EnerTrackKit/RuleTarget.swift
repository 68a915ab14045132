import EnerTrackCore

/// Looks up a user and an active assignment of one of their nodes, for commands that name both.
public enum RuleTarget {
    public static func resolve(directory: any UserStore & NodeStore & AssignmentStore, username: String, espID: String)
        async throws -> (
            user: User, node: Node
        )
    {
        let user = try await directory.existingUser(named: username)
        let node = try await directory.existingNode(espID: espID)
        let assigned = try await directory.assignments(AssignmentFilter(username: user.username, espID: node.espID))
        guard assigned.contains(where: \.isActive) else {
            throw DirectoryError.unknownAssignment(username: user.username, espID: node.espID)
        }
        return (user, node)
    }
}
