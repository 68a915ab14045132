import EnerTrackRuntime
import Foundation
import Testing

/// Children started without Foundation's `Process` (whose `run()` can crash the parent on Linux).
@Suite("Subprocess")
struct SubprocessTests {
    @Test("exit codes and signals, pipes both ways, environment, directory, no inherited descriptors")
    func basics() throws {
        // Descriptors the parent has open must not reach the child.
        let kept = (0..<64).compactMap { _ in FileHandle(forReadingAtPath: "/dev/null") }
        defer { for handle in kept { try? handle.close() } }
        let process = Subprocess()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "cat; echo \"$GREETING $(pwd)\"; ls /proc/self/fd | wc -l; echo oops >&2; exit 3"]
        process.environment = ["GREETING": "hola", "PATH": "/usr/bin:/bin"]
        process.currentDirectoryURL = URL(fileURLWithPath: "/tmp")
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data("entrada\n".utf8))
        try input.fileHandleForWriting.close()
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.prefix(2) == ["entrada", "hola /tmp"], "\(out)")
        // 0, 1, 2 and the one `ls` opens to read the directory.
        #expect(Int(lines.last?.trimmingCharacters(in: .whitespaces) ?? "") == 4, "\(out)")
        #expect(err == "oops\n" && process.terminationStatus == 3 && process.terminationReason == .exit)
        #expect(!process.isRunning)

        let sleeper = Subprocess()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["30"]
        sleeper.standardError = FileHandle.nullDevice
        try sleeper.run()
        #expect(sleeper.isRunning && sleeper.processIdentifier > 0)
        sleeper.terminate()
        sleeper.waitUntilExit()
        #expect(sleeper.terminationReason == .uncaughtSignal && sleeper.terminationStatus == SIGTERM)

        let missing = Subprocess()
        missing.executableURL = URL(fileURLWithPath: "/nonexistent/enertrack")
        #expect(throws: Subprocess.Failure.self) { try missing.run() }
    }
}
