import EnerTrackWeb
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded

/// What a test sees of an answer: the status, the header fields and the whole body.
struct TestResponse: Sendable {
    let head: HTTPResponse
    let body: ByteBuffer
    var status: HTTPResponse.Status { head.status }
    var headers: HTTPFields { head.headerFields }
}

/// Hands requests to the site's router as the server does once it has parsed them: the same
/// middleware, routes and error answers, without a socket. `remoteAddress` is the peer the
/// request seems to come from (nil, as for a Unix socket, unless a test sets one).
///
/// Ours rather than HummingbirdTesting's: that library brings AsyncHTTPClient, SwiftNIO SSL and
/// its BoringSSL into the test build, minutes of compiling on two cores for a client the
/// tests never use.
struct RouterClient: Sendable {
    let responder: RouterResponder<WebContext>
    let remoteAddress: SocketAddress?
    let logger = Logger(label: "test")

    init(_ router: Router<WebContext>, remoteAddress: SocketAddress? = nil) {
        responder = router.buildResponder()
        self.remoteAddress = remoteAddress
    }

    /// Runs `body` with a client of `router`.
    static func with<T>(
        _ router: Router<WebContext>, remoteAddress: SocketAddress? = nil, _ body: (RouterClient) async throws -> T
    ) async throws -> T {
        try await body(RouterClient(router, remoteAddress: remoteAddress))
    }

    func execute(
        uri: String, method: HTTPRequest.Method = .get, headers: HTTPFields = [:], body: ByteBuffer? = nil
    ) async throws -> TestResponse {
        var headers = headers
        if let body { headers[.contentLength] = String(body.readableBytes) }
        let request = Request(
            head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: uri, headerFields: headers),
            body: RequestBody(buffer: body ?? ByteBuffer()))
        let channel = NIOAsyncTestingChannel()
        channel.remoteAddress = remoteAddress
        let context = WebContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
        let response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch {
            // What the server answers for an error that carries no response of its own.
            response = Response(status: .internalServerError)
        }
        let collector = Collector()
        try await response.body.write(collector)
        return TestResponse(head: response.head, body: collector.buffer.value)
    }
}

/// Collects a response body as the server would write it.
private struct Collector: ResponseBodyWriter {
    final class Box: @unchecked Sendable { var value = ByteBuffer() }
    let buffer = Box()
    mutating func write(_ part: ByteBuffer) async throws { buffer.value.writeImmutableBuffer(part) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
