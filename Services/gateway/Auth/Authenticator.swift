import Foundation
import HummingbirdBcrypt
import Hummingbird
import MamiCore
import MamiHTTP
import NIOConcurrencyHelpers
import NIOPosix

/// Who is calling: a user, through an access token (with its session) or an API key.
struct Principal: Sendable {
    var user: User
    /// The refresh family of the access token; nil for an API key.
    var session: String?
    var expiresAt: Date?
}

/// Resolves `Authorization: Bearer …` to a ``Principal`` (G6): an access token
/// whose signature, algorithm and claims hold and whose session is not revoked,
/// or a live API key (`mami_…`).
struct Authenticator: Sendable {
    var tokens: AccessTokens
    var accounts: AccountStore

    func principal(_ request: Request) async throws -> Principal {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { throw APIError.unauthorized }
        return try await principal(token: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
    }

    func principal(token: String) async throws -> Principal {
        if token.hasPrefix("mami_") {
            guard let user = try await accounts.user(apiKey: token) else { throw APIError.unauthorized }
            return Principal(user: user, session: nil, expiresAt: nil)
        }
        guard let claims = try? await tokens.verify(token) else { throw APIError.unauthorized }
        guard let user = try await accounts.user(id: claims.sub.value, unlessRevoked: claims.sid) else { throw APIError.unauthorized }
        return Principal(user: user, session: claims.sid, expiresAt: claims.exp.value)
    }

    /// Still valid? (expiry and revocation), for long-lived sockets.
    func stillValid(_ principal: Principal) async -> Bool {
        if let expiry = principal.expiresAt, expiry <= Date() { return false }
        guard let session = principal.session else { return true }
        return (try? await accounts.isRevoked(family: session)) == false
    }
}

/// bcrypt off the event loop and the cooperative pool (G6).
struct PasswordHasher: Sendable {
    var cost: UInt8

    func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await NIOThreadPool.singleton.perform { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.perform { Bcrypt.verify(password, hash: hash) }
    }

    /// A hash of nothing, verified against when the user does not exist, so both cases take as long.
    static let decoy = Bcrypt.hash("mami-decoy-password", cost: 4)
}

/// At most `limit` attempts per key in a sliding `window` (login and register, per IP and per account;
/// chat messages, per user and per IP). The table is bounded: past `maxKeys` keys it starts again.
final class RateLimiter: Sendable {
    let limit: Int
    let window: TimeInterval
    let maxKeys = 100_000
    private let attempts = NIOLockedValueBox<[String: [Date]]>([:])

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Records an attempt for each key under its limit; nil when none was over it, else the whole
    /// seconds until the fullest one has room again (for `Retry-After`).
    func retryAfter(_ keys: [String]) -> Int? {
        let now = Date()
        return attempts.withLockedValue { table in
            if table.count > maxKeys { table.removeAll(keepingCapacity: true) }
            var wait: TimeInterval?
            for key in keys {
                // In place, oldest first: the expired ones are a prefix (a request costs what expired, not the window).
                table[key, default: []].withRecent(within: window, of: now) { recent in
                    if recent.count >= limit, let oldest = recent.first {
                        wait = max(wait ?? 0, window - now.timeIntervalSince(oldest))
                    } else {
                        recent.append(now)
                    }
                }
            }
            return wait.map { max(1, Int($0.rounded(.up))) }
        }
    }

    /// Throws a 429 with `Retry-After` when any key is over its limit.
    func admit(_ keys: [String]) throws {
        if let seconds = retryAfter(keys) { throw APIError.tooManyRequests(retryAfter: seconds) }
    }
}

extension Array where Element == Date {
    /// Drops the times older than `window` before `now` (a prefix: times are appended in order), then runs `body`.
    fileprivate mutating func withRecent(within window: TimeInterval, of now: Date, _ body: (inout [Date]) -> Void) {
        let expired = firstIndex { now.timeIntervalSince($0) < window } ?? count
        if expired > 0 { removeFirst(expired) }
        body(&self)
    }
}
