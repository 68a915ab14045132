import CCurl
import EnerTrackRuntime
import Foundation

/// A small HTTP/1.1 client over one libcurl easy handle: the connection is kept alive between
/// requests, TLS peers and host names are verified (system trust store), and every request has
/// connect and total timeouts. Requests run one at a time on a thread of their own (a `BlockingPool` of one), because the
/// handle is not thread-safe and blocking C calls must not occupy Swift's cooperative threads.
///
/// Why not URLSession: on Linux it feeds the body to libcurl through libdispatch in small
/// chunks, which cost more CPU than the rest of ingest's InfluxDB path together.
public final class CurlHTTPClient: @unchecked Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: Data
    }

    public enum TransportError: Error {
        case failed(code: Int32, reason: String)
    }

    private let handle: UnsafeMutableRawPointer
    private let line = BlockingPool(threads: 1, name: "enertrack.http")
    private let connectTimeout: TimeInterval
    /// Set by `abort()`; libcurl's progress callback reads it and ends the transfer in flight.
    private let aborted = UnsafeMutablePointer<Int32>.allocate(capacity: 1)

    private static let ready: Bool = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK }()

    public init(connectTimeout: TimeInterval) {
        _ = Self.ready
        // curl_easy_init only fails without memory; there is nothing sensible left to do then.
        guard let handle = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        self.handle = handle
        self.connectTimeout = connectTimeout
        aborted.initialize(to: 0)
    }

    deinit {
        curl_easy_cleanup(handle)
        aborted.deallocate()
    }

    /// Ends the request in flight (a long poll, at shutdown) and fails every later one.
    public func abort() { enertrack_atomic_store(aborted, 1) }

    public func send(method: String, url: URL, headers: [String: String], body: [UInt8]?, timeout: TimeInterval)
        async throws -> Response
    {
        try await send(method: method, url: url, headers: headers, body: body, timeout: timeout) { $0 }
    }

    /// The response turned into `T` by `read` on this connection's thread, right after the
    /// transfer: decoding a large answer then takes a thread the kernel schedules beside the
    /// others, not one of Swift's few cooperative threads, which serve every other request.
    public func send<T: Sendable>(
        method: String, url: URL, headers: [String: String], body: [UInt8]?, timeout: TimeInterval,
        read: @escaping @Sendable (Response) throws -> T
    ) async throws -> T {
        try await line.run {
            try read(self.perform(method: method, url: url, headers: headers, body: body, timeout: timeout))
        }
    }

    /// Collects the response body; the context is a pointer to a `Data`.
    private static let collect: enertrack_curl_write_callback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let bytes = size * count
        context.assumingMemoryBound(to: Data.self).pointee.append(
            UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: bytes)
        return bytes
    }

    /// Asks libcurl to stop when `abort()` was called; the context is the flag.
    private static let progress: enertrack_curl_xferinfo_callback = { context, _, _, _, _ in
        guard let context else { return 0 }
        return enertrack_atomic_load(context.assumingMemoryBound(to: Int32.self)) == 0 ? 0 : 1
    }

    private func perform(method: String, url: URL, headers: [String: String], body: [UInt8]?, timeout: TimeInterval)
        throws -> Response
    {
        guard enertrack_atomic_load(aborted) == 0 else { throw TransportError.failed(code: -1, reason: "aborted") }
        curl_easy_reset(handle)  // keeps the live connection, forgets the last request's options
        var responseBody = Data()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        // An empty Expect header: no 100-continue round trip before each body.
        for line in headers.map({ "\($0.key): \($0.value)" }) + ["Expect:"] {
            headerList = curl_slist_append(headerList, line)
        }
        let code: CURLcode = url.absoluteString.withCString { urlText in
            method.withCString { methodText in
                withUnsafeMutablePointer(to: &responseBody) { sink in
                    _ = enertrack_curl_setopt_pointer(handle, CURLOPT_URL, urlText)
                    _ = enertrack_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
                    _ = enertrack_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout * 1000))
                    _ = enertrack_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
                    _ = enertrack_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
                    _ = enertrack_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
                    _ = enertrack_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeRawPointer(headerList))
                    _ = enertrack_curl_setopt_write(handle, Self.collect)
                    _ = enertrack_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, UnsafeRawPointer(sink))
                    _ = enertrack_curl_setopt_xferinfo(handle, Self.progress)
                    _ = enertrack_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, UnsafeRawPointer(aborted))
                    _ = enertrack_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
                    if method != "GET" { _ = enertrack_curl_setopt_pointer(handle, CURLOPT_CUSTOMREQUEST, methodText) }
                    guard let body else {
                        if method == "POST" {
                            _ = enertrack_curl_setopt_long(handle, CURLOPT_POST, 1)
                            _ = enertrack_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, 0)
                            _ = enertrack_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, "")
                        }
                        return curl_easy_perform(handle)
                    }
                    return body.withUnsafeBytes { bytes in
                        _ = enertrack_curl_setopt_long(handle, CURLOPT_POST, 1)
                        _ = enertrack_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
                        _ = enertrack_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, bytes.baseAddress)
                        return curl_easy_perform(handle)
                    }
                }
            }
        }
        guard code == CURLE_OK else {
            throw TransportError.failed(code: Int32(code.rawValue), reason: Self.describe(code))
        }
        var status = 0
        _ = enertrack_curl_response_code(handle, &status)
        return Response(status: status, body: responseBody)
    }

    private static func describe(_ code: CURLcode) -> String {
        switch code {
        case CURLE_COULDNT_CONNECT: "connection refused"
        case CURLE_OPERATION_TIMEDOUT: "timed out"
        case CURLE_COULDNT_RESOLVE_HOST: "host not found"
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CONNECT_ERROR:
            "TLS failed (certificate not trusted?)"
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR: "connection lost"
        case CURLE_ABORTED_BY_CALLBACK: "aborted"
        default: String(cString: curl_easy_strerror(code))
        }
    }
}
