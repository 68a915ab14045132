import EnerTrackCore
import EnerTrackKit
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Everything a command touches outside itself: environment, standard streams, the terminal,
/// the password hasher. Tests run commands in-process against a captured context.
public struct CommandContext: Sendable {
    public var environment: [String: String]
    public var currentDirectory: String
    public var systemEnvFile: String
    public var writeOutput: @Sendable (String) -> Void
    public var writeError: @Sendable (String) -> Void
    /// Reads one line of standard input without its line ending; nil at end of input.
    public var readInputLine: @Sendable () -> String?
    public var inputIsTerminal: Bool
    /// Asks for a secret on the terminal without echo; nil when there is no terminal.
    public var promptSecret: @Sendable (String) -> String?
    public var passwordHasher: PasswordHasher
    /// Who parses tariff files from outside: a child of this binary in the real process.
    public var tariffParser: TariffParser

    public init(
        environment: [String: String], currentDirectory: String,
        systemEnvFile: String = ConfigurationLoader.systemEnvFile,
        writeOutput: @escaping @Sendable (String) -> Void, writeError: @escaping @Sendable (String) -> Void,
        readInputLine: @escaping @Sendable () -> String?, inputIsTerminal: Bool,
        promptSecret: @escaping @Sendable (String) -> String?, passwordHasher: PasswordHasher = .standard,
        tariffParser: TariffParser = .inProcess
    ) {
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.systemEnvFile = systemEnvFile
        self.writeOutput = writeOutput
        self.writeError = writeError
        self.readInputLine = readInputLine
        self.inputIsTerminal = inputIsTerminal
        self.promptSecret = promptSecret
        self.passwordHasher = passwordHasher
        self.tariffParser = tariffParser
    }

    /// The real process: its environment, stdout/stderr, stdin and controlling terminal.
    public static var live: CommandContext {
        CommandContext(
            environment: ProcessInfo.processInfo.environment,
            currentDirectory: FileManager.default.currentDirectoryPath,
            writeOutput: { FileHandle.standardOutput.write(Data($0.utf8)) },
            writeError: { FileHandle.standardError.write(Data($0.utf8)) },
            readInputLine: { readLine(strippingNewline: true) },
            inputIsTerminal: isatty(STDIN_FILENO) == 1,
            promptSecret: Terminal.readSecret(prompt:),
            // toml++ may abort on some malformed files: they are parsed by a child of this binary.
            tariffParser: .thisBinary)
    }

    /// The context commands run against; set by `Enertrack.execute`.
    @TaskLocal public static var current: CommandContext = .live
}

/// Reading a secret from the controlling terminal with echo off.
enum Terminal {
    static func readSecret(prompt: String) -> String? {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        var original = termios()
        guard tcgetattr(fd, &original) == 0 else { return nil }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        guard tcsetattr(fd, TCSAFLUSH, &silent) == 0 else { return nil }
        defer {
            tcsetattr(fd, TCSAFLUSH, &original)
            _ = "\n".withCString { write(fd, $0, 1) }
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1, byte != 10, byte != 13 { bytes.append(byte) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
