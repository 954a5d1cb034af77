import Crypto
import Foundation
import JWTKit
import MamiCore
import ServiceTestSupport
import Testing

@Suite struct AuthTests {
    @Test func aReplayedRefreshTokenRevokesItsWholeFamily() async throws {
        let stack = try await Stack.start()
        let first = try await stack.register("ayse")
        #expect(try await stack.json("GET", "/api/v1/auth/me", token: first.access).body["username"] == "ayse")
        let (status, body) = try await stack.json("POST", "/api/v1/auth/refresh", ["refresh_token": .string(first.refresh)])
        #expect(status == 200)
        let second = Session(body)
        #expect(second.refresh != first.refresh)
        // The first token comes back: theft. The family is revoked, the child and its access token with it.
        let replay = try await stack.json("POST", "/api/v1/auth/refresh", ["refresh_token": .string(first.refresh)])
        #expect(replay.status == 401)
        #expect(replay.body["error"]?["code"] == "token_reused")
        #expect(try await stack.json("POST", "/api/v1/auth/refresh", ["refresh_token": .string(second.refresh)]).status == 401)
        #expect(try await stack.json("GET", "/api/v1/auth/me", token: second.access).status == 401)
        await stack.stop()
    }

    @Test func logoutRevokesTheSession() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("bora")
        #expect(try await stack.request("POST", "/api/v1/auth/logout", ["refresh_token": .string(session.refresh)]).status == 204)
        #expect(try await stack.json("GET", "/api/v1/auth/me", token: session.access).status == 401)
        #expect(try await stack.json("POST", "/api/v1/auth/refresh", ["refresh_token": .string(session.refresh)]).status == 401)
        await stack.stop()
    }

    @Test func forgedExpiredAndForeignTokensAreRejected() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("cem")
        let forge = try await TokenForge(stateDirectory: "\(stack.directory)/lib")
        let valid = try await forge.sign(sub: session.userID, sid: session.familyID)
        #expect(try await stack.json("GET", "/api/v1/auth/me", token: valid).status == 200, "the forge itself must make valid tokens")
        let rejected: [(String, String)] = [
            ("expired", try await forge.sign(sub: session.userID, sid: session.familyID, expires: Date().addingTimeInterval(-60))),
            ("wrong audience", try await forge.sign(sub: session.userID, sid: session.familyID, audience: "someone-else")),
            ("wrong issuer", try await forge.sign(sub: session.userID, sid: session.familyID, issuer: "evil")),
            ("tampered", TokenForge.tamper(valid)),
            ("alg none", TokenForge.unsigned(valid)),
            ("other key", try await TokenForge(key: Curve25519.Signing.PrivateKey()).sign(sub: session.userID, sid: session.familyID)),
            ("garbage", "not.a.token"),
        ]
        for (name, token) in rejected {
            #expect(try await stack.json("GET", "/api/v1/auth/me", token: token).status == 401, "\(name) was accepted")
        }
        #expect(try await stack.json("GET", "/api/v1/auth/me").status == 401)
        await stack.stop()
    }

    @Test func anUnknownUserAndAWrongPasswordGetTheSameAnswer() async throws {
        let stack = try await Stack.start()
        _ = try await stack.register("deniz")
        let wrong = try await stack.request("POST", "/api/v1/auth/login", ["username": "deniz", "password": "wrong password"])
        let unknown = try await stack.request("POST", "/api/v1/auth/login", ["username": "nobody", "password": "wrong password"])
        #expect(wrong.status == 401)
        #expect(wrong.status == unknown.status)
        #expect(try JSONValue(parsing: wrong.body) == JSONValue(parsing: unknown.body))
        await stack.stop()
    }

    @Test func loginAttemptsAreLimited() async throws {
        let stack = try await Stack.start(extra: ["MAMI_AUTH_ATTEMPTS_PER_MINUTE": "3"])
        _ = try await stack.register("ece")
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try await stack.request("POST", "/api/v1/auth/login", ["username": "ece", "password": "wrong password"]).status) }
        #expect(statuses == [401, 401, 429, 429], "register counted once for the account: \(statuses)")
        await stack.stop()
    }

    @Test func apiKeysAuthenticateUntilRevoked() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("fikret")
        let created = try await stack.json("POST", "/api/v1/keys", ["name": "laptop"], token: session.access)
        #expect(created.status == 201)
        let key = created.body["key"]!.stringValue!
        #expect(try await stack.json("GET", "/api/v1/auth/me", token: key).body["username"] == "fikret")
        let listed = try await stack.json("GET", "/api/v1/keys", token: session.access).body["items"]?.arrayValue ?? []
        #expect(listed.count == 1)
        #expect(listed.first?["key"] == nil, "a key's secret is shown once")
        #expect(try await stack.request("DELETE", "/api/v1/keys/\(created.body["id"]!.stringValue!)", token: session.access).status == 204)
        #expect(try await stack.json("GET", "/api/v1/auth/me", token: key).status == 401)
        await stack.stop()
    }
}

/// Makes access tokens the way the gateway does, with its own key (read from its
/// state directory) or another one, to probe the verifier.
struct TokenForge {
    let keys = JWTKeyCollection()

    init(stateDirectory: String) async throws {
        let raw = Data(base64Encoded: FileManager.default.contents(atPath: "\(stateDirectory)/gateway-signing.key") ?? Data()) ?? Data()
        try await self.init(key: Curve25519.Signing.PrivateKey(rawRepresentation: raw))
    }

    init(key: Curve25519.Signing.PrivateKey) async throws {
        await keys.add(eddsa: EdDSA.PrivateKey(backing: key), kid: JWKIdentifier(string: "mami-ed25519"))
    }

    struct Claims: JWTPayload {
        var iss: IssuerClaim
        var aud: AudienceClaim
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var jti: IDClaim
        var sid: String
        var role: String
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    func sign(sub: String, sid: String, expires: Date = Date().addingTimeInterval(600), audience: String = "mami-api", issuer: String = "mami") async throws -> String {
        let claims = Claims(iss: .init(value: issuer), aud: .init(value: [audience]), sub: .init(value: sub), exp: .init(value: expires),
                            iat: .init(value: Date()), jti: .init(value: UUID().uuidString), sid: sid, role: "user")
        return try await keys.sign(claims, kid: JWKIdentifier(string: "mami-ed25519"))
    }

    /// The same token with one payload character changed.
    static func tamper(_ token: String) -> String {
        var parts = token.split(separator: ".").map(String.init)
        var payload = Array(parts[1])
        payload[payload.count / 2] = payload[payload.count / 2] == "A" ? "B" : "A"
        parts[1] = String(payload)
        return parts.joined(separator: ".")
    }

    /// The same claims under `{"alg":"none"}` with no signature.
    static func unsigned(_ token: String) -> String {
        let header = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return header + "." + token.split(separator: ".")[1] + "."
    }
}
