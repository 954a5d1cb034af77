import Foundation
import Hummingbird
import MamiCore

/// `/api/v1/auth/*` and `/api/v1/keys` (G6): register, login, refresh (rotating),
/// logout (revoking), me, a password change; API keys. Login and register are rate-limited per IP
/// and per account; an unknown user and a wrong password get the same answer. A browser's refresh
/// token travels in a cookie instead of the body (``BrowserSession``).
struct AuthRoutes: Sendable {
    var accounts: AccountStore
    var tokens: AccessTokens
    var hasher: PasswordHasher
    var authenticator: Authenticator
    var limiter: RateLimiter
    var bodyLimit: Int

    static let invalidLogin = APIError(.unauthorized, "invalid_credentials", "wrong username or password")

    func add(to group: RouterGroup<GatewayContext>) {
        group.post("/auth/register") { request, context in try await register(request, context) }
        group.post("/auth/login") { request, context in try await login(request, context) }
        group.post("/auth/refresh") { request, _ in try await refresh(request) }
        group.post("/auth/logout") { request, _ in try await logout(request) }
        group.post("/auth/password") { request, context in try await changePassword(request, context) }
        group.get("/auth/me") { request, _ in JSONResponse.make(try await authenticator.principal(request).user.json) }
        group.post("/keys") { request, _ in try await createKey(request) }
        group.get("/keys") { request, _ in
            let user = try await authenticator.principal(request).user
            return JSONResponse.make(["items": .array(try await accounts.apiKeys(userID: user.id))])
        }
        group.delete("/keys/:id") { request, context in
            let user = try await authenticator.principal(request).user
            guard try await accounts.revokeAPIKey(userID: user.id, id: context.parameters.get("id") ?? "") else { throw APIError.notFound("API key") }
            return Response(status: .noContent)
        }
    }

    private func credentials(_ request: Request) async throws -> (String, String) {
        let body = try await JSONResponse.object(request, limit: bodyLimit)
        let username = try body.requireString("username").trimmingCharacters(in: .whitespaces)
        let password = try body.requireString("password")
        guard (3...64).contains(username.count), username.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
            throw FieldError(field: "username", problem: "must be 3 to 64 letters, digits, '.', '_' or '-'")
        }
        guard (8...256).contains(password.count) else { throw FieldError(field: "password", problem: "must be 8 to 256 characters") }
        return (username, password)
    }

    func register(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let (username, password) = try await credentials(request)
        try limiter.admit(["register-ip:\(context.clientIP)", "account:\(username.lowercased())"])
        guard let user = try await accounts.createUser(username: username, passwordHash: try await hasher.hash(password)) else {
            throw APIError(.conflict, "username_taken", "that username is taken")
        }
        context.logger.info("user registered", metadata: ["user": "\(user.id)"])
        return answer(try await session(for: user), to: request, status: .created)
    }

    func login(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let (username, password) = try await credentials(request)
        try limiter.admit(["login-ip:\(context.clientIP)", "account:\(username.lowercased())"])
        guard let (user, hash) = try await accounts.credentials(username: username) else {
            _ = try await hasher.verify(password, hash: PasswordHasher.decoy)
            throw Self.invalidLogin
        }
        guard try await hasher.verify(password, hash: hash) else { throw Self.invalidLogin }
        return answer(try await session(for: user), to: request)
    }

    /// The token pair as JSON; for a browser session the refresh token goes into the cookie instead.
    private func answer(_ pair: JSONValue, to request: Request, status: HTTPResponse.Status = .ok) -> Response {
        guard BrowserSession.requested(request), var body = pair.objectValue, let refresh = body.removeValue(forKey: "refresh_token")?.stringValue else {
            return JSONResponse.make(pair, status: status)
        }
        var response = JSONResponse.make(.object(body), status: status)
        response.headers[.setCookie] = BrowserSession.setCookie(refresh, lifetime: accounts.refreshLifetime, request: request)
        return response
    }

    /// The refresh token a refresh or logout presents: the cookie's for a browser session, else the body's.
    private func presentedRefresh(_ request: Request) async throws -> String {
        if BrowserSession.requested(request) { return try BrowserSession.refreshToken(request) }
        return try await JSONResponse.object(request, limit: bodyLimit).requireString("refresh_token")
    }

    /// A new session: an access token and the first refresh token of a new family.
    private func session(for user: User) async throws -> JSONValue {
        try await tokenPair(for: user, refresh: try await accounts.issueRefresh(userID: user.id))
    }

    private func tokenPair(for user: User, refresh: IssuedRefresh) async throws -> JSONValue {
        let access = try await tokens.issue(for: user, family: refresh.familyID)
        return [
            "user": user.json, "access_token": .string(access.token), "token_type": "Bearer",
            "expires_in": .int(Int64(access.expiresAt.timeIntervalSinceNow.rounded())),
            "refresh_token": .string(refresh.token),
        ]
    }

    func refresh(_ request: Request) async throws -> Response {
        let token = try await presentedRefresh(request)
        switch try await accounts.rotate(token) {
        case .success(let (userID, refresh)):
            guard let user = try await accounts.user(id: userID) else { throw APIError.unauthorized }
            return answer(try await tokenPair(for: user, refresh: refresh), to: request)
        case .failure(.reused):
            throw APIError(.unauthorized, "token_reused", "this refresh token was already used; the session is revoked")
        case .failure:
            throw APIError(.unauthorized, "invalid_refresh_token", "the refresh token is unknown, expired or revoked")
        }
    }

    func logout(_ request: Request) async throws -> Response {
        let token = try await presentedRefresh(request)
        guard try await accounts.revokeFamily(of: token) else { throw APIError(.unauthorized, "invalid_refresh_token", "unknown refresh token") }
        var response = Response(status: .noContent)
        if BrowserSession.requested(request) { response.headers[.setCookie] = BrowserSession.clearCookie(request: request) }
        return response
    }

    /// `{current_password, new_password}`: every session of the person ends (their API keys stay) and a new
    /// one begins, answered as a login.
    func changePassword(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let user = try await authenticator.principal(request).user
        if BrowserSession.requested(request) { try BrowserSession.checkOrigin(request) }
        let body = try await JSONResponse.object(request, limit: bodyLimit)
        let current = try body.requireString("current_password")
        let new = try body.requireString("new_password")
        guard (8...256).contains(new.count) else { throw FieldError(field: "new_password", problem: "must be 8 to 256 characters") }
        try limiter.admit(["password-ip:\(context.clientIP)", "account:\(user.username.lowercased())"])
        guard let (_, hash) = try await accounts.credentials(username: user.username), try await hasher.verify(current, hash: hash) else {
            throw APIError(.forbidden, "wrong_password", "the current password is wrong")
        }
        try await accounts.setPassword(userID: user.id, hash: try await hasher.hash(new))
        context.logger.info("password changed", metadata: ["user": "\(user.id)"])
        return answer(try await session(for: user), to: request)
    }

    func createKey(_ request: Request) async throws -> Response {
        let user = try await authenticator.principal(request).user
        let body = try await JSONResponse.object(request, limit: bodyLimit)
        let name = try body.identifier("name", maxBytes: 100) ?? "key"
        let created = try await accounts.createAPIKey(userID: user.id, name: name)
        var json = created.json.objectValue ?? [:]
        json["key"] = .string(created.key)
        return JSONResponse.make(.object(json), status: .created)
    }
}
