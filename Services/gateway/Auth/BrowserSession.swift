import Foundation
import HTTPTypes
import Hummingbird

/// Sessions the browser way (W4). A request with `X-Mami-Session: cookie` gets its refresh token as an
/// `HttpOnly; SameSite=Strict` cookie scoped to `/api/v1/auth` (`Secure` behind TLS) instead of in the
/// JSON body, and refresh and logout read it from there. Such calls are refused from another origin:
/// SameSite keeps the cookie off cross-site requests, the custom header cannot be sent cross-site
/// without a CORS preflight (which the gateway never grants), and `Origin`, when sent, must be this host.
/// API clients keep the JSON refresh tokens.
enum BrowserSession {
    static let header = HTTPField.Name("X-Mami-Session")!
    static let cookieName = "mami_refresh"
    static let path = "/api/v1/auth"
    static let forwardedHost = HTTPField.Name("X-Forwarded-Host")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!

    /// Whether the caller asked for the cookie session.
    static func requested(_ request: Request) -> Bool {
        request.headers[header]?.trimmingCharacters(in: .whitespaces).lowercased() == "cookie"
    }

    /// The refresh token from the cookie, after the origin check.
    static func refreshToken(_ request: Request) throws -> String {
        try checkOrigin(request)
        guard let token = cookie(named: cookieName, in: request.headers[values: .cookie]) else {
            throw APIError(.unauthorized, "invalid_refresh_token", "no session cookie; sign in again")
        }
        return token
    }

    /// `Origin` (sent by browsers on every POST) must name the host the request was made to.
    static func checkOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin] else { return }
        let host = request.headers[forwardedHost] ?? request.head.authority ?? ""
        guard let url = URL(string: origin), let originHost = url.host, !host.isEmpty,
              hostAndPort(originHost, url.port, scheme: url.scheme) == normalized(host, scheme: url.scheme) else {
            throw APIError(.forbidden, "cross_origin", "session calls are accepted from this site's own pages only")
        }
    }

    /// The `Set-Cookie` value carrying `token` for `lifetime` seconds.
    static func setCookie(_ token: String, lifetime: TimeInterval, request: Request) -> String {
        attributes("\(cookieName)=\(token)", maxAge: Int(lifetime), request: request)
    }

    /// The `Set-Cookie` value that removes the cookie.
    static func clearCookie(request: Request) -> String {
        attributes("\(cookieName)=", maxAge: 0, request: request)
    }

    private static func attributes(_ pair: String, maxAge: Int, request: Request) -> String {
        let secure = request.headers[forwardedProto]?.lowercased() == "https" || request.head.scheme == "https"
        return pair + "; Path=\(path); Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    static func cookie(named name: String, in headers: [String]) -> String? {
        for header in headers {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, parts[0] == name, !parts[1].isEmpty { return parts[1] }
            }
        }
        return nil
    }

    private static func hostAndPort(_ host: String, _ port: Int?, scheme: String?) -> String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return (port.map { "\(bracketed):\($0)" } ?? bracketed).lowercased()
    }

    /// `host[:port]` without the scheme's default port.
    private static func normalized(_ authority: String, scheme: String?) -> String {
        let lowered = authority.lowercased()
        let defaultPort = scheme == "https" ? ":443" : ":80"
        return lowered.hasSuffix(defaultPort) ? String(lowered.dropLast(defaultPort.count)) : lowered
    }
}
