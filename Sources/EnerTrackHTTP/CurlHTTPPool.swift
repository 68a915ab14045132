import Foundation
import Synchronization

/// Several kept-alive connections to one server, for concurrent readers: a request takes an
/// idle client (the most recently used, whose connection is warm), or waits in line for one, so
/// one slow query holds up only its own connection. Requests that change data go through one
/// more client of their own, one at a time in the order they were sent, as they did when the
/// store had a single connection.
///
/// Why easy handles on their own threads and not a multi handle or AsyncHTTPClient: a blocking
/// `curl_easy_perform` per connection keeps `CurlHTTPClient` (and its measured write path)
/// unchanged, and serve's readers are few (the pool's size) while each waits on the server, not
/// on the CPU; see `bench/serve --influx` for the figures.
public final class CurlHTTPPool: Sendable {
    /// Connections for reads; `serve` runs its requests across them.
    public let size: Int
    private let readers: [CurlHTTPClient]
    private let writer: CurlHTTPClient
    private let line: Mutex<Line>

    private struct Line {
        var idle: [Int]
        var waiting: [(id: UInt64, continuation: CheckedContinuation<Int?, Never>)] = []
        var nextID: UInt64 = 0
    }

    public init(size: Int, connectTimeout: TimeInterval) {
        self.size = max(1, size)
        readers = (0..<self.size).map { _ in CurlHTTPClient(connectTimeout: connectTimeout) }
        writer = CurlHTTPClient(connectTimeout: connectTimeout)
        line = Mutex(Line(idle: Array((0..<self.size).reversed())))
    }

    /// Ends the requests in flight and fails every later one (at shutdown).
    public func abort() {
        for client in readers { client.abort() }
        writer.abort()
    }

    /// A read (`ordered: false`) on any idle connection; a change (`ordered: true`) on the
    /// writer's, after the changes sent before it. Throws `CancellationError` when the task is
    /// cancelled while it waits for a connection.
    public func send(
        method: String, url: URL, headers: [String: String], body: [UInt8]?, timeout: TimeInterval, ordered: Bool
    ) async throws -> CurlHTTPClient.Response {
        try await send(method: method, url: url, headers: headers, body: body, timeout: timeout, ordered: ordered) {
            $0
        }
    }

    /// The same, with the response read into `T` on the connection's thread
    /// (`CurlHTTPClient.send(…read:)`): decoding is bounded by the pool too.
    public func send<T: Sendable>(
        method: String, url: URL, headers: [String: String], body: [UInt8]?, timeout: TimeInterval, ordered: Bool,
        read: @escaping @Sendable (CurlHTTPClient.Response) throws -> T
    ) async throws -> T {
        if ordered {
            return try await writer.send(
                method: method, url: url, headers: headers, body: body, timeout: timeout, read: read)
        }
        let index = try await acquire()
        defer { release(index) }
        return try await readers[index].send(
            method: method, url: url, headers: headers, body: body, timeout: timeout, read: read)
    }

    private func acquire() async throws -> Int {
        if let index = line.withLock({ $0.idle.popLast() }) { return index }
        let id = line.withLock { line in
            line.nextID += 1
            return line.nextID
        }
        let index: Int? = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Cancelled already: nil at once. A connection freed meanwhile: take it.
                let ready: (index: Int?, now: Bool) = line.withLock { line in
                    if Task.isCancelled { return (nil, true) }
                    if let index = line.idle.popLast() { return (index, true) }
                    line.waiting.append((id, continuation))
                    return (nil, false)
                }
                if ready.now { continuation.resume(returning: ready.index) }
            }
        } onCancel: {
            let waiter = line.withLock { line in
                line.waiting.firstIndex { $0.id == id }.map { line.waiting.remove(at: $0).continuation }
            }
            waiter?.resume(returning: nil)
        }
        guard let index else { throw CancellationError() }
        return index
    }

    private func release(_ index: Int) {
        let next = line.withLock { line in
            if line.waiting.isEmpty {
                line.idle.append(index)
                return nil as CheckedContinuation<Int?, Never>?
            }
            return line.waiting.removeFirst().continuation
        }
        next?.resume(returning: index)
    }
}
