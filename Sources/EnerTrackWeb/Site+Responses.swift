import EnerTrackCore
import EnerTrackKit
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// What the site answers: pages, JSON, redirects, streams.
extension Site {
    // MARK: Responses

    /// A response about one user's data: never in a shared cache. A 200 without cookies may stay
    /// in the browser's and is asked for again with its ETag (a 304 when nothing changed,
    /// `ConditionalGet`); anything else is not stored.
    func respond(
        _ body: String, type: String, status: HTTPResponse.Status = .ok, cookies: [Cookie] = [],
        headers extra: HTTPFields = [:]
    ) -> Response {
        tagged(ByteBuffer(string: body), status: status, headers: extra, type: type, cookies: cookies)
    }

    /// The response of a body already in a buffer; its ETag hashed from that buffer, only for a
    /// response that gets one.
    private func tagged(
        _ buffer: ByteBuffer, status: HTTPResponse.Status, headers: HTTPFields = [:], type: String,
        cookies: [Cookie] = []
    ) -> Response {
        var response = Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
        response.headers[.contentType] = type
        if status == .ok, cookies.isEmpty {
            let digest = buffer.withUnsafeReadableBytes { RandomToken.hash(bytes: $0) }
            response.headers[.cacheControl] = "private, no-cache"
            response.headers[.eTag] = "\"" + digest.prefix(24) + "\""
        } else {
            response.headers[.cacheControl] = "no-store"
        }
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    /// A large answer sent as it is rendered, a few rows at a time, never held whole.
    func stream(_ chunks: JSONChunks, type: String = "application/json") -> Response {
        let body = ResponseBody { writer in
            for chunk in chunks where !chunk.isEmpty { try await writer.write(ByteBuffer(string: chunk)) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-store"], body: body)
    }

    /// A JSON answer already written.
    func json(_ writer: JSONWriter, status: HTTPResponse.Status = .ok) -> Response {
        tagged(ByteBuffer(bytes: writer.utf8), status: status, type: "application/json")
    }

    func html(_ body: HTML, status: HTTPResponse.Status = .ok, cookies: [Cookie] = []) -> Response {
        respond(body.text, type: "text/html; charset=utf-8", status: status, cookies: cookies)
    }

    /// 303 See Other (Hummingbird's redirect), with a flash message for the next page.
    func redirect(_ location: String, flash: String? = nil, kind: String = "success", cookies: [Cookie] = [])
        -> Response
    {
        var response = Response.redirect(to: location, type: .normal)
        response.headers[.cacheControl] = "no-store"
        if let flash { response.setCookie(flashCookie(flash, kind: kind)) }
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    /// A view model as the API's JSON: its `CodingKeys`, compact, keys sorted, nil as null, times
    /// in the site's zone.
    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        // The answers of the busiest routes write themselves (the same text: `JSONWritable`).
        if let value = value as? any JSONWritable {
            var writer = JSONWriter(capacity: 1024)
            value.write(to: &writer)
            return json(writer, status: status)
        }
        let tree: JSONValue
        do {
            tree = try JSONValue(encoding: value, timeZone: options.timeZone)
        } catch {
            return respond(
                "{\"error\":\"cannot encode the answer\"}", type: "application/json", status: .internalServerError)
        }
        return respond(tree.compact(), type: "application/json", status: status)
    }

    /// The API's error body: `{"error": "…"}`.
    struct APIError: Encodable {
        var error: String
    }

    func jsonError(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(APIError(error: message), status: status)
    }
}
