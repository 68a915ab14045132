import Foundation

/// The one way to run blocking work (Connector/C calls, libcurl transfers, scrypt) from async
/// code: on a Dispatch queue's thread, never on Swift's cooperative threads or a NIO event loop.
public enum Blocking {
    private static let shared = DispatchQueue(label: "enertrack.blocking", attributes: .concurrent)

    /// `body` on `queue` (a serial queue for a handle that is not thread-safe), else on a shared
    /// concurrent queue; bound concurrency where the work is heavy (a pool, a limiter).
    public static func run<T: Sendable>(on queue: DispatchQueue? = nil, _ body: @escaping @Sendable () throws -> T)
        async throws -> T
    {
        try await withCheckedThrowingContinuation { continuation in
            (queue ?? shared).async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// `body`, which cannot fail, on the shared queue.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            shared.async { continuation.resume(returning: body()) }
        }
    }
}
