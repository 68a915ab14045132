import CSupport
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process, as Foundation's `Process` is used here (the same names), started with
/// `posix_spawn` directly: on Linux `Process.run()` lists `/proc/self/fd` with a read past the
/// end of a `dirent` and, now and then, crashes the parent with SIGSEGV (swift-corelibs-foundation
/// PR #5472, after Swift 6.3.1). `serve` parses tariff files in a child; the tests start hundreds.
///
/// Standard streams are a `Pipe` (the parent keeps its own end, the child's end is closed here
/// once it runs), a `FileHandle`, or nothing (inherited). Every other descriptor is closed in
/// the child; its signals are unblocked and at their defaults.
public final class Subprocess: @unchecked Sendable {
    public enum TerminationReason: Sendable { case exit, uncaughtSignal }

    public var executableURL: URL?
    public var arguments: [String] = []
    /// Nil: this process's environment.
    public var environment: [String: String]?
    public var currentDirectoryURL: URL?
    public var standardInput: Any?
    public var standardOutput: Any?
    public var standardError: Any?

    /// The raw wait status once reaped.
    private let state = Mutex<(pid: pid_t, status: Int32?)>((0, nil))

    public init() {}

    public var processIdentifier: Int32 { state.withLock { $0.pid } }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public func run() throws {
        guard let path = executableURL?.path else { throw Failure(description: "no executable") }
        var opened: [Int32] = []
        defer { for fd in opened { close(fd) } }
        func descriptor(_ stream: Any?, reading: Bool) -> Int32 {
            switch stream {
            case let pipe as Pipe:
                return reading ? pipe.fileHandleForReading.fileDescriptor : pipe.fileHandleForWriting.fileDescriptor
            case let handle as FileHandle where handle === FileHandle.nullDevice:
                let fd = open("/dev/null", reading ? O_RDONLY : O_WRONLY)
                if fd >= 0 { opened.append(fd) }
                return fd
            case let handle as FileHandle: return handle.fileDescriptor
            default: return -1
            }
        }
        let input = descriptor(standardInput, reading: true)
        let output = descriptor(standardOutput, reading: false)
        let errors = descriptor(standardError, reading: false)
        let environment = (self.environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = argv.withUnsafeBufferPointer { argvBuffer in
            envp.withUnsafeBufferPointer { envpBuffer in
                enertrack_spawn(
                    &pid, path, argvBuffer.baseAddress, envpBuffer.baseAddress, input, output, errors,
                    currentDirectoryURL?.path)
            }
        }
        guard result == 0 else {
            throw Failure(description: "cannot start \(path): \(String(cString: strerror(result)))")
        }
        state.withLock { $0 = (pid, nil) }
        // The child has its ends of the pipes; the parent's copies would hold them open.
        if let pipe = standardInput as? Pipe { try? pipe.fileHandleForReading.close() }
        if let pipe = standardOutput as? Pipe { try? pipe.fileHandleForWriting.close() }
        if let pipe = standardError as? Pipe, standardError as AnyObject !== standardOutput as AnyObject {
            try? pipe.fileHandleForWriting.close()
        }
    }

    /// Reaps the child if it has ended (`block`: waits for it).
    @discardableResult
    private func reap(block: Bool) -> Int32? {
        let pid = state.withLock { $0.pid }
        if let status = state.withLock({ $0.status }) { return status }
        guard pid > 0 else { return nil }
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, block ? 0 : WNOHANG)
            if result == pid {
                state.withLock { $0.status = status }
                return status
            }
            if result == -1, errno == EINTR { continue }
            // Reaped elsewhere (or no such child): what was kept, if anything.
            return result == 0 ? nil : state.withLock { $0.status }
        }
    }

    public var isRunning: Bool { processIdentifier > 0 && reap(block: false) == nil }

    public func waitUntilExit() { reap(block: true) }

    private static func exited(_ status: Int32) -> Bool { status & 0x7f == 0 }

    public var terminationReason: TerminationReason {
        Self.exited(reap(block: false) ?? 0) ? .exit : .uncaughtSignal
    }

    /// The exit code, or the signal that ended it.
    public var terminationStatus: Int32 {
        guard let status = reap(block: false) else { return 0 }
        return Self.exited(status) ? (status >> 8) & 0xff : status & 0x7f
    }

    public func terminate() {
        let pid = processIdentifier
        if pid > 0, isRunning { kill(pid, SIGTERM) }
    }
}
