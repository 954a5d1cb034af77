import Foundation
import Hummingbird
import MamiCore

/// `/api/v1/auth/*` and `/api/v1/keys` (G6): register, login, refresh (rotating),
/// logout (revoking), me; API keys. Login and register are rate-limited per IP
/// and per account; an unknown user and a wrong password get the same answer.
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
        return JSONResponse.make(try await session(for: user), status: .created)
    }

    func login(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let (username, password) = try await credentials(request)
        try limiter.admit(["login-ip:\(context.clientIP)", "account:\(username.lowercased())"])
        guard let (user, hash) = try await accounts.credentials(username: username) else {
            _ = try await hasher.verify(password, hash: PasswordHasher.decoy)
            throw Self.invalidLogin
        }
        guard try await hasher.verify(password, hash: hash) else { throw Self.invalidLogin }
        return JSONResponse.make(try await session(for: user))
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
        let token = try await JSONResponse.object(request, limit: bodyLimit).requireString("refresh_token")
        switch try await accounts.rotate(token) {
        case .success(let (userID, refresh)):
            guard let user = try await accounts.user(id: userID) else { throw APIError.unauthorized }
            return JSONResponse.make(try await tokenPair(for: user, refresh: refresh))
        case .failure(.reused):
            throw APIError(.unauthorized, "token_reused", "this refresh token was already used; the session is revoked")
        case .failure:
            throw APIError(.unauthorized, "invalid_refresh_token", "the refresh token is unknown, expired or revoked")
        }
    }

    func logout(_ request: Request) async throws -> Response {
        let token = try await JSONResponse.object(request, limit: bodyLimit).requireString("refresh_token")
        guard try await accounts.revokeFamily(of: token) else { throw APIError(.unauthorized, "invalid_refresh_token", "unknown refresh token") }
        return Response(status: .noContent)
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
