import EnerTrackHTTP
import EnerTrackRuntime
import Foundation
import Testing

/// A loopback HTTP/1.1 server (Debian's python3) whose answers wait for each other: `/barrier`
/// answers only once four requests are in it at the same time, `/hold` only after `POST
/// /release`; `/held` counts the requests holding. The waits give up after 300 s (503): long
/// enough for a loaded machine, since the tests themselves release them.
private final class WaitingServer: @unchecked Sendable {
    static let script = #"""
        import sys, threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        barrier = threading.Barrier(4, timeout=300)
        released = threading.Event()
        held = [0]
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass
            def answer(self, status, text):
                body = text.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def do_GET(self):
                if self.path == "/barrier":
                    try:
                        barrier.wait(); self.answer(200, "together")
                    except threading.BrokenBarrierError:
                        self.answer(503, "alone")
                elif self.path == "/hold":
                    held[0] += 1
                    self.answer(200 if released.wait(300) else 503, "held")
                elif self.path == "/held":
                    self.answer(200, str(held[0]))
                else:
                    self.answer(200, "ok")
            def do_POST(self):
                released.set(); self.answer(200, "released")
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#
    let process = Subprocess()
    let url: URL

    /// Started off Swift's cooperative threads: reading the port blocks.
    static func start() async throws -> WaitingServer {
        try await BlockingPool.shared.run { try WaitingServer() }
    }

    private init() throws {
        let output = Pipe()
        ChildProcess.prepare(process, executable: "/usr/bin/python3", arguments: ["-c", Self.script])
        process.standardOutput = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            ChildProcess.stop(process)
            throw HarnessError("the waiting HTTP server did not start: \(line)")
        }
        url = URL(string: "http://127.0.0.1:\(port)")!
    }

    deinit { ChildProcess.stop(process) }
}

@Suite("InfluxDB's HTTP connections: reads in parallel, changes in order")
struct HTTPPoolTests {
    @Test("four concurrent reads are in the server at the same time, each on its own connection")
    func parallel() async throws {
        let server = try await WaitingServer.start()
        let pool = CurlHTTPPool(size: 4, connectTimeout: 5)
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await pool.send(
                        method: "GET", url: server.url.appendingPathComponent("barrier"), headers: [:], body: nil,
                        timeout: 30, ordered: false
                    ).status
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == [200, 200, 200, 200], "one connection would have answered 503 after 300 s")
    }

    @Test("a read waiting for a connection gives up when cancelled; a change has a connection of its own")
    func waitingAndOrdered() async throws {
        let server = try await WaitingServer.start()
        let pool = CurlHTTPPool(size: 1, connectTimeout: 5)
        @Sendable func send(_ path: String, method: String = "GET", ordered: Bool, timeout: TimeInterval = 30)
            async throws -> CurlHTTPClient.Response
        {
            try await pool.send(
                method: method, url: server.url.appendingPathComponent(path), headers: [:],
                body: method == "POST" ? [] : nil, timeout: timeout, ordered: ordered)
        }
        // Held until released: long enough for a loaded machine (a CI run with the browser
        // check beside it once took over 30 s to get the other requests through).
        let holding = Task { try await send("hold", ordered: false, timeout: 300) }
        // The only reading connection is held; the writer's still answers.
        #expect(
            await eventually(timeout: 60) {
                String(decoding: try await send("held", ordered: true).body, as: UTF8.self) == "1"
            })
        let waiting = Task { try await send("other", ordered: false) }
        try await Task.sleep(for: .milliseconds(200))  // in line for the connection, most likely
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(try await send("release", method: "POST", ordered: true).status == 200)
        #expect(try await holding.value.status == 200)
        #expect(try await send("other", ordered: false).status == 200, "the connection went back to the pool")
    }
}
