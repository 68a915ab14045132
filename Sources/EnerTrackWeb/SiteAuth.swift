import EnerTrackCore
import EnerTrackKit
import Foundation
import HTTPTypes
import Hummingbird

extension Site {
    /// A hash to check against when the user does not exist, so timing does not tell.
    static let decoyHash = "scrypt:32768:8:1$decoydecoydecoyd$" + String(repeating: "0", count: 128)

    /// Before a session exists, the CSRF token is a random cookie echoed in the form (double submit).
    func loginToken(_ request: Request) -> String {
        cookie(request, Self.loginCookie).flatMap { $0.count >= 32 ? $0 : nil } ?? RandomToken.make()
    }

    func loginCookie(_ token: String) -> Cookie { setCookie(Self.loginCookie, token, maxAge: 3600) }

    func checkLoginCSRF(_ form: Form, request: Request, context: WebContext) -> Bool {
        guard let expected = cookie(request, Self.loginCookie), let sent = form["csrf"] else { return false }
        return RandomToken.constantTimeEqual(expected, sent) && checkSameOrigin(request, context)
    }

    /// Only paths of this site: never `//host`, a URL, a backslash, or a control character or
    /// space (browsers drop tabs and newlines from a `Location`, so `/\t/evil.example` would
    /// become `//evil.example`).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.utf8.count <= 2_000, next.hasPrefix("/"), !next.hasPrefix("//"),
            next.unicodeScalars.allSatisfy({
                $0.value > 0x20 && $0.value != 0x7F && $0 != "\\" && !$0.properties.isWhitespace
                    && $0.properties.generalCategory != .control && $0.properties.generalCategory != .format
            })
        else { return "/" }
        return next
    }

    /// Reserves a password attempt for each key (see `SessionStore.reserveAttempt`); the seconds to
    /// wait when one of them is throttled, nil when the attempt may go ahead.
    func reserveAttempt(keys: [String]) async throws -> Int64? {
        switch try await reserving({ now in try await self.directory.reserveAttempt(keys: keys, now: now) }) {
        case .reserved: nil
        case .throttled(let wait): wait
        }
    }

    /// A login attempt typed as `name` (see `SessionStore.reserveLoginAttempt`): the account key
    /// and user, or the seconds to wait.
    func reserveLoginAttempt(name: String, others: [String]) async throws -> Reservation<
        (
            account: String, user: User?
        )
    > {
        try await reserving { now in try await self.directory.reserveLoginAttempt(name: name, others: others, now: now)
        }
    }

    enum Reservation<Value> {
        case reserved(Value)
        case throttled(seconds: Int64)
    }

    private func reserving<Value>(_ reserve: (Int64) async throws -> Value) async throws -> Reservation<Value> {
        let now = options.throttleClock()
        do {
            return .reserved(try await reserve(now))
        } catch let throttled as LoginThrottle.Throttled {
            return .throttled(seconds: (throttled.wait + 999) / 1000)
        } catch {
            // Two first attempts of one key raced to insert its row: the second one now updates it.
            do {
                return .reserved(try await reserve(now))
            } catch let throttled as LoginThrottle.Throttled {
                return .throttled(seconds: (throttled.wait + 999) / 1000)
            }
        }
    }

    func throttled(_ response: Response, seconds: Int64) -> Response {
        var response = response
        response.headers[.retryAfter] = String(seconds)
        return response
    }
}
