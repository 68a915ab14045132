import ArgumentParser
import EnerTrackCore

/// A command whose capability has not landed yet: it has its help text and says so plainly (exit 69).
protocol PlannedCommand: AsyncParsableCommand {
    var arguments: [String] { get }
}

extension PlannedCommand {
    func run() async throws {
        let name = Self.configuration.commandName ?? "command"
        throw Failure(.unavailable, "'enertrack \(name)' is not available in this version yet")
    }
}

struct ServeCommand: PlannedCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the web dashboard and JSON API (default port 8006; long-running, systemd).",
        discussion: "Not available in this version yet (exit 69).")
    @Argument(parsing: .captureForPassthrough, help: .hidden) var arguments: [String] = []
}
