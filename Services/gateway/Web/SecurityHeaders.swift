import HTTPTypes
import Hummingbird

/// Headers every response carries (W4): a strict `Content-Security-Policy` (no inline script or style,
/// nothing from another origin, never framed), `nosniff`, no referrer, and a page of its own window.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = GatewayContext

    static let policy = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' blob: data:", "connect-src 'self'",
                         "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"]
        .joined(separator: "; ")
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let openerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.policy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[Self.referrerPolicy] = "no-referrer"
        response.headers[Self.frameOptions] = "DENY"
        response.headers[Self.openerPolicy] = "same-origin"
        return response
    }
}
